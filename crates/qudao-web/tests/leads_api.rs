//! Leads through the API: a lead is routed by region and industry with its reason, times out and
//! goes to the next partner, is declined and goes to no one rather than back; rules that could
//! route to no one are refused; the preview routes without writing; partners see only their own
//! leads; the SLA report counts breaches; imports are all or nothing and count each placed lead
//! against capacity as they go; the public form throttles.

use qudao_domain::access::Role;
use qudao_testkit::{PartnerBuilder, TEST_PASSWORD, TestApp, UserBuilder, each_backend};
use serde_json::{Value, json};

const HOUR: i64 = 3_600_000;

/// Two partners in Shanghai, one in Nanjing, a rep each, a channel manager and an administrator.
async fn world(app: &TestApp) -> [String; 3] {
    let mut ids = Vec::new();
    for (name, region, login) in [
        ("甲机电有限公司", "CN-SH-SH", "a.rep"),
        ("乙机电有限公司", "CN-SH-SH", "b.rep"),
        ("丙机电有限公司", "CN-JS-NJ", "c.rep"),
    ] {
        let partner = PartnerBuilder::new(name).region(region).tier("gold").create(app).await;
        UserBuilder::new(login, Role::PartnerSales).partner(partner.id).create(app).await;
        ids.push(partner.id.to_string());
    }
    let cm = UserBuilder::new("cm", Role::ChannelManager).create(app).await;
    app.assign_region(cm, "R-EAST").await;
    UserBuilder::new("root", Role::BrandAdmin).create(app).await;
    [ids[0].clone(), ids[1].clone(), ids[2].clone()]
}

fn shanghai_rule() -> Value {
    json!({
        "position": 1,
        "rule": { "name": "上海制造业", "lead_regions": ["/R-EAST/CN-SH/"], "lead_industries": ["制造业"],
                  "capacity": 5, "strategy": "round_robin", "sla_hours": 4 }
    })
}

fn lead(company: &str) -> Value {
    json!({ "company": company, "contact_name": "马工", "phone": "13917001234", "region": "CN-SH-SH", "industry": "制造业" })
}

