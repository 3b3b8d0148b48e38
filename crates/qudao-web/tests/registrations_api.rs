//! Deal registration (客户报备) through the API: two partners claiming one customer under different
//! spellings are told by evidence, never by name; a channel manager decides with both sides in
//! view; duplicates of a protected claim with a credit code are refused at once; protection counts
//! down, is extended by rule then by a person, reminds, expires into the pool, and another partner
//! claims it; bad input gets a clear message in the caller's language and writes nothing; claims
//! made at the same moment are checked one after the other.

#![expect(clippy::expect_used, reason = "test helpers fail loudly at the first broken step")]

use qudao_domain::access::Role;
use qudao_domain::ids::PartnerId;
use qudao_testkit::{PartnerBuilder, TEST_PASSWORD, TestApp, UserBuilder, each_backend};
use serde_json::{Value, json};

const DAY: i64 = 86_400_000;
/// A valid unified social credit code (its check character computed by the rules).
const CODE: &str = "91310115MA1K4CPQ8W";

/// Two partners in Shanghai with a sales rep each, their channel manager and an administrator.
async fn two_partners(app: &TestApp) -> (PartnerId, PartnerId) {
    let a = PartnerBuilder::new("甲贸易有限公司").region("CN-SH-SH").tier("gold").create(app).await;
    let b = PartnerBuilder::new("乙科技有限公司").region("CN-SH-SH").create(app).await;
    UserBuilder::new("a.rep", Role::PartnerSales).partner(a.id).create(app).await;
    UserBuilder::new("b.rep", Role::PartnerSales).partner(b.id).create(app).await;
    let cm = UserBuilder::new("cm", Role::ChannelManager).create(app).await;
    app.assign_region(cm, "CN-SH").await;
    UserBuilder::new("root", Role::BrandAdmin).create(app).await;
    (a.id, b.id)
}

/// Registrations of every partner, and audit rows.
async fn written(app: &TestApp) -> (i64, i64) {
    let mut tx = app.app.db().read(&qudao_store::Scope::system("test count")).await.expect("tx");
    let registrations: i64 =
        qudao_store::deals::registrations::counts(&mut tx).await.expect("counts").iter().map(|(_, n)| n).sum();
    (registrations, qudao_store::audit::count_all(&mut tx).await.expect("audit"))
}

fn kinds(view: &Value) -> Vec<String> {
    view["timeline"].as_array().expect("timeline").iter().map(|e| e["kind"].as_str().expect("kind").into()).collect()
}

