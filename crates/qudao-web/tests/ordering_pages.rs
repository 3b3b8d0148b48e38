//! The ordering pages through their forms: a partner puts in demand at a fair, the brand closes
//! it and turns the allocation into orders, the partner sees its share with the reason and its
//! order; the returns queue, the stock view and the order lists answer each side.

use qudao_domain::access::Role;
use qudao_testkit::{PartnerBuilder, TEST_PASSWORD, UserBuilder, each_backend};
use serde_json::json;

#[tokio::test]
async fn a_fair_runs_through_the_pages_from_demand_to_orders() {
    each_backend(|app| async move {
        let sku = app.sku("S-FAIR", 1_000).await;
        let warehouse = app.warehouse("WH-F", 1).await;
        app.receive(sku, warehouse, 100).await;
        let partner = PartnerBuilder::new("甲公司").create(&app).await;
        UserBuilder::new("rep", Role::PartnerAdmin).partner(partner.id).create(&app).await;
        UserBuilder::new("marketer", Role::Marketing).create(&app).await;
        UserBuilder::new("boss", Role::BrandAdmin).create(&app).await;
        app.credit_line(partner.id, 1_000_000).await;
        let api = app.bearer("marketer", TEST_PASSWORD).await;
        let now = app.app.now_ms();
        let created = api
            .post_json(
                "/api/v1/fairs",
                &json!({ "code": "F-PAGE", "name": "秋季订货会", "starts_ms": now - 1_000, "ends_ms": now + 86_400_000,
                "rule": "fcfs", "items": [{ "sku": "S-FAIR", "price": 700, "stock": 4 }] }),
            )
            .await;
        assert_eq!(created.status, 201, "{}", created.text());
        let id = created.json()["id"].as_str().expect("id").to_string();

        let rep = app.browser("rep", TEST_PASSWORD).await;
        let list = rep.get("/portal/fairs").await;
        assert_eq!(list.status, 200);
        assert!(list.text().contains("秋季订货会"));
        assert!(rep.get(&format!("/portal/fairs/{id}")).await.text().contains("name=\"qty.S-FAIR\""));
        let saved = rep.post_form(&format!("/portal/fairs/{id}/demand"), &[("qty.S-FAIR", "6")]).await;
        assert_eq!(saved.status, 303, "{}", saved.text());

        let marketer = app.browser("marketer", TEST_PASSWORD).await;
        assert_eq!(marketer.post_form(&format!("/console/fairs/{id}/allocate"), &[]).await.status, 303);
        assert_eq!(marketer.post_form(&format!("/console/fairs/{id}/orders"), &[]).await.status, 303);
        let console = marketer.get(&format!("/console/fairs/{id}")).await.text();
        assert!(console.contains("/console/orders/"), "the order is linked");

        let mine = rep.get(&format!("/portal/fairs/{id}")).await.text();
        assert!(mine.contains("<td>4</td>"), "4 of the 6 asked: all the fair held");
        assert!(mine.contains("/portal/orders/"), "its order is linked");
        let orders = rep.get("/portal/orders").await.text();
        assert!(orders.contains("SO-"), "the order is in the partner's list");

        let boss = app.browser("boss", TEST_PASSWORD).await;
        for path in ["/console/orders", "/console/orders?review=1", "/console/returns", "/console/stock?q=S-FAIR"] {
            let page = boss.get(path).await;
            assert_eq!(page.status, 200, "{path}");
        }
        assert!(boss.get("/console/stock?q=S-FAIR").await.text().contains("WH-F"));
        assert_eq!(rep.get("/console/orders").await.status, 403, "partners stay out of the console");
        app.assert_invariants().await;
        app
    })
    .await;
}
