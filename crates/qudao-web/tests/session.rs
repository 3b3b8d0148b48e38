//! Sign-in, sessions and who-am-I, on both databases.

use qudao_domain::access::Role;
use qudao_store::access::users::UserStatus;
use qudao_testkit::{PartnerBuilder, TEST_PASSWORD, UserBuilder, each_backend};

#[tokio::test]
async fn a_session_token_works_as_a_bearer_token_and_me_names_role_and_partner() {
    each_backend(|app| async move {
        let partner = PartnerBuilder::new("南京恒泰商贸有限公司").create(&app).await;
        UserBuilder::new("li.lei", Role::PartnerSales).partner(partner.id).create(&app).await;
        let client = app.bearer("li.lei", TEST_PASSWORD).await;
        let me = client.get("/api/v1/me").await;
        assert_eq!(me.status, 200, "{}", me.text());
        let me = me.json();
        assert_eq!(me["login"], "li.lei");
        assert_eq!(me["role"], "partner_sales");
        assert_eq!(me["partner"]["id"], partner.id.to_string());
        assert_eq!(me["partner"]["name"], "南京恒泰商贸有限公司");
        app
    })
    .await;
}

#[tokio::test]
async fn wrong_passwords_are_refused_in_the_callers_language() {
    each_backend(|app| async move {
        UserBuilder::new("admin", Role::BrandAdmin).create(&app).await;
        let body = serde_json::json!({ "login": "admin", "password": "not-the-password" });
        let zh = app.anonymous().language("zh-CN").post_json("/api/v1/session", &body).await;
        assert_eq!(zh.status, 401);
        assert_eq!(zh.json()["error"]["code"], "unauthenticated");
        assert_eq!(zh.json()["error"]["message"], "请先登录。");
        let en = app.anonymous().language("en-US,en;q=0.9").post_json("/api/v1/session", &body).await;
        assert_eq!(en.json()["error"]["message"], "Please sign in.");
        app
    })
    .await;
}

#[tokio::test]
async fn sign_in_is_throttled_per_account_and_per_address() {
    each_backend(|app| async move {
        UserBuilder::new("admin", Role::BrandAdmin).create(&app).await;
        let wrong = serde_json::json!({ "login": "admin", "password": "wrong-password-1" });
        for attempt in 0..5 {
            let client = app.anonymous().from_ip(&format!("198.51.100.{attempt}"));
            assert_eq!(client.post_json("/api/v1/session", &wrong).await.status, 401);
        }
        // The account is now throttled even with the right password, from a fresh address.
        let right = serde_json::json!({ "login": "admin", "password": TEST_PASSWORD });
        let throttled = app.anonymous().from_ip("198.51.100.99").post_json("/api/v1/session", &right).await;
        assert_eq!(throttled.status, 429);
        assert!(throttled.headers.contains_key("retry-after"));
        // After the window, the right password works again.
        app.clock.advance(16 * 60_000);
        let ok = app.anonymous().from_ip("198.51.100.99").post_json("/api/v1/session", &right).await;
        assert_eq!(ok.status, 201, "{}", ok.text());
        // Per address: 30 failures on many logins from one address block that address.
        for n in 0..30 {
            let body = serde_json::json!({ "login": format!("nobody{n}"), "password": "wrong-password-1" });
            app.anonymous().from_ip("192.0.2.7").post_json("/api/v1/session", &body).await;
        }
        let blocked = app.anonymous().from_ip("192.0.2.7").post_json("/api/v1/session", &right).await;
        assert_eq!(blocked.status, 429);
        app
    })
    .await;
}

#[tokio::test]
async fn sessions_end_on_sign_out_idle_and_absolute_timeouts() {
    each_backend(|app| async move {
        UserBuilder::new("admin", Role::BrandAdmin).create(&app).await;
        let client = app.bearer("admin", TEST_PASSWORD).await;
        assert_eq!(client.delete("/api/v1/session").await.status, 204);
        let after = client.get("/api/v1/me").await;
        assert_eq!(after.status, 401);
        assert_eq!(after.json()["error"]["code"], "session_expired");

        let idle = app.bearer("admin", TEST_PASSWORD).await;
        app.clock.advance(2 * 3_600_000 + 1_000);
        assert_eq!(idle.get("/api/v1/me").await.status, 401, "idle timeout");

        let busy = app.bearer("admin", TEST_PASSWORD).await;
        for _ in 0..13 {
            app.clock.advance(3_600_000 * 2 - 60_000);
            let _ = busy.get("/api/v1/me").await;
        }
        assert_eq!(busy.get("/api/v1/me").await.status, 401, "absolute timeout after 24 hours");
        app
    })
    .await;
}

#[tokio::test]
async fn a_suspended_or_moved_user_loses_access_on_the_next_request() {
    each_backend(|app| async move {
        let first = PartnerBuilder::new("甲公司").create(&app).await;
        let second = PartnerBuilder::new("乙公司").create(&app).await;
        UserBuilder::new("admin", Role::BrandAdmin).create(&app).await;
        let rep = UserBuilder::new("rep", Role::PartnerSales).partner(first.id).create(&app).await;
        let admin = app.bearer("admin", TEST_PASSWORD).await;
        let client = app.bearer("rep", TEST_PASSWORD).await;
        assert_eq!(client.get(&format!("/api/v1/partners/{}", first.id)).await.status, 200);

        let moved = admin
            .json(
                "PUT",
                &format!("/api/v1/users/{rep}/role"),
                &serde_json::json!({ "role": "partner_sales", "partner": second.id.to_string() }),
            )
            .await;
        assert_eq!(moved.status, 200, "{}", moved.text());
        assert_eq!(client.get(&format!("/api/v1/partners/{}", first.id)).await.status, 401);

        let again = app.bearer("rep", TEST_PASSWORD).await;
        assert_eq!(again.get(&format!("/api/v1/partners/{}", first.id)).await.status, 404);
        assert_eq!(again.get(&format!("/api/v1/partners/{}", second.id)).await.status, 200);
        assert_eq!(admin.call("POST", &format!("/api/v1/users/{rep}/suspend")).await.status, 200);
        assert_eq!(again.get("/api/v1/me").await.status, 401);
        let refused = app
            .anonymous()
            .post_json("/api/v1/session", &serde_json::json!({ "login": "rep", "password": TEST_PASSWORD }))
            .await;
        assert_eq!(refused.status, 401);
        let _ = UserStatus::Suspended;
        app
    })
    .await;
}
