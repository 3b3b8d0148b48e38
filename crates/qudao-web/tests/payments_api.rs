//! Online payment at checkout through the provider simulator: the signed notification is
//! verified and applied once, a lost one is found by reconciliation, forged or wrong ones change
//! nothing, money paid for a cancelled order is kept as prepaid balance, and refunds go back
//! through the provider.

#![expect(clippy::expect_used, reason = "test helpers fail loudly at the first broken step")]

use axum::body::Body;
use qudao_app::finance::payments::provider::Notice;
use qudao_domain::access::Role;
use qudao_domain::accounts::AccountKind;
use qudao_domain::finance::payments::TradeState;
use qudao_domain::ids::PartnerId;
use qudao_testkit::{PartnerBuilder, TEST_PASSWORD, TestApp, TestResponse, UserBuilder, each_backend};
use serde_json::{Value, json};

async fn setup(app: &TestApp) -> PartnerId {
    let partner = PartnerBuilder::new("在线支付商贸").create(app).await;
    UserBuilder::new("rep", Role::PartnerSales).partner(partner.id).create(app).await;
    UserBuilder::new("cashier", Role::Finance).create(app).await;
    UserBuilder::new("boss", Role::BrandAdmin).create(app).await;
    let sku = app.sku("S-PAY", 1_000).await;
    let warehouse = app.warehouse("WH-PAY", 1).await;
    app.receive(sku, warehouse, 1_000).await;
    app.credit_line(partner.id, 0).await;
    partner.id
}

/// An order paid online and its payment at the provider.
async fn order_and_payment(app: &TestApp, quantity: i64) -> (Value, Value) {
    let rep = app.bearer("rep", TEST_PASSWORD).await;
    let body = json!({ "lines": [{ "sku": "S-PAY", "quantity": quantity }], "payment": "online" });
    let placed = rep.post_json("/api/v1/orders", &body).await;
    assert_eq!(placed.status, 201, "{}", placed.text());
    let order = placed.json();
    assert_eq!(
        (order["status"].as_str(), order["payment_status"].as_str()),
        (Some("submitted"), Some("awaiting_payment"))
    );
    let paying =
        rep.post_json(&format!("/api/v1/orders/{}/payments", order["id"].as_str().expect("id")), &json!({})).await;
    assert_eq!(paying.status, 201, "{}", paying.text());
    (order, paying.json())
}

async fn order_now(app: &TestApp, id: &Value) -> Value {
    let rep = app.bearer("rep", TEST_PASSWORD).await;
    rep.get(&format!("/api/v1/orders/{}", id.as_str().expect("id"))).await.json()
}

