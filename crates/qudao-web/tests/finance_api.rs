//! Finance after the order: credit terms per partner and the credit hold they lead to, statements
//! (对账单) a partner confirms or disputes, and manual adjustments that need a second person.

use qudao_app::clock::china_date;
use qudao_domain::access::Role;
use qudao_domain::accounts::AccountKind;
use qudao_domain::dates::format_date;
use qudao_domain::ids::PartnerId;
use qudao_testkit::{PartnerBuilder, TEST_PASSWORD, TestApp, TestResponse, UserBuilder, each_backend};
use serde_json::{Value, json};

const DAY: i64 = 86_400_000;

/// Two partners with reps and finance users, a stocked SKU, credit lines, and brand finance
/// (two people, for the four-eyes rule) and an administrator.
async fn setup(app: &TestApp) -> (PartnerId, PartnerId) {
    let first = PartnerBuilder::new("甲商贸").create(app).await;
    let second = PartnerBuilder::new("乙商贸").create(app).await;
    UserBuilder::new("rep", Role::PartnerSales).partner(first.id).create(app).await;
    UserBuilder::new("books", Role::PartnerFinance).partner(first.id).create(app).await;
    UserBuilder::new("rep2", Role::PartnerSales).partner(second.id).create(app).await;
    UserBuilder::new("books2", Role::PartnerFinance).partner(second.id).create(app).await;
    UserBuilder::new("cashier", Role::Finance).create(app).await;
    UserBuilder::new("controller", Role::Finance).create(app).await;
    let sku = app.sku("S-TEA", 10_000).await;
    let warehouse = app.warehouse("WH-A", 1).await;
    app.receive(sku, warehouse, 1_000).await;
    app.credit_line(first.id, 100_000_000).await;
    app.credit_line(second.id, 100_000_000).await;
    (first.id, second.id)
}

async fn order_as(app: &TestApp, login: &str, quantity: i64) -> TestResponse {
    let rep = app.bearer(login, TEST_PASSWORD).await;
    rep.post_json(
        "/api/v1/orders",
        &json!({ "lines": [{ "sku": "S-TEA", "quantity": quantity }], "payment": "credit" }),
    )
    .await
}

fn field_code(response: &TestResponse) -> String {
    response.json()["error"]["fields"][0]["code"].as_str().unwrap_or("").to_string()
}

fn date_of(app: &TestApp, shift_ms: i64) -> String {
    format_date(china_date(app.app.now_ms() + shift_ms))
}