#[tokio::test]
async fn two_partners_claiming_one_customer_are_told_by_evidence_never_by_name() {
    each_backend(|app| async move {
        let (a, _) = two_partners(&app).await;
        let root = app.bearer("root", TEST_PASSWORD).await;
        let rules = json!({
            "conflicts": { "reject_at": 98, "review_at": 60, "group_level": false },
            "protection": { "default_days": 90, "tier_days": [{ "tier": "gold", "days": 180 }], "extension_days": 30,
                            "auto_extensions": 1, "max_extensions": 3, "remind_days": 7 }
        });
        assert_eq!(root.json("PUT", "/api/v1/registration-rules", &rules).await.status, 200);
        let a_rep = app.bearer("a.rep", TEST_PASSWORD).await;
        let b_rep = app.bearer("b.rep", TEST_PASSWORD).await;

        // The fixed API: name, credit code, region, amount (a number is yuan too).
        let first = a_rep
            .post_json(
                "/api/v1/registrations",
                &json!({ "customer_name": "上海澄明精密仪器有限公司", "credit_code": CODE, "region": "CN-SH",
                         "expected_amount": 500000,
                         "contacts": [{ "name": "周经理", "phone": "139 1600 8800", "email": "zhou@chengming-inst.com" }] }),
            )
            .await;
        assert_eq!(first.status, 201, "{}", first.text());
        let first = first.json();
        assert_eq!(first["status"], "approved");
        assert_eq!(first["conflicts"], json!([]));
        assert_eq!(first["days_left"], 180, "gold partners are protected 180 days");
        assert_eq!(first["expected_amount"], 50_000_000);
        assert!(first["number"].as_str().expect("number").starts_with("REG-"));

        // The same company with the city in brackets and no code: a name alone goes to a person.
        let second = b_rep
            .post_json("/api/v1/registrations", &json!({ "customer_name": "澄明精密仪器（上海）有限公司" }))
            .await;
        assert_eq!(second.status, 201, "{}", second.text());
        let text = second.text();
        let second = second.json();
        assert_eq!(second["status"], "pending");
        assert_eq!(second["verdict"], "review");
        let conflict = &second["conflicts"][0];
        assert_eq!(conflict["relation"], "same");
        assert_eq!(conflict["protected"], true);
        assert_eq!(conflict["evidence"][0]["kind"], "name");
        assert_eq!(conflict["evidence"][0]["theirs"], "上海澄明精密仪器有限公司");
        assert_eq!(conflict["evidence"][0]["sign"], "same_name");
        assert!(conflict["other_partner"].is_null() && conflict["other_id"].is_null());
        for secret in ["甲贸易", &a.to_string(), first["number"].as_str().expect("number"), first["id"].as_str().expect("id")] {
            assert!(!text.contains(secret), "the other partner shows through: {secret}");
        }

        // The channel manager sees both sides, and rejects it with a reason.
        let cm = app.bearer("cm", TEST_PASSWORD).await;
        let queue = cm.get("/api/v1/registrations?status=pending").await.json();
        let waiting = &queue[0];
        assert_eq!(waiting["id"], second["id"]);
        assert_eq!(waiting["conflicts"][0]["other_partner"], "甲贸易有限公司");
        assert_eq!(waiting["conflicts"][0]["other_number"], first["number"]);
        let path = format!("/api/v1/registrations/{}/decision", second["id"].as_str().expect("id"));
        let decided = cm.post_json(&path, &json!({ "decision": "reject", "comment": "同一客户，甲方先报备" })).await;
        assert_eq!(decided.status, 200, "{}", decided.text());
        let decided = decided.json();
        assert_eq!(decided["status"], "rejected");
        assert_eq!(kinds(&decided), ["submitted", "rejected"]);
        assert_eq!(decided["timeline"][1]["detail"]["comment"], "同一客户，甲方先报备");
        assert_eq!(cm.post_json(&path, &json!({ "decision": "approve" })).await.json()["error"]["code"], "conflict.status_transition");

        // With the credit code the duplicate is refused at once.
        let third = b_rep
            .post_json("/api/v1/registrations", &json!({ "customer_name": "澄明仪器", "credit_code": CODE }))
            .await
            .json();
        assert_eq!(third["status"], "rejected");
        assert_eq!(third["conflicts"][0]["evidence"][0]["kind"], "credit_code");
        assert_eq!(kinds(&third), ["submitted", "rejected"]);

        // A partner registering its own customer again is told so, and nothing is written.
        let before = written(&app).await;
        let again = a_rep
            .post_json("/api/v1/registrations", &json!({ "customer_name": "上海 澄明精密仪器 股份有限公司" }))
            .await;
        assert_eq!(again.status, 409);
        assert_eq!(again.json()["error"]["code"], "conflict.already_registered");
        assert!(again.json()["error"]["message"].as_str().expect("message").contains("已报备"));
        assert_eq!(written(&app).await, before);

        // Partners see only their own; the brand sees both.
        let mine = b_rep.get("/api/v1/registrations").await.json();
        assert_eq!(mine.as_array().expect("list").len(), 2);
        assert_eq!(a_rep.get(&path.replace("/decision", "")).await.status, 404);
        app
    })
    .await;
}

