//! Ordering fairs through the API: partners put in demand while the fair runs, capped by their
//! quotas; allocation shares a short SKU by the fair's rule and each partner sees only its own
//! result and why.

use qudao_domain::access::Role;
use qudao_testkit::{PartnerBuilder, TEST_PASSWORD, UserBuilder, each_backend};
use serde_json::json;

#[tokio::test]
async fn a_short_sku_is_shared_pro_rata_and_each_partner_sees_only_its_share() {
    each_backend(|app| async move {
        let sku = app.sku("S-FAIR", 1_000).await;
        let warehouse = app.warehouse("WH-F", 1).await;
        app.receive(sku, warehouse, 100).await;
        UserBuilder::new("marketer", Role::Marketing).create(&app).await;
        let mut partners = Vec::new();
        for (name, login) in [("甲", "a.admin"), ("乙", "b.admin"), ("丙", "c.admin")] {
            let partner = PartnerBuilder::new(name).create(&app).await;
            UserBuilder::new(login, Role::PartnerAdmin).partner(partner.id).create(&app).await;
            partners.push(partner.id);
        }
        let marketer = app.bearer("marketer", TEST_PASSWORD).await;
        let now = app.app.now_ms();
        let bad = marketer
            .post_json(
                "/api/v1/fairs",
                &json!({ "code": "F1", "name": "春季", "starts_ms": now, "ends_ms": now - 1,
                "rule": "lottery", "items": [{ "sku": "S-NOPE", "price": 1, "stock": 1 }] }),
            )
            .await;
        assert_eq!(bad.status, 422);
        let body = bad.json();
        let fields: Vec<&str> =
            body["error"]["fields"].as_array().expect("fields").iter().filter_map(|f| f["field"].as_str()).collect();
        assert!(
            fields.contains(&"rule") && fields.contains(&"ends_ms") && fields.contains(&"items[0].sku"),
            "{fields:?}"
        );
        let created = marketer
            .post_json(
                "/api/v1/fairs",
                &json!({ "code": "F1", "name": "春季订货会", "starts_ms": now - 1_000,
                "ends_ms": now + 86_400_000, "rule": "pro_rata",
                "items": [{ "sku": "S-FAIR", "price": 800, "stock": 10 }],
                "quotas": [{ "partner_id": partners[2], "sku": "S-FAIR", "quota": 3 }] }),
            )
            .await;
        assert_eq!(created.status, 201, "{}", created.text());
        let id = created.json()["id"].as_str().expect("id").to_string();

        let a = app.bearer("a.admin", TEST_PASSWORD).await;
        let b = app.bearer("b.admin", TEST_PASSWORD).await;
        let c = app.bearer("c.admin", TEST_PASSWORD).await;
        let demand = |n: i64| json!({ "lines": [{ "sku": "s-fair", "quantity": n }] });
        let over = c.json("PUT", &format!("/api/v1/fairs/{id}/demand"), &demand(4)).await;
        assert_eq!(over.json()["error"]["fields"][0]["code"], "over_quota", "{}", over.text());
        for (client, n) in [(&a, 7), (&b, 5), (&c, 3)] {
            let put = client.json("PUT", &format!("/api/v1/fairs/{id}/demand"), &demand(n)).await;
            assert_eq!(put.status, 200, "{}", put.text());
            assert_eq!(put.json()["demand"].as_array().map(Vec::len), Some(1), "only its own demand");
        }
        assert_eq!(a.post_json(&format!("/api/v1/fairs/{id}/allocate"), &json!({})).await.status, 403);
        let allocated = marketer.post_json(&format!("/api/v1/fairs/{id}/allocate"), &json!({})).await;
        assert_eq!(allocated.json()["status"], "allocated", "{}", allocated.text());
        let all = allocated.json()["demand"].as_array().expect("demand").clone();
        let total: i64 = all.iter().filter_map(|d| d["allocated"].as_i64()).sum();
        assert_eq!(total, 10, "all the fair stock is given out");

        let mine = a.get(&format!("/api/v1/fairs/{id}")).await.json();
        let rows = mine["demand"].as_array().expect("demand");
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0]["allocated"], 5, "7 of 15 asked: 4.67 rounds to 5 by largest remainder");
        assert_eq!(rows[0]["explanation"]["kind"], "pro_rata");
        assert_eq!(rows[0]["explanation"]["total_demand"], 15);
        let text = serde_json::to_string(&mine).expect("json");
        for other in &partners[1..] {
            assert!(!text.contains(&other.to_string()), "another partner's id leaked");
        }
        assert_eq!(c.get(&format!("/api/v1/fairs/{id}")).await.json()["demand"][0]["allocated"], 2);
        let late = a.json("PUT", &format!("/api/v1/fairs/{id}/demand"), &demand(1)).await;
        assert_eq!(late.status, 409);
        assert_eq!(marketer.post_json(&format!("/api/v1/fairs/{id}/allocate"), &json!({})).await.status, 409);

        // The allocation becomes orders at the fair's price; a partner without credit is
        // reported and can be ordered later, never twice.
        app.credit_line(partners[0], 1_000_000).await;
        app.credit_line(partners[1], 1_000_000).await;
        let ordered = marketer.post_json(&format!("/api/v1/fairs/{id}/orders"), &json!({})).await;
        assert_eq!(ordered.status, 200, "{}", ordered.text());
        let results = ordered.json()["results"].as_array().expect("results").clone();
        let of = |partner: &qudao_domain::ids::PartnerId| {
            results.iter().find(|r| r["partner_id"] == partner.to_string()).expect("a result").clone()
        };
        assert_eq!(of(&partners[0])["total"], 5 * 800);
        assert!(of(&partners[0])["number"].as_str().is_some_and(|n| n.starts_with("SO-")));
        assert_eq!(of(&partners[2])["error"], "insufficient_credit", "{results:?}");
        let order_id = of(&partners[0])["order_id"].as_str().expect("order").to_string();
        let order = a.get(&format!("/api/v1/orders/{order_id}")).await.json();
        assert_eq!(order["lines"][0]["list_price"], 800);
        assert_eq!(order["lines"][0]["explanation"]["price_source"]["scope"], "fair");
        assert_eq!(order["lines"][0]["explanation"]["price_source"]["list_code"], "F1");
        app.credit_line(partners[2], 1_000_000).await;
        let again = marketer.post_json(&format!("/api/v1/fairs/{id}/orders"), &json!({})).await.json();
        let results = again["results"].as_array().expect("results");
        assert!(results.iter().all(|r| r["error"].is_null()), "{again}");
        assert_eq!(results.iter().filter(|r| r["number"].is_string()).count(), 1, "only the missing order: {again}");
        let orders = marketer.get("/api/v1/orders").await.json();
        assert_eq!(orders["items"].as_array().map(Vec::len), Some(3), "one order per partner");
        assert_eq!(app.stock_of(sku).await, (100, 10), "the fair's 10 units are reserved");
        app.assert_invariants().await;
        app
    })
    .await;
}

