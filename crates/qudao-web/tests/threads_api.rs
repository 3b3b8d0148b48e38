//! Threads on objects and the live event stream: a partner and the brand discuss an order on
//! its thread; a message reaches the open streams of those who may see it at once, and never a
//! stream of another partner, a channel manager outside the territory, or — for an internal
//! note — any partner; a thread of an object one cannot see is missing; bad messages write
//! nothing.

#![expect(clippy::expect_used, reason = "test helpers fail loudly at the first broken step")]

use std::time::Duration;

use http_body_util::BodyExt;
use qudao_domain::access::Role;
use qudao_testkit::{PartnerBuilder, TEST_PASSWORD, TestApp, UserBuilder, each_backend};
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tower::ServiceExt;

/// Opens `login`'s event stream and forwards each SSE block (`event: …\ndata: …`) as it arrives.
async fn open_stream(app: &TestApp, login: &str) -> mpsc::UnboundedReceiver<String> {
    let client = app.bearer(login, TEST_PASSWORD).await;
    let request = http::Request::builder()
        .uri("/api/v1/events")
        .header("authorization", format!("Bearer {}", client.token().expect("token")))
        .header("accept", "text/event-stream")
        .body(axum::body::Body::empty())
        .expect("request");
    let response = app.router.clone().oneshot(request).await.expect("response");
    assert_eq!(response.status(), 200);
    let (sender, receiver) = mpsc::unbounded_channel();
    let mut body = response.into_body();
    tokio::spawn(async move {
        let mut pending = String::new();
        while let Some(Ok(frame)) = body.frame().await {
            if let Ok(data) = frame.into_data() {
                pending.push_str(&String::from_utf8_lossy(&data));
                while let Some(end) = pending.find("\n\n") {
                    let block: String = pending.drain(..end + 2).collect();
                    if block.contains("event:") && sender.send(block).is_err() {
                        return;
                    }
                }
            }
        }
    });
    receiver
}

/// The next event of a stream within a second, if any.
async fn next_event(stream: &mut mpsc::UnboundedReceiver<String>) -> Option<String> {
    tokio::time::timeout(Duration::from_secs(1), stream.recv()).await.ok().flatten()
}

#[tokio::test]
async fn a_thread_is_as_visible_as_its_object_and_messages_arrive_live() {
    each_backend(|app| async move {
        let ours = PartnerBuilder::new("上海甲商贸").region("CN-SH-SH").create(&app).await;
        let theirs = PartnerBuilder::new("广州乙商贸").region("CN-GD-GZ").create(&app).await;
        UserBuilder::new("rep", Role::PartnerAdmin).partner(ours.id).create(&app).await;
        UserBuilder::new("other", Role::PartnerAdmin).partner(theirs.id).create(&app).await;
        let cm = UserBuilder::new("cm", Role::ChannelManager).create(&app).await;
        app.assign_region(cm, "CN-SH").await;
        let far = UserBuilder::new("far", Role::ChannelManager).create(&app).await;
        app.assign_region(far, "CN-GD").await;
        UserBuilder::new("root", Role::BrandAdmin).create(&app).await;
        let sku = app.sku("S-TEA", 500).await;
        let warehouse = app.warehouse("WH-A", 1).await;
        app.receive(sku, warehouse, 100).await;
        app.credit_line(ours.id, 100_000).await;
        let rep = app.bearer("rep", TEST_PASSWORD).await;
        let placed = rep
            .post_json("/api/v1/orders", &json!({ "lines": [{ "sku": "S-TEA", "quantity": 2 }], "payment": "credit" }))
            .await;
        assert_eq!(placed.status, 201, "{}", placed.text());
        let order = placed.json()["id"].as_str().expect("id").to_owned();
        let thread = format!("/api/v1/threads/order/{order}/messages");

        let mut streams = Vec::new();
        for login in ["rep", "other", "cm", "far", "root"] {
            streams.push((login, open_stream(&app, login).await));
        }
        let cm_client = app.bearer("cm", TEST_PASSWORD).await;
        let posted = cm_client.post_json(&thread, &json!({ "body": "@rep 下周二能到货吗？" })).await;
        assert_eq!(posted.status, 201, "{}", posted.text());
        let message = posted.json();
        assert_eq!(message["mentions"].as_array().map(Vec::len), Some(1));
        assert_eq!(message["author_brand"], true);
        for (login, stream) in &mut streams {
            let event = next_event(stream).await;
            let expected = matches!(*login, "rep" | "cm" | "root");
            assert_eq!(event.is_some(), expected, "{login}: {event:?}");
            if let Some(event) = event {
                assert!(event.contains("event: message") && event.contains("下周二能到货吗"), "{login}: {event}");
            }
            if *login == "rep" {
                // Mentioned: the notification follows, on this stream only.
                let told = next_event(stream).await.unwrap_or_default();
                assert!(told.contains("event: notification") && told.contains("\"topic\":\"mention\""), "{told}");
            }
        }

        // An internal note reaches the brand's streams only.
        let note = cm_client.post_json(&thread, &json!({ "body": "内部：该客户上月逾期", "internal": true })).await;
        assert_eq!(note.status, 201, "{}", note.text());
        for (login, stream) in &mut streams {
            let event = next_event(stream).await;
            assert_eq!(event.is_some(), matches!(*login, "cm" | "root"), "{login}: {event:?}");
        }

        // The partner answers; its thread shows both messages but not the note.
        let answer = rep.post_json(&thread, &json!({ "body": "可以，周二上午收货。" })).await;
        assert_eq!(answer.status, 201);
        let seen = rep.get(&thread).await.json();
        let bodies: Vec<&str> =
            seen["messages"].as_array().expect("messages").iter().filter_map(|m| m["body"].as_str()).collect();
        assert_eq!(bodies, vec!["@rep 下周二能到货吗？", "可以，周二上午收货。"]);
        let brand_view = cm_client.get(&thread).await.json();
        assert_eq!(brand_view["messages"].as_array().map(Vec::len), Some(3));
        assert_eq!(brand_view["unread"], 1, "the partner's answer was new to the channel manager");
        assert_eq!(cm_client.get(&thread).await.json()["unread"], 0, "read now");

        // Not visible: missing, and nothing written.
        let other = app.bearer("other", TEST_PASSWORD).await;
        assert_eq!(other.get(&thread).await.status, 404);
        assert_eq!(other.post_json(&thread, &json!({ "body": "看看" })).await.status, 404);
        let far_client = app.bearer("far", TEST_PASSWORD).await;
        assert_eq!(far_client.post_json(&thread, &json!({ "body": "看看" })).await.status, 404);
        assert_eq!(rep.get("/api/v1/threads/invoice/x/messages").await.status, 404);

        // Bad input: clear errors, nothing written.
        let bad = [
            (json!({ "body": "   " }), "required"),
            (json!({ "body": "x".repeat(4001) }), "too_long"),
            (json!({ "body": "@other 你好" }), "mention_cannot_see"),
        ];
        for (body, code) in bad {
            let refused = cm_client.post_json(&thread, &body).await;
            assert_eq!(refused.status, 422, "{body}");
            assert_eq!(refused.json()["error"]["fields"][0]["code"], code);
        }
        let partner_note = rep.post_json(&thread, &json!({ "body": "我也要内部备注", "internal": true })).await;
        assert_eq!(partner_note.json()["error"]["fields"][0]["code"], "brand_only");
        assert_eq!(cm_client.get(&thread).await.json()["messages"].as_array().map(Vec::len), Some(3));
        app
    })
    .await;
}