#[tokio::test]
async fn a_lead_times_out_goes_to_the_next_partner_and_never_back() {
    each_backend(|app| async move {
        let partners = world(&app).await;
        let root = app.bearer("root", TEST_PASSWORD).await;

        // Rules that could route to no one are refused, with the reason.
        let mut nobody = shanghai_rule();
        nobody["rule"]["tiers"] = json!(["platinum"]);
        let refused = root.post_json("/api/v1/routing-rules", &nobody).await;
        assert_eq!(refused.status, 422, "{}", refused.text());
        assert_eq!(refused.json()["error"]["fields"][0]["code"], "routes_to_no_one");
        let mut no_time = shanghai_rule();
        no_time["rule"]["sla_hours"] = json!(0);
        let refused = root.post_json("/api/v1/routing-rules", &no_time).await;
        assert_eq!(refused.json()["error"]["fields"][0]["field"], "rule.sla_hours");
        let saved = root.post_json("/api/v1/routing-rules", &shanghai_rule()).await;
        assert_eq!(saved.status, 201, "{}", saved.text());

        // The preview routes without writing.
        let preview = root
            .post_json("/api/v1/routing-rules/preview", &json!({ "region": "CN-SH-SH", "industry": "制造业" }))
            .await
            .json();
        assert_eq!(preview["reason"]["rule"], "上海制造业");
        assert_eq!(preview["reason"]["eligible"], 2, "the Nanjing partner is in another province");
        let elsewhere = root
            .post_json("/api/v1/routing-rules/preview", &json!({ "region": "CN-JS", "industry": "制造业" }))
            .await
            .json();
        assert!(elsewhere["partner_id"].is_null());
        assert_eq!(elsewhere["reason"]["skipped"][0]["why"], "no_match");

        // A lead without a region is refused; nothing is written.
        let refused =
            root.post_json("/api/v1/leads", &json!({ "company": "无区域公司", "phone": "13917001234" })).await;
        assert_eq!(refused.status, 422);
        assert_eq!(refused.json()["error"]["fields"][0]["field"], "region");
        assert_eq!(root.get("/api/v1/leads").await.json(), json!([]));

        let created = root.post_json("/api/v1/leads", &lead("上海汇川精工机械有限公司")).await;
        assert_eq!(created.status, 201, "{}", created.text());
        let created = created.json();
        assert_eq!(created["status"], "assigned");
        let first = created["partner_id"].as_str().expect("a partner").to_string();
        assert!(partners[..2].contains(&first));
        assert_eq!(created["reason"]["matched"], json!(["region /R-EAST/CN-SH/", "industry 制造业"]));
        assert_eq!(created["reason"]["picked_by"], "round_robin");
        let id = created["id"].as_str().expect("id").to_string();
        let (holder, other) = if first == partners[0] { ("a.rep", "b.rep") } else { ("b.rep", "a.rep") };
        let holder_client = app.bearer(holder, TEST_PASSWORD).await;
        let inbox = holder_client.get("/api/v1/leads").await.json();
        assert_eq!(inbox[0]["id"], json!(id), "the partner's inbox");
        let other_client = app.bearer(other, TEST_PASSWORD).await;
        assert_eq!(other_client.get("/api/v1/leads").await.json(), json!([]));
        assert_eq!(other_client.get(&format!("/api/v1/leads/{id}")).await.status, 404);

        // Four hours pass without an answer: the lead goes to the other Shanghai partner.
        app.clock.advance(4 * HOUR + 1);
        let swept = qudao_app::deals::leads::sweep(&app.app).await.expect("sweep");
        assert_eq!((swept.timed_out, swept.rerouted), (1, 1));
        let root = app.bearer("root", TEST_PASSWORD).await;
        let moved = root.get(&format!("/api/v1/leads/{id}")).await.json();
        assert_ne!(moved["partner_id"], json!(first));
        assert_eq!(moved["reason"]["already_tried"], 1);
        let outcomes: Vec<&str> =
            moved["assignments"].as_array().expect("a").iter().map(|a| a["outcome"].as_str().expect("o")).collect();
        assert_eq!(outcomes, ["timed_out", "pending"]);

        // The second declines: nobody is left in the province, and it never goes back.
        let other_client = app.bearer(other, TEST_PASSWORD).await;
        let declined =
            other_client.post_json(&format!("/api/v1/leads/{id}/decline"), &json!({ "reason": "产能已满" })).await;
        assert_eq!(declined.status, 204, "{}", declined.text());
        let last = root.get(&format!("/api/v1/leads/{id}")).await.json();
        assert_eq!(last["status"], "unassigned");
        assert_eq!(last["reason"]["skipped"][0]["why"], "no_partner");
        assert_eq!(last["tried"].as_array().expect("tried").len(), 2);

        // The brand sees the breaches per partner.
        let sla = root.get("/api/v1/lead-sla").await.json();
        let row = |partner: &str| {
            sla.as_array().expect("rows").iter().find(|r| r["partner_id"] == json!(partner)).cloned().expect("row")
        };
        assert_eq!(row(&first)["timed_out"], 1);
        let second = moved["partner_id"].as_str().expect("second");
        assert_eq!(row(second)["declined"], 1);

        // A new lead goes to the one assigned longest ago; it accepts in time.
        let next = root.post_json("/api/v1/leads", &lead("上海另一家机械有限公司")).await.json();
        assert_eq!(next["partner_id"], json!(first));
        let holder_client = app.bearer(holder, TEST_PASSWORD).await;
        let accepted = holder_client
            .post_json(&format!("/api/v1/leads/{}/accept", next["id"].as_str().expect("id")), &json!({}))
            .await;
        assert_eq!(accepted.status, 200, "{}", accepted.text());
        assert_eq!(accepted.json()["status"], "accepted");
        let again = holder_client
            .post_json(&format!("/api/v1/leads/{}/accept", next["id"].as_str().expect("id")), &json!({}))
            .await;
        assert_eq!(again.json()["error"]["code"], "conflict.lead_not_waiting");
        app
    })
    .await;
}

