//! Collaboration in pages, without a browser: the flow editor saves a flow from its form and
//! names the step a refusal is about; the queue, the order page's approval panel and thread, the
//! inbox and the preferences page work for the brand and the partner; bulk approval approves
//! simple steps; internal notes stay with the brand.

#![expect(clippy::expect_used, reason = "test helpers fail loudly at the first broken step")]

use qudao_domain::access::Role;
use qudao_testkit::{Client, PartnerBuilder, TEST_PASSWORD, TestApp, UserBuilder, each_backend};
use serde_json::{Value, json};

/// A partner in Shanghai with a sales rep, its channel manager, finance and an administrator.
async fn shop(app: &TestApp) {
    let partner = PartnerBuilder::new("甲公司").create(app).await;
    UserBuilder::new("rep", Role::PartnerSales).partner(partner.id).email("rep@jia.test").create(app).await;
    let cm = UserBuilder::new("cm", Role::ChannelManager).create(app).await;
    app.assign_region(cm, "CN-SH").await;
    UserBuilder::new("fin", Role::Finance).create(app).await;
    UserBuilder::new("root", Role::BrandAdmin).create(app).await;
    let sku = app.sku("S-COLA", 250).await;
    let main = app.warehouse("WH-A", 1).await;
    app.receive(sku, main, 5_000).await;
    app.credit_line(partner.id, 1_000_000).await;
}

/// The editor's form of a two-step flow for orders over ¥20 (its second step in the third slot).
fn flow_form(name: &str) -> Vec<(&'static str, String)> {
    vec![
        ("object_kind", "order".into()),
        ("name", name.into()),
        ("if_field", "amount_over".into()),
        ("if_value", "20".into()),
        ("s0.name", "渠道经理审批".into()),
        ("s0.b0.kind", "channel_manager".into()),
        ("s0.b0.mode", "any".into()),
        ("s2.name", "财务审批".into()),
        ("s2.b0.kind", "role".into()),
        ("s2.b0.role", "finance".into()),
        ("s2.b0.mode", "any".into()),
    ]
}

fn png() -> Vec<u8> {
    let mut bytes = Vec::new();
    image::RgbImage::from_pixel(8, 8, image::Rgb([10, 20, 30]))
        .write_to(&mut std::io::Cursor::new(&mut bytes), image::ImageFormat::Png)
        .expect("png");
    bytes
}

async fn post(client: &Client<'_>, path: &str, fields: &[(&str, String)]) -> qudao_testkit::TestResponse {
    let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    client.post_form(path, &borrowed).await
}

#[tokio::test]
async fn the_flow_editor_saves_versions_and_names_the_step_a_refusal_is_about() {
    each_backend(|app| async move {
        shop(&app).await;
        let root = app.browser("root", TEST_PASSWORD).await;
        let form = root.get("/console/approval-flows/new?kind=order").await;
        assert_eq!(form.status, 200);
        assert!(form.text().contains("name=\"s5.b1.kind\""), "six steps of two branches each");

        // A step without an approver: refused, naming the slot as the form numbers it.
        let mut broken = flow_form("坏流程");
        broken.retain(|(k, _)| !k.starts_with("s2.b0"));
        let refused = post(&root, "/console/approval-flows", &broken).await;
        assert_eq!(refused.status, 422, "{}", refused.text());
        let page = refused.text();
        assert!(page.contains("id=\"flow-error\""), "the error is shown");
        assert!(page.contains("第 3 步") || page.contains("Step 3"), "the third slot is named");
        assert!(page.contains("value=\"坏流程\""), "what was typed stays");

        // A tier that does not exist, and an amount that is not one.
        let mut unknown = flow_form("未知等级");
        unknown.push(("s0.if_field", "tier_in".into()));
        unknown.push(("s0.if_value", "NOPE".into()));
        let refused = post(&root, "/console/approval-flows", &unknown).await;
        assert_eq!(refused.status, 422);
        let page = refused.text();
        let shown = page.split("id=\"flow-error\">").nth(1).and_then(|rest| rest.split("</p>").next()).unwrap_or("");
        assert!(shown.contains("NOPE") && shown.contains("第 1 步"), "the unknown code is named at its step: {shown}");
        let mut amount = flow_form("坏金额");
        amount[3].1 = "五万".into();
        let refused = post(&root, "/console/approval-flows", &amount).await;
        assert_eq!(refused.status, 422);
        assert!(refused.text().contains("class=\"field-error\""), "the amount field is marked");
        let flows = root.get("/api/v1/approval-flows?object_kind=order").await.json();
        assert!(flows.as_array().expect("flows").iter().all(|f| f["status"] != "active"), "nothing half-saved");

        // Saved: the list shows it with its steps; a second save is version 2.
        let saved = post(&root, "/console/approval-flows", &flow_form("大额订单审批")).await;
        assert_eq!((saved.status, saved.location().as_deref()), (303, Some("/console/approval-flows")));
        let list = root.get("/console/approval-flows").await.text();
        assert!(list.contains("大额订单审批") && list.contains("渠道经理审批 → 财务审批"), "{list}");
        let flows = root.get("/api/v1/approval-flows?object_kind=order").await.json();
        let flow = flows.as_array().expect("flows").iter().find(|f| f["status"] == "active").expect("saved").clone();
        assert_eq!(flow["definition"]["applies_if"], json!({ "field": "amount_over", "value": 2000 }));
        let id = flow["id"].as_str().expect("id");
        let edit = root.get(&format!("/console/approval-flows/{id}")).await.text();
        assert!(edit.contains("value=\"财务审批\"") && edit.contains("value=\"20.00\""), "the form is filled");
        let mut one_step = flow_form("大额订单审批");
        one_step.retain(|(k, _)| !k.starts_with("s2"));
        one_step.push(("expected_version", "1".into()));
        let again = post(&root, &format!("/console/approval-flows/{id}"), &one_step).await;
        assert_eq!(again.status, 303, "{}", again.text());
        let flow = root.get(&format!("/api/v1/approval-flows/{id}")).await.json();
        assert_eq!(
            (flow["version"].as_i64(), flow["definition"]["steps"].as_array().map(Vec::len)),
            (Some(2), Some(1))
        );
        // Saving over version 1 again is refused rather than overwriting version 2.
        let stale = post(&root, &format!("/console/approval-flows/{id}"), &one_step).await;
        assert_eq!(stale.status, 422, "{}", stale.text());
        let archived = root.post_form(&format!("/console/approval-flows/{id}/archive"), &[]).await;
        assert_eq!(archived.status, 303);
        assert_eq!(root.get(&format!("/api/v1/approval-flows/{id}")).await.json()["status"], "archived");
        app
    })
    .await;
}

