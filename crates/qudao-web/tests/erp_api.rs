//! The ERP's messages in: signed, applied once per document id, answered again byte for byte;
//! bad messages refused with a clear error, kept for the admin, and nothing half-applied. And
//! receipts: money settles credit orders oldest first, the rest becomes prepaid balance.

#![expect(clippy::expect_used, reason = "test helpers fail loudly at the first broken step")]

use axum::body::Body;
use qudao_app::integration::signing::signature_header;
use qudao_domain::access::Role;
use qudao_domain::accounts::AccountKind;
use qudao_domain::ids::{PartnerId, SkuId};
use qudao_testkit::{Client, PartnerBuilder, TEST_PASSWORD, TestApp, TestResponse, UserBuilder, each_backend};
use serde_json::{Value, json};

struct Erp<'a> {
    client: Client<'a>,
    secret: String,
    now_s: i64,
}

impl Erp<'_> {
    /// Posts `body` signed as the ERP signs, `skew_s` seconds off.
    async fn push_at(&self, path: &str, body: &Value, skew_s: i64, secret: &str) -> TestResponse {
        let bytes = serde_json::to_vec(body).expect("json");
        let id = format!("msg_{}", uuid::Uuid::now_v7().simple());
        let timestamp = self.now_s + skew_s;
        let signature = signature_header(&[secret], &id, timestamp, &bytes).expect("sign");
        let request = http::Request::builder()
            .method("POST")
            .uri(path)
            .header("content-type", "application/json")
            .header("webhook-id", id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(Body::from(bytes))
            .expect("request");
        self.client.send(request).await
    }

    async fn push(&self, path: &str, body: &Value) -> TestResponse {
        self.push_at(path, body, 0, &self.secret).await
    }
}

/// A partner with a rep and a stocked SKU on a credit line, a finance user, an administrator,
/// and the ERP's API key.
async fn setup(app: &TestApp) -> (PartnerId, SkuId, String, String) {
    let partner = PartnerBuilder::new("甲公司").create(app).await;
    UserBuilder::new("rep", Role::PartnerSales).partner(partner.id).create(app).await;
    UserBuilder::new("admin", Role::BrandAdmin).create(app).await;
    UserBuilder::new("cashier", Role::Finance).create(app).await;
    let sku = app.sku("S-COLA", 250).await;
    let warehouse = app.warehouse("WH-A", 1).await;
    app.receive(sku, warehouse, 1_000).await;
    app.credit_line(partner.id, 10_000_000).await;
    let admin = app.bearer("admin", TEST_PASSWORD).await;
    let created = admin.post_json("/api/v1/api-keys", &json!({ "name": "ERP", "scopes": ["erp:write"] })).await;
    assert_eq!(created.status, 201, "{}", created.text());
    let body = created.json();
    let key = body["key"].as_str().expect("key").to_string();
    let secret = body["signing_secret"].as_str().expect("an erp:write key comes with a signing secret").to_string();
    assert!(secret.starts_with("whsec_"));
    (partner.id, sku, key, secret)
}

async fn order(app: &TestApp, quantity: i64) -> Value {
    let rep = app.bearer("rep", TEST_PASSWORD).await;
    let placed = rep
        .post_json(
            "/api/v1/orders",
            &json!({ "lines": [{ "sku": "S-COLA", "quantity": quantity }], "payment": "credit" }),
        )
        .await;
    assert_eq!(placed.status, 201, "{}", placed.text());
    placed.json()
}

fn erp<'a>(app: &'a TestApp, key: &str, secret: &str) -> Erp<'a> {
    Erp {
        client: app.anonymous().with_bearer(key.to_string()),
        secret: secret.to_string(),
        now_s: app.app.now_ms() / 1_000,
    }
}

fn field_code(response: &TestResponse) -> String {
    response.json()["error"]["fields"][0]["code"].as_str().unwrap_or("").to_string()
}

