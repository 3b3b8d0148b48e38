//! Categories, brands and units: created by the brand administrator through the API and the
//! console, with duplicate codes and a third category level refused; and partner administrators
//! manage only their own company's users.

use qudao_domain::access::Role;
use qudao_store::settings::PARENT_SEES_SUB_DEALERS;
use qudao_testkit::{PartnerBuilder, TEST_PASSWORD, UserBuilder, each_backend};

#[tokio::test]
async fn the_brand_administrator_adds_categories_brands_and_units() {
    each_backend(|app| async move {
        UserBuilder::new("admin", Role::BrandAdmin).create(&app).await;
        UserBuilder::new("finance", Role::Finance).create(&app).await;
        let admin = app.bearer("admin", TEST_PASSWORD).await;
        let tea = serde_json::json!({ "code": "bev-tea", "name_zh": "茶饮料", "name_en": "Tea Drinks", "parent": "BEV" });
        let created = admin.post_json("/api/v1/categories", &tea).await;
        assert_eq!(created.status, 201, "{}", created.text());
        assert_eq!(created.json()["code"], "BEV-TEA");
        assert_eq!(admin.post_json("/api/v1/categories", &tea).await.json()["error"]["fields"][0]["code"], "already_taken");
        let third = serde_json::json!({ "code": "BEV-TEA-GREEN", "name_zh": "绿茶", "name_en": "Green Tea", "parent": "BEV-TEA" });
        let refused = admin.post_json("/api/v1/categories", &third).await;
        assert_eq!(refused.json()["error"]["fields"][0]["code"], "category_too_deep");
        let brand = admin.post_json("/api/v1/brands", &serde_json::json!({ "code": "QINGHE", "name_zh": "青禾", "name_en": "Qinghe" })).await;
        assert_eq!(brand.status, 201);
        let unit = admin.post_json("/api/v1/units", &serde_json::json!({ "code": "TRAY", "name_zh": "托", "name_en": "tray" })).await;
        assert_eq!(unit.status, 201);
        let units = admin.get("/api/v1/units").await.json();
        assert!(units.as_array().expect("units").iter().any(|u| u["code"] == "TRAY"));
        let finance = app.bearer("finance", TEST_PASSWORD).await;
        assert_eq!(finance.post_json("/api/v1/brands", &serde_json::json!({ "code": "X", "name_zh": "x", "name_en": "x" })).await.status, 403);

        // The console page lists them and its forms add more, with errors in the user's language.
        let browser = app.browser("admin", TEST_PASSWORD).await;
        let page = browser.get("/console/catalog").await;
        assert_eq!(page.status, 200);
        assert!(page.text().contains("茶饮料") && page.text().contains("青禾") && page.text().contains("托"));
        let added = browser.post_form("/console/catalog/units", &[("code", "BAG"), ("name_zh", "袋"), ("name_en", "bag")]).await;
        assert_eq!(added.status, 303);
        let bad = browser.post_form("/console/catalog/brands", &[("code", "坏 码"), ("name_zh", ""), ("name_en", "x")]).await;
        assert_eq!(bad.status, 422);
        assert!(bad.text().contains("只能使用字母、数字及 - _ ."), "{}", bad.text());
        assert!(bad.text().contains("必填。"));
        app
    })
    .await;
}

#[tokio::test]
async fn a_distributor_sees_but_does_not_manage_its_sub_dealers_users() {
    each_backend(|app| async move {
        app.setting(PARENT_SEES_SUB_DEALERS, "true").await;
        let distributor = PartnerBuilder::new("甲经销商").create(&app).await;
        let sub = PartnerBuilder::new("乙分销商").sub_dealer_of(distributor.id).create(&app).await;
        UserBuilder::new("dist.admin", Role::PartnerAdmin).partner(distributor.id).create(&app).await;
        let sub_rep = UserBuilder::new("sub.rep", Role::PartnerSales).partner(sub.id).create(&app).await;
        let own_rep = UserBuilder::new("own.rep", Role::PartnerSales).partner(distributor.id).create(&app).await;
        let client = app.bearer("dist.admin", TEST_PASSWORD).await;
        assert_eq!(client.get(&format!("/api/v1/users/{sub_rep}")).await.status, 200, "visible");
        assert_eq!(
            client.call("POST", &format!("/api/v1/users/{sub_rep}/suspend")).await.status,
            403,
            "not manageable"
        );
        assert_eq!(client.call("POST", &format!("/api/v1/users/{own_rep}/suspend")).await.status, 200);
        app
    })
    .await;
}