#[tokio::test]
async fn a_channel_manager_allocates_over_all_demand_but_sees_only_its_partners() {
    each_backend(|app| async move {
        app.sku("S-FAIR", 1_000).await;
        let mine = PartnerBuilder::new("上海经销商").region("CN-SH-SH").create(&app).await;
        let other = PartnerBuilder::new("广州经销商").region("CN-GD-GZ").create(&app).await;
        UserBuilder::new("sh.admin", Role::PartnerAdmin).partner(mine.id).create(&app).await;
        UserBuilder::new("gz.admin", Role::PartnerAdmin).partner(other.id).create(&app).await;
        let cm = UserBuilder::new("cm", Role::ChannelManager).create(&app).await;
        app.assign_region(cm, "CN-SH").await;
        let cm = app.bearer("cm", TEST_PASSWORD).await;
        let now = app.app.now_ms();
        let created = cm
            .post_json(
                "/api/v1/fairs",
                &json!({ "code": "F2", "name": "秋季订货会", "starts_ms": now - 1_000, "ends_ms": now + 86_400_000,
                    "rule": "fcfs", "items": [{ "sku": "S-FAIR", "price": 800, "stock": 10 }] }),
            )
            .await;
        assert_eq!(created.status, 201, "{}", created.text());
        let id = created.json()["id"].as_str().expect("id").to_string();
        // The partner outside the territory asks first, for 8 of the 10.
        let gz = app.bearer("gz.admin", TEST_PASSWORD).await;
        let sh = app.bearer("sh.admin", TEST_PASSWORD).await;
        let put = |n: i64| json!({ "lines": [{ "sku": "S-FAIR", "quantity": n }] });
        assert_eq!(gz.json("PUT", &format!("/api/v1/fairs/{id}/demand"), &put(8)).await.status, 200);
        app.clock.advance(1_000);
        assert_eq!(sh.json("PUT", &format!("/api/v1/fairs/{id}/demand"), &put(6)).await.status, 200);
        let allocated = cm.post_json(&format!("/api/v1/fairs/{id}/allocate"), &json!({})).await.json();
        let rows = allocated["demand"].as_array().expect("demand");
        assert_eq!(rows.len(), 1, "the channel manager sees only its territory's demand: {allocated}");
        assert_eq!(rows[0]["partner_id"], json!(mine.id));
        assert_eq!(rows[0]["allocated"], 2, "the earlier partner elsewhere still came first");
        assert_eq!(rows[0]["explanation"]["kind"], "first_come");
        assert_eq!(gz.get(&format!("/api/v1/fairs/{id}")).await.json()["demand"][0]["allocated"], 8);
        app
    })
    .await;
}
