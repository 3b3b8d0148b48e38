//! The catalog pages: the console's product list, forms, SKUs and pictures, the portal's catalog
//! with its pinyin search, and the file routes the pages use for pictures, on both databases.

use qudao_domain::access::Role;
use qudao_testkit::{Client, PartnerBuilder, TEST_PASSWORD, TestApp, UserBuilder, each_backend};

/// A 2×2 PNG, small enough to write out.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00,
    0x02, 0x00, 0x00, 0x00, 0x02, 0x08, 0x02, 0x00, 0x00, 0x00, 0xfd, 0xd4, 0x9a, 0x73, 0x00, 0x00, 0x00, 0x10, 0x49,
    0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xb8, 0x60, 0xa0, 0x00, 0x44, 0x0c, 0x10, 0x0a, 0x00, 0x22, 0x4e, 0x04, 0x81,
    0xa1, 0xaf, 0xee, 0xe2, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

/// A brand administrator and a partner sales rep.
async fn people(app: &TestApp) {
    UserBuilder::new("admin", Role::BrandAdmin).create(app).await;
    let partner = PartnerBuilder::new("南京恒泰商贸有限公司").create(app).await;
    UserBuilder::new("rep", Role::PartnerSales).partner(partner.id).create(app).await;
}

/// Creates a product with one SKU at `fen` through the JSON API; returns the product's id.
async fn product(api: &Client<'_>, code: &str, name_zh: &str, name_en: &str, fen: i64) -> String {
    let body = serde_json::json!({
        "code": code, "name_zh": name_zh, "name_en": name_en, "category": "BEV-CSD", "brand": "LANXI",
        "base_unit": "BOTTLE", "units": [{ "unit": "CASE", "factor": 24 }]
    });
    let created = api.post_json("/api/v1/products", &body).await;
    assert_eq!(created.status, 201, "{}", created.text());
    let Some(id) = created.json()["id"].as_str().map(str::to_string) else { panic!("no id: {}", created.text()) };
    let sku = serde_json::json!({ "code": format!("{code}-01"), "spec": "规格=330ml", "list_price": fen });
    let added = api.post_json(&format!("/api/v1/products/{id}/skus"), &sku).await;
    assert_eq!(added.status, 201, "{}", added.text());
    id
}

/// Switches a signed-in browser to English.
async fn english(client: &Client<'_>) {
    let switched = client.post_form("/lang", &[("lang", "en"), ("next", "/")]).await;
    assert_eq!(switched.status, 303, "{}", switched.text());
}

/// Whether a page offers the subcategory as "饮料 > 碳酸饮料" (the `>` escaped).
fn parent_child(page: &str) -> bool {
    ["饮料 &gt; 碳酸饮料", "饮料 &#62; 碳酸饮料"].iter().any(|label| page.contains(label))
}

fn id_from(location: &str) -> String {
    location.rsplit('/').next().unwrap_or_default().to_string()
}

#[tokio::test]
async fn partners_find_cola_by_characters_full_pinyin_and_initials() {
    each_backend(|app| async move {
        people(&app).await;
        let api = app.bearer("admin", TEST_PASSWORD).await;
        let cola = product(&api, "P-COLA", "澜溪可乐", "Lanxi Cola", 350).await;
        product(&api, "P-LEMON", "澜溪柠檬水", "Lanxi Lemonade", 400).await;

        let rep = app.browser("rep", TEST_PASSWORD).await;
        for q in ["kl", "kele", "KeLe", "可乐", "P-COLA"] {
            let page = rep.get(&format!("/portal/catalog?q={}", urlencode(q))).await;
            assert_eq!(page.status, 200, "{q}: {}", page.text());
            let text = page.text();
            assert!(text.contains("澜溪可乐"), "{q} finds the cola");
            assert!(!text.contains("澜溪柠檬水"), "{q} does not find the lemonade");
            assert!(text.contains(&format!("/portal/catalog/{cola}")));
            assert!(text.contains("¥3.50"));
        }
        let all = rep.get("/portal/catalog?category=BEV").await.text();
        assert!(all.contains("澜溪可乐") && all.contains("澜溪柠檬水"), "the parent category holds both");
        assert!(parent_child(&all), "categories read parent > child");

        let page = rep.get(&format!("/portal/catalog/{cola}")).await;
        assert_eq!(page.status, 200, "{}", page.text());
        let text = page.text();
        assert!(text.contains("1 箱 = 24 瓶"), "units read as conversions");
        assert!(text.contains("P-COLA-01") && text.contains("¥3.50"));

        english(&rep).await;
        let page = rep.get(&format!("/portal/catalog/{cola}")).await.text();
        assert!(page.contains("Lanxi Cola") && page.contains("1 case = 24 bottle"), "{page}");
        let list = rep.get("/portal/catalog?q=kl").await.text();
        assert!(list.contains("Catalog") && list.contains("SKUs: 1"));
        app
    })
    .await;
}