#[tokio::test]
async fn bad_registrations_are_refused_in_the_callers_language_and_write_nothing() {
    each_backend(|app| async move {
        two_partners(&app).await;
        let rep = app.bearer("a.rep", TEST_PASSWORD).await;
        let before = written(&app).await;
        let bad = json!({
            "customer_name": "上海某某科技有限公司",
            "credit_code": "91310115MA1K4CPQ8X",
            "region": "CN-NOWHERE",
            "contacts": [{ "name": "王", "phone": "12345" }]
        });
        let response = rep.post_json("/api/v1/registrations", &bad).await;
        assert_eq!(response.status, 422, "{}", response.text());
        let fields: Vec<(String, String)> = response.json()["error"]["fields"]
            .as_array()
            .expect("fields")
            .iter()
            .map(|f| (f["field"].as_str().expect("f").into(), f["code"].as_str().expect("c").into()))
            .collect();
        assert_eq!(
            fields,
            [
                ("credit_code".to_string(), "invalid_credit_code".to_string()),
                ("contacts[0].phone".into(), "invalid_phone".into())
            ]
        );
        assert!(response.text().contains("统一社会信用代码"), "{}", response.text());
        let mut fixed = bad.clone();
        fixed["credit_code"] = json!(CODE);
        fixed["contacts"][0]["phone"] = json!("13800138000");
        let response = rep.post_json("/api/v1/registrations", &fixed).await;
        assert_eq!(response.json()["error"]["fields"][0]["code"], "unknown_region");
        rep.json("PUT", "/api/v1/me/locale", &json!({ "locale": "en" })).await;
        let response = rep.post_json("/api/v1/registrations", &bad).await;
        assert!(response.text().contains("credit code"), "{}", response.text());
        let brand = app.bearer("cm", TEST_PASSWORD).await;
        assert_eq!(brand.post_json("/api/v1/registrations", &fixed).await.status, 403);
        assert_eq!(written(&app).await, before);
        app
    })
    .await;
}