#[tokio::test]
async fn a_shipment_is_applied_once_and_answered_again_byte_for_byte() {
    each_backend(|app| async move {
        let (_, sku, key, secret) = setup(&app).await;
        let placed = order(&app, 10).await;
        let erp = erp(&app, &key, &secret);
        let number = placed["number"].as_str().expect("number");
        let shipment = json!({ "document_id": "DN-0001", "order_number": number, "carrier": "顺丰速运",
            "tracking_no": "SF100", "lines": [{ "sku": "s-cola", "quantity": 4 }] });

        // Signatures first: wrong secret, stale timestamp, none at all.
        let forged = erp.push_at("/api/v1/erp/shipments", &shipment, 0, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").await;
        assert_eq!((forged.status, field_code(&forged).as_str()), (422, "bad_signature"), "{}", forged.text());
        let stale = erp.push_at("/api/v1/erp/shipments", &shipment, -600, &secret).await;
        assert_eq!(field_code(&stale), "stale_timestamp");
        let unsigned = erp.client.post_json("/api/v1/erp/shipments", &shipment).await;
        assert_eq!(unsigned.status, 422);
        assert_eq!(app.stock_of(sku).await, (1_000, 10), "nothing shipped");

        let first = erp.push("/api/v1/erp/shipments", &shipment).await;
        assert_eq!(first.status, 201, "{}", first.text());
        assert_eq!(first.json()["tracking_no"], "SF100");
        assert_eq!(app.stock_of(sku).await, (996, 6));
        // The same message again — a retry — and again after other changes: the same bytes.
        let again = erp.push("/api/v1/erp/shipments", &shipment).await;
        assert_eq!((again.status, &again.body), (201, &first.body));
        assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));
        assert_eq!(app.stock_of(sku).await, (996, 6), "shipped once");
        // Another message under the same document id is not this one.
        let mut changed = shipment.clone();
        changed["tracking_no"] = json!("SF999");
        let reused = erp.push("/api/v1/erp/shipments", &changed).await;
        assert_eq!(
            (reused.status, reused.json()["error"]["code"].as_str()),
            (409, Some("conflict.document_id_reused"))
        );

        // More than was ordered, an unknown order: refused, nothing half-applied.
        let too_much = json!({ "document_id": "DN-0002", "order_id": placed["id"], "carrier": "顺丰速运",
            "tracking_no": "SF101", "lines": [{ "line_no": 1, "quantity": 7 }] });
        let refused = erp.push("/api/v1/erp/shipments", &too_much).await;
        assert_eq!(refused.status, 422, "{}", refused.text());
        let unknown = json!({ "document_id": "DN-0003", "order_number": "SO-19990101-0001", "carrier": "顺丰",
            "tracking_no": "SF102" });
        let refused_unknown = erp.push("/api/v1/erp/shipments", &unknown).await;
        assert_eq!(field_code(&refused_unknown), "unknown_order", "{}", refused_unknown.text());
        assert_eq!(app.stock_of(sku).await, (996, 6));
        // The rest ships under a new document.
        let rest = json!({ "document_id": "DN-0002", "order_id": placed["id"], "carrier": "顺丰速运",
            "tracking_no": "SF101", "lines": [{ "line_no": 1, "quantity": 6 }] });
        assert_eq!(erp.push("/api/v1/erp/shipments", &rest).await.status, 201, "a refused id can be used when fixed");
        let admin = app.bearer("admin", TEST_PASSWORD).await;
        let shown = admin.get(&format!("/api/v1/orders/{}", placed["id"].as_str().expect("id"))).await.json();
        assert_eq!(shown["status"], "shipped");

        // The admin sees every refusal with its reason.
        let log = admin.get("/api/v1/erp/rejections").await;
        assert_eq!(log.status, 200, "{}", log.text());
        let codes: Vec<String> = log.json()["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|r| r["code"].as_str().unwrap_or("").to_string())
            .collect();
        for code in ["bad_signature", "stale_timestamp", "document_id_reused", "unknown_order"] {
            assert!(codes.iter().any(|c| c == code), "{code} not in {codes:?}");
        }
        app.assert_invariants().await;
        app
    })
    .await;
}

