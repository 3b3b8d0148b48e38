//! Bad input: each kind gets a clear 4xx with a message in the caller's language, and nothing is
//! half-written.

#![expect(clippy::expect_used, reason = "test helpers fail loudly at the first broken step")]

use qudao_domain::access::Role;
use qudao_testkit::{PartnerBuilder, TEST_PASSWORD, TestApp, UserBuilder, each_backend};

async fn counts(app: &TestApp) -> (i64, i64) {
    let mut tx = app.app.db().read(&qudao_store::Scope::system("test")).await.expect("tx");
    let audit = qudao_store::audit::count_all(&mut tx).await.expect("audit");
    let partners: i64 =
        qudao_store::partners::count_by_status(&mut tx).await.expect("partners").iter().map(|(_, n)| n).sum();
    (audit, partners)
}

#[tokio::test]
async fn malformed_bodies_are_refused_clearly_in_both_languages_and_change_nothing() {
    each_backend(|app| async move {
        UserBuilder::new("admin", Role::BrandAdmin).create(&app).await;
        let admin = app.bearer("admin", TEST_PASSWORD).await;
        let before = counts(&app).await;
        let send = |body: Vec<u8>| {
            let admin = &admin;
            async move { admin.raw("POST", "/api/v1/partners", "application/json", body).await }
        };
        // Malformed JSON.
        let response = send(b"{\"name\": ".to_vec()).await;
        assert_eq!(response.status, 422);
        assert_eq!(response.json()["error"]["code"], "bad_body");
        assert!(response.json()["error"]["message"].as_str().expect("message").starts_with("请求内容无效"));
        // Wrong types.
        let response = send(br#"{"name": 42, "kind": "agent", "tier": "gold", "region": "CN-SH-SH"}"#.to_vec()).await;
        assert_eq!(response.status, 422);
        assert!(response.text().contains("invalid type"), "{}", response.text());
        // Unknown fields, including smuggled ones.
        for smuggled in ["partner_id", "status_override", "id", "code", "version"] {
            let body = format!(
                r#"{{"name": "甲", "kind": "agent", "tier": "gold", "region": "CN-SH-SH", "{smuggled}": "x"}}"#
            );
            let response = send(body.into_bytes()).await;
            assert_eq!(response.status, 422, "{smuggled}");
            assert!(response.text().contains("unknown field"), "{smuggled}: {}", response.text());
        }
        // Invalid UTF-8.
        let response = send(vec![b'{', b'"', 0xFF, 0xFE, b'"', b'}']).await;
        assert_eq!(response.status, 422);
        // Over-long strings, with the field's message in English for an English-speaking caller.
        admin.json("PUT", "/api/v1/me/locale", &serde_json::json!({ "locale": "en" })).await;
        let long = "长".repeat(101);
        let response = admin
            .post_json(
                "/api/v1/partners",
                &serde_json::json!({ "name": long, "kind": "agent", "tier": "gold", "region": "CN-SH-SH" }),
            )
            .await;
        assert_eq!(response.status, 422);
        let field = &response.json()["error"]["fields"][0];
        assert_eq!(field["field"], "name");
        assert_eq!(field["code"], "too_long");
        assert_eq!(field["message"], "At most 100 characters.");
        // Not JSON at all.
        let response = admin.raw("POST", "/api/v1/partners", "text/plain", b"name=x".to_vec()).await;
        assert_eq!(response.status, 422);
        // Unknown query parameters and bad cursors.
        assert_eq!(admin.get("/api/v1/partners?colour=red").await.status, 400);
        assert_eq!(admin.get("/api/v1/partners?after=not-a-cursor").await.status, 400);
        assert_eq!(admin.get("/api/v1/partners?limit=100000").await.status, 400);
        assert_eq!(counts(&app).await, before, "nothing may be written by refused requests");
        app
    })
    .await;
}

#[tokio::test]
async fn bad_imports_import_nothing_and_say_which_rows_and_why() {
    each_backend(|app| async move {
        UserBuilder::new("admin", Role::BrandAdmin).create(&app).await;
        let admin = app.bearer("admin", TEST_PASSWORD).await;
        let before = counts(&app).await;
        let sheet = "名称,类型,等级,地区,统一社会信用代码\n\
                     上海好货商贸有限公司,经销商,gold,CN-SH-SH,\n\
                     =HYPERLINK(\"http://x\"),经销商,gold,CN-SH-SH,\n\
                     南京某某商行,二级经销商,gold,CN-JS-NJ,\n\
                     苏州某某有限公司,经销商,gold,CN-JS-SZ,123\n\
                     无锡某某有限公司,经销商,diamond,CN-XX,\n";
        let response = admin.upload("POST", "/api/v1/partners/import", "p.csv", sheet.as_bytes()).await;
        assert_eq!(response.status, 422, "{}", response.text());
        let report = response.json();
        assert_eq!(report["imported"], 0);
        let rows: Vec<i64> =
            report["problems"].as_array().expect("problems").iter().map(|p| p["row"].as_i64().expect("row")).collect();
        assert_eq!(rows, vec![3, 4, 5, 6]);
        let codes = |row: usize| -> Vec<String> {
            report["problems"][row]["errors"]
                .as_array()
                .expect("errors")
                .iter()
                .map(|e| e["code"].as_str().expect("code").to_string())
                .collect()
        };
        assert!(codes(0).contains(&"formula_not_allowed".to_string()));
        assert!(codes(1).contains(&"sub_dealer_needs_parent".to_string()));
        assert_eq!(codes(2), vec!["invalid_credit_code".to_string()]);
        let references = codes(3);
        assert!(references.contains(&"unknown_tier".to_string()), "{references:?}");
        assert!(references.contains(&"unknown_region".to_string()), "{references:?}");
        assert_eq!(counts(&app).await, before, "a bad sheet imports nothing");

        // Bytes that are neither UTF-8 nor GBK text.
        let junk = [0x81u8, 0x30, 0xFF, 0xFF, 0x00, 0x81, b'\n'];
        let response = admin.upload("POST", "/api/v1/partners/import", "p.csv", &junk).await;
        assert!(response.status == 422 || response.status == 400, "{}", response.text());
        // A good sheet in GBK, as Chinese Excel saves CSV, imports everything.
        let (gbk, _, _) = encoding_rs::GBK.encode("名称,类型,等级,地区\n上海好货商贸有限公司,经销商,黄金,上海市\n");
        let response = admin.upload("POST", "/api/v1/partners/import", "p.csv", &gbk).await;
        assert_eq!(response.status, 201, "{}", response.text());
        assert_eq!(response.json()["imported"], 1);
        app
    })
    .await;
}

#[tokio::test]
async fn huge_or_disguised_uploads_stale_sessions_and_forged_tokens_are_refused() {
    each_backend(|app| async move {
        UserBuilder::new("admin", Role::BrandAdmin).create(&app).await;
        let admin = app.bearer("admin", TEST_PASSWORD).await;
        let product = admin
            .post_json(
                "/api/v1/products",
                &serde_json::json!({ "code": "P-1", "name_zh": "可乐", "name_en": "Cola", "category": "BEV-CSD", "brand": "LANXI", "base_unit": "BOTTLE" }),
            )
            .await;
        assert_eq!(product.status, 201, "{}", product.text());
        let id = product.json()["id"].as_str().expect("id").to_string();
        let before = counts(&app).await;
        let disguised = admin.upload("POST", &format!("/api/v1/products/{id}/images"), "logo.png", b"<html><script>alert(1)</script></html>").await;
        assert_eq!(disguised.status, 415);
        assert_eq!(disguised.json()["error"]["code"], "unsupported_media");
        let huge = vec![0u8; 13 * 1024 * 1024];
        let response = admin.upload("POST", &format!("/api/v1/products/{id}/images"), "big.png", &huge).await;
        assert_eq!(response.status, 413, "{}", response.text());
        assert_eq!(counts(&app).await, before);

        // A stale session: a clear 401 on the API, a redirect to sign in for pages.
        let browser = app.browser("admin", TEST_PASSWORD).await;
        app.clock.advance(3 * 3_600_000);
        let stale = browser.get("/api/v1/me").await;
        assert_eq!(stale.status, 401);
        assert_eq!(stale.json()["error"]["code"], "session_expired");
        let page = browser.get("/console").await;
        assert_eq!(page.status, 303);
        assert!(page.location().expect("redirect").starts_with("/login"));

        // A forged CSRF token on a form post.
        let partner = PartnerBuilder::new("甲公司").create(&app).await;
        let mut fresh = app.browser("admin", TEST_PASSWORD).await;
        fresh.csrf = Some("forged".into());
        let response = fresh.post_form(&format!("/console/partners/{}/status", partner.id), &[("status", "suspended")]).await;
        assert_eq!(response.status, 403);
        assert!(response.text().contains("页面已过期"), "the message is in the user's language");
        app
    })
    .await;
}

#[tokio::test]
async fn mass_assignment_of_partner_and_role_is_ignored_or_refused() {
    each_backend(|app| async move {
        let own = PartnerBuilder::new("甲公司").create(&app).await;
        let other = PartnerBuilder::new("乙公司").create(&app).await;
        UserBuilder::new("own.admin", Role::PartnerAdmin).partner(own.id).create(&app).await;
        let client = app.bearer("own.admin", TEST_PASSWORD).await;
        // A partner administrator inviting into another company: the company is forced to its own.
        let invited = client
            .post_json(
                "/api/v1/users",
                &serde_json::json!({ "login": "new.rep", "display_name": "新销售", "role": "partner_sales", "partner": other.id.to_string() }),
            )
            .await;
        assert_eq!(invited.status, 201, "{}", invited.text());
        assert_eq!(invited.json()["user"]["partner"]["id"], own.id.to_string());
        // …and cannot grant a brand role.
        let brand = client
            .post_json("/api/v1/users", &serde_json::json!({ "login": "sneaky", "display_name": "x", "role": "brand_admin" }))
            .await;
        assert_eq!(brand.status, 403);
        // A status smuggled into an edit is an unknown field, not a status change.
        UserBuilder::new("admin", Role::BrandAdmin).create(&app).await;
        let admin = app.bearer("admin", TEST_PASSWORD).await;
        let patch = admin.json("PATCH", &format!("/api/v1/partners/{}", own.id), &serde_json::json!({ "status": "terminated" })).await;
        assert_eq!(patch.status, 422);
        let after = admin.get(&format!("/api/v1/partners/{}", own.id)).await.json();
        assert_eq!(after["status"], "active");
        app
    })
    .await;
}