#[tokio::test]
async fn a_partner_past_its_own_terms_is_held_until_a_receipt_settles_the_overdue() {
    each_backend(|app| async move {
        let (first, second) = setup(&app).await;
        let cashier = app.bearer("cashier", TEST_PASSWORD).await;
        // The brand holds anyone with anything overdue; the first partner has 10 days of terms,
        // the second the brand's 30.
        let set = cashier
            .json("PUT", "/api/v1/finance/settings", &json!({ "credit_terms_days": 30, "credit_hold_overdue": "0.00" }))
            .await;
        assert_eq!(set.status, 200, "{}", set.text());
        let terms = cashier
            .json(
                "PUT",
                &format!("/api/v1/partners/{first}/credit-line"),
                &json!({ "credit_line": "1000000.00", "terms_days": 10 }),
            )
            .await;
        assert_eq!(terms.status, 200, "{}", terms.text());
        let receivable = terms.json().as_array().expect("accounts").iter().find(|a| a["kind"] == "receivable").cloned();
        assert_eq!(receivable.expect("receivable")["terms_days"], 10);
        let bad = cashier
            .json(
                "PUT",
                &format!("/api/v1/partners/{first}/credit-line"),
                &json!({ "credit_line": "1.00", "terms_days": 999 }),
            )
            .await;
        assert_eq!((bad.status, field_code(&bad).as_str()), (422, "out_of_range"));
        assert_eq!(
            app.account(first, AccountKind::Receivable).await.1,
            100_000_000,
            "a refused change changes nothing"
        );

        let owed = order_as(&app, "rep", 2).await;
        assert_eq!(owed.status, 201, "{}", owed.text());
        let total = owed.json()["total"].as_i64().expect("total");
        assert_eq!(order_as(&app, "rep2", 1).await.status, 201);
        app.clock.advance(11 * DAY);

        // Eleven days on: the first partner is a day overdue and held; the second is not.
        let refused = order_as(&app, "rep", 1).await;
        assert_eq!((refused.status, field_code(&refused).as_str()), (422, "credit_hold"), "{}", refused.text());
        assert!(
            refused.text().contains(&format!("{}.00", total / 100)),
            "the refusal names what to pay: {}",
            refused.text()
        );
        assert_eq!(order_as(&app, "rep2", 1).await.status, 201, "terms are per partner");
        let books = app.bearer("books", TEST_PASSWORD).await;
        let standing = books.get(&format!("/api/v1/partners/{first}/credit")).await.json();
        assert_eq!(
            (standing["on_hold"].as_bool(), standing["to_release"].as_i64()),
            (Some(true), Some(total)),
            "{standing}"
        );
        assert_eq!(standing["terms_days"], 10);
        assert_eq!(
            books.get(&format!("/api/v1/partners/{second}/credit")).await.status,
            404,
            "another partner's standing"
        );

        // Finance records the money: the order is settled and the hold lifted at once.
        let cashier = app.bearer("cashier", TEST_PASSWORD).await;
        let paid = cashier
            .post_json(
                &format!("/api/v1/partners/{first}/receipts"),
                &json!({ "amount": format!("{}.00", total / 100) }),
            )
            .await;
        assert_eq!(paid.status, 201, "{}", paid.text());
        let standing = books.get(&format!("/api/v1/partners/{first}/credit")).await.json();
        assert_eq!((standing["on_hold"].as_bool(), standing["overdue"].as_i64()), (Some(false), Some(0)));
        assert_eq!(order_as(&app, "rep", 1).await.status, 201, "the hold is lifted by the receipt");

        // A lenient threshold holds only above it; no threshold holds no one.
        app.clock.advance(40 * DAY);
        let cashier = app.bearer("cashier", TEST_PASSWORD).await;
        let lenient = cashier
            .json(
                "PUT",
                "/api/v1/finance/settings",
                &json!({ "credit_terms_days": 30, "credit_hold_overdue": "1000000.00" }),
            )
            .await;
        assert_eq!(lenient.status, 200, "{}", lenient.text());
        let below = order_as(&app, "rep", 1).await;
        assert_eq!(below.status, 201, "{}", below.text());
        let off = cashier
            .json("PUT", "/api/v1/finance/settings", &json!({ "credit_terms_days": 30, "credit_hold_overdue": null }))
            .await;
        assert_eq!(off.json()["credit_hold_overdue"], Value::Null);
        app.assert_invariants().await;
        app
    })
    .await;
}

