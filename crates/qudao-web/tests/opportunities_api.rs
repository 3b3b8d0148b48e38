//! Opportunities through the API: entered from a protected registration or an accepted lead (which
//! then count as converted), moved through the stages with their visits kept, lost only with a
//! reason, followed up; the brand's stages validated; the funnel counts conversion per stage;
//! another partner sees none of it.

use qudao_domain::access::Role;
use qudao_testkit::{PartnerBuilder, TEST_PASSWORD, TestApp, UserBuilder, each_backend};
use serde_json::json;

fn png() -> Vec<u8> {
    let mut bytes = Vec::new();
    let picture = image::RgbImage::from_pixel(8, 8, image::Rgb([40, 120, 200]));
    if picture.write_to(&mut std::io::Cursor::new(&mut bytes), image::ImageFormat::Png).is_err() {
        bytes.clear();
    }
    bytes
}

async fn world(app: &TestApp) {
    let a = PartnerBuilder::new("甲机电有限公司").region("CN-SH-SH").create(app).await;
    let b = PartnerBuilder::new("乙机电有限公司").region("CN-SH-SH").create(app).await;
    UserBuilder::new("a.rep", Role::PartnerSales).partner(a.id).create(app).await;
    UserBuilder::new("b.rep", Role::PartnerSales).partner(b.id).create(app).await;
    UserBuilder::new("root", Role::BrandAdmin).create(app).await;
}

#[tokio::test]
async fn opportunities_come_from_registrations_and_leads_and_move_through_the_stages() {
    each_backend(|app| async move {
        world(&app).await;
        let a = app.bearer("a.rep", TEST_PASSWORD).await;
        let registration =
            a.post_json("/api/v1/registrations", &json!({ "customer_name": "上海澄明精密仪器有限公司" })).await.json();
        let registration_id = registration["id"].as_str().expect("id").to_string();

        let created = a
            .post_json(
                "/api/v1/opportunities",
                &json!({ "from_registration": registration_id, "amount": 520000, "close_date": "2027-03-31" }),
            )
            .await;
        assert_eq!(created.status, 201, "{}", created.text());
        let deal = created.json();
        assert_eq!((deal["stage"].clone(), deal["probability"].clone()), (json!("contact"), json!(10)));
        assert_eq!(deal["customer_name"], "上海澄明精密仪器有限公司");
        assert_eq!(deal["weighted_amount"], 5_200_000);
        let converted = a.get(&format!("/api/v1/registrations/{registration_id}")).await.json();
        assert_eq!(converted["status"], "converted");
        let again = a.post_json("/api/v1/opportunities", &json!({ "from_registration": registration_id })).await;
        assert_eq!(again.json()["error"]["code"], "conflict.registration_not_protected");

        let id = deal["id"].as_str().expect("id").to_string();
        let moved =
            a.post_json(&format!("/api/v1/opportunities/{id}/stage"), &json!({ "stage": "propose" })).await.json();
        assert_eq!((moved["stage_name"].clone(), moved["probability"].clone()), (json!("方案报价"), json!(50)));
        assert_eq!(moved["visits"].as_array().expect("visits").len(), 2);
        assert!(moved["visits"][0]["left_ms"].is_number() && moved["visits"][1]["left_ms"].is_null());
        let followed = a
            .post_json(
                &format!("/api/v1/opportunities/{id}/followups"),
                &json!({ "kind": "visit", "note": "拜访采购部，确认预算" }),
            )
            .await;
        assert_eq!(followed.status, 200, "{}", followed.text());
        assert_eq!(followed.json()["followups"][0]["note"], "拜访采购部，确认预算");
        let bad = a
            .post_json(&format!("/api/v1/opportunities/{id}/followups"), &json!({ "kind": "dinner", "note": "x" }))
            .await;
        assert_eq!(bad.json()["error"]["fields"][0]["code"], "not_one_of");
        let no_reason = a.post_json(&format!("/api/v1/opportunities/{id}/stage"), &json!({ "stage": "lost" })).await;
        assert_eq!(no_reason.json()["error"]["fields"][0]["field"], "reason");
        let lost = a
            .post_json(
                &format!("/api/v1/opportunities/{id}/stage"),
                &json!({ "stage": "lost", "reason": "价格高于竞品" }),
            )
            .await
            .json();
        assert_eq!(lost["outcome_reason"], "价格高于竞品");
        assert!(lost["closed_ms"].is_number());
        let closed = a.post_json(&format!("/api/v1/opportunities/{id}/stage"), &json!({ "stage": "won" })).await;
        assert_eq!(closed.json()["error"]["code"], "conflict.opportunity_closed");

        // From a lead: only once the partner has accepted it.
        let root = app.bearer("root", TEST_PASSWORD).await;
        let rule = json!({ "position": 1, "rule": { "name": "上海", "lead_regions": ["/R-EAST/CN-SH/"],
                           "partners": [deal["partner_id"]], "strategy": "round_robin", "sla_hours": 24 } });
        assert_eq!(root.post_json("/api/v1/routing-rules", &rule).await.status, 201);
        let lead = root
            .post_json(
                "/api/v1/leads",
                &json!({ "company": "上海汇川精工机械有限公司", "phone": "13917001234", "region": "CN-SH-SH" }),
            )
            .await
            .json();
        let lead_id = lead["id"].as_str().expect("lead").to_string();
        let early = a.post_json("/api/v1/opportunities", &json!({ "from_lead": lead_id })).await;
        assert_eq!(early.json()["error"]["code"], "conflict.lead_not_accepted");
        a.post_json(&format!("/api/v1/leads/{lead_id}/accept"), &json!({})).await;
        let from_lead = a.post_json("/api/v1/opportunities", &json!({ "from_lead": lead_id, "amount": "80000" })).await;
        assert_eq!(from_lead.status, 201, "{}", from_lead.text());
        assert_eq!(a.get(&format!("/api/v1/leads/{lead_id}")).await.json()["status"], "converted");
        let second = from_lead.json()["id"].as_str().expect("id").to_string();
        a.post_json(&format!("/api/v1/opportunities/{second}/stage"), &json!({ "stage": "won", "reason": "签约" }))
            .await;

        // The funnel: both entered 初步接洽, one advanced (won), one lost from 方案报价.
        let funnel = a.get("/api/v1/pipeline/funnel").await.json();
        assert_eq!(funnel[0]["stage"], "contact");
        assert_eq!((funnel[0]["entered"].clone(), funnel[0]["advanced"].clone()), (json!(2), json!(2)));
        assert_eq!((funnel[2]["entered"].clone(), funnel[2]["advanced"].clone()), (json!(1), json!(0)));
        assert_eq!(root.get("/api/v1/pipeline/funnel").await.json()[0]["entered"], 2);

        // Another partner sees none of it.
        let b = app.bearer("b.rep", TEST_PASSWORD).await;
        assert_eq!(b.get(&format!("/api/v1/opportunities/{id}")).await.status, 404);
        assert_eq!(b.get("/api/v1/opportunities").await.json(), json!([]));
        assert_eq!(b.get("/api/v1/pipeline/funnel").await.json()[0]["entered"], 0);
        app
    })
    .await;
}

