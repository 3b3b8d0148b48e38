//! The ERP link's outbound side: business events are written with their change and delivered
//! to subscribed endpoints as signed Standard Webhooks, retried by the schedule, dead-lettered
//! and replayed; endpoints point at public addresses unless an admin allowed a network; two
//! instances never send the same delivery at once.

#![expect(clippy::expect_used, reason = "test helpers fail loudly at the first broken step")]

use qudao_app::AppConfig;
use qudao_app::integration::Deliverer;
use qudao_app::integration::signing::verify;
use qudao_domain::access::Role;
use qudao_domain::integration::AllowedNets;
use qudao_testkit::sink::{Received, Sink};
use qudao_testkit::{Client, PartnerBuilder, TEST_PASSWORD, TestApp, UserBuilder, each_backend, each_backend_with};
use serde_json::json;

fn lab() -> AppConfig {
    AppConfig { webhook_allow_nets: AllowedNets::parse("127.0.0.0/8").expect("nets"), ..AppConfig::default() }
}

/// A partner with a rep who can order a stocked SKU on credit, and a brand administrator.
async fn shop(app: &TestApp) -> qudao_domain::ids::PartnerId {
    let partner = PartnerBuilder::new("甲公司").create(app).await;
    UserBuilder::new("rep", Role::PartnerSales).partner(partner.id).create(app).await;
    UserBuilder::new("admin", Role::BrandAdmin).create(app).await;
    let sku = app.sku("S-COLA", 250).await;
    let warehouse = app.warehouse("WH-A", 1).await;
    app.receive(sku, warehouse, 1_000).await;
    app.credit_line(partner.id, 10_000_000).await;
    partner.id
}

async fn order(rep: &Client<'_>) -> serde_json::Value {
    let placed = rep
        .post_json("/api/v1/orders", &json!({ "lines": [{ "sku": "S-COLA", "quantity": 1 }], "payment": "credit" }))
        .await;
    assert_eq!(placed.status, 201, "{}", placed.text());
    placed.json()
}

async fn subscribe(admin: &Client<'_>, url: &str, events: serde_json::Value) -> (String, String) {
    let created = admin.post_json("/api/v1/webhook-endpoints", &json!({ "url": url, "events": events })).await;
    assert_eq!(created.status, 201, "{}", created.text());
    let body = created.json();
    (body["id"].as_str().expect("id").to_string(), body["secret"].as_str().expect("secret").to_string())
}

fn verified(received: &Received, secrets: &[&str]) -> bool {
    verify(secrets, &received.id, received.timestamp, received.body.as_bytes(), &received.signature, received.timestamp)
        .is_ok()
}