#[tokio::test]
async fn the_queue_the_order_page_and_the_inbox_carry_an_approval_and_its_thread() {
    each_backend(|app| async move {
        shop(&app).await;
        let root = app.browser("root", TEST_PASSWORD).await;
        assert_eq!(post(&root, "/console/approval-flows", &flow_form("大额订单审批")).await.status, 303);
        let api_rep = app.bearer("rep", TEST_PASSWORD).await;
        let placed = api_rep
            .post_json(
                "/api/v1/orders",
                &json!({ "lines": [{ "sku": "S-COLA", "quantity": 40 }], "payment": "credit" }),
            )
            .await;
        assert_eq!(placed.status, 201, "{}", placed.text());
        let order: Value = placed.json();
        let (id, number) = (order["id"].as_str().expect("id"), order["number"].as_str().expect("number"));

        // The channel manager's queue and header show it; the order page has the panel.
        let cm = app.browser("cm", TEST_PASSWORD).await;
        let queue = cm.get("/console/approvals").await.text();
        assert!(queue.contains(number) && queue.contains(&format!("href=\"/console/orders/{id}\"")), "{queue}");
        assert!(queue.contains("id=\"waiting-badge\">1<"), "the header counts it");
        let page = cm.get(&format!("/console/orders/{id}")).await.text();
        assert!(page.contains("id=\"approval-outcome\"") && page.contains("aria-current=\"step\""));
        assert!(page.contains("id=\"approve\"") && page.contains("id=\"reject-form\""), "the manager's turn");
        let fin = app.browser("fin", TEST_PASSWORD).await;
        assert!(!fin.get(&format!("/console/orders/{id}")).await.text().contains("id=\"approve\""), "not yet");

        // A message with a mention, an internal note with a picture, and a picture for the
        // partner, from the order's page.
        let back = format!("/console/orders/{id}");
        let thread = format!("/threads/order/{id}");
        let sent = cm.post_multipart(&thread, &[("body", "@rep 请确认交期"), ("next", &back)], None).await;
        assert_eq!(sent.status, 303, "{}", sent.text());
        assert!(sent.location().is_some_and(|l| l.starts_with(&format!("{back}#message-"))));
        let note = [("body", "内部：信用良好"), ("internal", "1"), ("next", back.as_str())];
        assert_eq!(cm.post_multipart(&thread, &note, Some(("slip.png", &png()))).await.status, 303);
        let shared =
            cm.post_multipart(&thread, &[("body", "合同照片"), ("next", &back)], Some(("c.png", &png()))).await;
        assert_eq!(shared.status, 303, "{}", shared.text());
        let messages = app.bearer("cm", TEST_PASSWORD).await.get(&format!("/api/v1/threads/order/{id}/messages")).await;
        let messages = messages.json()["messages"].as_array().cloned().expect("messages");
        let picture_of = |text: &str| {
            messages
                .iter()
                .find(|m| m["body"] == text)
                .and_then(|m| m["attachments"][0].as_str())
                .expect("a picture")
                .to_string()
        };
        let (internal_picture, shared_picture) = (picture_of("内部：信用良好"), picture_of("合同照片"));
        // Not a picture, and too large: refused, nothing written.
        let text_file = cm.post_multipart(&thread, &[("body", "x")], Some(("a.txt", b"plain text"))).await;
        assert_eq!(text_file.status, 415, "{}", text_file.text());
        let huge = vec![0u8; 11 * 1024 * 1024];
        let too_large = cm.post_multipart(&thread, &[("body", "x")], Some(("big.png", &huge))).await;
        assert_eq!(too_large.status, 413, "{}", too_large.text());
        assert_eq!(
            cm.get(&format!("/api/v1/threads/order/{id}/messages")).await.json()["messages"].as_array().map(Vec::len),
            Some(3)
        );

        let rep = app.browser("rep", TEST_PASSWORD).await;
        let seen = rep.get(&format!("/portal/orders/{id}")).await.text();
        assert!(seen.contains("@rep 请确认交期"), "the partner reads the message");
        assert!(!seen.contains("信用良好"), "the internal note stays with the brand");
        assert!(seen.contains(&format!("/files/{shared_picture}/thumb")), "the shared picture is shown");
        assert_eq!(rep.get(&format!("/files/{shared_picture}")).await.status, 200);
        assert_eq!(rep.get(&format!("/files/{internal_picture}")).await.status, 404, "an internal picture is not");
        assert_eq!(cm.get(&format!("/files/{internal_picture}")).await.status, 200);
        assert!(seen.contains("id=\"approval-waiting\"") && !seen.contains("id=\"approve\""), "not the rep's turn");
        let inbox = rep.get("/inbox").await.text();
        assert!(inbox.contains("提到了您"), "the mention reached the rep's inbox");
        assert!(!inbox.contains("id=\"unread-badge\" hidden"), "the header shows unread");
        // A partner may not write an internal note.
        let refused = rep.post_multipart(&thread, &[("body", "x"), ("internal", "1")], None).await;
        assert_eq!(refused.status, 422);

        // The manager approves on the panel; finance approves in bulk from the queue.
        let approval = api_rep.get(&format!("/api/v1/orders/{id}/approvals")).await.json()[0]["id"]
            .as_str()
            .expect("approval")
            .to_string();
        let acted =
            post(&cm, &format!("/approvals/{approval}/act"), &[("action", "approve".into()), ("next", back.clone())])
                .await;
        assert_eq!((acted.status, acted.location()), (303, Some(back.clone())));
        let bad = post(&fin, "/approvals/bulk-approve", &[("id", "not-an-id".into())]).await;
        assert_eq!(bad.status, 422, "an id that is not one is refused");
        let simple = fin.get("/console/approvals?simple=1").await.text();
        assert!(simple.contains(&format!("name=\"id\" value=\"{approval}\"")), "a simple step can be ticked");
        let bulk = post(&fin, "/approvals/bulk-approve", &[("id", approval.clone())]).await;
        assert_eq!((bulk.status, bulk.location().as_deref()), (303, Some("/console/approvals")));
        assert_eq!(api_rep.get(&format!("/api/v1/orders/{id}")).await.json()["status"], "approved");
        let history = rep.get(&format!("/portal/orders/{id}")).await.text();
        assert!(history.contains("data-outcome=\"approved\"") && history.contains("approval-history"));

        // The rep's inbox has the decision (once: not also as an order event), then the shipment.
        let unread = rep.get("/inbox?unread=1").await.text();
        assert!(unread.contains("审批通过") && !unread.contains("已审核通过"), "{unread}");
        UserBuilder::new("picker", Role::Warehouse).create(&app).await;
        let picker = app.bearer("picker", TEST_PASSWORD).await;
        let shipped = picker
            .post_json(&format!("/api/v1/orders/{id}/shipments"), &json!({ "carrier": "顺丰", "tracking_no": "SF9" }))
            .await;
        assert_eq!(shipped.status, 201, "{}", shipped.text());
        assert!(rep.get("/inbox?unread=1").await.text().contains(&format!("订单 {number} 已发货")));
        let prefs = rep.get("/inbox/preferences").await.text();
        assert!(prefs.contains("name=\"email.order_event\""), "order events have their own choice");
        assert_eq!(rep.post_form("/inbox/read-all", &[]).await.status, 303);
        assert_eq!(api_rep.get("/api/v1/notifications/unread-count").await.json()["count"], 0);
        let prefs = post(&rep, "/inbox/preferences", &[("email.mention", "digest".into())]).await;
        assert_eq!(prefs.status, 303);
        let chosen = api_rep.get("/api/v1/notification-preferences").await.json();
        let mention = chosen.as_array().expect("prefs").iter().find(|p| p["topic"] == "mention").expect("mention");
        assert_eq!((mention["in_app"].as_bool(), mention["email"].as_str()), (Some(false), Some("digest")));
        assert!(rep.get("/inbox/preferences").await.text().contains("value=\"digest\" selected"));
        app
    })
    .await;
}