#[tokio::test]
async fn partners_commit_monthly_forecasts_and_the_brand_sees_them_rolled_up() {
    each_backend(|app| async move {
        world(&app).await;
        let a = app.bearer("a.rep", TEST_PASSWORD).await;
        let mut ids = Vec::new();
        for (customer, amount, stage) in [
            ("甲客户有限公司", "100000", "negotiate"),
            ("乙客户有限公司", "50000", "propose"),
            ("丙客户有限公司", "20000", "contact"),
        ] {
            let deal = a
                .post_json("/api/v1/opportunities", &json!({ "customer_name": customer, "amount": amount }))
                .await
                .json();
            let id = deal["id"].as_str().expect("id").to_string();
            if stage != "contact" {
                a.post_json(&format!("/api/v1/opportunities/{id}/stage"), &json!({ "stage": stage })).await;
            }
            ids.push(id);
        }
        let draft = a.get("/api/v1/forecasts/draft?period=2026-12").await.json();
        assert_eq!(draft["period"], 202612);
        assert_eq!(draft["totals"], json!({ "commit": 10_000_000, "best_case": 15_000_000, "pipeline": 17_000_000 }));
        // The rep moves the quote into commit and leaves the first contact out.
        let lines = json!([
            { "opportunity_id": ids[1], "category": "commit" },
            { "opportunity_id": ids[2], "category": "omitted" }
        ]);
        let committed = a.post_json("/api/v1/forecasts", &json!({ "period": "2026-12", "lines": lines })).await;
        assert_eq!(committed.status, 200, "{}", committed.text());
        assert_eq!(
            committed.json()["totals"],
            json!({ "commit": 15_000_000, "best_case": 15_000_000, "pipeline": 15_000_000 })
        );
        let bad = a.post_json("/api/v1/forecasts", &json!({ "period": "2026-13", "lines": [] })).await;
        assert_eq!(bad.json()["error"]["fields"][0]["code"], "invalid_period");
        let unknown = a
            .post_json(
                "/api/v1/forecasts",
                &json!({ "period": "2026-12", "lines": [{ "opportunity_id": "nope", "category": "commit" }] }),
            )
            .await;
        assert_eq!(unknown.json()["error"]["fields"][0]["code"], "unknown_opportunity");
        let root = app.bearer("root", TEST_PASSWORD).await;
        let rollup = root.get("/api/v1/forecasts/rollup?period=2026-12").await.json();
        assert_eq!(rollup.as_array().expect("rows").len(), 1);
        assert_eq!(rollup[0]["region_path"], "/R-EAST/CN-SH/");
        assert_eq!((rollup[0]["partners"].clone(), rollup[0]["commit"].clone()), (json!(1), json!(15_000_000)));
        let b = app.bearer("b.rep", TEST_PASSWORD).await;
        assert_eq!(b.get("/api/v1/forecasts/rollup?period=2026-12").await.json(), json!([]));
        app
    })
    .await;
}