#[tokio::test]
async fn protection_is_extended_reminds_expires_into_the_pool_and_is_claimed_by_another() {
    each_backend(|app| async move {
        two_partners(&app).await;
        let root = app.bearer("root", TEST_PASSWORD).await;
        let rules = json!({
            "conflicts": { "reject_at": 98, "review_at": 60, "group_level": false },
            "protection": { "default_days": 90, "tier_days": [], "extension_days": 30,
                            "auto_extensions": 1, "max_extensions": 2, "remind_days": 7 }
        });
        assert_eq!(root.json("PUT", "/api/v1/registration-rules", &rules).await.status, 200);
        let bad = json!({ "conflicts": { "reject_at": 50, "review_at": 90, "group_level": false },
                          "protection": rules["protection"] });
        let refused = root.json("PUT", "/api/v1/registration-rules", &bad).await;
        assert_eq!(refused.json()["error"]["fields"][0]["field"], "conflicts.review_at");
        let a_rep = app.bearer("a.rep", TEST_PASSWORD).await;
        let claim = a_rep
            .post_json(
                "/api/v1/registrations",
                &json!({ "customer_name": "杭州绿源食品有限公司", "region": "CN-JS",
                         "contacts": [{ "name": "李", "email": "li@lvyuan-food.cn" }] }),
            )
            .await
            .json();
        assert_eq!(claim["days_left"], 90);
        let id = claim["id"].as_str().expect("id").to_string();
        let extension = format!("/api/v1/registrations/{id}/extension");
        let extended = a_rep.post_json(&extension, &json!({ "comment": "客户预算下月批" })).await.json();
        assert_eq!(extended["days_left"], 120, "the first extension is granted by rule");
        let asked = a_rep.post_json(&extension, &json!({})).await.json();
        assert_eq!(asked["days_left"], 120);
        assert!(asked["extension_asked_ms"].is_number());
        assert_eq!(a_rep.post_json(&extension, &json!({})).await.json()["error"]["code"], "conflict.extension_pending");
        let cm = app.bearer("cm", TEST_PASSWORD).await;
        let waiting = cm.get("/api/v1/registrations?extension_asked=true").await.json();
        assert_eq!(waiting[0]["id"], json!(id));
        let granted = cm.post_json(&format!("{extension}/decision"), &json!({ "decision": "approve" })).await.json();
        assert_eq!(granted["days_left"], 150);
        assert_eq!(
            a_rep.post_json(&extension, &json!({})).await.json()["error"]["code"],
            "conflict.no_more_extensions"
        );

        // A week before the end the partner is reminded; at the end the claim expires.
        app.clock.advance(144 * DAY);
        let swept = qudao_app::deals::sweep(&app.app).await.expect("sweep");
        assert_eq!((swept.reminded, swept.expired), (1, 0));
        let a_rep = app.bearer("a.rep", TEST_PASSWORD).await; // months later: a new session
        let inbox = a_rep.get("/api/v1/notifications").await.json();
        assert!(inbox.to_string().contains("报备即将到期"), "{inbox}");
        assert_eq!(qudao_app::deals::sweep(&app.app).await.expect("sweep").reminded, 0, "reminded once");
        app.clock.advance(7 * DAY);
        let swept = qudao_app::deals::sweep(&app.app).await.expect("sweep");
        assert_eq!(swept.expired, 1);
        let a_rep = app.bearer("a.rep", TEST_PASSWORD).await;
        let expired = a_rep.get(&format!("/api/v1/registrations/{id}")).await.json();
        assert_eq!(expired["status"], "expired");
        assert_eq!(
            kinds(&expired),
            ["submitted", "approved", "extended", "extension_asked", "extended", "reminded", "expired"]
        );

        // In the pool: the customer's name, not its contacts nor its former holder.
        let b_rep = app.bearer("b.rep", TEST_PASSWORD).await;
        let pool = b_rep.get("/api/v1/registration-pool").await;
        assert!(pool.text().contains("杭州绿源食品有限公司"));
        assert!(!pool.text().contains("lvyuan-food") && !pool.text().contains("甲贸易"));
        let taken = b_rep.post_json(&format!("/api/v1/registration-pool/{id}/claim"), &json!({})).await;
        assert_eq!(taken.status, 201, "{}", taken.text());
        let taken = taken.json();
        assert_eq!(taken["status"], "approved");
        assert_eq!(taken["claimed_from"], json!(id));
        assert_eq!(taken["contacts"], json!([]));
        assert_eq!(kinds(&taken), ["claimed", "approved"]);
        assert!(!b_rep.get("/api/v1/registration-pool").await.text().contains("杭州绿源食品有限公司"));
        let again = a_rep.post_json(&format!("/api/v1/registration-pool/{id}/claim"), &json!({})).await;
        assert_eq!(again.status, 404);
        app
    })
    .await;
}

#[tokio::test]
async fn claims_made_at_the_same_moment_are_checked_one_after_the_other() {
    each_backend(|app| async move {
        let mut ctxs = Vec::new();
        for n in 0..6 {
            let partner = PartnerBuilder::new(&format!("并发{n}号商贸有限公司")).region("CN-SH-SH").create(&app).await;
            let login = format!("rep{n}");
            UserBuilder::new(&login, Role::PartnerSales).partner(partner.id).create(&app).await;
            ctxs.push(app.ctx_of(&login).await);
        }
        let body = qudao_app::deals::RegistrationBody {
            customer_name: "苏州同创电子有限公司".into(),
            credit_code: Some("91320505MA1MJ8WB27".into()),
            ..Default::default()
        };
        let all =
            futures_util::future::join_all(ctxs.iter().map(|ctx| qudao_app::deals::submit(&app.app, ctx, &body, None)))
                .await;
        let statuses: Vec<String> =
            all.into_iter().map(|r| r.expect("submitted").registration.status.as_str().to_string()).collect();
        assert_eq!(statuses.iter().filter(|s| *s == "approved").count(), 1, "{statuses:?}");
        assert_eq!(statuses.iter().filter(|s| *s == "rejected").count(), 5, "{statuses:?}");
        app
    })
    .await;
}