#[tokio::test]
async fn invoices_are_kept_per_order_up_to_what_it_costs() {
    each_backend(|app| async move {
        let (_, _, key, secret) = setup(&app).await;
        let placed = order(&app, 2).await;
        let erp = erp(&app, &key, &secret);
        let total = placed["total"].as_i64().expect("total");
        let invoice = json!({ "document_id": "INV-1", "order_id": placed["id"], "invoice_number": "04400001",
            "amount": total, "tax": total * 13 / 113, "issued_date": "2026-11-29" });
        let first = erp.push("/api/v1/erp/invoices", &invoice).await;
        assert_eq!(first.status, 201, "{}", first.text());
        assert_eq!(first.json()["issued_date"], 20_261_129);
        assert_eq!(erp.push("/api/v1/erp/invoices", &invoice).await.body, first.body);
        let over = json!({ "document_id": "INV-2", "order_id": placed["id"], "invoice_number": "04400002",
            "amount": 1, "tax": 0 });
        assert_eq!(field_code(&erp.push("/api/v1/erp/invoices", &over).await), "over_invoiceable");
        let bad = json!({ "document_id": "INV-3", "order_id": placed["id"], "invoice_number": "",
            "amount": -5, "tax": 9 });
        let refused = erp.push("/api/v1/erp/invoices", &bad).await;
        let fields: Vec<String> = refused.json()["error"]["fields"]
            .as_array()
            .expect("fields")
            .iter()
            .map(|f| f["field"].as_str().unwrap_or("").to_string())
            .collect();
        assert_eq!(fields, ["invoice_number", "amount", "tax"], "every field at once");
        // The partner sees its order's invoice.
        let rep = app.bearer("rep", TEST_PASSWORD).await;
        let listed = rep.get(&format!("/api/v1/orders/{}/invoices", placed["id"].as_str().expect("id"))).await;
        assert_eq!(listed.status, 200, "{}", listed.text());
        let listed = listed.json();
        assert_eq!(listed.as_array().map(Vec::len), Some(1));
        assert_eq!(listed[0]["invoice_number"], "04400001");
        app
    })
    .await;
}