/// Waits for the simulator's notification (sent a moment after paying) to be applied.
async fn until_paid(app: &TestApp, id: &Value) -> Value {
    for _ in 0..100 {
        let order = order_now(app, id).await;
        if order["payment_status"] == "paid_online" {
            return order;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("the order was never paid: {}", order_now(app, id).await);
}

async fn notify(app: &TestApp, notice: &Notice) -> TestResponse {
    let request = http::Request::builder()
        .method("POST")
        .uri("/api/v1/payments/notify/sim")
        .header("content-type", "application/json")
        .header("x-sim-timestamp", &notice.timestamp)
        .header("x-sim-nonce", &notice.nonce)
        .header("x-sim-signature", &notice.signature)
        .body(Body::from(notice.body.clone()))
        .expect("request");
    app.anonymous().send(request).await
}

fn cash(trial: &Value) -> i64 {
    trial["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .find(|l| l["kind"] == "cash")
        .map_or(0, |l| l["debit"].as_i64().unwrap_or(0) - l["credit"].as_i64().unwrap_or(0))
}

#[tokio::test]
async fn an_online_payment_is_applied_once_and_reconciled_and_refunded_through_the_provider() {
    each_backend(|app| async move {
        let partner = setup(&app).await;
        let cashier = app.bearer("cashier", TEST_PASSWORD).await;
        let boss = app.bearer("boss", TEST_PASSWORD).await;
        let empty = cashier.post_json("/api/v1/payments/reconcile", &json!({})).await;
        assert_eq!(empty.status, 200, "{}", empty.text());

        // Paid at the simulator: its signed notification approves the order and posts the money.
        let (order, payment) = order_and_payment(&app, 3).await;
        let total = order["total"].as_i64().expect("total");
        assert_eq!((payment["amount"].as_i64(), payment["status"].as_str()), (Some(total), Some("created")));
        assert!(payment["code_url"].as_str().is_some_and(|c| c.starts_with("qudao-sim://")), "{payment}");
        let rep = app.bearer("rep", TEST_PASSWORD).await;
        let again =
            rep.post_json(&format!("/api/v1/orders/{}/payments", order["id"].as_str().expect("id")), &json!({})).await;
        assert_eq!(again.json()["id"], payment["id"], "the open payment, not a second one");
        let early =
            boss.post_json(&format!("/api/v1/orders/{}/approve", order["id"].as_str().expect("id")), &json!({})).await;
        assert_eq!(early.status, 409, "not approved before the money");
        let pay_url = payment["pay_url"].as_str().expect("pay url");
        assert!(app.anonymous().get(pay_url).await.text().contains("sim-pay"), "the simulator's page");
        let reference = payment["provider_ref"].as_str().expect("ref");
        let paid = app.anonymous().post_form(&format!("/sim-pay/{reference}"), &[]).await;
        assert_eq!(paid.status, 303, "{}", paid.text());
        let settled = until_paid(&app, &order["id"]).await;
        assert_eq!(settled["status"], "approved");
        let trial = cashier.get("/api/v1/trial-balance").await.json();
        assert_eq!((cash(&trial), trial["difference"].as_i64()), (total, Some(0)));

        // The same notification twice at once, and a new one for the paid payment: once only.
        let (second, payment2) = order_and_payment(&app, 2).await;
        let reference2 = payment2["provider_ref"].as_str().expect("ref");
        let lost = app.anonymous().post_form(&format!("/sim-pay/{reference2}?notify=lost"), &[]).await;
        assert_eq!(lost.status, 303);
        let sim = app.app.payments().simulator().expect("simulator");
        let amount2 = payment2["amount"].as_i64().expect("amount");
        let notice =
            sim.notice(reference2, TradeState::Paid(amount2), Some("T2".into()), app.app.now_ms()).expect("notice");
        let (a, b) = tokio::join!(notify(&app, &notice), notify(&app, &notice));
        let mut outcomes =
            vec![a.json()["outcome"].as_str().map(str::to_string), b.json()["outcome"].as_str().map(str::to_string)];
        outcomes.sort();
        assert_eq!(
            outcomes,
            vec![Some("applied".to_string()), Some("repeated".to_string())],
            "{} / {}",
            a.text(),
            b.text()
        );
        let fresh =
            sim.notice(reference2, TradeState::Paid(amount2), Some("T2".into()), app.app.now_ms()).expect("notice");
        assert_eq!(notify(&app, &fresh).await.json()["outcome"], "nothing", "paid once");
        until_paid(&app, &second["id"]).await;
        let trial = cashier.get("/api/v1/trial-balance").await.json();
        assert_eq!(cash(&trial), total + amount2, "each payment's money once");

        // A forged notification and one for the wrong amount change nothing.
        let (third, payment3) = order_and_payment(&app, 1).await;
        let reference3 = payment3["provider_ref"].as_str().expect("ref");
        let amount3 = payment3["amount"].as_i64().expect("amount");
        let mut forged = sim.notice(reference3, TradeState::Paid(amount3), None, app.app.now_ms()).expect("notice");
        forged.body = forged.body.replace("SUCCESS", "SUCCESS ");
        assert_eq!(notify(&app, &forged).await.status, 401);
        let stale =
            sim.notice(reference3, TradeState::Paid(amount3), None, app.app.now_ms() - 3_600_000).expect("notice");
        assert_eq!(notify(&app, &stale).await.status, 401, "too old");
        let short = sim.notice(reference3, TradeState::Paid(amount3 - 1), None, app.app.now_ms()).expect("notice");
        assert_eq!(notify(&app, &short).await.json()["outcome"], "amount_mismatch");
        assert_eq!(order_now(&app, &third["id"]).await["payment_status"], "awaiting_payment");

        // Its real payment's notification is lost; reconciliation asks the provider and applies it.
        let lost = app.anonymous().post_form(&format!("/sim-pay/{reference3}?notify=lost"), &[]).await;
        assert_eq!(lost.status, 303);
        let report = cashier.post_json("/api/v1/payments/reconcile", &json!({})).await;
        assert_eq!(report.status, 200, "{}", report.text());
        assert_eq!(report.json()["applied"].as_i64(), Some(1), "{}", report.text());
        assert_eq!(order_now(&app, &third["id"]).await["payment_status"], "paid_online");
        assert_eq!(report.json()["confirmed_not_paid"].as_array().map(Vec::len), Some(0));

        // Cancelled after paying: the money becomes prepaid balance, and goes back through the
        // provider from there — never more than was paid.
        let cancelled =
            rep.post_json(&format!("/api/v1/orders/{}/cancel", third["id"].as_str().expect("id")), &json!({})).await;
        assert_eq!(cancelled.status, 200, "{}", cancelled.text());
        assert_eq!(app.account(partner, AccountKind::Prepaid).await.0, amount3);
        let id3 = payment3["id"].as_str().expect("id");
        let too_much = cashier
            .post_json(
                &format!("/api/v1/payments/{id3}/refunds"),
                &json!({ "amount": format!("{}.01", amount3 / 100), "reason": "取消" }),
            )
            .await;
        assert_eq!(too_much.status, 422, "{}", too_much.text());
        let refunded = cashier
            .post_json(
                &format!("/api/v1/payments/{id3}/refunds"),
                &json!({ "amount": format!("{}.00", amount3 / 100), "reason": "取消" }),
            )
            .await;
        assert_eq!(refunded.status, 201, "{}", refunded.text());
        assert_eq!(refunded.json()["payment"]["refunded"].as_i64(), Some(amount3));
        assert_eq!(app.account(partner, AccountKind::Prepaid).await.0, 0);

        // Cancelled before paying, paid at the last moment: kept as prepaid, listed for finance.
        let (fourth, payment4) = order_and_payment(&app, 1).await;
        let cancelled =
            rep.post_json(&format!("/api/v1/orders/{}/cancel", fourth["id"].as_str().expect("id")), &json!({})).await;
        assert_eq!(cancelled.status, 200);
        let reference4 = payment4["provider_ref"].as_str().expect("ref");
        let late = sim.pay(reference4, app.app.now_ms()).expect("pay");
        assert_eq!(notify(&app, &late).await.json()["outcome"], "applied");
        assert_eq!(app.account(partner, AccountKind::Prepaid).await.0, payment4["amount"].as_i64().expect("amount"));
        let report = cashier.post_json("/api/v1/payments/reconcile", &json!({})).await.json();
        assert_eq!(report["paid_not_applied"].as_array().map(Vec::len), Some(1), "{report}");

        // Another partner's users see none of these payments.
        let outsider = PartnerBuilder::new("别家商贸").create(&app).await;
        UserBuilder::new("other", Role::PartnerSales).partner(outsider.id).create(&app).await;
        let other = app.bearer("other", TEST_PASSWORD).await;
        assert_eq!(other.get(&format!("/api/v1/payments/{id3}")).await.status, 404);
        assert_eq!(other.get("/api/v1/payments").await.json()["items"].as_array().map(Vec::len), Some(0));
        let trial = cashier.get("/api/v1/trial-balance").await.json();
        assert_eq!(trial["difference"].as_i64(), Some(0));
        app.assert_invariants().await;
        app
    })
    .await;
}

#[tokio::test]
async fn starting_a_payment_again_with_the_same_key_is_answered_as_before() {
    each_backend(|app| async move {
        setup(&app).await;
        let rep = app.bearer("rep", TEST_PASSWORD).await;
        let body = json!({ "lines": [{ "sku": "S-PAY", "quantity": 1 }], "payment": "online" });
        let order = rep.post_json("/api/v1/orders", &body).await.json();
        let path = format!("/api/v1/orders/{}/payments", order["id"].as_str().expect("id"));
        let first = rep.json_with("POST", &path, &json!({}), &[("idempotency-key", "pay-1")]).await;
        let again = rep.json_with("POST", &path, &json!({}), &[("idempotency-key", "pay-1")]).await;
        assert_eq!(first.status, 201, "{}", first.text());
        assert_eq!(
            again.headers.get("idempotent-replayed").and_then(|v| v.to_str().ok()),
            Some("true"),
            "{:?}",
            again.headers
        );
        assert_eq!(again.body, first.body);
        app
    })
    .await;
}

#[tokio::test]
async fn an_order_under_payment_does_not_change_and_without_a_provider_online_is_refused() {
    each_backend(|app| async move {
        setup(&app).await;
        let (order, _) = order_and_payment(&app, 2).await;
        let rep = app.bearer("rep", TEST_PASSWORD).await;
        let amend = rep
            .post_json(
                &format!("/api/v1/orders/{}/amend", order["id"].as_str().expect("id")),
                &json!({ "lines": [{ "sku": "S-PAY", "quantity": 5 }] }),
            )
            .await;
        assert_eq!(amend.status, 409, "{}", amend.text());
        assert_eq!(amend.json()["error"]["code"], "conflict.payment_in_progress");
        app
    })
    .await;
    qudao_testkit::each_backend_with(qudao_app::AppConfig::default(), |app| async move {
        setup(&app).await;
        let rep = app.bearer("rep", TEST_PASSWORD).await;
        let body = json!({ "lines": [{ "sku": "S-PAY", "quantity": 1 }], "payment": "online" });
        let refused = rep.post_json("/api/v1/orders", &body).await;
        assert_eq!(refused.status, 422, "{}", refused.text());
        assert_eq!(refused.json()["error"]["fields"][0]["code"], "online_payment_unavailable");
        assert_eq!(app.anonymous().get("/sim-pay/SIM0").await.status, 404, "no simulator page");
        app
    })
    .await;
}
