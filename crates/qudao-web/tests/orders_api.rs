//! Ordering through the API: an order reserves stock and takes payment in the same transaction,
//! never beyond the stock or the credit line, even when many orders race; bad input writes
//! nothing; a retried request with the same Idempotency-Key never makes a second order.

use qudao_domain::access::Role;
use qudao_domain::accounts::{AccountKind, Template};
use qudao_testkit::{PartnerBuilder, TEST_PASSWORD, TestApp, UserBuilder, each_backend};
use serde_json::json;

async fn shop(app: &TestApp) -> (qudao_domain::ids::PartnerId, qudao_domain::ids::SkuId) {
    let partner = PartnerBuilder::new("甲公司").create(app).await;
    UserBuilder::new("rep", Role::PartnerSales).partner(partner.id).create(app).await;
    let sku = app.sku("S-COLA", 250).await;
    let main = app.warehouse("WH-A", 1).await;
    let spare = app.warehouse("WH-B", 2).await;
    app.receive(sku, main, 100).await;
    app.receive(sku, spare, 50).await;
    app.credit_line(partner.id, 100_000).await;
    (partner.id, sku)
}

#[tokio::test]
async fn an_order_reserves_stock_and_takes_credit_together() {
    each_backend(|app| async move {
        let (partner, sku) = shop(&app).await;
        let rep = app.bearer("rep", TEST_PASSWORD).await;
        let placed = rep
            .post_json(
                "/api/v1/orders",
                &json!({ "lines": [{ "sku": "s-cola", "quantity": 2, "unit": "CASE" }], "payment": "credit" }),
            )
            .await;
        assert_eq!(placed.status, 201, "{}", placed.text());
        let order = placed.json();
        assert!(order["number"].as_str().expect("number").starts_with("SO-"), "{order}");
        assert_eq!(order["status"], "approved");
        assert_eq!(order["total"], 48 * 250);
        let line = &order["lines"][0];
        assert_eq!(line["sku"], "S-COLA");
        assert_eq!(line["base_quantity"], 48);
        assert_eq!(line["explanation"]["list_price"], 250);
        assert_eq!(line["explanation"]["price_source"]["scope"], "catalog");
        // 48 bottles: the preferred warehouse has them all, so one parcel.
        assert_eq!(app.stock_of(sku).await, (150, 48));
        assert_eq!(app.account(partner, AccountKind::Receivable).await, (12_000, 100_000, 88_000));
        let id = order["id"].as_str().expect("id");
        let read = rep.get(&format!("/api/v1/orders/{id}")).await;
        assert_eq!(read.status, 200);
        assert_eq!(read.json()["lines"][0]["explanation"]["list_price"], 250);
        assert_eq!(read.json()["number"], order["number"]);
        app.assert_invariants().await;
        app
    })
    .await;
}

#[tokio::test]
async fn orders_beyond_credit_or_stock_are_refused_and_write_nothing() {
    each_backend(|app| async move {
        let (partner, sku) = shop(&app).await;
        app.credit_line(partner, 10_000).await;
        let rep = app.bearer("rep", TEST_PASSWORD).await.language("zh-CN");
        let over_credit = rep
            .post_json("/api/v1/orders", &json!({ "lines": [{ "sku": "S-COLA", "quantity": 120 }], "payment": "credit" }))
            .await;
        assert_eq!(over_credit.status, 422, "{}", over_credit.text());
        let body = over_credit.json();
        assert_eq!(body["error"]["fields"][0]["code"], "insufficient_credit", "{body}");
        assert!(body["error"]["fields"][0]["message"].as_str().expect("message").contains("信用额度"), "{body}");
        let over_stock = rep
            .post_json("/api/v1/orders", &json!({ "lines": [{ "sku": "S-COLA", "quantity": 151 }], "payment": "prepaid" }))
            .await;
        assert_eq!(over_stock.status, 422, "{}", over_stock.text());
        assert_eq!(over_stock.json()["error"]["fields"][0]["code"], "insufficient_stock");
        let no_prepaid = rep
            .post_json("/api/v1/orders", &json!({ "lines": [{ "sku": "S-COLA", "quantity": 1 }], "payment": "prepaid" }))
            .await;
        assert_eq!(no_prepaid.json()["error"]["fields"][0]["code"], "insufficient_balance", "{}", no_prepaid.text());
        let bad = rep
            .post_json(
                "/api/v1/orders",
                &json!({ "lines": [{ "sku": "NOPE", "quantity": 1 }, { "sku": "S-COLA", "quantity": 0 }, { "sku": "S-COLA", "quantity": -3 }, { "sku": "S-COLA", "quantity": 1, "unit": "PALLET" }], "payment": "cash" }),
            )
            .await;
        assert_eq!(bad.status, 422);
        let fields: Vec<(String, String)> = bad.json()["error"]["fields"]
            .as_array()
            .expect("fields")
            .iter()
            .map(|f| (f["field"].as_str().expect("f").to_string(), f["code"].as_str().expect("c").to_string()))
            .collect();
        assert!(fields.iter().any(|(f, c)| f == "payment" && c == "invalid_choice"), "{fields:?}");
        let lines_bad = rep
            .post_json(
                "/api/v1/orders",
                &json!({ "lines": [{ "sku": "NOPE", "quantity": 1 }, { "sku": "S-COLA", "quantity": 0 }, { "sku": "S-COLA", "quantity": 1, "unit": "PALLET" }], "payment": "credit" }),
            )
            .await;
        let fields: Vec<(String, String)> = lines_bad.json()["error"]["fields"]
            .as_array()
            .expect("fields")
            .iter()
            .map(|f| (f["field"].as_str().expect("f").to_string(), f["code"].as_str().expect("c").to_string()))
            .collect();
        assert_eq!(
            fields,
            vec![
                ("lines[0].sku".to_string(), "unknown_sku".to_string()),
                ("lines[1].quantity".to_string(), "quantity_not_positive".to_string()),
                ("lines[2].unit".to_string(), "unknown_unit".to_string()),
            ]
        );
        app.order_rule(sku, "BOTTLE", 6, 6).await;
        let not_multiple = rep
            .post_json("/api/v1/orders", &json!({ "lines": [{ "sku": "S-COLA", "quantity": 8 }], "payment": "credit" }))
            .await;
        assert_eq!(not_multiple.json()["error"]["fields"][0]["code"], "not_a_multiple", "{}", not_multiple.text());
        assert_eq!(app.stock_of(sku).await, (150, 0), "refused orders hold no stock");
        assert_eq!(app.account(partner, AccountKind::Receivable).await, (0, 10_000, 10_000));
        assert_eq!(rep.get("/api/v1/orders").await.json()["items"].as_array().expect("items").len(), 0);
        app.assert_invariants().await;
        app
    })
    .await;
}

