//! Approval flows through the API: the built-in default keeps the old automatic-approval limit;
//! a configured two-step flow routes an order to its channel manager, then finance; reject,
//! return, withdraw, delegate and escalation each do what they say; a flow change reaches new
//! submissions only; bad flows are refused when saved; two approvers at once approve once.

#![expect(clippy::expect_used, reason = "test helpers fail loudly at the first broken step")]

use qudao_domain::access::Role;
use qudao_testkit::{Client, PartnerBuilder, TEST_PASSWORD, TestApp, UserBuilder, each_backend};
use serde_json::{Value, json};

/// A partner in Shanghai with a sales rep, its channel manager, finance, an administrator, and
/// cola at ¥2.50 a bottle.
async fn shop(app: &TestApp) -> qudao_domain::ids::PartnerId {
    let partner = PartnerBuilder::new("甲公司").create(app).await;
    UserBuilder::new("rep", Role::PartnerSales).partner(partner.id).create(app).await;
    let cm = UserBuilder::new("cm", Role::ChannelManager).create(app).await;
    app.assign_region(cm, "CN-SH").await;
    UserBuilder::new("fin", Role::Finance).create(app).await;
    UserBuilder::new("root", Role::BrandAdmin).create(app).await;
    UserBuilder::new("root2", Role::BrandAdmin).create(app).await;
    let sku = app.sku("S-COLA", 250).await;
    let main = app.warehouse("WH-A", 1).await;
    app.receive(sku, main, 5_000).await;
    app.credit_line(partner.id, 1_000_000).await;
    partner.id
}

/// Orders over ¥20 go to the channel manager, then finance.
fn two_steps() -> Value {
    json!({
        "object_kind": "order",
        "name": "大额订单审批",
        "applies_if": { "field": "amount_over", "value": 2_000 },
        "steps": [
            { "name": "渠道经理审批", "branches": [{ "approvers": [{ "kind": "channel_manager" }], "mode": "any" }] },
            { "name": "财务审批", "branches": [{ "approvers": [{ "kind": "role", "role": "finance" }], "mode": "any" }] }
        ]
    })
}

async fn place(rep: &Client<'_>, bottles: i64) -> Value {
    let placed = rep
        .post_json(
            "/api/v1/orders",
            &json!({ "lines": [{ "sku": "S-COLA", "quantity": bottles }], "payment": "credit" }),
        )
        .await;
    assert_eq!(placed.status, 201, "{}", placed.text());
    placed.json()
}

async fn approval_of(client: &Client<'_>, order: &Value) -> Value {
    let id = order["id"].as_str().expect("id");
    let list = client.get(&format!("/api/v1/orders/{id}/approvals")).await;
    assert_eq!(list.status, 200, "{}", list.text());
    list.json().as_array().and_then(|a| a.last().cloned()).expect("an approval")
}

async fn act(client: &Client<'_>, approval: &Value, body: Value) -> (u16, Value) {
    let id = approval["id"].as_str().expect("id");
    let response = client.post_json(&format!("/api/v1/approvals/{id}/actions"), &body).await;
    let status = response.status;
    (status, if response.body.is_empty() { Value::Null } else { response.json() })
}