#[tokio::test]
async fn a_thread_pages_back_from_its_newest_messages() {
    each_backend(|app| async move {
        let partner = PartnerBuilder::new("上海丙商贸").create(&app).await;
        UserBuilder::new("root", Role::BrandAdmin).create(&app).await;
        let root = app.bearer("root", TEST_PASSWORD).await;
        let thread = format!("/api/v1/threads/partner/{}/messages", partner.id);
        for n in 0..5 {
            assert_eq!(root.post_json(&thread, &json!({ "body": format!("第{n}条") })).await.status, 201);
        }
        let newest = root.get(&format!("{thread}?limit=2")).await.json();
        let bodies = |page: &Value| -> Vec<String> {
            page["messages"]
                .as_array()
                .expect("messages")
                .iter()
                .filter_map(|m| m["body"].as_str().map(str::to_owned))
                .collect()
        };
        assert_eq!(bodies(&newest), vec!["第3条", "第4条"]);
        let first = newest["messages"][0]["id"].as_str().expect("id");
        let older = root.get(&format!("{thread}?limit=2&before={first}")).await.json();
        assert_eq!(bodies(&older), vec!["第1条", "第2条"]);
        app
    })
    .await;
}

/// Two instances on one PostgreSQL: a message posted on one reaches the other's streams through
/// LISTEN/NOTIFY (SQLite serves one instance: nothing to bridge).
#[tokio::test]
async fn a_message_on_one_instance_reaches_streams_on_another() {
    each_backend(|app| async move {
        if app.app.db().dialect() != qudao_store::Dialect::Postgres {
            assert!(qudao_app::events::bridge(app.app.clone()).await.expect("bridge").is_none());
            return app;
        }
        let partner = PartnerBuilder::new("上海丁商贸").create(&app).await;
        UserBuilder::new("root", Role::BrandAdmin).create(&app).await;
        UserBuilder::new("rep", Role::PartnerAdmin).partner(partner.id).create(&app).await;
        let db = qudao_store::Db::connect(app.database_url(), &qudao_store::DbOptions::default()).await.expect("db");
        let folder = tempfile::tempdir().expect("dir");
        let files = qudao_app::files::LocalDiskStore::new(folder.path()).expect("files");
        let other = qudao_app::App::new(
            db,
            qudao_app::AppConfig::default(),
            std::sync::Arc::new(files),
            std::sync::Arc::new(qudao_app::clock::SystemClock),
        );
        let bridge = qudao_app::events::bridge(other.clone()).await.expect("bridge").expect("PostgreSQL bridges");
        let mut heard = other.events().subscribe();
        let root = app.bearer("root", TEST_PASSWORD).await;
        let thread = format!("/api/v1/threads/partner/{}/messages", partner.id);
        let posted = root.post_json(&thread, &json!({ "body": "@rep 另一台实例也能收到吗？" })).await;
        assert_eq!(posted.status, 201, "{}", posted.text());
        let id = posted.json()["id"].as_str().expect("id").to_owned();
        let mut kinds = Vec::new();
        for _ in 0..2 {
            let event =
                tokio::time::timeout(Duration::from_secs(5), heard.recv()).await.expect("in time").expect("event");
            kinds.push(event.kind);
            if event.kind == "message" {
                assert_eq!(event.id, id);
                assert!(event.data.contains("另一台实例也能收到吗"));
            }
        }
        kinds.sort_unstable();
        assert_eq!(kinds, vec!["message", "notification"], "the message and the mention's notification");
        bridge.abort();
        app
    })
    .await;
}