#[tokio::test]
async fn a_statement_lists_every_movement_and_the_partner_confirms_or_disputes_it() {
    each_backend(|app| async move {
        let (first, second) = setup(&app).await;
        let opening = order_as(&app, "rep", 1).await.json()["total"].as_i64().expect("total");
        app.clock.advance(2 * DAY);
        let start = date_of(&app, 0);
        let a = order_as(&app, "rep", 3).await.json()["total"].as_i64().expect("total");
        order_as(&app, "rep2", 5).await;
        app.clock.advance(DAY);
        let cashier = app.bearer("cashier", TEST_PASSWORD).await;
        let paid =
            cashier.post_json(&format!("/api/v1/partners/{first}/receipts"), &json!({ "amount": "150.00" })).await;
        assert_eq!(paid.status, 201, "{}", paid.text());
        let receipt_number = paid.json()["number"].as_str().expect("number").to_string();
        let end = date_of(&app, 0);
        app.clock.advance(DAY);
        order_as(&app, "rep", 1).await; // after the period: not on the statement
        let cashier = app.bearer("cashier", TEST_PASSWORD).await;

        let early = cashier
            .post_json(
                &format!("/api/v1/partners/{first}/statements"),
                &json!({ "period_from": start, "period_to": date_of(&app, 0) }),
            )
            .await;
        assert_eq!((early.status, field_code(&early).as_str()), (422, "period_not_ended"), "{}", early.text());
        let issued = cashier
            .post_json(
                &format!("/api/v1/partners/{first}/statements"),
                &json!({ "period_from": start, "period_to": end }),
            )
            .await;
        assert_eq!(issued.status, 201, "{}", issued.text());
        let statement = issued.json();
        assert_eq!(statement["opening"].as_i64(), Some(opening));
        assert_eq!(statement["debits"].as_i64(), Some(a));
        assert_eq!(statement["credits"].as_i64(), Some(15_000));
        assert_eq!(statement["closing"].as_i64(), Some(opening + a - 15_000));
        let lines = statement["lines"].as_array().expect("lines");
        assert_eq!(lines.len(), 2, "{statement}");
        assert_eq!(lines[1]["document"].as_str(), Some(receipt_number.as_str()));
        assert_eq!(lines[1]["balance"], statement["closing"]);
        let again = cashier
            .post_json(
                &format!("/api/v1/partners/{first}/statements"),
                &json!({ "period_from": start, "period_to": end }),
            )
            .await;
        assert_eq!(again.status, 409, "one statement per period");
        let id = statement["id"].as_str().expect("id").to_string();

        // The partner reads it (the same lines, read again from the journal) and exports it.
        let books = app.bearer("books", TEST_PASSWORD).await;
        let shown = books.get(&format!("/api/v1/statements/{id}")).await;
        assert_eq!(shown.status, 200, "{}", shown.text());
        assert_eq!(shown.json()["lines"], statement["lines"]);
        let sheet = books.get(&format!("/api/v1/statements/{id}/xlsx")).await;
        assert_eq!(sheet.status, 200);
        let read = qudao_app::sheets::read_sheet(&sheet.body, 100).expect("a workbook");
        assert!(read.rows.iter().any(|r| r.cells.iter().any(|c| c == &receipt_number)), "the receipt is on the sheet");
        // Another partner's users and a rep without the right cannot answer it.
        let books2 = app.bearer("books2", TEST_PASSWORD).await;
        assert_eq!(books2.get(&format!("/api/v1/statements/{id}")).await.status, 404);
        assert_eq!(books2.post_json(&format!("/api/v1/statements/{id}/confirm"), &json!({})).await.status, 404);
        let rep = app.bearer("rep", TEST_PASSWORD).await;
        assert_eq!(rep.post_json(&format!("/api/v1/statements/{id}/confirm"), &json!({})).await.status, 403);
        // A dispute needs a reason; then a confirmation settles it, and it is final.
        let bare = books.post_json(&format!("/api/v1/statements/{id}/dispute"), &json!({})).await;
        assert_eq!((bare.status, field_code(&bare).as_str()), (422, "required"));
        let disputed =
            books.post_json(&format!("/api/v1/statements/{id}/dispute"), &json!({ "comment": "回款日期不对" })).await;
        assert_eq!((disputed.status, disputed.json()["status"].as_str()), (200, Some("disputed")));
        let confirmed = books.post_json(&format!("/api/v1/statements/{id}/confirm"), &json!({})).await;
        assert_eq!((confirmed.status, confirmed.json()["status"].as_str()), (200, Some("confirmed")));
        let late = books.post_json(&format!("/api/v1/statements/{id}/dispute"), &json!({ "comment": "x" })).await;
        assert_eq!(late.status, 409);
        let listed = cashier.get(&format!("/api/v1/statements?partner_id={first}&status=confirmed")).await.json();
        assert_eq!(listed["items"].as_array().map(Vec::len), Some(1));
        assert_eq!(books2.get("/api/v1/statements").await.json()["items"].as_array().map(Vec::len), Some(0));
        let _ = second;
        app
    })
    .await;
}