#[tokio::test]
async fn events_reach_a_subscribed_endpoint_signed_and_in_the_standard_shape() {
    each_backend_with(lab(), |app| async move {
        shop(&app).await;
        let sink = Sink::start().await;
        let admin = app.bearer("admin", TEST_PASSWORD).await;
        let rep = app.bearer("rep", TEST_PASSWORD).await;
        let (endpoint, secret) = subscribe(&admin, &sink.url, json!(["*"])).await;
        assert!(secret.starts_with("whsec_"), "{secret}");
        let (_, shipped_only) = subscribe(&admin, &sink.url, json!(["order.shipped"])).await;

        let placed = order(&rep).await;
        let deliverer = Deliverer::new(app.app.clone()).expect("deliverer");
        let pass = deliverer.deliver_due().await.expect("pass");
        // Placed within the auto-approval limit: submitted and approved, to the "*" endpoint only.
        assert_eq!((pass.dispatched, pass.attempts, pass.delivered), (2, 2, 2), "{pass:?}");
        let received = sink.received();
        let types: Vec<String> = received.iter().map(|r| r.json()["type"].as_str().unwrap_or("").to_string()).collect();
        assert_eq!(types, ["order.submitted", "order.approved"]);
        for r in &received {
            assert!(verified(r, &[&secret]), "signed with the endpoint's secret");
            assert!(!verified(r, &[&shipped_only]), "not with another endpoint's");
            let body = r.json();
            assert_eq!(body["data"]["order"]["id"], placed["id"]);
            assert_eq!(body["data"]["order"]["number"], placed["number"]);
            assert!(body["timestamp"].as_str().expect("timestamp").ends_with('Z'));
            assert!((r.timestamp - app.app.now_ms() / 1_000).abs() < 60);
        }
        assert_ne!(received[0].id, received[1].id, "each event has its own webhook-id");

        // Nothing is due any more; the log shows both delivered, with the endpoint's answer.
        assert_eq!(deliverer.deliver_due().await.expect("pass").attempts, 0);
        let log = admin.get(&format!("/api/v1/webhook-deliveries?endpoint_id={endpoint}")).await;
        assert_eq!(log.status, 200, "{}", log.text());
        let items = log.json()["items"].as_array().expect("items").clone();
        assert_eq!(items.len(), 2);
        assert!(items.iter().all(|d| d["status"] == "delivered" && d["last_status"] == 200), "{items:?}");
        let detail = admin.get(&format!("/api/v1/webhook-deliveries/{}", items[0]["id"].as_str().expect("id"))).await;
        assert_eq!(detail.json()["attempts"][0]["status"], 200, "{}", detail.text());
        assert_eq!(detail.json()["attempts"][0]["response_excerpt"], "ok");
        let listed = admin.get("/api/v1/webhook-endpoints").await.json();
        let mine =
            listed.as_array().expect("list").iter().find(|e| e["id"] == endpoint.as_str()).expect("listed").clone();
        assert_eq!((mine["delivered"].as_i64(), mine["pending"].as_i64()), (Some(2), Some(0)));
        assert!(mine.get("secret").is_none(), "the secret is shown only when made");

        // Partner changes and cancellations are events too.
        let id = placed["id"].as_str().expect("id");
        let cancelled = rep.post_json(&format!("/api/v1/orders/{id}/cancel"), &json!({ "reason": "重复下单" })).await;
        assert_eq!(cancelled.status, 200, "{}", cancelled.text());
        deliverer.deliver_due().await.expect("pass");
        let last = sink.received().last().expect("one more").json();
        assert_eq!(last["type"], "order.cancelled");
        assert_eq!(last["data"]["order"]["status"], "cancelled");
        assert_eq!(last["data"]["cancellation"]["reason"], "重复下单");
        app
    })
    .await;
}

#[tokio::test]
async fn failures_are_retried_by_the_schedule_then_dead_lettered_and_replayed() {
    each_backend_with(lab(), |app| async move {
        shop(&app).await;
        let sink = Sink::start().await;
        let admin = app.bearer("admin", TEST_PASSWORD).await;
        let rep = app.bearer("rep", TEST_PASSWORD).await;
        subscribe(&admin, &sink.url, json!(["order.submitted"])).await;
        let deliverer = Deliverer::new(app.app.clone()).expect("deliverer");

        // A 500, then a 503 asking for two minutes: each waits its turn.
        sink.answer_next(500, None);
        sink.answer_next(503, Some("120"));
        order(&rep).await;
        assert_eq!(deliverer.deliver_due().await.expect("pass").attempts, 1);
        assert_eq!(deliverer.deliver_due().await.expect("pass").attempts, 0, "not due for 5 s");
        app.clock.advance(5_000);
        assert_eq!(deliverer.deliver_due().await.expect("pass").attempts, 1);
        app.clock.advance(60_000);
        assert_eq!(deliverer.deliver_due().await.expect("pass").attempts, 0, "Retry-After: 120 is honoured");
        app.clock.advance(60_000);
        let pass = deliverer.deliver_due().await.expect("pass");
        assert_eq!((pass.attempts, pass.delivered), (1, 1));
        let received = sink.received();
        assert_eq!(received.len(), 3);
        assert!(received.iter().all(|r| r.id == received[0].id), "a retry keeps its webhook-id");

        // An ERP down for the whole retry window: the event is dead-lettered, then replayed.
        sink.answer_always(502);
        order(&rep).await;
        let mut attempts = 0;
        for _ in 0..200 {
            attempts += deliverer.deliver_due().await.expect("pass").attempts;
            app.clock.advance(3_600_000);
        }
        // Sessions do not last 200 hours: sign in again.
        let admin = app.bearer("admin", TEST_PASSWORD).await;
        let dead = admin.get("/api/v1/webhook-deliveries?status=dead").await.json();
        let dead = dead["items"].as_array().expect("items").clone();
        assert_eq!(dead.len(), 1, "{dead:?}");
        assert!((10..=120).contains(&attempts), "{attempts} attempts over the window");
        assert_eq!(dead[0]["last_status"], 502);
        sink.answer_always(200);
        let id = dead[0]["id"].as_str().expect("id");
        let replayed = admin.post_json(&format!("/api/v1/webhook-deliveries/{id}/replay"), &json!({})).await;
        assert_eq!(replayed.status, 200, "{}", replayed.text());
        assert_eq!(replayed.json()["status"], "pending");
        let again = admin.post_json(&format!("/api/v1/webhook-deliveries/{id}/replay"), &json!({})).await;
        assert_eq!(again.status, 409, "a pending delivery is not replayed twice");
        assert_eq!(deliverer.deliver_due().await.expect("pass").delivered, 1);
        let detail = admin.get(&format!("/api/v1/webhook-deliveries/{id}")).await.json();
        assert_eq!(detail["status"], "delivered");
        app
    })
    .await;
}