#[tokio::test]
async fn the_brands_stages_are_checked_before_they_are_saved() {
    each_backend(|app| async move {
        world(&app).await;
        let root = app.bearer("root", TEST_PASSWORD).await;
        let bad = json!([
            { "code": "contact", "name": "接洽", "probability": 40, "kind": "open" },
            { "code": "propose", "name": "报价", "probability": 20, "kind": "open" },
            { "code": "won", "name": "赢单", "probability": 100, "kind": "won" }
        ]);
        let refused = root.json("PUT", "/api/v1/opportunity-stages", &bad).await;
        assert_eq!(refused.status, 422);
        let body = refused.json();
        let codes: Vec<&str> =
            body["error"]["fields"].as_array().expect("f").iter().map(|f| f["code"].as_str().expect("c")).collect();
        assert!(
            codes.contains(&"needs_one_won_and_one_lost") && codes.contains(&"probabilities_must_rise"),
            "{codes:?}"
        );
        let good = json!([
            { "code": "contact", "name": "接洽", "probability": 20, "kind": "open" },
            { "code": "won", "name": "赢单", "probability": 100, "kind": "won" },
            { "code": "lost", "name": "丢单", "probability": 0, "kind": "lost" }
        ]);
        assert_eq!(root.json("PUT", "/api/v1/opportunity-stages", &good).await.status, 200);
        let a = app.bearer("a.rep", TEST_PASSWORD).await;
        assert_eq!(a.get("/api/v1/opportunity-stages").await.json().as_array().expect("stages").len(), 3);
        assert_eq!(a.json("PUT", "/api/v1/opportunity-stages", &good).await.status, 403);
        app
    })
    .await;
}