#[tokio::test]
async fn an_adjustment_needs_a_reason_and_a_second_person_and_is_posted_once() {
    each_backend(|app| async move {
        let (first, _) = setup(&app).await;
        let cashier = app.bearer("cashier", TEST_PASSWORD).await;
        let controller = app.bearer("controller", TEST_PASSWORD).await;
        let url = format!("/api/v1/partners/{first}/adjustments");
        let no_reason = cashier.post_json(&url, &json!({ "account": "rebate", "amount": "500.00", "reason": " " })).await;
        assert_eq!((no_reason.status, field_code(&no_reason).as_str()), (422, "required"));
        let no_order = cashier.post_json(&url, &json!({ "account": "receivable", "amount": "-5.00", "reason": "抹零" })).await;
        assert_eq!((no_order.status, field_code(&no_order).as_str()), (422, "required_for_receivable"));

        let grant = cashier.post_json(&url, &json!({ "account": "rebate", "amount": "500.00", "reason": "陈列奖励" })).await;
        assert_eq!(grant.status, 201, "{}", grant.text());
        let id = grant.json()["id"].as_str().expect("id").to_string();
        assert_eq!(app.account(first, AccountKind::Rebate).await.0, 0, "nothing is posted until approved");
        let own = cashier.post_json(&format!("/api/v1/adjustments/{id}/approve"), &json!({})).await;
        assert_eq!(own.status, 409, "four eyes: {}", own.text());
        // Two approvals at once: one posts, the other finds it decided.
        UserBuilder::new("auditor", Role::Finance).create(&app).await;
        let auditor = app.bearer("auditor", TEST_PASSWORD).await;
        let path = format!("/api/v1/adjustments/{id}/approve");
        let ok = json!({ "comment": "ok" });
        let (one, two) = tokio::join!(controller.post_json(&path, &ok), auditor.post_json(&path, &ok));
        let mut statuses = [one.status, two.status];
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 409], "{} / {}", one.text(), two.text());
        let twice = controller.post_json(&format!("/api/v1/adjustments/{id}/approve"), &json!({})).await;
        assert_eq!(twice.status, 409);
        assert_eq!(app.account(first, AccountKind::Rebate).await.0, 50_000);

        // A write-off names its order, and may not exceed what the order owes.
        let owed = order_as(&app, "rep", 1).await.json();
        let total = owed["total"].as_i64().expect("total");
        let too_much = cashier
            .post_json(&url, &json!({ "account": "receivable", "amount": format!("-{}.00", total / 100 + 1), "order_id": owed["id"], "reason": "坏账" }))
            .await;
        assert_eq!(too_much.status, 201);
        let too_much_id = too_much.json()["id"].as_str().expect("id").to_string();
        let refused = controller.post_json(&format!("/api/v1/adjustments/{too_much_id}/approve"), &json!({})).await;
        assert_eq!((refused.status, field_code(&refused).as_str()), (422, "more_than_order_owes"), "{}", refused.text());
        let write_off = cashier
            .post_json(&url, &json!({ "account": "receivable", "amount": "-10.00", "order_id": owed["id"], "reason": "抹零" }))
            .await;
        let write_off_id = write_off.json()["id"].as_str().expect("id").to_string();
        let posted = controller.post_json(&format!("/api/v1/adjustments/{write_off_id}/approve"), &json!({})).await;
        assert_eq!(posted.status, 200, "{}", posted.text());
        assert_eq!(app.account(first, AccountKind::Receivable).await.0, total - 1_000);
        let standing = cashier.get(&format!("/api/v1/partners/{first}/credit")).await.json();
        assert_eq!(standing["owing"]["current"].as_i64(), Some(total - 1_000), "the order owes less: {standing}");
        // The requester withdraws the one refused.
        let withdrawn = cashier.post_json(&format!("/api/v1/adjustments/{too_much_id}/reject"), &json!({})).await;
        assert_eq!(withdrawn.json()["status"], "rejected");
        let pending = cashier.get("/api/v1/adjustments?status=pending").await.json();
        assert_eq!(pending["items"].as_array().map(Vec::len), Some(0));
        let rep = app.bearer("rep", TEST_PASSWORD).await;
        assert_eq!(rep.get(&format!("/api/v1/adjustments/{id}")).await.status, 404, "brand bookkeeping");
        let trial = cashier.get("/api/v1/trial-balance").await.json();
        assert_eq!(trial["difference"].as_i64(), Some(0));
        app.assert_invariants().await;
        app
    })
    .await;
}