#[tokio::test]
async fn gone_disables_the_endpoint_and_a_rotated_secret_overlaps() {
    each_backend_with(lab(), |app| async move {
        shop(&app).await;
        let sink = Sink::start().await;
        let admin = app.bearer("admin", TEST_PASSWORD).await;
        let rep = app.bearer("rep", TEST_PASSWORD).await;
        let (endpoint, old) = subscribe(&admin, &sink.url, json!(["order.submitted"])).await;
        let deliverer = Deliverer::new(app.app.clone()).expect("deliverer");

        let rotated = admin.post_json(&format!("/api/v1/webhook-endpoints/{endpoint}/rotate-secret"), &json!({})).await;
        assert_eq!(rotated.status, 200, "{}", rotated.text());
        let new = rotated.json()["secret"].as_str().expect("secret").to_string();
        assert_ne!(new, old);
        order(&rep).await;
        deliverer.deliver_due().await.expect("pass");
        let during = sink.received().pop().expect("sent");
        assert_eq!(during.signature.split(' ').count(), 2, "both secrets sign during the overlap");
        assert!(verified(&during, &[&new]) && verified(&during, &[&old]));
        app.clock.advance(25 * 3_600_000);
        let (admin, rep) = (app.bearer("admin", TEST_PASSWORD).await, app.bearer("rep", TEST_PASSWORD).await);
        order(&rep).await;
        deliverer.deliver_due().await.expect("pass");
        let after = sink.received().pop().expect("sent");
        assert!(verified(&after, &[&new]) && !verified(&after, &[&old]), "the old secret stops after a day");

        sink.answer_next(410, None);
        order(&rep).await;
        deliverer.deliver_due().await.expect("pass");
        let shown = admin.get(&format!("/api/v1/webhook-endpoints/{endpoint}")).await.json();
        assert_eq!((shown["status"].as_str(), shown["disabled_reason"].as_str()), (Some("disabled"), Some("gone")));
        order(&rep).await;
        app.clock.advance(3_600_000);
        let before = sink.received().len();
        assert_eq!(deliverer.deliver_due().await.expect("pass").attempts, 0, "a disabled endpoint is not called");
        assert_eq!(sink.received().len(), before);
        // Enabled again by the admin, it receives what waited.
        let enabled = admin
            .json(
                "PUT",
                &format!("/api/v1/webhook-endpoints/{endpoint}"),
                &json!({ "url": sink.url, "events": ["order.submitted"], "active": true }),
            )
            .await;
        assert_eq!(enabled.status, 200, "{}", enabled.text());
        assert_eq!(deliverer.deliver_due().await.expect("pass").delivered, 2);
        app
    })
    .await;
}

