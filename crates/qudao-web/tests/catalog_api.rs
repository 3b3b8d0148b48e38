//! The catalog API: search by characters, pinyin and initials; list items carry their SKUs by
//! code (the fixed shape order tools rely on); partners see active SKUs only.

use qudao_domain::access::Role;
use qudao_testkit::{PartnerBuilder, TEST_PASSWORD, UserBuilder, each_backend};

#[tokio::test]
async fn products_are_found_by_pinyin_and_list_their_skus() {
    each_backend(|app| async move {
        UserBuilder::new("admin", Role::BrandAdmin).create(&app).await;
        let partner = PartnerBuilder::new("甲公司").create(&app).await;
        UserBuilder::new("rep", Role::PartnerSales).partner(partner.id).create(&app).await;
        let admin = app.bearer("admin", TEST_PASSWORD).await;
        let product = admin
            .post_json(
                "/api/v1/products",
                &serde_json::json!({ "code": "P-COLA", "name_zh": "澜溪可乐", "name_en": "Lanxi Cola", "category": "BEV-CSD", "brand": "LANXI", "base_unit": "BOTTLE" }),
            )
            .await;
        let id = product.json()["id"].as_str().expect("id").to_string();
        for (code, active) in [("S-COLA-330", true), ("S-COLA-500", false)] {
            let sku = admin
                .post_json(&format!("/api/v1/products/{id}/skus"), &serde_json::json!({ "code": code, "spec": "规格=330ml", "list_price": 250 }))
                .await;
            assert_eq!(sku.status, 201, "{}", sku.text());
            if !active {
                let sku_id = sku.json()["id"].as_str().expect("sku id").to_string();
                let patch = admin
                    .json("PATCH", &format!("/api/v1/products/{id}/skus/{sku_id}"), &serde_json::json!({ "list_price": 300, "active": false }))
                    .await;
                assert_eq!(patch.status, 200, "{}", patch.text());
            }
        }
        let rep = app.bearer("rep", TEST_PASSWORD).await;
        for query in ["可乐", "kele", "kl", "cola", "S-COLA-330"] {
            let found = rep.get(&format!("/api/v1/products?q={}", serde_urlencoded::to_string([("x", query)]).expect("q").trim_start_matches("x="))).await;
            assert_eq!(found.status, 200);
            let items = found.json()["items"].as_array().expect("items").clone();
            assert_eq!(items.len(), 1, "{query}");
            let skus: Vec<String> =
                items[0]["skus"].as_array().expect("skus").iter().map(|s| s["code"].as_str().expect("code").to_string()).collect();
            assert_eq!(skus, vec!["S-COLA-330"], "partners see active SKUs only ({query})");
        }
        let brand = admin.get("/api/v1/products").await.json();
        assert_eq!(brand["items"][0]["skus"].as_array().expect("skus").len(), 2, "brand staff see both");
        app
    })
    .await;
}