#[tokio::test]
async fn orders_receipts_and_statements_export_as_csv_and_xlsx_within_the_callers_scope() {
    each_backend(|app| async move {
        let (first, _) = setup(&app).await;
        let mine = order_as(&app, "rep", 2).await.json()["number"].as_str().expect("number").to_string();
        let theirs = order_as(&app, "rep2", 1).await.json()["number"].as_str().expect("number").to_string();
        let cashier = app.bearer("cashier", TEST_PASSWORD).await;
        let paid = cashier.post_json(&format!("/api/v1/partners/{first}/receipts"), &json!({ "amount": "=1+1" })).await;
        assert_eq!(paid.status, 422, "a formula is no amount");
        let paid = cashier
            .post_json(
                &format!("/api/v1/partners/{first}/receipts"),
                &json!({ "amount": "50.00", "memo": "=HYPERLINK(\"x\")" }),
            )
            .await;
        assert_eq!(paid.status, 201, "{}", paid.text());
        let receipt = paid.json()["number"].as_str().expect("number").to_string();

        let csv = cashier.get("/api/v1/exports/orders?format=csv").await;
        assert_eq!(csv.status, 200, "{}", csv.text());
        let text = csv.text();
        assert!(text.contains(&mine) && text.contains(&theirs), "brand finance sees every order");
        assert!(text.contains("S-TEA") && text.contains("200.00"), "lines with yuan amounts: {text}");
        let sheet = cashier.get("/api/v1/exports/receipts?format=xlsx").await;
        let read = qudao_app::sheets::read_sheet(&sheet.body, 1_000).expect("a workbook");
        let row = read.rows.iter().find(|r| r.cells.contains(&receipt)).expect("the receipt's row");
        assert!(row.cells.iter().any(|c| c.starts_with(&mine)), "it settled the order: {:?}", row.cells);
        // A string cell in XLSX is never evaluated; in CSV the text is neutralised.
        assert!(row.cells.iter().any(|c| c == "=HYPERLINK(\"x\")"), "the memo as text: {:?}", row.cells);
        let csv = cashier.get("/api/v1/exports/receipts?format=csv").await.text();
        assert!(csv.contains("'=HYPERLINK"), "{csv}");

        // A partner's own users export only their own company's rows.
        let books2 = app.bearer("books2", TEST_PASSWORD).await;
        let own = books2.get("/api/v1/exports/orders?format=csv").await;
        assert_eq!(own.status, 200, "{}", own.text());
        assert!(own.text().contains(&theirs) && !own.text().contains(&mine), "{}", own.text());
        let none = books2.get("/api/v1/exports/receipts?format=csv").await.text();
        assert!(!none.contains(&receipt));
        // Bad periods are refused with the field named.
        let long = cashier.get("/api/v1/exports/orders?from=2024-01-01&to=2026-01-01").await;
        assert_eq!((long.status, field_code(&long).as_str()), (422, "period_too_long"));
        let bad = cashier.get("/api/v1/exports/orders?format=pdf").await;
        assert_eq!(bad.status, 400);
        app
    })
    .await;
}