fn urlencode(text: &str) -> String {
    serde_urlencoded::to_string([("q", text)]).unwrap_or_default().trim_start_matches("q=").to_string()
}

#[tokio::test]
async fn a_brand_admin_creates_a_product_and_its_skus_through_the_forms() {
    each_backend(|app| async move {
        people(&app).await;
        let admin = app.browser("admin", TEST_PASSWORD).await;
        let form = admin.get("/console/products/new").await;
        assert_eq!(form.status, 200, "{}", form.text());
        assert!(parent_child(&form.text()));

        let mut fields = vec![
            ("code", "P-FORM-1"),
            ("name_zh", ""),
            ("name_en", "Lanxi Cola Zero"),
            ("category", "BEV-CSD"),
            ("brand", "LANXI"),
            ("base_unit", "BOTTLE"),
            ("tax_rate", "13"),
            ("description", "零糖"),
            ("unit1", ""),
            ("factor1", ""),
            ("unit2", "CASE"),
            ("factor2", "1"),
        ];
        let refused = admin.post_form("/console/products", &fields).await;
        assert_eq!(refused.status, 422, "{}", refused.text());
        let text = refused.text();
        assert!(text.contains("必填。"), "the missing name is named in Chinese");
        assert!(text.contains("Lanxi Cola Zero") && text.contains("零糖"), "typed values are kept");

        fields[1] = ("name_zh", "澜溪零度可乐");
        let refused = admin.post_form("/console/products", &fields).await;
        assert_eq!(refused.status, 422, "{}", refused.text());
        let text = refused.text();
        let second_row =
            &text[text.find("name=\"unit2\"").expect("row 2")..text.find("name=\"unit3\"").expect("row 3")];
        assert!(second_row.contains("请输入 2 到 100000 之间的整数。"), "the factor error is on its row: {second_row}");
        fields[11] = ("factor2", "24");
        let created = admin.post_form("/console/products", &fields).await;
        assert_eq!(created.status, 303, "{}", created.text());
        let location = created.location().expect("location");
        let id = id_from(&location);
        let detail = admin.get(&location).await;
        assert_eq!(detail.status, 200);
        let text = detail.text();
        assert!(text.contains("澜溪零度可乐") && text.contains("1 箱 = 24 瓶"));

        let bad_sku = admin
            .post_form(
                &format!("/console/products/{id}/skus"),
                &[("code", "S-ZERO-1"), ("spec", "330ml"), ("list_price", "abc")],
            )
            .await;
        assert_eq!(bad_sku.status, 422);
        let text = bad_sku.text();
        assert!(text.contains("金额格式不正确。") && text.contains("规格请写成"), "{text}");

        let sku = admin
            .post_form(
                &format!("/console/products/{id}/skus"),
                &[("code", "S-ZERO-1"), ("spec", "规格=330ml"), ("barcode", "6953817100019"), ("list_price", "3.50")],
            )
            .await;
        assert_eq!(sku.status, 303, "{}", sku.text());
        let api = app.bearer("admin", TEST_PASSWORD).await;
        let view = api.get(&format!("/api/v1/products/{id}")).await.json();
        assert_eq!(view["skus"][0]["list_price"], 350, "yuan typed, fen stored");
        let sku_id = view["skus"][0]["id"].as_str().expect("sku id").to_string();
        let page = admin.get(&format!("/console/products/{id}")).await.text();
        assert!(page.contains("¥3.50") && page.contains("value=\"3.50\"") && page.contains("规格=330ml"));

        english(&admin).await;
        let refused = admin
            .post_form(
                &format!("/console/products/{id}/skus/{sku_id}"),
                &[("spec", "规格=330ml"), ("list_price", "-1")],
            )
            .await;
        assert_eq!(refused.status, 422);
        assert!(refused.text().contains("Must not be negative."));
        let saved = admin
            .post_form(
                &format!("/console/products/{id}/skus/{sku_id}"),
                &[("spec", "规格=500ml"), ("list_price", "4.20")],
            )
            .await;
        assert_eq!(saved.status, 303, "{}", saved.text());
        let view = api.get(&format!("/api/v1/products/{id}")).await.json();
        assert_eq!(view["skus"][0]["list_price"], 420);
        assert_eq!(view["skus"][0]["status"], "inactive", "an unticked box deactivates");

        let edit = admin.get(&format!("/console/products/{id}/edit")).await;
        assert_eq!(edit.status, 200);
        assert!(edit.text().contains("name=\"version\""));
        let version = view["version"].to_string();
        let saved = admin
            .post_form(
                &format!("/console/products/{id}/edit"),
                &[
                    ("version", version.as_str()),
                    ("name_zh", "澜溪零度可乐"),
                    ("name_en", "Lanxi Cola Zero Sugar"),
                    ("category", "BEV-CSD"),
                    ("brand", "LANXI"),
                    ("base_unit", "BOTTLE"),
                    ("tax_rate", "13"),
                    ("unit1", "CASE"),
                    ("factor1", "12"),
                ],
            )
            .await;
        assert_eq!(saved.status, 303, "{}", saved.text());
        let list = admin.get("/console/products?q=lxldkl").await;
        assert_eq!(list.status, 200);
        let text = list.text();
        assert!(text.contains("Lanxi Cola Zero Sugar") && text.contains("Inactive"), "{text}");
        let stale = admin
            .post_form(
                &format!("/console/products/{id}/edit"),
                &[
                    ("version", version.as_str()),
                    ("name_zh", "旧"),
                    ("name_en", "Old"),
                    ("category", "BEV-CSD"),
                    ("brand", "LANXI"),
                    ("base_unit", "BOTTLE"),
                ],
            )
            .await;
        assert_eq!(stale.status, 409);
        assert!(stale.text().contains("Someone else changed this"));
        app
    })
    .await;
}

