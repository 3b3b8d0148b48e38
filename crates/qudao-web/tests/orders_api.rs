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
        // A rule made since would refuse the order now; its retry still gets the first answer.
        app.order_rule(sku, "BOTTLE", 12, 12).await;
        let late = rep.json_with("POST", "/api/v1/orders", &body, &headers).await;
        assert_eq!(late.status, 201, "{}", late.text());
        assert_eq!(late.json()["id"], first.json()["id"]);
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

/// Cancellations race with new orders through the same desk: every cancelled order gives back
/// exactly its stock and credit, a double cancel is refused once, and the books still balance.
#[tokio::test]
async fn cancellations_racing_with_orders_give_back_exactly_what_they_took() {
    each_backend(|app| async move {
        let (partner, sku) = shop(&app).await;
        let rep = app.bearer("rep", TEST_PASSWORD).await;
        let order = json!({ "lines": [{ "sku": "S-COLA", "quantity": 5 }], "payment": "credit" });
        let mut first = Vec::new();
        for n in 0..10 {
            let placed =
                rep.json_with("POST", "/api/v1/orders", &order, &[("idempotency-key", &format!("a-{n}"))]).await;
            assert_eq!(placed.status, 201, "{}", placed.text());
            first.push(placed.json()["id"].as_str().unwrap_or_default().to_string());
        }
        // Each of the first ten is cancelled twice while twenty more orders come in.
        let cancels = first.iter().chain(first.iter()).map(|id| {
            let rep = &rep;
            async move { rep.post_json(&format!("/api/v1/orders/{id}/cancel"), &json!({})).await.status }
        });
        let places = (0..20).map(|n| {
            let (rep, order) = (&rep, &order);
            async move {
                rep.json_with("POST", "/api/v1/orders", order, &[("idempotency-key", &format!("b-{n}"))]).await.status
            }
        });
        let (cancelled, placed) =
            futures_util::future::join(futures_util::future::join_all(cancels), futures_util::future::join_all(places))
                .await;
        assert_eq!(cancelled.iter().filter(|s| **s == 200).count(), 10, "each order cancelled once: {cancelled:?}");
        assert_eq!(cancelled.iter().filter(|s| **s == 409).count(), 10, "the second cancel refused: {cancelled:?}");
        let placed = placed.iter().filter(|s| **s == 201).count() as i64;
        assert_eq!(placed, 20, "150 bottles hold all thirty orders of 5");
        assert_eq!(app.stock_of(sku).await, (150, placed * 5), "only the open orders hold stock");
        let (debt, _, _) = app.account(partner, AccountKind::Receivable).await;
        assert_eq!(debt, placed * 5 * 250, "the cancelled orders' credit came back");
        app.assert_invariants().await;
        app
    })
    .await;
}

/// Amendments write stock and credit outside the order desk, between a batch's unlocked read and
/// its locks: orders racing with them for the last bottles and the last credit never oversell
/// or overdraw (a batch whose decisions no longer hold under the locks runs its orders one by
/// one), and every answer stands.
#[tokio::test]
async fn amendments_racing_with_orders_never_oversell_or_overdraw() {
    each_backend(|app| async move {
        let (partner, sku) = shop(&app).await;
        app.setting("orders.auto_approve_max", "0").await;
        app.credit_line(partner, 30_000).await;
        let rep = app.bearer("rep", TEST_PASSWORD).await;
        let small = json!({ "lines": [{ "sku": "S-COLA", "quantity": 5 }], "payment": "credit" });
        let mut held = Vec::new();
        for n in 0..6 {
            let placed =
                rep.json_with("POST", "/api/v1/orders", &small, &[("idempotency-key", &format!("h-{n}"))]).await;
            assert_eq!(placed.status, 201, "{}", placed.text());
            held.push(placed.json()["id"].as_str().unwrap_or_default().to_string());
        }
        // 30 of 150 bottles and ¥75 of ¥300 taken; now each held order grows to 12 while
        // twenty more orders of 5 want the rest.
        let amends = held.iter().map(|id| {
            let rep = &rep;
            async move {
                let body = json!({ "lines": [{ "sku": "S-COLA", "quantity": 12 }] });
                rep.post_json(&format!("/api/v1/orders/{id}/amend"), &body).await.status
            }
        });
        let places =
            (0..20).map(|n| {
                let (rep, small) = (&rep, &small);
                async move {
                    rep.json_with("POST", "/api/v1/orders", small, &[("idempotency-key", &format!("r-{n}"))]).await
                }
            });
        let (amended, placed) =
            futures_util::future::join(futures_util::future::join_all(amends), futures_util::future::join_all(places))
                .await;
        assert!(amended.iter().all(|s| [200, 422].contains(s)), "{amended:?}");
        let unexpected: Vec<String> =
            placed.iter().filter(|r| ![201, 422].contains(&r.status)).map(|r| r.text()).collect();
        assert!(unexpected.is_empty(), "only placed or refused: {unexpected:?}");
        let grown = amended.iter().filter(|s| **s == 200).count() as i64;
        let new_orders = placed.iter().filter(|r| r.status == 201).count() as i64;
        let held_units = (6 - grown) * 5 + grown * 12 + new_orders * 5;
        let (on_hand, reserved) = app.stock_of(sku).await;
        assert_eq!((on_hand, reserved), (150, held_units), "reservations are exactly the open orders");
        let (debt, line, _) = app.account(partner, AccountKind::Receivable).await;
        assert_eq!(debt, held_units * 250, "every open order paid, once");
        assert!(debt <= line, "credit line exceeded: {debt} > {line}");
        for response in placed.iter().filter(|r| r.status == 201) {
            let id = response.json()["id"].as_str().unwrap_or_default().to_string();
            assert_eq!(rep.get(&format!("/api/v1/orders/{id}")).await.status, 200, "an acknowledged order is there");
        }
        app.assert_invariants().await;
        app
    })
    .await;
}