#[tokio::test]
async fn a_deal_is_shared_only_with_a_linked_partner_and_gets_a_joint_team() {
    each_backend(|app| async move {
        let distributor = PartnerBuilder::new("上海总代理有限公司").region("CN-SH-SH").create(&app).await;
        let dealer =
            PartnerBuilder::new("浦东二级分销部").region("CN-SH-SH").sub_dealer_of(distributor.id).create(&app).await;
        let stranger = PartnerBuilder::new("无关机电有限公司").region("CN-SH-SH").create(&app).await;
        UserBuilder::new("d.rep", Role::PartnerSales).partner(distributor.id).create(&app).await;
        UserBuilder::new("s.rep", Role::PartnerSales).partner(dealer.id).create(&app).await;
        let colleague = UserBuilder::new("s.tech", Role::PartnerSales).partner(dealer.id).create(&app).await;
        UserBuilder::new("x.rep", Role::PartnerSales).partner(stranger.id).create(&app).await;
        let cm = UserBuilder::new("cm", Role::ChannelManager).create(&app).await;
        app.assign_region(cm, "CN-SH").await;
        UserBuilder::new("root", Role::BrandAdmin).create(&app).await;
        let s = app.bearer("s.rep", TEST_PASSWORD).await;
        let deal = s
            .post_json("/api/v1/opportunities", &json!({ "customer_name": "浦东某医院", "amount": "300000" }))
            .await
            .json();
        let id = deal["id"].as_str().expect("id").to_string();

        let refused =
            s.post_json(&format!("/api/v1/opportunities/{id}/partners"), &json!({ "partner_id": stranger.id })).await;
        assert_eq!(refused.json()["error"]["fields"][0]["code"], "not_linked");
        let d = app.bearer("d.rep", TEST_PASSWORD).await;
        assert_eq!(d.get(&format!("/api/v1/opportunities/{id}")).await.status, 404, "not shared yet");
        let shared = s
            .post_json(&format!("/api/v1/opportunities/{id}/partners"), &json!({ "partner_id": distributor.id }))
            .await;
        assert_eq!(shared.status, 200, "{}", shared.text());
        assert_eq!(shared.json()["shared_with"][0][1], "上海总代理有限公司");
        let seen = d.get(&format!("/api/v1/opportunities/{id}")).await;
        assert_eq!(seen.status, 200, "the linked distributor sees it");
        assert_eq!(d.get("/api/v1/opportunities").await.json().as_array().expect("list").len(), 1);
        let x = app.bearer("x.rep", TEST_PASSWORD).await;
        assert_eq!(x.get(&format!("/api/v1/opportunities/{id}")).await.status, 404);
        let not_owner =
            d.post_json(&format!("/api/v1/opportunities/{id}/partners"), &json!({ "partner_id": dealer.id })).await;
        assert_eq!(not_owner.json()["error"]["code"], "conflict.not_the_owner");

        let team = s
            .post_json(
                &format!("/api/v1/opportunities/{id}/members"),
                &json!({ "user_id": colleague.to_string(), "role": "技术支持" }),
            )
            .await;
        assert_eq!(team.status, 200, "{}", team.text());
        let root = app.bearer("root", TEST_PASSWORD).await;
        let brand = root
            .post_json(
                &format!("/api/v1/opportunities/{id}/members"),
                &json!({ "user_id": cm.to_string(), "role": "渠道经理" }),
            )
            .await
            .json();
        let roles: Vec<&str> =
            brand["members"].as_array().expect("members").iter().map(|m| m["role"].as_str().expect("r")).collect();
        assert_eq!(roles, ["技术支持", "渠道经理"]);
        let stranger_user = x
            .post_json(
                &format!("/api/v1/opportunities/{id}/members"),
                &json!({ "user_id": cm.to_string(), "role": "x" }),
            )
            .await;
        assert_eq!(stranger_user.status, 404, "a partner the deal is not shared with cannot reach it");

        // Follow-ups: the linked distributor's seller writes one with a photo, which the owner sees;
        // the brand's channel manager on the team writes one; staff off the team and strangers cannot.
        let photo = d
            .post_multipart(
                &format!("/api/v1/opportunities/{id}/followups/picture"),
                &[("kind", "visit"), ("note", "总代陪同拜访")],
                Some(("visit.png", &png())),
            )
            .await;
        assert_eq!(photo.status, 200, "{}", photo.text());
        let file = photo.json()["followups"][0]["file_id"].as_str().expect("the photo").to_string();
        assert_eq!(
            s.get(&format!("/api/v1/files/{file}")).await.status,
            200,
            "the owner sees the shared partner's photo"
        );
        assert_eq!(d.get(&format!("/api/v1/files/{file}")).await.status, 200, "and so does the one who took it");
        assert_eq!(x.get(&format!("/api/v1/files/{file}")).await.status, 404, "a stranger does not");
        let moved = d.post_json(&format!("/api/v1/opportunities/{id}/stage"), &json!({ "stage": "qualify" })).await;
        assert_eq!(moved.json()["error"]["code"], "conflict.not_the_owner", "the stages are the owner's pipeline");
        let cm_client = app.bearer("cm", TEST_PASSWORD).await;
        let by_team = cm_client
            .post_json(
                &format!("/api/v1/opportunities/{id}/followups"),
                &json!({ "kind": "meeting", "note": "方案评审" }),
            )
            .await;
        assert_eq!(by_team.status, 200, "{}", by_team.text());
        assert_eq!(by_team.json()["followups"].as_array().map(Vec::len), Some(2));
        assert_eq!(cm_client.get(&format!("/api/v1/files/{file}")).await.status, 200, "the brand sees it too");
        let off_team = root
            .post_json(&format!("/api/v1/opportunities/{id}/followups"), &json!({ "kind": "call", "note": "x" }))
            .await;
        assert_eq!(off_team.status, 403, "{}", off_team.text());
        let stranger_note = x
            .post_json(&format!("/api/v1/opportunities/{id}/followups"), &json!({ "kind": "call", "note": "x" }))
            .await;
        assert_eq!(stranger_note.status, 404);
        app
    })
    .await;
}
