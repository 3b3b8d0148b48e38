//! Notifications end to end: a large order waits for its channel manager, then the
//! administrator; each is told in the app and by e-mail (through a local SMTP sink) when it is
//! their turn; the partner is told when the order is approved; mentions notify; each person's
//! choices decide what reaches them and how; the daily digest gathers what was chosen for it.

use qudao_app::{AppConfig, SmtpConfig};
use qudao_domain::access::Role;
use qudao_testkit::smtp::SmtpSink;
use qudao_testkit::{PartnerBuilder, TEST_PASSWORD, UserBuilder, each_backend_with};
use serde_json::json;

#[tokio::test]
async fn approvals_and_mentions_reach_people_in_the_app_and_by_mail() {
    let sink = SmtpSink::start().await;
    let config = AppConfig {
        smtp: Some(SmtpConfig { host: "127.0.0.1".into(), port: sink.port, from: "Qudao <noreply@qudao.test>".into() }),
        ..AppConfig::default()
    };
    each_backend_with(config, |app| {
        let sink = sink.clone();
        async move {
            let before = sink.mails().len();
            let partner = PartnerBuilder::new("上海甲商贸").create(&app).await;
            UserBuilder::new("rep", Role::PartnerAdmin).partner(partner.id).email("rep@partner.test").create(&app).await;
            let cm = UserBuilder::new("cm", Role::ChannelManager).email("cm@brand.test").create(&app).await;
            app.assign_region(cm, "CN-SH").await;
            UserBuilder::new("root", Role::BrandAdmin).email("root@brand.test").create(&app).await;
            let sku = app.sku("S-TEA", 500).await;
            let warehouse = app.warehouse("WH-A", 1).await;
            app.receive(sku, warehouse, 100).await;
            app.credit_line(partner.id, 10_000_000).await;
            let root = app.bearer("root", TEST_PASSWORD).await;
            let flow = json!({
                "object_kind": "order", "name": "大额订单",
                "applies_if": { "field": "amount_over", "value": 5_000 },
                "steps": [
                    { "name": "渠道经理", "branches": [{ "approvers": [{ "kind": "channel_manager" }], "mode": "any" }] },
                    { "name": "管理员", "branches": [{ "approvers": [{ "kind": "role", "role": "brand_admin" }], "mode": "any" }] }
                ]
            });
            assert_eq!(root.post_json("/api/v1/approval-flows", &flow).await.status, 201);
            // The administrator wants approvals in the digest, not one e-mail each.
            let chosen = root
                .json("PUT", "/api/v1/notification-preferences", &json!([{ "topic": "approval_waiting", "in_app": true, "email": "digest" }]))
                .await;
            assert_eq!(chosen.status, 200, "{}", chosen.text());
            let rep = app.bearer("rep", TEST_PASSWORD).await;
            let placed = rep.post_json("/api/v1/orders", &json!({ "lines": [{ "sku": "S-TEA", "quantity": 20 }], "payment": "credit" })).await;
            assert_eq!(placed.status, 201, "{}", placed.text());
            let order = placed.json()["id"].as_str().expect("id").to_owned();

            let cm_client = app.bearer("cm", TEST_PASSWORD).await;
            assert_eq!(cm_client.get("/api/v1/notifications/unread-count").await.json()["count"], 1);
            let inbox = cm_client.get("/api/v1/notifications").await.json();
            assert_eq!(inbox["items"][0]["topic"], "approval_waiting");
            assert_eq!(inbox["items"][0]["object_id"], order.as_str());
            let mailed = qudao_app::notifications::send_pending(&app.app).await.expect("mail");
            assert_eq!(mailed.sent, 1, "the channel manager's e-mail: {mailed:?}");
            let mails = sink.mails();
            let to_cm = &mails[before..];
            assert_eq!(to_cm.len(), 1);
            assert_eq!(to_cm[0].to, vec!["cm@brand.test"]);
            assert!(to_cm[0].text().contains("待您审批"), "{}", to_cm[0].text());

            let approval = cm_client.get(&format!("/api/v1/orders/{order}/approvals")).await.json()[0]["id"].clone();
            let approval = approval.as_str().expect("id");
            let acted = cm_client.post_json(&format!("/api/v1/approvals/{approval}/actions"), &json!({ "action": "approve" })).await;
            assert_eq!(acted.status, 200);
            // The administrator's turn: in the app at once, by e-mail only in the digest.
            assert_eq!(root.get("/api/v1/notifications/unread-count").await.json()["count"], 1);
            assert_eq!(qudao_app::notifications::send_pending(&app.app).await.expect("mail").sent, 0);
            let acted = root.post_json(&format!("/api/v1/approvals/{approval}/actions"), &json!({ "action": "approve" })).await;
            assert_eq!(acted.status, 200);
            // The partner hears the order was approved, in the app and by e-mail.
            let told = rep.get("/api/v1/notifications?unread=true").await.json();
            assert_eq!(told["items"][0]["topic"], "approval_decided", "{told}");
            assert!(told["items"][0]["title"].as_str().unwrap_or_default().contains("审批通过"));
            assert_eq!(qudao_app::notifications::send_pending(&app.app).await.expect("mail").sent, 1);
            assert_eq!(sink.mails().last().map(|m| m.to.clone()), Some(vec!["rep@partner.test".to_owned()]));

            // A mention reaches the partner; reading it clears the badge.
            let thread = format!("/api/v1/threads/order/{order}/messages");
            assert_eq!(cm_client.post_json(&thread, &json!({ "body": "@rep 已审批，明天发货。" })).await.status, 201);
            let unread = rep.get("/api/v1/notifications?unread=true").await.json();
            assert_eq!(unread["items"][0]["topic"], "mention");
            let id = unread["items"][0]["id"].as_str().expect("id");
            assert_eq!(rep.post_json(&format!("/api/v1/notifications/{id}/read"), &json!({})).await.status, 200);
            assert_eq!(rep.post_json("/api/v1/notifications/read-all", &json!({})).await.status, 200);
            assert_eq!(rep.get("/api/v1/notifications/unread-count").await.json()["count"], 0);
            // Someone else's notification is missing.
            assert_eq!(cm_client.post_json(&format!("/api/v1/notifications/{id}/read"), &json!({})).await.status, 404);

            // The digest: one e-mail with what the administrator chose to get that way.
            let digest = qudao_app::notifications::send_digests(&app.app).await.expect("digest");
            assert_eq!(digest.sent, 1);
            let last = sink.mails().last().cloned().expect("digest mail");
            assert_eq!(last.to, vec!["root@brand.test"]);
            assert!(last.text().contains("待您审批"), "{}", last.text());
            assert_eq!(qudao_app::notifications::send_digests(&app.app).await.expect("digest").sent, 0, "once");
            let prefs = root.get("/api/v1/notification-preferences").await.json();
            assert!(prefs.as_array().expect("prefs").iter().any(|p| p["topic"] == "approval_waiting" && p["email"] == "digest"));
            // An instance that claimed an e-mail and stopped before sending it: the claim lapses
            // and another pass sends it.
            assert_eq!(qudao_app::notifications::send_pending(&app.app).await.expect("mail").sent, 1, "the first mention");
            assert_eq!(cm_client.post_json(&thread, &json!({ "body": "@rep 请查收发票。" })).await.status, 201);
            {
                let scope = qudao_store::Scope::system("test: an instance claims and stops");
                let mut tx = app.app.db().write(&scope).await.expect("tx");
                let claimed = qudao_store::notifications::claim_mail(&mut tx, "pending", 10, app.app.now_ms()).await.expect("claim");
                assert_eq!(claimed.len(), 1);
                tx.commit().await.expect("commit");
            }
            assert_eq!(qudao_app::notifications::send_pending(&app.app).await.expect("mail").sent, 0, "claimed elsewhere");
            app.clock.advance(qudao_store::notifications::CLAIM_TIMEOUT_MS + 1);
            assert_eq!(qudao_app::notifications::send_pending(&app.app).await.expect("mail").sent, 1, "the lapsed claim");
            let bad = root.json("PUT", "/api/v1/notification-preferences", &json!([{ "topic": "weather", "in_app": true, "email": "off" }])).await;
            assert_eq!(bad.status, 422, "{}", bad.text());
            app
        }
    })
    .await;
}