#[tokio::test]
async fn pictures_upload_when_real_and_are_refused_when_disguised() {
    each_backend(|app| async move {
        people(&app).await;
        let api = app.bearer("admin", TEST_PASSWORD).await;
        let id = product(&api, "P-PIC", "澜溪汽水", "Lanxi Soda", 300).await;
        let admin = app.browser("admin", TEST_PASSWORD).await;
        let uploaded = admin.upload("POST", &format!("/console/products/{id}/images"), "soda.png", PNG).await;
        assert_eq!(uploaded.status, 303, "{}", uploaded.text());
        let view = api.get(&format!("/api/v1/products/{id}")).await.json();
        let image = view["images"][0].as_str().expect("an image").to_string();
        let page = admin.get(&format!("/console/products/{id}")).await.text();
        assert!(page.contains(&format!("/files/{image}/thumb")));
        let thumb = admin.get(&format!("/files/{image}/thumb")).await;
        assert_eq!(thumb.status, 200);
        assert_eq!(thumb.headers["content-type"], "image/jpeg");
        let original = admin.get(&format!("/files/{image}")).await;
        assert_eq!((original.status, original.body.as_slice()), (200, PNG));
        assert_eq!(original.headers["x-content-type-options"], "nosniff");
        let list = admin.get("/console/products").await.text();
        assert!(list.contains(&format!("/files/{image}/thumb")), "the list shows the thumbnail");

        let rep = app.browser("rep", TEST_PASSWORD).await;
        assert_eq!(rep.get(&format!("/files/{image}/thumb")).await.status, 200, "partners see released pictures");
        assert!(rep.get("/portal/catalog").await.text().contains(&format!("/files/{image}/thumb")));

        let html = b"<html><script>alert(1)</script></html>";
        let refused = admin.upload("POST", &format!("/console/products/{id}/images"), "x.png", html).await;
        assert_eq!(refused.status, 415, "{}", refused.text());
        assert!(refused.text().contains("不接受此文件类型，请使用 PNG、JPEG 或 WebP 图片。"));
        english(&admin).await;
        let refused = admin.upload("POST", &format!("/console/products/{id}/images"), "x.png", html).await;
        assert_eq!(refused.status, 415);
        assert!(refused.text().contains("This file type is not accepted."));
        let view = api.get(&format!("/api/v1/products/{id}")).await.json();
        assert_eq!(view["images"].as_array().map(Vec::len), Some(1), "nothing was attached");
        app
    })
    .await;
}

#[tokio::test]
async fn partner_users_never_see_inactive_products_nor_the_console() {
    each_backend(|app| async move {
        people(&app).await;
        let api = app.bearer("admin", TEST_PASSWORD).await;
        let hidden = product(&api, "P-HIDDEN", "澜溪隐藏饮料", "Lanxi Hidden Drink", 500).await;
        let off =
            api.json("PATCH", &format!("/api/v1/products/{hidden}"), &serde_json::json!({ "active": false })).await;
        assert_eq!(off.status, 200, "{}", off.text());

        let rep = app.browser("rep", TEST_PASSWORD).await;
        let page = rep.get(&format!("/portal/catalog/{hidden}")).await;
        assert_eq!(page.status, 404);
        assert!(!page.text().contains("澜溪隐藏饮料"));
        assert!(!rep.get("/portal/catalog?q=yincang").await.text().contains("澜溪隐藏饮料"));
        for path in [
            "/console/products".to_string(),
            "/console/products/new".to_string(),
            format!("/console/products/{hidden}"),
            format!("/console/products/{hidden}/edit"),
        ] {
            assert_eq!(rep.get(&path).await.status, 403, "{path}");
        }
        let posted = rep.post_form("/console/products", &[("code", "P-X"), ("name_zh", "X"), ("name_en", "X")]).await;
        assert_eq!(posted.status, 403);

        let admin = app.browser("admin", TEST_PASSWORD).await;
        let page = admin.get(&format!("/console/products/{hidden}")).await;
        assert_eq!(page.status, 200);
        assert!(page.text().contains("澜溪隐藏饮料") && page.text().contains("停用"));
        assert_eq!(admin.get("/portal/catalog").await.status, 403, "the portal is for partner users");
        app
    })
    .await;
}
