//! Warehouse work: transfers between warehouses and stock counts, journaled like money, never
//! touching what orders reserved — also while orders race for the same stock.

#![expect(clippy::expect_used, reason = "test helpers fail loudly at the first broken step")]

use qudao_domain::access::Role;
use qudao_testkit::{PartnerBuilder, TEST_PASSWORD, TestApp, UserBuilder, each_backend};
use serde_json::json;

async fn setup(app: &TestApp) {
    let partner = PartnerBuilder::new("仓储测试商贸").create(app).await;
    UserBuilder::new("rep", Role::PartnerSales).partner(partner.id).create(app).await;
    UserBuilder::new("keeper", Role::Warehouse).create(app).await;
    let sku = app.sku("S-WH", 100).await;
    let east = app.warehouse("WH-EAST", 1).await;
    app.warehouse("WH-WEST", 2).await;
    app.receive(sku, east, 100).await;
    app.credit_line(partner.id, 100_000_000).await;
}

fn in_warehouse(view: &serde_json::Value, code: &str) -> (i64, i64) {
    let row = view["warehouses"].as_array().expect("warehouses").iter().find(|w| w["warehouse"] == code).cloned();
    row.map_or((0, 0), |w| (w["on_hand"].as_i64().unwrap_or(0), w["reserved"].as_i64().unwrap_or(0)))
}

#[tokio::test]
async fn transfers_and_counts_move_only_free_stock_and_journal_every_move() {
    each_backend(|app| async move {
        setup(&app).await;
        let keeper = app.bearer("keeper", TEST_PASSWORD).await;
        let rep = app.bearer("rep", TEST_PASSWORD).await;
        let order = rep.post_json("/api/v1/orders", &json!({ "lines": [{ "sku": "S-WH", "quantity": 30 }], "payment": "credit" })).await;
        assert_eq!(order.status, 201, "{}", order.text());

        let moved = keeper
            .post_json("/api/v1/stock/transfers", &json!({ "sku": "s-wh", "from": "WH-EAST", "to": "wh-west", "quantity": 60 }))
            .await;
        assert_eq!(moved.status, 201, "{}", moved.text());
        let view = moved.json();
        assert!(view["number"].as_str().is_some_and(|n| n.starts_with("TR-")));
        assert_eq!(in_warehouse(&view["stock"], "WH-EAST"), (40, 30));
        assert_eq!(in_warehouse(&view["stock"], "WH-WEST"), (60, 0));
        let reserved = keeper
            .post_json("/api/v1/stock/transfers", &json!({ "sku": "S-WH", "from": "WH-EAST", "to": "WH-WEST", "quantity": 11 }))
            .await;
        assert_eq!(reserved.status, 422, "only the 10 free units may move: {}", reserved.text());
        let same = keeper
            .post_json("/api/v1/stock/transfers", &json!({ "sku": "S-WH", "from": "WH-EAST", "to": "WH-EAST", "quantity": 1 }))
            .await;
        assert_eq!(same.status, 422);

        // A count: the west finds 58, the east 35 (the 30 reserved are there); a count below
        // what orders hold, or a SKU counted twice, is refused whole.
        let counted = keeper
            .post_json("/api/v1/stock/counts", &json!({ "warehouse": "WH-WEST", "lines": [{ "sku": "S-WH", "counted": 58 }], "reason": "月末盘点" }))
            .await;
        assert_eq!(counted.status, 201, "{}", counted.text());
        assert_eq!(counted.json()["lines"][0]["delta"].as_i64(), Some(-2));
        let short = keeper
            .post_json("/api/v1/stock/counts", &json!({ "warehouse": "WH-EAST", "lines": [{ "sku": "S-WH", "counted": 29 }] }))
            .await;
        assert_eq!(short.status, 422, "{}", short.text());
        assert_eq!(short.json()["error"]["fields"][0]["code"], "below_reserved");
        let twice = keeper
            .post_json("/api/v1/stock/counts", &json!({ "warehouse": "WH-EAST", "lines": [{ "sku": "S-WH", "counted": 35 }, { "sku": "S-WH", "counted": 36 }] }))
            .await;
        assert_eq!(twice.status, 422);
        let east = keeper.post_json("/api/v1/stock/counts", &json!({ "warehouse": "WH-EAST", "lines": [{ "sku": "S-WH", "counted": 35 }] })).await;
        assert_eq!(east.status, 201);
        let stock = keeper.get("/api/v1/stock?sku=S-WH").await.json();
        assert_eq!((in_warehouse(&stock, "WH-EAST"), in_warehouse(&stock, "WH-WEST")), ((35, 30), (58, 0)));
        assert_eq!(rep.post_json("/api/v1/stock/transfers", &json!({ "sku": "S-WH", "from": "WH-EAST", "to": "WH-WEST", "quantity": 1 })).await.status, 403);
        // Every move is in the journal: stock equals its moves, reservations equal open orders.
        app.assert_invariants().await;
        app
    })
    .await;
}