#[tokio::test]
async fn imports_are_all_or_nothing_and_the_public_form_throttles() {
    each_backend(|app| async move {
        world(&app).await;
        let root = app.bearer("root", TEST_PASSWORD).await;
        assert_eq!(root.post_json("/api/v1/routing-rules", &shanghai_rule()).await.status, 201);
        let bad = "公司,电话,区域,行业\n甲线索有限公司,13912345678,CN-SH-SH,制造业\n乙线索有限公司,123,,制造业\n";
        let report = root.upload("POST", "/api/v1/leads/import", "leads.csv", bad.as_bytes()).await;
        assert_eq!(report.status, 422, "{}", report.text());
        let report = report.json();
        assert_eq!(report["created"], 0);
        assert_eq!(report["errors"][0]["row"], 3);
        let codes: Vec<&str> = report["errors"][0]["fields"].as_array().expect("f").iter().map(|f| f["code"].as_str().expect("c")).collect();
        assert_eq!(codes, ["invalid_phone", "required"]);
        assert_eq!(root.get("/api/v1/leads").await.json(), json!([]));
        let good = "company,phone,region,industry\n甲线索有限公司,13912345678,CN-SH-SH,制造业\n乙线索有限公司,13912345679,CN-JS,零售\n";
        let report = root.upload("POST", "/api/v1/leads/import", "leads.csv", good.as_bytes()).await;
        assert_eq!(report.status, 201, "{}", report.text());
        assert_eq!((report.json()["created"].clone(), report.json()["routed"].clone()), (json!(2), json!(1)));

        let body = qudao_app::deals::leads::LeadBody {
            company: "表单来的公司".into(),
            phone: Some("13800138000".into()),
            region: Some("CN-SH-SH".into()),
            industry: Some("制造业".into()),
            ..Default::default()
        };
        qudao_app::deals::leads::submit_public(&app.app, &body, "203.0.113.9", true).await.expect("a trap is thanked");
        for _ in 0..qudao_app::deals::leads::FORM_LEADS_PER_HOUR {
            qudao_app::deals::leads::submit_public(&app.app, &body, "203.0.113.7", false).await.expect("a lead");
        }
        let throttled = qudao_app::deals::leads::submit_public(&app.app, &body, "203.0.113.7", false).await;
        assert!(matches!(throttled, Err(qudao_app::AppError::Throttled { .. })), "{throttled:?}");
        let all = root.get("/api/v1/leads?limit=50").await.json();
        assert_eq!(all.as_array().expect("leads").len(), 2 + 5, "the trapped one was never stored");
        app
    })
    .await;
}

#[tokio::test]
async fn an_import_counts_each_placed_lead_against_capacity_and_turns_round_robin() {
    each_backend(|app| async move {
        let partners = world(&app).await;
        let root = app.bearer("root", TEST_PASSWORD).await;
        let mut one_each = shanghai_rule();
        one_each["rule"]["capacity"] = json!(1);
        assert_eq!(root.post_json("/api/v1/routing-rules", &one_each).await.status, 201);
        let sheet = "company,phone,region,industry\n一号线索有限公司,13912345670,CN-SH-SH,制造业\n\
                     二号线索有限公司,13912345671,CN-SH-SH,制造业\n三号线索有限公司,13912345672,CN-SH-SH,制造业\n";
        let report = root.upload("POST", "/api/v1/leads/import", "leads.csv", sheet.as_bytes()).await;
        assert_eq!(report.status, 201, "{}", report.text());
        assert_eq!((report.json()["created"].clone(), report.json()["routed"].clone()), (json!(3), json!(2)));
        let leads = root.get("/api/v1/leads?limit=50").await.json();
        let mut holders: Vec<String> = leads
            .as_array()
            .expect("leads")
            .iter()
            .filter_map(|l| l["partner_id"].as_str().map(str::to_string))
            .collect();
        holders.sort();
        let mut shanghai = vec![partners[0].clone(), partners[1].clone()];
        shanghai.sort();
        assert_eq!(holders, shanghai, "one lead each: the first placed lead counted against its partner");
        app
    })
    .await;
}