#[tokio::test]
async fn a_retried_order_is_placed_once() {
    each_backend(|app| async move {
        let (partner, sku) = shop(&app).await;
        app.post(partner, Template::Prepayment, 50_000, false).await;
        let rep = app.bearer("rep", TEST_PASSWORD).await;
        let body = json!({ "lines": [{ "sku": "S-COLA", "quantity": 10 }], "payment": "prepaid" });
        let headers = [("idempotency-key", "order-retry-1")];
        let first = rep.json_with("POST", "/api/v1/orders", &body, &headers).await;
        assert_eq!(first.status, 201, "{}", first.text());
        let again = rep.json_with("POST", "/api/v1/orders", &body, &headers).await;
        assert_eq!(again.status, 201);
        assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));
        assert_eq!(again.json()["id"], first.json()["id"]);
        let other = json!({ "lines": [{ "sku": "S-COLA", "quantity": 11 }], "payment": "prepaid" });
        let mismatch = rep.json_with("POST", "/api/v1/orders", &other, &headers).await;
        assert_eq!(mismatch.status, 422, "{}", mismatch.text());
        assert_eq!(mismatch.json()["error"]["code"], "idempotency_key_mismatch");
        assert_eq!(app.stock_of(sku).await, (150, 10));
        assert_eq!(app.account(partner, AccountKind::Prepaid).await.0, 50_000 - 2_500);
        app.assert_invariants().await;
        app
    })
    .await;
}

#[tokio::test]
async fn racing_orders_never_oversell_or_overdraw() {
    each_backend(|app| async move {
        let (first_partner, sku) = shop(&app).await;
        let second = PartnerBuilder::new("乙公司").create(&app).await;
        UserBuilder::new("rep2", Role::PartnerSales).partner(second.id).create(&app).await;
        app.credit_line(second.id, 10_000).await;
        let reps = [app.bearer("rep", TEST_PASSWORD).await, app.bearer("rep2", TEST_PASSWORD).await];
        let mut requests = Vec::new();
        for n in 0..40 {
            let rep = &reps[n % 2];
            requests.push(async move {
                rep.json_with(
                    "POST",
                    "/api/v1/orders",
                    &json!({ "lines": [{ "sku": "S-COLA", "quantity": 7 }], "payment": "credit" }),
                    &[("idempotency-key", &format!("race-{n}"))],
                )
                .await
            });
        }
        let responses = futures_util::future::join_all(requests).await;
        let placed = responses.iter().filter(|r| r.status == 201).count() as i64;
        let refused = responses.iter().filter(|r| r.status == 422).count() as i64;
        assert_eq!(placed + refused, 40, "{:?}", responses.iter().map(|r| r.status).collect::<Vec<_>>());
        // 150 bottles: at most 21 orders of 7; the second partner's ¥100 credit allows 5 of them.
        let (on_hand, reserved) = app.stock_of(sku).await;
        assert_eq!(on_hand, 150);
        assert_eq!(reserved, placed * 7);
        assert!(reserved <= 150);
        let (debt, line, _) = app.account(second.id, AccountKind::Receivable).await;
        assert!(debt <= line, "credit line exceeded: {debt} > {line}");
        let (first_debt, _, _) = app.account(first_partner, AccountKind::Receivable).await;
        assert_eq!(first_debt + debt, placed * 7 * 250, "every placed order is paid, and only those");
        app.assert_invariants().await;
        app
    })
    .await;
}