#[tokio::test]
async fn a_receipt_settles_the_oldest_orders_first_and_the_rest_is_prepaid() {
    each_backend(|app| async move {
        let (partner, _, key, secret) = setup(&app).await;
        let older = order(&app, 4).await;
        app.clock.advance(1_000);
        let newer = order(&app, 4).await;
        let (a, b) = (older["total"].as_i64().expect("total"), newer["total"].as_i64().expect("total"));
        assert_eq!(app.account(partner, AccountKind::Receivable).await.0, a + b);
        let erp = erp(&app, &key, &secret);
        let receipt = json!({ "document_id": "BANK-77", "partner_id": partner, "amount": a + b / 2, "currency": "CNY" });
        let first = erp.push("/api/v1/erp/receipts", &receipt).await;
        assert_eq!(first.status, 201, "{}", first.text());
        let body = first.json();
        let allocations = body["allocations"].as_array().expect("allocations").clone();
        assert_eq!(allocations.len(), 2);
        assert_eq!((allocations[0]["order_id"].clone(), allocations[0]["amount"].as_i64()), (older["id"].clone(), Some(a)));
        assert_eq!(allocations[1]["amount"].as_i64(), Some(b / 2));
        assert_eq!(body["prepaid"], 0);
        assert_eq!(app.account(partner, AccountKind::Receivable).await.0, b - b / 2);
        // Replayed: the same answer, and the money counted once.
        let again = erp.push("/api/v1/erp/receipts", &receipt).await;
        assert_eq!(again.body, first.body);
        assert_eq!(app.account(partner, AccountKind::Receivable).await.0, b - b / 2);

        // Finance records more than is open: the rest is prepaid.
        let cashier = app.bearer("cashier", TEST_PASSWORD).await;
        let paid = cashier
            .post_json(&format!("/api/v1/partners/{partner}/receipts"), &json!({ "amount": format!("{}.00", b / 100) }))
            .await;
        assert_eq!(paid.status, 201, "{}", paid.text());
        assert_eq!(paid.json()["allocated"].as_i64(), Some(b - b / 2));
        assert_eq!(paid.json()["prepaid"].as_i64(), Some(b / 2));
        assert_eq!(app.account(partner, AccountKind::Receivable).await.0, 0);
        assert_eq!(app.account(partner, AccountKind::Prepaid).await.0, b / 2);

        // A hand allocation larger than what is open is refused and writes nothing.
        let third = order(&app, 2).await;
        let open = third["total"].as_i64().expect("total");
        let over = cashier
            .post_json(
                &format!("/api/v1/partners/{partner}/receipts"),
                &json!({ "amount": "1000.00", "allocations": [{ "order_id": third["id"], "amount": format!("{}.01", open / 100) }] }),
            )
            .await;
        assert_eq!((over.status, field_code(&over).as_str()), (422, "over_open"), "{}", over.text());
        assert_eq!(app.account(partner, AccountKind::Receivable).await.0, open);
        // The partner sees its own receipts.
        let rep = app.bearer("rep", TEST_PASSWORD).await;
        let mine = rep.get(&format!("/api/v1/receipts?partner_id={partner}")).await.json();
        assert_eq!(mine["items"].as_array().map(Vec::len), Some(2));
        // The trial balance sums to zero; cash holds what both receipts brought.
        let trial = cashier.get("/api/v1/trial-balance").await;
        assert_eq!(trial.status, 200, "{}", trial.text());
        let trial = trial.json();
        assert_eq!((trial["difference"].as_i64(), trial["accounts_out_of_step"].as_i64()), (Some(0), Some(0)));
        let cash = trial["lines"].as_array().expect("lines").iter().find(|l| l["kind"] == "cash").expect("cash").clone();
        assert_eq!(cash["debit"].as_i64(), Some(a + b / 2 + b / 100 * 100));
        assert_eq!(rep.get("/api/v1/trial-balance").await.status, 403, "a partner sees only its own accounts");
        // Aging: the third order is still owed; 31 days after its approval it is 1 day overdue.
        let aging = cashier.get("/api/v1/aging").await.json();
        assert_eq!(aging["partners"][0]["current"].as_i64(), Some(open), "{aging}");
        assert_eq!(aging["totals"]["current"].as_i64(), Some(open));
        app.clock.advance(31 * 86_400_000);
        let cashier = app.bearer("cashier", TEST_PASSWORD).await;
        let aging = cashier.get("/api/v1/aging").await.json();
        assert_eq!((aging["partners"][0]["days_1_30"].as_i64(), aging["partners"][0]["overdue"].as_i64()), (Some(open), Some(open)));
        let rep = app.bearer("rep", TEST_PASSWORD).await;
        let own = rep.get("/api/v1/aging").await.json();
        assert_eq!(own["partners"].as_array().map(Vec::len), Some(1), "a partner sees its own line only");
        app.assert_invariants().await;
        app
    })
    .await;
}

#[tokio::test]
async fn the_same_receipt_sent_at_once_many_times_counts_once() {
    each_backend(|app| async move {
        let (partner, _, key, secret) = setup(&app).await;
        order(&app, 4).await;
        let receipt = json!({ "document_id": "BANK-1", "partner_id": partner, "amount": 5_000, "currency": "CNY" });
        let erp = erp(&app, &key, &secret);
        let sends: Vec<_> = (0..6).map(|_| erp.push("/api/v1/erp/receipts", &receipt)).collect();
        let answers = futures_util::future::join_all(sends).await;
        let ok: Vec<&TestResponse> = answers.iter().filter(|r| r.status == 201).collect();
        assert!(!ok.is_empty(), "{:?}", answers.iter().map(TestResponse::text).collect::<Vec<_>>());
        assert!(ok.iter().all(|r| r.body == ok[0].body), "one answer for all");
        assert!(answers.iter().all(|r| r.status == 201 || r.status == 409), "in flight at worst");
        let admin = app.bearer("admin", TEST_PASSWORD).await;
        let list = admin.get(&format!("/api/v1/receipts?partner_id={partner}")).await.json();
        assert_eq!(list["items"].as_array().map(Vec::len), Some(1));
        app.assert_invariants().await;
        app
    })
    .await;
}