#[tokio::test]
async fn endpoints_point_at_public_addresses_unless_a_network_is_allowed() {
    each_backend(|app| async move {
        shop(&app).await;
        let admin = app.bearer("admin", TEST_PASSWORD).await;
        for url in
            ["http://127.0.0.1:9/hook", "http://10.1.2.3/hook", "http://169.254.169.254/latest", "http://[::1]/x"]
        {
            let refused = admin.post_json("/api/v1/webhook-endpoints", &json!({ "url": url, "events": ["*"] })).await;
            assert_eq!(refused.status, 422, "{url}: {}", refused.text());
            assert_eq!(refused.json()["error"]["fields"][0]["code"], "url_not_allowed", "{url}");
        }
        let bad = admin
            .post_json("/api/v1/webhook-endpoints", &json!({ "url": "ftp://1.1.1.1/", "events": ["order.exploded"] }))
            .await;
        let codes: Vec<String> = bad.json()["error"]["fields"]
            .as_array()
            .expect("fields")
            .iter()
            .map(|f| f["code"].as_str().unwrap_or("").to_string())
            .collect();
        assert_eq!(codes, ["invalid_url", "unknown_event"], "every field at once");
        let nets = admin.json("PUT", "/api/v1/webhook-networks", &json!({ "console": "10.0.0.0/8, nonsense" })).await;
        assert_eq!(nets.status, 422);
        let nets = admin.json("PUT", "/api/v1/webhook-networks", &json!({ "console": "10.0.0.0/8" })).await;
        assert_eq!(nets.status, 200, "{}", nets.text());
        let allowed = admin
            .post_json("/api/v1/webhook-endpoints", &json!({ "url": "http://10.1.2.3/hook", "events": ["*"] }))
            .await;
        assert_eq!(allowed.status, 201, "an allowed network: {}", allowed.text());
        let still = admin
            .post_json("/api/v1/webhook-endpoints", &json!({ "url": "http://127.0.0.1:9/hook", "events": ["*"] }))
            .await;
        assert_eq!(still.status, 422, "loopback is not in 10/8");
        // Partner users and other brand roles cannot reach any of it.
        let rep = app.bearer("rep", TEST_PASSWORD).await;
        assert_eq!(rep.get("/api/v1/webhook-endpoints").await.status, 403);
        app
    })
    .await;
}

#[tokio::test]
async fn a_name_resolving_to_a_refused_address_is_never_connected_to() {
    each_backend(|app| async move {
        shop(&app).await;
        let sink = Sink::start().await;
        // Saved while the console allowed loopback, then the network was taken away again.
        let admin = app.bearer("admin", TEST_PASSWORD).await;
        admin.json("PUT", "/api/v1/webhook-networks", &json!({ "console": "127.0.0.0/8,::1/128" })).await;
        let url = sink.url.replace("127.0.0.1", "localhost");
        subscribe(&admin, &url, json!(["*"])).await;
        admin.json("PUT", "/api/v1/webhook-networks", &json!({ "console": "" })).await;
        let rep = app.bearer("rep", TEST_PASSWORD).await;
        order(&rep).await;
        let deliverer = Deliverer::new(app.app.clone()).expect("deliverer");
        let pass = deliverer.deliver_due().await.expect("pass");
        assert_eq!((pass.attempts, pass.delivered), (2, 0));
        assert!(sink.received().is_empty(), "nothing reached the receiver");
        let log = admin.get("/api/v1/webhook-deliveries").await.json();
        let error = log["items"][0]["last_error"].as_str().unwrap_or("").to_string();
        assert!(error.contains("loopback") || error.contains("not in an allowed network"), "{error}");
        app
    })
    .await;
}

#[tokio::test]
async fn two_instances_deliver_each_event_once() {
    each_backend_with(lab(), |app| async move {
        let partner = shop(&app).await;
        let sink = Sink::start().await;
        let admin = app.bearer("admin", TEST_PASSWORD).await;
        subscribe(&admin, &sink.url, json!(["partner.updated", "order.submitted"])).await;
        let rep = app.bearer("rep", TEST_PASSWORD).await;
        for _ in 0..30 {
            order(&rep).await;
        }
        let _ = partner;
        let first = Deliverer::new(app.app.clone()).expect("deliverer");
        let second = Deliverer::new(app.app.clone()).expect("deliverer");
        let (a, b) = tokio::join!(first.deliver_due(), second.deliver_due());
        let (a, b) = (a.expect("first"), b.expect("second"));
        assert_eq!(a.delivered + b.delivered, 30, "{a:?} {b:?}");
        let mut ids: Vec<String> = sink.received().into_iter().map(|r| r.id).collect();
        ids.sort();
        let all = ids.len();
        ids.dedup();
        assert_eq!((all, ids.len()), (30, 30), "every event once, none twice");
        app
    })
    .await;
}