#[tokio::test]
async fn partners_cannot_read_each_others_orders() {
    each_backend(|app| async move {
        shop(&app).await;
        let other = PartnerBuilder::new("乙公司").create(&app).await;
        UserBuilder::new("rep2", Role::PartnerSales).partner(other.id).create(&app).await;
        UserBuilder::new("boss", Role::BrandAdmin).create(&app).await;
        let rep = app.bearer("rep", TEST_PASSWORD).await;
        let placed = rep
            .post_json("/api/v1/orders", &json!({ "lines": [{ "sku": "S-COLA", "quantity": 1 }], "payment": "credit" }))
            .await;
        let id = placed.json()["id"].as_str().expect("id").to_string();
        let stranger = app.bearer("rep2", TEST_PASSWORD).await;
        assert_eq!(stranger.get(&format!("/api/v1/orders/{id}")).await.status, 404);
        assert_eq!(stranger.get("/api/v1/orders").await.json()["items"].as_array().expect("items").len(), 0);
        let boss = app.bearer("boss", TEST_PASSWORD).await;
        assert_eq!(boss.get(&format!("/api/v1/orders/{id}")).await.status, 200);
        assert_eq!(
            boss.post_json(
                "/api/v1/orders",
                &json!({ "lines": [{ "sku": "S-COLA", "quantity": 1 }], "payment": "credit" })
            )
            .await
            .status,
            403
        );
        app
    })
    .await;
}

#[tokio::test]
async fn big_orders_wait_for_approval_and_cancelling_gives_everything_back() {
    each_backend(|app| async move {
        let (partner, sku) = shop(&app).await;
        UserBuilder::new("boss", Role::BrandAdmin).create(&app).await;
        UserBuilder::new("cashier", Role::Finance).create(&app).await;
        app.setting("orders.auto_approve_max", "5000").await;
        let rep = app.bearer("rep", TEST_PASSWORD).await;
        let boss = app.bearer("boss", TEST_PASSWORD).await;
        let big = rep
            .post_json(
                "/api/v1/orders",
                &json!({ "lines": [{ "sku": "S-COLA", "quantity": 30 }], "payment": "credit" }),
            )
            .await
            .json();
        assert_eq!(big["status"], "submitted");
        assert_eq!(big["review_reason"], "over_auto_approve_limit");
        let id = big["id"].as_str().expect("id").to_string();
        let queue = boss.get("/api/v1/orders?awaiting_review=true").await.json();
        assert_eq!(queue["items"][0]["id"], big["id"]);
        assert_eq!(rep.post_json(&format!("/api/v1/orders/{id}/approve"), &json!({})).await.status, 403);
        let approved = boss.post_json(&format!("/api/v1/orders/{id}/approve"), &json!({})).await;
        assert_eq!(approved.json()["status"], "approved", "{}", approved.text());
        assert_eq!(boss.post_json(&format!("/api/v1/orders/{id}/approve"), &json!({})).await.status, 409);
        assert_eq!(app.stock_of(sku).await, (150, 30));
        let cancelled = rep.post_json(&format!("/api/v1/orders/{id}/cancel"), &json!({ "reason": "改单" })).await;
        assert_eq!(cancelled.status, 200, "{}", cancelled.text());
        assert_eq!(cancelled.json()["status"], "cancelled");
        assert_eq!(cancelled.json()["refunded"], 7_500);
        assert_eq!(app.stock_of(sku).await, (150, 0), "cancelling released the stock");
        assert_eq!(app.account(partner, AccountKind::Receivable).await, (0, 100_000, 100_000));
        assert_eq!(rep.post_json(&format!("/api/v1/orders/{id}/cancel"), &json!({})).await.status, 409);

        // Offline transfer: waits for finance, who confirms the money; a later cancellation
        // refunds it to the prepaid balance.
        let transfer = rep
            .post_json(
                "/api/v1/orders",
                &json!({ "lines": [{ "sku": "S-COLA", "quantity": 4 }], "payment": "transfer" }),
            )
            .await
            .json();
        assert_eq!(transfer["payment_status"], "awaiting_transfer");
        let tid = transfer["id"].as_str().expect("id").to_string();
        let early = boss.post_json(&format!("/api/v1/orders/{tid}/approve"), &json!({})).await;
        assert_eq!(early.json()["error"]["code"], "conflict.transfer_not_confirmed");
        let cashier = app.bearer("cashier", TEST_PASSWORD).await;
        let confirmed = cashier.post_json(&format!("/api/v1/orders/{tid}/confirm-transfer"), &json!({})).await;
        assert_eq!(confirmed.json()["status"], "approved", "{}", confirmed.text());
        assert_eq!(confirmed.json()["payment_status"], "transfer_confirmed");
        rep.post_json(&format!("/api/v1/orders/{tid}/cancel"), &json!({})).await;
        assert_eq!(
            app.account(partner, AccountKind::Prepaid).await.0,
            1_000,
            "the transfer went back as prepaid money"
        );
        app.assert_invariants().await;
        app
    })
    .await;
}