async fn order_status(client: &Client<'_>, order: &Value) -> String {
    let id = order["id"].as_str().expect("id");
    client.get(&format!("/api/v1/orders/{id}")).await.json()["status"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn the_default_flow_is_the_automatic_approval_limit() {
    each_backend(|app| async move {
        shop(&app).await;
        app.setting("orders.auto_approve_max", "2000").await;
        let rep = app.bearer("rep", TEST_PASSWORD).await;
        let root = app.bearer("root", TEST_PASSWORD).await;
        let flows = root.get("/api/v1/approval-flows?object_kind=order").await.json();
        assert_eq!(flows[0]["status"], "builtin", "{flows}");
        assert_eq!(flows[0]["definition"]["applies_if"]["value"], 2000);

        let small = place(&rep, 8).await;
        assert_eq!(small["status"], "approved", "¥20.00 is not over the limit");
        let big = place(&rep, 9).await;
        assert_eq!((big["status"].as_str(), big["review_reason"].as_str()), (Some("submitted"), Some("approval")));
        let approval = approval_of(&root, &big).await;
        assert_eq!(approval["flow_name"], "默认订单审批");
        assert_eq!(approval["my_turn"], true);
        let cm = app.bearer("cm", TEST_PASSWORD).await;
        let waiting = cm.get("/api/v1/approvals/waiting").await.json();
        assert_eq!(waiting["items"].as_array().map(Vec::len), Some(1), "the channel manager of Shanghai may approve");
        assert_eq!(cm.get("/api/v1/approvals/waiting/count").await.json()["waiting"], 1);
        // The order's own approve action acts on the approval as the caller.
        let id = big["id"].as_str().expect("id");
        let approved = root.post_json(&format!("/api/v1/orders/{id}/approve"), &json!({})).await;
        assert_eq!(approved.status, 200, "{}", approved.text());
        assert_eq!(approved.json()["status"], "approved");
        let done = approval_of(&root, &big).await;
        assert_eq!(done["outcome"], "approved");
        let actions: Vec<&str> =
            done["history"].as_array().expect("history").iter().filter_map(|h| h["action"].as_str()).collect();
        assert_eq!(actions, vec!["submit", "approve", "approved"]);
        assert_eq!(cm.get("/api/v1/approvals/waiting/count").await.json()["waiting"], 0, "nothing left for the others");
        app.assert_invariants().await;
        app
    })
    .await;
}

#[tokio::test]
async fn a_large_order_waits_for_its_channel_manager_then_finance() {
    each_backend(|app| async move {
        shop(&app).await;
        let root = app.bearer("root", TEST_PASSWORD).await;
        let saved = root.post_json("/api/v1/approval-flows", &two_steps()).await;
        assert_eq!(saved.status, 201, "{}", saved.text());
        assert_eq!(saved.json()["version"], 1);
        let rep = app.bearer("rep", TEST_PASSWORD).await;
        let cm = app.bearer("cm", TEST_PASSWORD).await;
        let fin = app.bearer("fin", TEST_PASSWORD).await;
        assert_eq!(place(&rep, 4).await["status"], "approved", "under the flow's amount: no approval");
        let order = place(&rep, 40).await;
        assert_eq!(order["status"], "submitted");
        let approval = approval_of(&cm, &order).await;
        assert_eq!(approval["current_step"], "渠道经理审批");
        let (status, refused) = act(&fin, &approval, json!({ "action": "approve" })).await;
        assert_eq!(
            (status, refused["error"]["code"].as_str()),
            (409, Some("conflict.not_your_approval")),
            "not finance's turn yet"
        );
        let (status, after) = act(&cm, &approval, json!({ "action": "approve", "comment": "客户信用良好" })).await;
        assert_eq!(status, 200, "{after}");
        assert_eq!(after["current_step"], "财务审批");
        assert_eq!(order_status(&rep, &order).await, "submitted", "one step is not the flow");
        // The partner sees where its order stands, but not the brand's people.
        let seen = approval_of(&rep, &order).await;
        assert_eq!(
            (seen["waiting_on_brand"].as_bool(), seen["waiting_for"].as_array().map(Vec::len)),
            (Some(true), Some(0))
        );
        assert!(
            seen["history"]
                .as_array()
                .expect("history")
                .iter()
                .all(|h| h["actor_side"] != "brand" || h["actor_name"].is_null())
        );
        let steps: Vec<&str> =
            seen["steps"].as_array().expect("steps").iter().filter_map(|s| s["status"].as_str()).collect();
        assert_eq!(steps, vec!["done", "current"]);
        let (status, _) = act(&fin, &approval, json!({ "action": "approve" })).await;
        assert_eq!(status, 200);
        assert_eq!(order_status(&rep, &order).await, "approved");
        assert_eq!(approval_of(&rep, &order).await["outcome"], "approved");
        app.assert_invariants().await;
        app
    })
    .await;
}

#[tokio::test]
async fn reject_return_withdraw_and_delegate() {
    each_backend(|app| async move {
        let partner = shop(&app).await;
        let root = app.bearer("root", TEST_PASSWORD).await;
        assert_eq!(root.post_json("/api/v1/approval-flows", &two_steps()).await.status, 201);
        let rep = app.bearer("rep", TEST_PASSWORD).await;
        let cm = app.bearer("cm", TEST_PASSWORD).await;
        let fin = app.bearer("fin", TEST_PASSWORD).await;

        // Rejected: a comment is required; the order is cancelled and its credit given back.
        let order = place(&rep, 40).await;
        let approval = approval_of(&cm, &order).await;
        let (status, missing) = act(&cm, &approval, json!({ "action": "reject" })).await;
        assert_eq!(status, 422, "{missing}");
        assert_eq!(missing["error"]["fields"][0]["field"], "comment");
        let (status, rejected) = act(&cm, &approval, json!({ "action": "reject", "comment": "价格需重新确认" })).await;
        assert_eq!(status, 200, "{rejected}");
        assert_eq!(rejected["outcome"], "rejected");
        assert_eq!(order_status(&rep, &order).await, "cancelled");
        let last = rejected["history"].as_array().and_then(|h| h.last()).cloned().expect("entry");
        assert_eq!((last["action"].as_str(), last["comment"].as_str()), (Some("reject"), Some("价格需重新确认")));
        let (debt, _, _) = app.account(partner, qudao_domain::accounts::AccountKind::Receivable).await;
        assert_eq!(debt, 0, "the rejected order's credit was given back");
        let (status, ended) = act(&fin, &approval, json!({ "action": "approve" })).await;
        assert_eq!((status, ended["error"]["code"].as_str()), (409, Some("conflict.approval_ended")));

        // Returned to the first step, then handed over, then approved by the stand-in.
        let order = place(&rep, 40).await;
        let approval = approval_of(&cm, &order).await;
        act(&cm, &approval, json!({ "action": "approve" })).await;
        let (status, back) =
            act(&fin, &approval, json!({ "action": "return", "to_step": 0, "comment": "请补充合同" })).await;
        assert_eq!(status, 200, "{back}");
        assert_eq!(back["current_step"], "渠道经理审批");
        let root_id = root.get("/api/v1/me").await.json()["id"].clone();
        let (status, handed) = act(&cm, &approval, json!({ "action": "delegate", "delegate_to": root_id })).await;
        assert_eq!(status, 200, "{handed}");
        assert_eq!(handed["my_turn"], false, "the channel manager handed it over");
        let (status, _) = act(&root, &approval, json!({ "action": "approve" })).await;
        assert_eq!(status, 200);
        assert_eq!(approval_of(&fin, &order).await["current_step"], "财务审批");

        // Withdrawn by the submitter: the order is cancelled, the approval withdrawn.
        let order = place(&rep, 40).await;
        let approval = approval_of(&rep, &order).await;
        assert_eq!(approval["may_withdraw"], true);
        let (status, _) = act(&cm, &approval, json!({ "action": "withdraw" })).await;
        assert_eq!(status, 409, "only the submitter withdraws");
        let (status, withdrawn) = act(&rep, &approval, json!({ "action": "withdraw" })).await;
        assert_eq!(status, 200, "{withdrawn}");
        assert_eq!(withdrawn["outcome"], "withdrawn");
        assert_eq!(order_status(&rep, &order).await, "cancelled");

        // Amended by the partner: the approval of the old order is withdrawn, a new one starts.
        let order = place(&rep, 40).await;
        let id = order["id"].as_str().expect("id");
        let amended = rep
            .post_json(
                &format!("/api/v1/orders/{id}/amend"),
                &json!({ "lines": [{ "sku": "S-COLA", "quantity": 50 }] }),
            )
            .await;
        assert_eq!(amended.status, 200, "{}", amended.text());
        let both = rep.get(&format!("/api/v1/orders/{id}/approvals")).await.json();
        let outcomes: Vec<&str> = both.as_array().expect("list").iter().filter_map(|a| a["outcome"].as_str()).collect();
        assert_eq!(outcomes, vec!["withdrawn", "running"], "the amended order follows the configured flow again");
        assert_eq!(both[1]["amount"], 50 * 250);

        // Cancelling an order under approval ends its approval too.
        let order = place(&rep, 40).await;
        let id = order["id"].as_str().expect("id");
        assert_eq!(rep.post_json(&format!("/api/v1/orders/{id}/cancel"), &json!({})).await.status, 200);
        assert_eq!(approval_of(&rep, &order).await["outcome"], "withdrawn");
        assert_eq!(cm.get("/api/v1/approvals/waiting/count").await.json()["waiting"], 1, "only the amended order's");
        app.assert_invariants().await;
        app
    })
    .await;
}

#[tokio::test]
async fn a_flow_change_reaches_new_submissions_only() {
    each_backend(|app| async move {
        shop(&app).await;
        let root = app.bearer("root", TEST_PASSWORD).await;
        let one_step = json!({
            "object_kind": "order", "name": "订单审批",
            "steps": [{ "name": "渠道经理审批", "branches": [{ "approvers": [{ "kind": "channel_manager" }], "mode": "any" }] }]
        });
        let flow = root.post_json("/api/v1/approval-flows", &one_step).await.json();
        let rep = app.bearer("rep", TEST_PASSWORD).await;
        let cm = app.bearer("cm", TEST_PASSWORD).await;
        let early = place(&rep, 4).await;
        let flow_id = flow["id"].as_str().expect("id");
        let mut changed = two_steps();
        changed["applies_if"] = Value::Null;
        changed["expected_version"] = json!(1);
        let saved = root.json("PUT", &format!("/api/v1/approval-flows/{flow_id}"), &changed).await;
        assert_eq!(saved.status, 200, "{}", saved.text());
        assert_eq!(saved.json()["version"], 2);
        let stale = root.json("PUT", &format!("/api/v1/approval-flows/{flow_id}"), &changed).await;
        assert_eq!(stale.json()["error"]["code"], "conflict.stale_version", "an edit of version 1 again is refused");
        let late = place(&rep, 4).await;
        let (_, first) = act(&cm, &approval_of(&cm, &early).await, json!({ "action": "approve" })).await;
        assert_eq!((first["outcome"].as_str(), first["flow_version"].as_i64()), (Some("approved"), Some(1)));
        assert_eq!(order_status(&rep, &early).await, "approved", "the order in flight kept its one step");
        let (_, second) = act(&cm, &approval_of(&cm, &late).await, json!({ "action": "approve" })).await;
        assert_eq!((second["outcome"].as_str(), second["flow_version"].as_i64()), (Some("running"), Some(2)));
        // Archived: new orders are approved at once; the one in flight still runs.
        assert_eq!(root.post_json(&format!("/api/v1/approval-flows/{flow_id}/archive"), &json!({})).await.status, 200);
        assert_eq!(place(&rep, 4).await["status"], "approved");
        assert_eq!(approval_of(&cm, &late).await["outcome"], "running");
        app
    })
    .await;
}

#[tokio::test]
async fn flows_nobody_could_finish_are_refused_when_saved() {
    each_backend(|app| async move {
        shop(&app).await;
        let root = app.bearer("root", TEST_PASSWORD).await;
        let codes = |response: &qudao_testkit::TestResponse| -> Vec<(String, String)> {
            response.json()["error"]["fields"]
                .as_array()
                .map(|fields| {
                    fields
                        .iter()
                        .map(|f| (f["field"].as_str().unwrap_or("").to_owned(), f["code"].as_str().unwrap_or("").to_owned()))
                        .collect()
                })
                .unwrap_or_default()
        };
        let step = |approvers: Value| json!({ "name": "审批", "branches": [{ "approvers": approvers, "mode": "any" }] });
        let cases = [
            (
                json!({ "object_kind": "order", "name": "x", "applies_if": { "field": "colour", "value": "red" }, "steps": [step(json!([{ "kind": "role", "role": "finance" }]))] }),
                ("applies_if.field", "unknown_condition_field"),
            ),
            (
                json!({ "object_kind": "adjustment", "name": "x", "steps": [step(json!([{ "kind": "role", "role": "warehouse" }]))] }),
                ("steps[0].branches[0].approvers[0]", "approver_cannot_see"),
            ),
            (json!({ "object_kind": "order", "name": "x", "steps": [step(json!([]))] }), ("steps[0].branches[0].approvers", "no_approver")),
            (
                json!({ "object_kind": "order", "name": "x", "steps": [step(json!([{ "kind": "robot" }]))] }),
                ("steps[0].branches[0].approvers[0]", "unknown_approver"),
            ),
            (
                json!({ "object_kind": "order", "name": "x", "applies_if": { "field": "tier_in", "values": ["diamond-x"] }, "steps": [step(json!([{ "kind": "role", "role": "finance" }]))] }),
                ("applies_if.value", "unknown_code"),
            ),
            (
                json!({ "object_kind": "order", "name": "x", "steps": [step(json!([{ "kind": "role", "role": "executive" }]))] }),
                ("steps[0].branches[0].approvers[0]", "approver_cannot_see"),
            ),
            (json!({ "object_kind": "invoice", "name": "x", "steps": [] }), ("object_kind", "invalid_choice")),
        ];
        for (body, (field, code)) in cases {
            let refused = root.post_json("/api/v1/approval-flows", &body).await;
            assert_eq!(refused.status, 422, "{body}: {}", refused.text());
            assert!(codes(&refused).contains(&(field.to_owned(), code.to_owned())), "{body}: {:?}", codes(&refused));
        }
        let listed = root.get("/api/v1/approval-flows?object_kind=order").await.json();
        assert!(listed.as_array().expect("list").iter().all(|f| f["status"] == "builtin"), "nothing was saved: {listed}");
        // In Chinese, too.
        let chinese = app.bearer("root", TEST_PASSWORD).await.language("zh-CN");
        let refused = chinese.post_json("/api/v1/approval-flows", &json!({ "object_kind": "order", "name": "x", "steps": [step(json!([]))] })).await;
        let message = refused.json()["error"]["fields"][0]["message"].as_str().unwrap_or_default().to_owned();
        assert!(message.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "a Chinese message: {message}");
        let partner_user = app.bearer("rep", TEST_PASSWORD).await;
        assert_eq!(partner_user.post_json("/api/v1/approval-flows", &two_steps()).await.status, 403);
        app
    })
    .await;
}

#[tokio::test]
async fn two_approvers_at_once_approve_once_and_bulk_takes_simple_steps_only() {
    each_backend(|app| async move {
        shop(&app).await;
        let root = app.bearer("root", TEST_PASSWORD).await;
        let flow = json!({
            "object_kind": "order", "name": "管理员审批",
            "applies_if": { "field": "amount_over", "value": 2_000 },
            "steps": [{ "name": "管理员", "branches": [{ "approvers": [{ "kind": "role", "role": "brand_admin" }], "mode": "any" }] }]
        });
        assert_eq!(root.post_json("/api/v1/approval-flows", &flow).await.status, 201);
        let both = json!({
            "object_kind": "order", "name": "会签", "position": 0,
            "applies_if": { "field": "amount_over", "value": 100_000 },
            "steps": [{ "name": "会签", "branches": [
                { "approvers": [{ "kind": "role", "role": "brand_admin" }], "mode": "all" },
                { "approvers": [{ "kind": "role", "role": "finance" }], "mode": "any" }
            ] }]
        });
        assert_eq!(root.post_json("/api/v1/approval-flows", &both).await.status, 201);
        let rep = app.bearer("rep", TEST_PASSWORD).await;
        let root2 = app.bearer("root2", TEST_PASSWORD).await;
        let raced = place(&rep, 40).await;
        let approval = approval_of(&root, &raced).await;
        let (a, b) = futures_util::future::join(
            act(&root, &approval, json!({ "action": "approve" })),
            act(&root2, &approval, json!({ "action": "approve" })),
        )
        .await;
        let statuses = [a.0, b.0];
        assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "exactly one wins: {a:?} {b:?}");
        assert!(statuses.contains(&409));
        let done = approval_of(&root, &raced).await;
        let approvals = done["history"].as_array().expect("history").iter().filter(|h| h["action"] == "approve").count();
        assert_eq!((done["outcome"].as_str(), approvals), (Some("approved"), 1));
        assert_eq!(order_status(&rep, &raced).await, "approved");

        let simple: Vec<Value> = [place(&rep, 40).await, place(&rep, 40).await].to_vec();
        let heavy = place(&rep, 440).await;
        let mut ids: Vec<Value> = Vec::new();
        for order in simple.iter().chain([&heavy]) {
            ids.push(approval_of(&root, order).await["id"].clone());
        }
        let queue = root.get("/api/v1/approvals/waiting?simple=true").await.json();
        assert_eq!(queue["items"].as_array().map(Vec::len), Some(2), "the two-branch step is not bulk-approvable");
        let bulk = root.post_json("/api/v1/approvals/bulk-approve", &json!({ "ids": ids, "comment": "批量同意" })).await;
        assert_eq!(bulk.status, 200, "{}", bulk.text());
        let result = bulk.json();
        assert_eq!(result["approved"].as_array().map(Vec::len), Some(2), "{result}");
        assert_eq!(result["refused"][0][1], "not_simple");
        for order in &simple {
            assert_eq!(order_status(&rep, order).await, "approved");
        }
        assert_eq!(order_status(&rep, &heavy).await, "submitted");
        app.assert_invariants().await;
        app
    })
    .await;
}

#[tokio::test]
async fn a_step_waiting_too_long_reminds_then_escalates_to_the_administrators() {
    each_backend(|app| async move {
        shop(&app).await;
        let root = app.bearer("root", TEST_PASSWORD).await;
        let flow = json!({
            "object_kind": "order", "name": "限时审批",
            "steps": [{ "name": "财务审批", "branches": [{ "approvers": [{ "kind": "role", "role": "finance" }], "mode": "any" }], "escalate_after_ms": 7_200_000 }]
        });
        assert_eq!(root.post_json("/api/v1/approval-flows", &flow).await.status, 201);
        let rep = app.bearer("rep", TEST_PASSWORD).await;
        let order = place(&rep, 4).await;
        assert_eq!(approval_of(&root, &order).await["my_turn"], false, "finance's step");
        assert_eq!(qudao_app::approvals::sweep(&app.app).await.expect("sweep"), qudao_app::approvals::Swept::default());
        app.clock.advance(3_600_000);
        let swept = qudao_app::approvals::sweep(&app.app).await.expect("sweep");
        assert_eq!((swept.reminded, swept.escalated), (1, 0), "half-way: a reminder");
        assert_eq!(qudao_app::approvals::sweep(&app.app).await.expect("sweep").reminded, 0, "once");
        app.clock.advance(3_600_000);
        let swept = qudao_app::approvals::sweep(&app.app).await.expect("sweep");
        assert_eq!(swept.escalated, 1);
        let root = app.bearer("root", TEST_PASSWORD).await;
        let rep = app.bearer("rep", TEST_PASSWORD).await;
        let escalated = approval_of(&root, &order).await;
        assert_eq!(escalated["my_turn"], true, "the administrators may approve now");
        let actions: Vec<&str> = escalated["history"].as_array().expect("history").iter().filter_map(|h| h["action"].as_str()).collect();
        assert_eq!(actions, vec!["submit", "remind", "escalate"]);
        let (status, _) = act(&root, &escalated, json!({ "action": "approve" })).await;
        assert_eq!(status, 200);
        assert_eq!(order_status(&rep, &order).await, "approved");
        app
    })
    .await;
}

#[tokio::test]
async fn a_partners_own_administrator_rejects_its_staffs_order() {
    each_backend(|app| async move {
        let partner = shop(&app).await;
        UserBuilder::new("boss", Role::PartnerAdmin).partner(partner).create(&app).await;
        let root = app.bearer("root", TEST_PASSWORD).await;
        let flow = json!({
            "object_kind": "order", "name": "经销商内部审批",
            "steps": [{ "name": "老板审批", "branches": [{ "approvers": [{ "kind": "role", "role": "partner_admin" }], "mode": "any" }] }]
        });
        assert_eq!(root.post_json("/api/v1/approval-flows", &flow).await.status, 201);
        let rep = app.bearer("rep", TEST_PASSWORD).await;
        let boss = app.bearer("boss", TEST_PASSWORD).await;
        let order = place(&rep, 4).await;
        let approval = approval_of(&boss, &order).await;
        assert_eq!(approval["my_turn"], true);
        let (status, rejected) = act(&boss, &approval, json!({ "action": "reject", "comment": "本月预算已满" })).await;
        assert_eq!(status, 200, "{rejected}");
        assert_eq!(rejected["outcome"], "rejected", "a rejection, not a withdrawal");
        let last = rejected["history"].as_array().and_then(|h| h.last()).cloned().expect("entry");
        assert_eq!((last["action"].as_str(), last["actor_side"].as_str()), (Some("reject"), Some("partner")));
        assert_eq!(order_status(&rep, &order).await, "cancelled");
        let told = rep.get("/api/v1/notifications?unread=true").await.json();
        assert_eq!(told["items"][0]["topic"], "approval_decided", "{told}");
        // A second reject of the ended approval changes nothing.
        let (status, again) = act(&boss, &approval, json!({ "action": "reject", "comment": "再次" })).await;
        assert_eq!((status, again["error"]["code"].as_str()), (409, Some("conflict.approval_ended")));
        app
    })
    .await;
}

/// Returns over ¥5 go to finance; smaller ones are decided by the brand directly, as before.
fn return_flow() -> Value {
    json!({
        "object_kind": "return",
        "name": "大额退货审批",
        "applies_if": { "field": "amount_over", "value": 500 },
        "steps": [
            { "name": "财务审批", "branches": [{ "approvers": [{ "kind": "role", "role": "finance" }], "mode": "any" }] }
        ]
    })
}

#[tokio::test]
async fn returns_follow_their_flow_and_the_brands_decision_goes_through_it() {
    each_backend(|app| async move {
        shop(&app).await;
        UserBuilder::new("picker", Role::Warehouse).create(&app).await;
        let root = app.bearer("root", TEST_PASSWORD).await;
        let saved = root.post_json("/api/v1/approval-flows", &return_flow()).await;
        assert_eq!(saved.status, 201, "{}", saved.text());
        let rep = app.bearer("rep", TEST_PASSWORD).await;
        let fin = app.bearer("fin", TEST_PASSWORD).await;
        let picker = app.bearer("picker", TEST_PASSWORD).await;
        let order = place(&rep, 8).await;
        let id = order["id"].as_str().expect("id");
        let shipped = picker
            .post_json(&format!("/api/v1/orders/{id}/shipments"), &json!({ "carrier": "顺丰", "tracking_no": "SF1" }))
            .await;
        assert_eq!(shipped.status, 201, "{}", shipped.text());
        let ask = |bottles: i64| {
            let rep = &rep;
            async move {
                let asked = rep
                    .post_json(
                        &format!("/api/v1/orders/{id}/returns"),
                        &json!({ "reason": "破损", "lines": [{ "line_no": 1, "quantity": bottles }] }),
                    )
                    .await;
                assert_eq!(asked.status, 201, "{}", asked.text());
                asked.json()["id"].as_str().expect("id").to_string()
            }
        };
        let status_of = |rid: String| {
            let root = &root;
            async move {
                let list = root.get("/api/v1/returns").await.json();
                list["items"].as_array().expect("returns").iter().find(|r| r["id"] == rid.as_str()).expect("the return")
                    ["status"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string()
            }
        };

        // ¥2.50: no flow applies; the brand decides directly.
        let small = ask(1).await;
        let direct = root.post_json(&format!("/api/v1/returns/{small}/approve"), &json!({})).await;
        assert_eq!(direct.status, 200, "{}", direct.text());
        assert_eq!(status_of(small.clone()).await, "approved");

        // ¥7.50: finance's turn. The administrator's decision goes through the flow and is refused.
        let big = ask(3).await;
        let waiting = fin.get("/api/v1/approvals/waiting?kind=return").await.json();
        let approval = waiting["items"].as_array().and_then(|a| a.first()).cloned().expect("waiting for finance");
        assert_eq!(approval["object_id"], big.as_str());
        let refused = root.post_json(&format!("/api/v1/returns/{big}/approve"), &json!({})).await;
        assert_eq!(
            (refused.status, refused.json()["error"]["code"].as_str()),
            (409, Some("conflict.not_your_approval")),
            "not the administrator's step"
        );
        assert_eq!(status_of(big.clone()).await, "requested");
        let approved = fin.post_json(&format!("/api/v1/returns/{big}/approve"), &json!({})).await;
        assert_eq!(approved.status, 200, "{}", approved.text());
        assert_eq!(status_of(big.clone()).await, "approved");
        assert_eq!(approval_of_return(&fin, &big).await["outcome"], "approved");
        let page = app.browser("rep", TEST_PASSWORD).await.get(&format!("/portal/returns/{big}")).await;
        assert_eq!(page.status, 200);
        let page = page.text();
        assert!(page.contains("data-outcome=\"approved\"") && page.contains("id=\"thread\""), "its page");
        let order_page = app.browser("rep", TEST_PASSWORD).await.get(&format!("/portal/orders/{id}")).await.text();
        assert!(order_page.contains(&format!("href=\"/portal/returns/{big}\"")), "linked from its order");

        // Another, rejected on the approval with a comment: the return is rejected with it.
        let third = ask(3).await;
        let approval = approval_of_return(&fin, &third).await;
        let (status, rejected) = act(&fin, &approval, json!({ "action": "reject", "comment": "超过退货期" })).await;
        assert_eq!(status, 200, "{rejected}");
        assert_eq!(status_of(third.clone()).await, "rejected");
        app.assert_invariants().await;
        app
    })
    .await;
}

async fn approval_of_return(client: &Client<'_>, rid: &str) -> Value {
    let list = client.get(&format!("/api/v1/returns/{rid}/approvals")).await;
    assert_eq!(list.status, 200, "{}", list.text());
    list.json().as_array().and_then(|a| a.last().cloned()).expect("an approval")
}

/// One step of finance for a kind, applying to everything of that kind.
fn finance_flow(kind: &str, name: &str) -> Value {
    json!({
        "object_kind": kind,
        "name": name,
        "steps": [
            { "name": "财务审批", "branches": [{ "approvers": [{ "kind": "role", "role": "finance" }], "mode": "any" }] }
        ]
    })
}

#[tokio::test]
async fn adjustments_credit_lines_and_onboarding_wait_for_their_flows() {
    each_backend(|app| async move {
        let partner = shop(&app).await;
        UserBuilder::new("fin2", Role::Finance).create(&app).await;
        let prospect =
            PartnerBuilder::new("乙公司").status(qudao_domain::partners::PartnerStatus::Prospect).create(&app).await;
        let root = app.bearer("root", TEST_PASSWORD).await;
        let fin = app.bearer("fin", TEST_PASSWORD).await;
        let fin2 = app.bearer("fin2", TEST_PASSWORD).await;
        for (kind, name) in
            [("adjustment", "调账审批"), ("credit_line", "额度审批"), ("partner_onboarding", "准入审批")]
        {
            let saved = root.post_json("/api/v1/approval-flows", &finance_flow(kind, name)).await;
            assert_eq!(saved.status, 201, "{}", saved.text());
        }

        // An adjustment: its asker may not approve it at any step (four eyes); another may.
        let asked = fin
            .post_json(
                &format!("/api/v1/partners/{partner}/adjustments"),
                &json!({ "account": "rebate", "amount": "300.00", "reason": "陈列奖励" }),
            )
            .await;
        assert_eq!(asked.status, 201, "{}", asked.text());
        let adjustment = asked.json()["id"].as_str().expect("id").to_string();
        let own = fin.post_json(&format!("/api/v1/adjustments/{adjustment}/approve"), &json!({})).await;
        assert_eq!((own.status, own.json()["error"]["code"].as_str()), (409, Some("conflict.own_adjustment")));
        let approved = fin2.post_json(&format!("/api/v1/adjustments/{adjustment}/approve"), &json!({})).await;
        assert_eq!(approved.status, 200, "{}", approved.text());
        assert_eq!(approved.json()["status"], "approved");
        let (rebate, _, _) = app.account(partner, qudao_domain::accounts::AccountKind::Rebate).await;
        assert_eq!(rebate, 30_000, "posted once the flow approved it");
        let page = app.browser("fin2", TEST_PASSWORD).await.get(&format!("/console/finance/partners/{partner}")).await;
        let page = page.text();
        assert!(page.contains("调账审批") && page.contains("data-outcome=\"approved\""), "its approval on the page");

        // A credit line change waits (202), a second one is refused meanwhile, then it is made.
        let url = format!("/api/v1/partners/{partner}/credit-line");
        let asked = root.json("PUT", &url, &json!({ "credit_line": "80000.00", "terms_days": 60 })).await;
        assert_eq!(asked.status, 202, "{}", asked.text());
        let approval = asked.location().expect("the approval").rsplit('/').next().expect("id").to_string();
        let line = |body: &Value| {
            body.as_array().and_then(|a| a.iter().find(|x| x["kind"] == "receivable")).map(|x| x["credit_line"].clone())
        };
        assert_eq!(line(&asked.json()), Some(json!(1_000_000)), "unchanged while it waits");
        let again = root.json("PUT", &url, &json!({ "credit_line": "1.00" })).await;
        assert_eq!((again.status, again.json()["error"]["code"].as_str()), (409, Some("conflict.approval_pending")));
        let (status, done) = act(&fin, &json!({ "id": approval }), json!({ "action": "approve" })).await;
        assert_eq!(status, 200, "{done}");
        let accounts = root.get(&format!("/api/v1/partners/{partner}/accounts")).await.json();
        assert_eq!(line(&accounts), Some(json!(8_000_000)));
        let terms =
            accounts.as_array().and_then(|a| a.iter().find(|x| x["kind"] == "receivable")).expect("r")["terms_days"]
                .clone();
        assert_eq!(terms, 60);

        // Onboarding: rejected, the prospect stays one; asked again and approved, it is active.
        let status_url = format!("/api/v1/partners/{}/status", prospect.id);
        let asked = root.post_json(&status_url, &json!({ "status": "active", "reason": "资质齐全" })).await;
        assert_eq!(asked.status, 202, "{}", asked.text());
        assert_eq!(asked.json()["status"], "prospect");
        let approval = json!({ "id": asked.location().expect("approval").rsplit('/').next().expect("id") });
        let (status, _) = act(&fin, &approval, json!({ "action": "reject", "comment": "营业执照过期" })).await;
        assert_eq!(status, 200);
        assert_eq!(root.get(&format!("/api/v1/partners/{}", prospect.id)).await.json()["status"], "prospect");
        let asked = root.post_json(&status_url, &json!({ "status": "active" })).await;
        assert_eq!(asked.status, 202, "a rejected request may be asked again: {}", asked.text());
        let approval = json!({ "id": asked.location().expect("approval").rsplit('/').next().expect("id") });
        let (status, _) = act(&fin, &approval, json!({ "action": "approve" })).await;
        assert_eq!(status, 200);
        assert_eq!(root.get(&format!("/api/v1/partners/{}", prospect.id)).await.json()["status"], "active");
        let page = app.browser("root", TEST_PASSWORD).await.get(&format!("/console/partners/{}", prospect.id)).await;
        let page = page.text();
        assert!(page.contains("准入审批") && page.contains("data-outcome=\"approved\""), "the partner page shows it");
        assert!(page.contains("data-outcome=\"rejected\""), "and the earlier, rejected request");
        // Other status changes never wait.
        let suspended = root.post_json(&status_url, &json!({ "status": "suspended", "reason": "欠款" })).await;
        assert_eq!(suspended.status, 200, "{}", suspended.text());
        app.assert_invariants().await;
        app
    })
    .await;
}