#[tokio::test]
async fn transfers_racing_with_orders_never_move_reserved_stock() {
    each_backend(|app| async move {
        setup(&app).await;
        let keeper = app.bearer("keeper", TEST_PASSWORD).await;
        let rep = app.bearer("rep", TEST_PASSWORD).await;
        let order = json!({ "lines": [{ "sku": "S-WH", "quantity": 7 }], "payment": "credit" });
        let transfer = json!({ "sku": "S-WH", "from": "WH-EAST", "to": "WH-WEST", "quantity": 9 });
        let mut placed = 0;
        let mut moved = 0;
        for _ in 0..10 {
            let (o, t) = tokio::join!(
                rep.post_json("/api/v1/orders", &order),
                keeper.post_json("/api/v1/stock/transfers", &transfer)
            );
            assert!(matches!(o.status, 201 | 422), "{}", o.text());
            assert!(matches!(t.status, 201 | 422), "{}", t.text());
            placed += i64::from(o.status == 201) * 7;
            moved += i64::from(t.status == 201) * 9;
        }
        let stock = keeper.get("/api/v1/stock?sku=S-WH").await.json();
        let (east, west) = (in_warehouse(&stock, "WH-EAST"), in_warehouse(&stock, "WH-WEST"));
        assert_eq!(east.0 + west.0, 100, "transfers create and destroy nothing");
        assert_eq!(west.0, moved);
        assert_eq!(east.1 + west.1, placed, "every reservation is there");
        assert!(east.0 >= east.1 && west.0 >= west.1, "never below what is reserved");
        app.assert_invariants().await;
        app
    })
    .await;
}

#[tokio::test]
async fn the_warehouse_page_receives_transfers_and_counts() {
    each_backend(|app| async move {
        setup(&app).await;
        let keeper = app.browser("keeper", TEST_PASSWORD).await;
        let page = keeper.get("/console/warehouse").await;
        assert_eq!(page.status, 200);
        assert!(page.text().contains("WH-WEST"), "the warehouses to choose from");
        let received = keeper
            .post_form(
                "/console/warehouse/changes",
                &[("sku", "S-WH"), ("warehouse", "WH-WEST"), ("delta", "5"), ("reason", "到货")],
            )
            .await;
        assert_eq!(received.status, 303, "{}", received.text());
        let moved = keeper
            .post_form(
                "/console/warehouse/transfers",
                &[("sku", "S-WH"), ("from", "WH-EAST"), ("to", "WH-WEST"), ("quantity", "10")],
            )
            .await;
        assert_eq!(moved.status, 303, "{}", moved.text());
        let counted =
            keeper.post_form("/console/warehouse/counts", &[("warehouse", "WH-WEST"), ("lines", "S-WH, 14\n")]).await;
        assert_eq!(counted.status, 303, "{}", counted.text());
        let refused =
            keeper.post_form("/console/warehouse/counts", &[("warehouse", "WH-WEST"), ("lines", "S-NOPE, 1")]).await;
        assert_eq!(refused.status, 422);
        assert!(refused.text().contains("warehouse-error"), "the problem is shown on the page");
        let api = app.bearer("keeper", TEST_PASSWORD).await;
        let stock = api.get("/api/v1/stock?sku=S-WH").await.json();
        assert_eq!((in_warehouse(&stock, "WH-EAST").0, in_warehouse(&stock, "WH-WEST").0), (90, 14));
        app.assert_invariants().await;
        app
    })
    .await;
}