/// Checkout prices from an in-memory snapshot; a change to the catalog or the settings made
/// after it was taken still governs the very next order (the desk finds the snapshot outdated
/// and the order is checked and priced again).
#[tokio::test]
async fn the_next_order_follows_a_change_made_after_checkout_cached_its_data() {
    each_backend(|app| async move {
        let (_, sku) = shop(&app).await;
        let rep = app.bearer("rep", TEST_PASSWORD).await;
        let five = json!({ "lines": [{ "sku": "S-COLA", "quantity": 5 }], "payment": "credit" });
        let first = rep.post_json("/api/v1/orders", &five).await;
        assert_eq!(first.status, 201, "{}", first.text());
        assert_eq!(first.json()["status"], "approved");

        app.order_rule(sku, "BOTTLE", 6, 6).await;
        let refused = rep.post_json("/api/v1/orders", &five).await;
        assert_eq!(refused.status, 422, "{}", refused.text());
        assert_eq!(refused.json()["error"]["fields"][0]["code"], "below_minimum", "{}", refused.text());

        app.setting(qudao_store::settings::AUTO_APPROVE_MAX, "1000").await;
        let six = json!({ "lines": [{ "sku": "S-COLA", "quantity": 6 }], "payment": "credit" });
        let held = rep.post_json("/api/v1/orders", &six).await;
        assert_eq!(held.status, 201, "{}", held.text());
        assert_eq!(held.json()["status"], "submitted", "¥15 is over the new ¥10 auto-approval limit");
        assert_eq!(app.stock_of(sku).await, (150, 11), "the refused order reserved nothing");
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
        assert_eq!(big["review_reason"], "approval");
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
        // The partner shows finance its bank slip: pictures only, checked by content.
        let slip = rep.upload("POST", &format!("/api/v1/orders/{tid}/transfer-receipt"), "slip.png", b"<html>").await;
        assert_eq!(slip.status, 415, "{}", slip.text());
        let mut png = Vec::new();
        image::RgbImage::from_pixel(8, 8, image::Rgb([200, 10, 10]))
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .expect("png");
        let slip = rep.upload("POST", &format!("/api/v1/orders/{tid}/transfer-receipt"), "回单.png", &png).await;
        assert_eq!(slip.status, 200, "{}", slip.text());
        let file = slip.json()["receipt_file_id"].as_str().expect("a receipt").to_string();
        assert_eq!(rep.get(&format!("/files/{file}")).await.status, 200, "the partner sees its slip");
        assert_eq!(boss.get(&format!("/files/{file}")).await.status, 200, "the brand sees it");
        let cashier = app.bearer("cashier", TEST_PASSWORD).await;
        let confirmed = cashier.post_json(&format!("/api/v1/orders/{tid}/confirm-transfer"), &json!({})).await;
        assert_eq!(confirmed.json()["status"], "approved", "{}", confirmed.text());
        assert_eq!(confirmed.json()["payment_status"], "transfer_confirmed");
        let late = rep.upload("POST", &format!("/api/v1/orders/{tid}/transfer-receipt"), "回单.png", &png).await;
        assert_eq!(late.status, 409, "{}", late.text());
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

#[tokio::test]
async fn an_order_ships_in_parts_is_signed_for_and_a_return_refunds_exactly_its_lines() {
    each_backend(|app| async move {
        let (partner, sku) = shop(&app).await;
        UserBuilder::new("boss", Role::BrandAdmin).create(&app).await;
        UserBuilder::new("picker", Role::Warehouse).create(&app).await;
        let rep = app.bearer("rep", TEST_PASSWORD).await;
        let boss = app.bearer("boss", TEST_PASSWORD).await;
        let picker = app.bearer("picker", TEST_PASSWORD).await;
        // 130 bottles: the preferred warehouse holds 100, the spare 30.
        let order = rep
            .post_json(
                "/api/v1/orders",
                &json!({ "lines": [{ "sku": "S-COLA", "quantity": 130 }], "payment": "credit" }),
            )
            .await
            .json();
        assert_eq!(order["status"], "approved", "{order}");
        let id = order["id"].as_str().expect("id").to_string();
        let ship = |body: serde_json::Value| {
            let picker = &picker;
            let path = format!("/api/v1/orders/{id}/shipments");
            async move { picker.post_json(&path, &body).await }
        };
        let unnamed = ship(json!({ "carrier": "顺丰", "tracking_no": "SF1" })).await;
        assert_eq!(unnamed.status, 422, "two warehouses hold it: {}", unnamed.text());
        assert_eq!(unnamed.json()["error"]["fields"][0]["field"], "warehouse");
        let too_many = ship(json!({ "warehouse": "WH-B", "carrier": "顺丰", "tracking_no": "SF1",
            "lines": [{ "line_no": 1, "quantity": 31 }] }))
        .await;
        assert_eq!(too_many.json()["error"]["fields"][0]["param"], "30", "{}", too_many.text());
        assert_eq!(
            rep.post_json(&format!("/api/v1/orders/{id}/shipments"), &json!({ "carrier": "x", "tracking_no": "y" }))
                .await
                .status,
            403
        );

        let first = ship(json!({ "warehouse": "WH-A", "carrier": "顺丰", "tracking_no": "SF1001" })).await;
        assert_eq!(first.status, 201, "{}", first.text());
        let first = first.json();
        assert!(first["number"].as_str().expect("number").starts_with("SH-"));
        assert_eq!(first["lines"][0]["quantity"], 100);
        assert_eq!(rep.get(&format!("/api/v1/orders/{id}")).await.json()["status"], "partially_shipped");
        assert_eq!(app.stock_of(sku).await, (50, 30), "100 left on hand and reservation together");
        assert_eq!(rep.post_json(&format!("/api/v1/orders/{id}/receive"), &json!({})).await.status, 409);
        assert_eq!(rep.post_json(&format!("/api/v1/orders/{id}/cancel"), &json!({})).await.status, 409);

        // The carrier pushes tracking through the API.
        let shipment = first["id"].as_str().expect("id");
        let event = json!({ "status": "delivered", "location": "杭州", "description": "已签收" });
        let tracked = picker.post_json(&format!("/api/v1/shipments/{shipment}/events"), &event).await;
        assert_eq!(tracked.status, 201, "{}", tracked.text());
        assert_eq!(tracked.json()["status"], "delivered");
        let bad = picker
            .post_json(
                &format!("/api/v1/shipments/{shipment}/events"),
                &json!({ "status": "lost-ish", "description": "" }),
            )
            .await;
        assert_eq!(bad.status, 422);

        let second = ship(json!({ "carrier": "德邦", "tracking_no": "DB2002" })).await;
        assert_eq!(second.status, 201, "only the spare still holds stock: {}", second.text());
        let shipped = rep.get(&format!("/api/v1/orders/{id}")).await.json();
        assert_eq!(shipped["status"], "shipped");
        assert_eq!(shipped["lines"][0]["shipped"], 130);
        assert_eq!(app.stock_of(sku).await, (20, 0));
        assert_eq!(rep.get(&format!("/api/v1/orders/{id}/shipments")).await.json().as_array().map(Vec::len), Some(2));

        let received = rep.post_json(&format!("/api/v1/orders/{id}/receive"), &json!({})).await;
        assert_eq!(received.json()["status"], "received", "{}", received.text());

        // A return of 1 bottle of 130: priced at the line's net per bottle; the last bottles
        // returned take exactly what is left, so the whole line comes back to the fen.
        let ask = rep
            .post_json(
                &format!("/api/v1/orders/{id}/returns"),
                &json!({ "reason": "破损", "lines": [{ "line_no": 1, "quantity": 1 }] }),
            )
            .await;
        assert_eq!(ask.status, 201, "{}", ask.text());
        let asked = ask.json();
        assert_eq!(asked["amount"], 250);
        let rid = asked["id"].as_str().expect("id").to_string();
        let over = rep
            .post_json(
                &format!("/api/v1/orders/{id}/returns"),
                &json!({ "reason": "x", "lines": [{ "line_no": 1, "quantity": 130 }] }),
            )
            .await;
        assert_eq!(over.json()["error"]["fields"][0]["param"], "129", "{}", over.text());
        let queue = boss.get("/api/v1/returns?status=requested").await.json();
        assert_eq!(queue["items"][0]["id"], asked["id"]);
        assert_eq!(
            boss.post_json(&format!("/api/v1/returns/{rid}/reject"), &json!({})).await.status,
            422,
            "a rejection needs a note"
        );
        assert_eq!(
            picker.post_json(&format!("/api/v1/returns/{rid}/restock"), &json!({})).await.status,
            409,
            "not approved yet"
        );
        let approved = boss.post_json(&format!("/api/v1/returns/{rid}/approve"), &json!({ "note": "寄回" })).await;
        assert_eq!(approved.json()["status"], "approved", "{}", approved.text());
        let before = app.account(partner, AccountKind::Receivable).await.0;
        let restocked = picker.post_json(&format!("/api/v1/returns/{rid}/restock"), &json!({})).await;
        assert_eq!(restocked.json()["status"], "refunded", "{}", restocked.text());
        assert_eq!(app.account(partner, AccountKind::Receivable).await.0, before - 250);
        assert_eq!(app.stock_of(sku).await, (21, 0), "back on hand where it left from");
        let after = rep.get(&format!("/api/v1/orders/{id}")).await.json();
        assert_eq!(after["refunded"], 250);
        assert_eq!(after["lines"][0]["returned"], 1);

        let rest = rep
            .post_json(
                &format!("/api/v1/orders/{id}/returns"),
                &json!({ "reason": "退", "lines": [{ "line_no": 1, "quantity": 129 }] }),
            )
            .await
            .json();
        assert_eq!(rest["amount"].as_i64().expect("amount") + 250, order["total"].as_i64().expect("total"));

        let timeline = rep.get(&format!("/api/v1/orders/{id}/timeline")).await.json();
        let actions: Vec<&str> =
            timeline.as_array().expect("list").iter().filter_map(|e| e["action"].as_str()).collect();
        for wanted in ["place", "ship", "delivered", "receive", "return_request", "return_approve", "return_restock"] {
            assert!(actions.contains(&wanted), "{wanted} missing from {actions:?}");
        }
        let times: Vec<i64> = timeline.as_array().expect("list").iter().filter_map(|e| e["at_ms"].as_i64()).collect();
        assert!(times.windows(2).all(|w| w[0] <= w[1]), "oldest first");
        app.assert_invariants().await;
        app
    })
    .await;
}

#[tokio::test]
async fn unsigned_orders_are_received_and_then_completed_by_the_sweeper() {
    each_backend(|app| async move {
        let (_, _) = shop(&app).await;
        UserBuilder::new("picker", Role::Warehouse).create(&app).await;
        let rep = app.bearer("rep", TEST_PASSWORD).await;
        let picker = app.bearer("picker", TEST_PASSWORD).await;
        let order = rep
            .post_json(
                "/api/v1/orders",
                &json!({ "lines": [{ "sku": "S-COLA", "quantity": 10 }], "payment": "credit" }),
            )
            .await
            .json();
        let id = order["id"].as_str().expect("id").to_string();
        let shipped = picker
            .post_json(&format!("/api/v1/orders/{id}/shipments"), &json!({ "carrier": "顺丰", "tracking_no": "SF9" }))
            .await;
        assert_eq!(shipped.status, 201, "{}", shipped.text());
        assert_eq!(qudao_app::orders::sweep_orders(&app.app).await.expect("sweep").received, 0, "too early");
        app.clock.advance(8 * 86_400_000);
        let swept = qudao_app::orders::sweep_orders(&app.app).await.expect("sweep");
        assert_eq!((swept.received, swept.completed), (1, 0));
        // Days passed: the session idled out, so sign in again.
        let rep = app.bearer("rep", TEST_PASSWORD).await;
        assert_eq!(rep.get(&format!("/api/v1/orders/{id}")).await.json()["status"], "received");
        app.clock.advance(16 * 86_400_000);
        assert_eq!(qudao_app::orders::sweep_orders(&app.app).await.expect("sweep").completed, 1);
        let rep = app.bearer("rep", TEST_PASSWORD).await;
        assert_eq!(rep.get(&format!("/api/v1/orders/{id}")).await.json()["status"], "completed");
        assert_eq!(
            qudao_app::orders::sweep_orders(&app.app).await.expect("sweep"),
            qudao_app::orders::Swept::default()
        );
        let timeline = rep.get(&format!("/api/v1/orders/{id}/timeline")).await.json();
        let last = &timeline.as_array().expect("list").last().expect("entries")["action"];
        assert_eq!(last, "auto_complete");
        app
    })
    .await;
}

#[tokio::test]
async fn an_order_is_amended_before_approval_all_or_nothing_under_the_same_number() {
    each_backend(|app| async move {
        let (partner, sku) = shop(&app).await;
        UserBuilder::new("boss", Role::BrandAdmin).create(&app).await;
        let rival = PartnerBuilder::new("乙公司").create(&app).await;
        UserBuilder::new("rival", Role::PartnerAdmin).partner(rival.id).create(&app).await;
        app.setting("orders.auto_approve_max", "0").await;
        let rep = app.bearer("rep", TEST_PASSWORD).await.language("zh-CN");
        let boss = app.bearer("boss", TEST_PASSWORD).await;
        let placed = rep
            .post_json(
                "/api/v1/orders",
                &json!({ "lines": [{ "sku": "S-COLA", "quantity": 10 }], "payment": "credit" }),
            )
            .await
            .json();
        assert_eq!(placed["status"], "submitted", "{placed}");
        let id = placed["id"].as_str().expect("id").to_string();
        assert_eq!(app.stock_of(sku).await, (150, 10));
        assert_eq!(app.account(partner, AccountKind::Receivable).await.0, 2_500);

        let amended = rep
            .post_json(
                &format!("/api/v1/orders/{id}/amend"),
                &json!({ "lines": [{ "sku": "S-COLA", "quantity": 1, "unit": "CASE" }], "remark": "改为一箱" }),
            )
            .await;
        assert_eq!(amended.status, 200, "{}", amended.text());
        let amended = amended.json();
        assert_eq!(amended["number"], placed["number"], "the number stays");
        assert_eq!(amended["total"], 24 * 250);
        assert_eq!(amended["lines"][0]["base_quantity"], 24);
        assert_eq!(amended["remark"], "改为一箱");
        assert_eq!(amended["status"], "submitted");
        assert_eq!(app.stock_of(sku).await, (150, 24), "the old reservation released, the new one held");
        assert_eq!(app.account(partner, AccountKind::Receivable).await.0, 6_000, "the old payment reversed");

        // Beyond the credit line: refused, and the order stays as it was.
        app.credit_line(partner, 10_000).await;
        let too_much = rep
            .post_json(
                &format!("/api/v1/orders/{id}/amend"),
                &json!({ "lines": [{ "sku": "S-COLA", "quantity": 100 }] }),
            )
            .await;
        assert_eq!(too_much.status, 422, "{}", too_much.text());
        assert_eq!(too_much.json()["error"]["fields"][0]["code"], "insufficient_credit");
        let unchanged = rep.get(&format!("/api/v1/orders/{id}")).await.json();
        assert_eq!(unchanged["total"], 24 * 250);
        assert_eq!(app.stock_of(sku).await, (150, 24));
        assert_eq!(app.account(partner, AccountKind::Receivable).await.0, 6_000);

        let rival = app.bearer("rival", TEST_PASSWORD).await;
        let body = json!({ "lines": [{ "sku": "S-COLA", "quantity": 1 }] });
        assert_eq!(rival.post_json(&format!("/api/v1/orders/{id}/amend"), &body).await.status, 404);
        let timeline = rep.get(&format!("/api/v1/orders/{id}/timeline")).await.json();
        assert!(timeline.as_array().expect("timeline").iter().any(|e| e["action"] == "amend"), "{timeline}");

        boss.post_json(&format!("/api/v1/orders/{id}/approve"), &json!({})).await;
        let late = rep.post_json(&format!("/api/v1/orders/{id}/amend"), &body).await;
        assert_eq!(late.status, 409, "{}", late.text());
        assert_eq!(late.json()["error"]["code"], "conflict.not_amendable");
        app.assert_invariants().await;
        app
    })
    .await;
}
