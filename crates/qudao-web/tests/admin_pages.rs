//! The user, administration and account pages, and the portal's start page, driven like a
//! browser on both databases: invitations through the form, API keys, the audit log, settings,
//! partner administrators' own users, and password changes with errors in the user's language.

use qudao_domain::access::Role;
use qudao_testkit::{Client, PartnerBuilder, TEST_PASSWORD, TestApp, TestResponse, UserBuilder, each_backend};
use qudao_web::i18n::{self, Lang};

const NEW_PASSWORD: &str = "Another-Strong-Pass-9";

/// The text between `start` and the next `end` after it.
fn between(text: &str, start: &str, end: &str) -> Option<String> {
    let from = text.find(start)? + start.len();
    let to = text[from..].find(end)?;
    Some(text[from..from + to].to_string())
}

/// The token of the one-time link a page shows.
fn link_token(page: &TestResponse, kind: &str) -> String {
    let text = page.text();
    let link = between(&text, "id=\"one-time-link\">", "</p>").unwrap_or_else(|| panic!("no link on: {text}"));
    let marker = format!("/{kind}/");
    let at = link.find(&marker).unwrap_or_else(|| panic!("not a {kind} link: {link}"));
    link[at + marker.len()..].trim().to_string()
}

/// Accepts an invitation as its recipient would.
async fn accept(app: &TestApp, token: &str) {
    let path = format!("/invitations/{token}");
    assert_eq!(app.anonymous().get(&path).await.status, 200);
    let done = app.anonymous().post_form(&path, &[("password", NEW_PASSWORD), ("confirm", NEW_PASSWORD)]).await;
    assert_eq!(done.status, 303, "{}", done.text());
    assert_eq!(done.location().as_deref(), Some("/login"));
}

/// A user's JSON as the brand administrator's API shows it.
async fn find_user(admin: &Client<'_>, login: &str) -> Option<serde_json::Value> {
    let found = admin.get(&format!("/api/v1/users?q={login}")).await.json();
    found["items"].as_array()?.iter().find(|u| u["login"] == login).cloned()
}

async fn to_english(client: &Client<'_>) {
    assert_eq!(client.post_form("/lang", &[("lang", "en"), ("next", "/account")]).await.status, 303);
}

#[tokio::test]
async fn an_administrator_invites_a_partner_user_whose_link_sets_a_password_that_signs_in() {
    each_backend(|app| async move {
        let partner = PartnerBuilder::new("南京恒泰商贸有限公司").create(&app).await;
        UserBuilder::new("admin", Role::BrandAdmin).create(&app).await;
        let admin = app.browser("admin", TEST_PASSWORD).await;

        let form = admin.get(&format!("/console/users/new?partner={}", partner.code)).await;
        assert_eq!(form.status, 200);
        assert!(form.text().contains("value=\"partner_sales\""));
        assert!(form.text().contains(&format!("value=\"{}\"", partner.code)), "the company is pre-filled");

        let invited = admin
            .post_form(
                "/console/users",
                &[
                    ("login", "wang.fang"),
                    ("display_name", "王芳"),
                    ("email", "wang.fang@example.cn"),
                    ("phone", ""),
                    ("role", "partner_sales"),
                    ("partner", &partner.code),
                ],
            )
            .await;
        assert_eq!(invited.status, 200, "{}", invited.text());
        assert_eq!(invited.headers.get("cache-control").and_then(|v| v.to_str().ok()), Some("no-store"));
        assert!(invited.text().contains("data-copy=\"one-time-link\""));
        let token = link_token(&invited, "invitations");

        let list = admin.get("/console/users?q=wang").await;
        assert_eq!(list.status, 200);
        assert!(list.text().contains("王芳"));
        assert!(list.text().contains("badge invited"));
        assert!(list.text().contains(&partner.name));

        accept(&app, &token).await;
        let rep = app.browser("wang.fang", NEW_PASSWORD).await;
        let home = rep.get("/portal").await;
        assert_eq!(home.status, 200);
        assert!(home.text().contains(&partner.name));
        assert_eq!(rep.get("/console/users").await.status, 403, "partner users stay out of the console");

        // A bad form comes back with the values and the errors in the user's language.
        let bad = [("login", "x"), ("display_name", ""), ("role", "partner_sales"), ("partner", "P-999999")];
        let zh = admin.post_form("/console/users", &bad).await;
        assert_eq!(zh.status, 422);
        assert!(zh.text().contains(i18n::t(Lang::Zh, "field.invalid_login")), "{}", zh.text());
        assert!(zh.text().contains(i18n::t(Lang::Zh, "field.required")));
        assert!(zh.text().contains("value=\"P-999999\""));
        to_english(&admin).await;
        let en = admin.post_form("/console/users", &bad).await;
        assert_eq!(en.status, 422);
        assert!(en.text().contains(i18n::t(Lang::En, "field.invalid_login")), "{}", en.text());
        let taken = admin
            .post_form(
                "/console/users",
                &[("login", "wang.fang"), ("display_name", "Wang"), ("role", "finance"), ("partner", "")],
            )
            .await;
        assert_eq!(taken.status, 422);
        assert!(taken.text().contains(i18n::t(Lang::En, "field.already_taken")));
        app
    })
    .await;
}

#[tokio::test]
async fn an_administrator_suspends_resets_and_moves_a_user_from_their_page() {
    each_backend(|app| async move {
        let first = PartnerBuilder::new("甲公司").create(&app).await;
        let second = PartnerBuilder::new("乙公司").create(&app).await;
        UserBuilder::new("admin", Role::BrandAdmin).create(&app).await;
        let rep = UserBuilder::new("rep", Role::PartnerSales).partner(first.id).create(&app).await;
        let cm = UserBuilder::new("cm", Role::ChannelManager).create(&app).await;
        let admin = app.browser("admin", TEST_PASSWORD).await;

        let page = admin.get(&format!("/console/users/{rep}")).await;
        assert_eq!(page.status, 200);
        assert!(page.text().contains(&format!("action=\"/console/users/{rep}/suspend\"")));
        assert!(!page.text().contains("/assignments\""), "only channel managers have a territory");

        let reset = admin.post_form(&format!("/console/users/{rep}/reset-password"), &[]).await;
        assert_eq!(reset.status, 200);
        let token = link_token(&reset, "password-reset");
        let done = app
            .anonymous()
            .post_form(&format!("/password-reset/{token}"), &[("password", NEW_PASSWORD), ("confirm", NEW_PASSWORD)])
            .await;
        assert_eq!(done.status, 303);

        let suspended = admin.post_form(&format!("/console/users/{rep}/suspend"), &[]).await;
        assert_eq!(suspended.status, 303);
        assert_eq!(suspended.location(), Some(format!("/console/users/{rep}")));
        let page = admin.get(&format!("/console/users/{rep}")).await;
        assert!(page.text().contains("badge suspended"));
        assert_eq!(admin.post_form(&format!("/console/users/{rep}/reactivate"), &[]).await.status, 303);

        let moved = admin
            .post_form(&format!("/console/users/{rep}/role"), &[("role", "partner_finance"), ("partner", &second.code)])
            .await;
        assert_eq!(moved.status, 303, "{}", moved.text());
        let page = admin.get(&format!("/console/users/{rep}")).await;
        assert!(page.text().contains("乙公司"));
        let brand_with_partner = admin
            .post_form(&format!("/console/users/{rep}/role"), &[("role", "marketing"), ("partner", &second.code)])
            .await;
        assert_eq!(brand_with_partner.status, 422);
        assert!(brand_with_partner.text().contains(i18n::t(Lang::Zh, "field.not_allowed_for_role")));

        let territory = admin
            .post_form(&format!("/console/users/{cm}/assignments"), &[("regions", "CN-SH, CN-JS"), ("partners", "")])
            .await;
        assert_eq!(territory.status, 303, "{}", territory.text());
        let page = admin.get(&format!("/console/users/{cm}")).await;
        assert!(page.text().contains("江苏省"));
        let unknown =
            admin.post_form(&format!("/console/users/{cm}/assignments"), &[("regions", "CN-SH XX-NOWHERE")]).await;
        assert_eq!(unknown.status, 422);
        let named = format!("XX-NOWHERE: {}", i18n::t(Lang::Zh, "field.unknown_region"));
        assert!(unknown.text().contains(&named), "the unknown code is named: {}", unknown.text());
        app
    })
    .await;
}

#[tokio::test]
async fn a_channel_manager_cannot_invite_brand_roles() {
    each_backend(|app| async move {
        let mine = PartnerBuilder::new("上海本地经销商").region("CN-SH-SH").create(&app).await;
        let elsewhere = PartnerBuilder::new("广州外区经销商").region("CN-GD-GZ").create(&app).await;
        UserBuilder::new("admin", Role::BrandAdmin).create(&app).await;
        let cm = UserBuilder::new("cm", Role::ChannelManager).create(&app).await;
        app.assign_region(cm, "CN-SH").await;
        let client = app.browser("cm", TEST_PASSWORD).await;

        let form = client.get("/console/users/new").await;
        assert_eq!(form.status, 200);
        assert!(form.text().contains("value=\"partner_admin\""));
        for brand_role in ["brand_admin", "channel_manager", "finance", "marketing", "warehouse", "executive"] {
            assert!(!form.text().contains(&format!("value=\"{brand_role}\"")), "{brand_role} offered");
        }

        let brand = client
            .post_form(
                "/console/users",
                &[("login", "new.finance"), ("display_name", "新财务"), ("role", "finance"), ("partner", "")],
            )
            .await;
        assert_eq!(brand.status, 403);
        let admin = app.bearer("admin", TEST_PASSWORD).await;
        assert!(find_user(&admin, "new.finance").await.is_none(), "nobody was created");

        let outside = client
            .post_form(
                "/console/users",
                &[
                    ("login", "far.rep"),
                    ("display_name", "远方"),
                    ("role", "partner_sales"),
                    ("partner", &elsewhere.code),
                ],
            )
            .await;
        assert_eq!(outside.status, 422);
        assert!(outside.text().contains(i18n::t(Lang::Zh, "field.unknown_partner")));
        assert!(!outside.text().contains("广州外区经销商"));

        let ok = client
            .post_form(
                "/console/users",
                &[("login", "near.rep"), ("display_name", "近邻"), ("role", "partner_sales"), ("partner", &mine.code)],
            )
            .await;
        assert_eq!(ok.status, 200, "{}", ok.text());
        assert_eq!(client.get("/console/api-keys").await.status, 403);
        assert_eq!(client.get("/console/settings").await.status, 403);
        app
    })
    .await;
}

#[tokio::test]
async fn the_api_key_page_shows_the_secret_once_and_the_key_works_as_a_bearer_token() {
    each_backend(|app| async move {
        PartnerBuilder::new("南京恒泰商贸有限公司").create(&app).await;
        UserBuilder::new("admin", Role::BrandAdmin).create(&app).await;
        let admin = app.browser("admin", TEST_PASSWORD).await;
        assert_eq!(admin.get("/console/api-keys").await.status, 200);

        let none = admin.post_form("/console/api-keys", &[("name", "ERP link")]).await;
        assert_eq!(none.status, 422);
        assert!(none.text().contains(i18n::t(Lang::Zh, "field.required")));
        assert!(none.text().contains("value=\"ERP link\""));

        let created = admin
            .post_form(
                "/console/api-keys",
                &[("name", "ERP link"), ("scopes", "partners:read"), ("scopes", "catalog:read")],
            )
            .await;
        assert_eq!(created.status, 200, "{}", created.text());
        assert_eq!(created.headers.get("cache-control").and_then(|v| v.to_str().ok()), Some("no-store"));
        let key = between(&created.text(), "id=\"api-key-secret\">", "</p>").expect("the secret").trim().to_string();
        assert!(key.starts_with("qdk_"), "{key}");

        let list = admin.get("/console/api-keys").await;
        assert!(list.text().contains("ERP link"));
        assert!(!list.text().contains(&key), "the secret is shown only once");

        let integration = app.anonymous().with_bearer(key.clone());
        let partners = integration.get("/api/v1/partners").await;
        assert_eq!(partners.status, 200, "{}", partners.text());
        assert!(partners.text().contains("南京恒泰商贸有限公司"));
        assert_eq!(integration.get("/api/v1/users").await.status, 403, "outside the key's scopes");

        let api = app.bearer("admin", TEST_PASSWORD).await;
        let id = api.get("/api/v1/api-keys").await.json()[0]["id"].as_str().expect("key id").to_string();
        let revoked = admin.post_form(&format!("/console/api-keys/{id}/revoke"), &[]).await;
        assert_eq!(revoked.status, 303);
        assert!(admin.get("/console/api-keys").await.text().contains("badge revoked"));
        assert_eq!(integration.get("/api/v1/partners").await.status, 401);
        app
    })
    .await;
}

#[tokio::test]
async fn the_audit_page_shows_the_invitation() {
    each_backend(|app| async move {
        UserBuilder::new("admin", Role::BrandAdmin).create(&app).await;
        let admin = app.browser("admin", TEST_PASSWORD).await;
        let invited = admin
            .post_form(
                "/console/users",
                &[("login", "zhao.lei"), ("display_name", "赵磊"), ("role", "finance"), ("partner", "")],
            )
            .await;
        assert_eq!(invited.status, 200, "{}", invited.text());
        let api = app.bearer("admin", TEST_PASSWORD).await;
        let id = find_user(&api, "zhao.lei").await.expect("invited")["id"].as_str().expect("id").to_string();

        let log = admin.get("/console/audit").await;
        assert_eq!(log.status, 200);
        assert!(log.text().contains("<code>invite</code>"));
        assert!(log.text().contains(&format!("href=\"/console/users/{id}\"")));
        assert!(log.text().contains("<details>"));
        assert!(log.text().contains("zhao.lei"));

        let filtered = admin.get(&format!("/console/audit?object_kind=user&object_id={id}")).await;
        assert!(filtered.text().contains("<code>invite</code>"));
        let later = admin.get("/console/audit?from=2099-01-01").await;
        assert_eq!(later.status, 200);
        assert!(!later.text().contains("<code>invite</code>"));
        let bad = admin.get("/console/audit?to=2026-02-30").await;
        assert_eq!(bad.status, 422);
        assert!(bad.text().contains(i18n::t(Lang::Zh, "audit.invalid_date")));

        let exec = UserBuilder::new("exec", Role::Executive).create(&app).await;
        let _ = exec;
        assert_eq!(app.browser("exec", TEST_PASSWORD).await.get("/console/audit").await.status, 200);
        app
    })
    .await;
}

#[tokio::test]
async fn a_settings_change_takes_effect() {
    each_backend(|app| async move {
        let parent = PartnerBuilder::new("上海总经销").create(&app).await;
        let child = PartnerBuilder::new("浦东分销商").sub_dealer_of(parent.id).create(&app).await;
        UserBuilder::new("admin", Role::BrandAdmin).create(&app).await;
        UserBuilder::new("boss", Role::PartnerAdmin).partner(parent.id).create(&app).await;
        let admin = app.browser("admin", TEST_PASSWORD).await;
        let boss = app.bearer("boss", TEST_PASSWORD).await;
        let child_path = format!("/api/v1/partners/{}", child.id);

        let before = boss.get(&child_path).await.status;
        let page = admin.get("/console/settings").await;
        assert_eq!(page.status, 200);
        let was_on = page.text().contains("value=\"on\" checked");
        assert_eq!(before == 200, was_on, "the page shows the current setting");

        let blank = admin.post_form("/console/settings", &[("brand_name", " ")]).await;
        assert_eq!(blank.status, 422);
        assert!(blank.text().contains(i18n::t(Lang::Zh, "field.required")));

        let on = admin
            .post_form("/console/settings", &[("brand_name", "澜溪食品饮料"), ("parent_sees_sub_dealers", "on")])
            .await;
        assert_eq!(on.status, 303);
        let console = admin.get("/console").await;
        assert!(console.text().contains("<a class=\"brand\" href=\"/\">澜溪食品饮料</a>"));
        assert_eq!(boss.get(&child_path).await.status, 200, "the distributor now sees its sub-dealer");
        assert!(admin.get("/console/settings").await.text().contains("value=\"on\" checked"));

        let off = admin.post_form("/console/settings", &[("brand_name", "澜溪食品饮料")]).await;
        assert_eq!(off.status, 303);
        assert_eq!(boss.get(&child_path).await.status, 404, "and no longer");
        app
    })
    .await;
}

#[tokio::test]
async fn a_partner_admin_invites_a_sales_rep_for_their_own_company_only() {
    each_backend(|app| async move {
        let own = PartnerBuilder::new("杭州自家商贸").tier("silver").create(&app).await;
        let other = PartnerBuilder::new("宁波别家商贸").create(&app).await;
        UserBuilder::new("admin", Role::BrandAdmin).create(&app).await;
        UserBuilder::new("boss", Role::PartnerAdmin).partner(own.id).create(&app).await;
        UserBuilder::new("stranger", Role::PartnerSales).partner(other.id).create(&app).await;
        let boss = app.browser("boss", TEST_PASSWORD).await;

        let home = boss.get("/portal").await;
        assert_eq!(home.status, 200);
        assert!(home.text().contains("杭州自家商贸"));
        assert!(home.text().contains("白银"), "the tier in the user's language");
        assert!(home.text().contains("action=\"/portal/catalog\""));

        let form = boss.get("/portal/users/new").await;
        assert_eq!(form.status, 200);
        for role in ["partner_sales", "partner_finance", "partner_admin"] {
            assert!(form.text().contains(&format!("value=\"{role}\"")));
        }
        assert!(!form.text().contains("value=\"finance\""));
        assert!(!form.text().contains("name=\"partner\""), "the portal form has no company field");

        let invited = boss
            .post_form(
                "/portal/users",
                &[
                    ("login", "xiao.li"),
                    ("display_name", "小李"),
                    ("role", "partner_sales"),
                    ("partner", &other.id.to_string()),
                ],
            )
            .await;
        assert_eq!(invited.status, 200, "{}", invited.text());
        let token = link_token(&invited, "invitations");
        let api = app.bearer("admin", TEST_PASSWORD).await;
        let rep = find_user(&api, "xiao.li").await.expect("invited");
        assert_eq!(rep["partner"]["id"], own.id.to_string(), "the smuggled company was ignored");
        let rep_id = rep["id"].as_str().expect("id").to_string();

        let list = boss.get("/portal/users").await;
        assert_eq!(list.status, 200);
        assert!(list.text().contains("小李"));
        assert!(!list.text().contains("stranger"), "only the own company's users");

        let brand_role = boss
            .post_form("/portal/users", &[("login", "sneaky"), ("display_name", "Sneaky"), ("role", "finance")])
            .await;
        assert_eq!(brand_role.status, 403);

        let reset = boss.post_form(&format!("/portal/users/{rep_id}/reset-password"), &[]).await;
        assert_eq!(reset.status, 200);
        let fresh = link_token(&reset, "invitations");
        assert_ne!(fresh, token);
        assert_eq!(boss.post_form(&format!("/portal/users/{rep_id}/suspend"), &[]).await.status, 303);
        assert!(boss.get("/portal/users").await.text().contains("badge suspended"));
        assert_eq!(boss.post_form(&format!("/portal/users/{rep_id}/reactivate"), &[]).await.status, 303);

        let stranger = find_user(&api, "stranger").await.expect("stranger")["id"].as_str().expect("id").to_string();
        assert_eq!(boss.post_form(&format!("/portal/users/{stranger}/suspend"), &[]).await.status, 404);
        accept(&app, &fresh).await;
        assert_eq!(boss.get("/console/users").await.status, 403);
        assert_eq!(boss.get("/console/audit").await.status, 403);

        let sales = app.browser("xiao.li", NEW_PASSWORD).await;
        assert_eq!(sales.get("/portal/users").await.status, 403, "sales reps do not manage users");
        app
    })
    .await;
}

#[tokio::test]
async fn the_account_page_changes_the_password_with_a_localized_error() {
    each_backend(|app| async move {
        let partner = PartnerBuilder::new("苏州通达贸易").create(&app).await;
        UserBuilder::new("rep", Role::PartnerSales).partner(partner.id).create(&app).await;
        let rep = app.browser("rep", TEST_PASSWORD).await;
        let page = rep.get("/account").await;
        assert_eq!(page.status, 200);
        assert!(page.text().contains("苏州通达贸易"));
        assert!(page.text().contains(i18n::t(Lang::Zh, "role.partner_sales")));

        let wrong =
            [("current_password", "not-my-password"), ("new_password", NEW_PASSWORD), ("confirm", NEW_PASSWORD)];
        let zh = rep.post_form("/account/password", &wrong).await;
        assert_eq!(zh.status, 422);
        assert!(zh.text().contains(i18n::t(Lang::Zh, "field.wrong_password")), "{}", zh.text());
        let differ = rep
            .post_form(
                "/account/password",
                &[("current_password", TEST_PASSWORD), ("new_password", NEW_PASSWORD), ("confirm", "something-else")],
            )
            .await;
        assert_eq!(differ.status, 422);
        assert!(differ.text().contains(i18n::t(Lang::Zh, "field.passwords_differ")));

        let english = rep.post_form("/account/language", &[("locale", "en")]).await;
        assert_eq!(english.status, 303);
        let page = rep.get("/account").await;
        assert!(page.text().contains("<option value=\"en\" selected>"));
        let en = rep.post_form("/account/password", &wrong).await;
        assert_eq!(en.status, 422);
        assert!(en.text().contains(i18n::t(Lang::En, "field.wrong_password")), "{}", en.text());
        let weak = rep
            .post_form(
                "/account/password",
                &[("current_password", TEST_PASSWORD), ("new_password", "123"), ("confirm", "123")],
            )
            .await;
        assert_eq!(weak.status, 422);
        assert!(weak.text().contains(i18n::t(Lang::En, "field.password_too_short")));

        let changed = rep
            .post_form(
                "/account/password",
                &[("current_password", TEST_PASSWORD), ("new_password", NEW_PASSWORD), ("confirm", NEW_PASSWORD)],
            )
            .await;
        assert_eq!(changed.status, 303, "{}", changed.text());
        assert_eq!(changed.location().as_deref(), Some("/account"));
        let old = app.anonymous().post_form("/login", &[("login", "rep"), ("password", TEST_PASSWORD)]).await;
        assert_eq!(old.status, 401);
        app.browser("rep", NEW_PASSWORD).await;

        let follow = rep.post_form("/account/language", &[("locale", "")]).await;
        assert_eq!(follow.status, 303);
        let bad = rep.post_form("/account/language", &[("locale", "fr")]).await;
        assert_eq!(bad.status, 422);
        app
    })
    .await;
}

#[tokio::test]
async fn the_pages_render_in_both_languages() {
    each_backend(|app| async move {
        let partner = PartnerBuilder::new("无锡双语商行").create(&app).await;
        UserBuilder::new("admin", Role::BrandAdmin).create(&app).await;
        let cm = UserBuilder::new("cm", Role::ChannelManager).create(&app).await;
        UserBuilder::new("boss", Role::PartnerAdmin).partner(partner.id).create(&app).await;
        let console: Vec<(String, &str)> = vec![
            ("/console/users".into(), "users.title"),
            ("/console/users/new".into(), "users.invite_title"),
            (format!("/console/users/{cm}"), "users.territory"),
            ("/console/api-keys".into(), "apikey.title"),
            ("/console/audit".into(), "audit.title"),
            ("/console/settings".into(), "settings.title"),
            ("/account".into(), "account.title"),
        ];
        let portal: Vec<(String, &str)> = vec![
            ("/portal".into(), "portal_home.search"),
            ("/portal/users".into(), "users.portal_intro"),
            ("/portal/users/new".into(), "users.portal_invite_hint"),
            ("/account".into(), "account.password"),
        ];
        for (login, pages) in [("admin", &console), ("boss", &portal)] {
            let client = app.browser(login, TEST_PASSWORD).await;
            for lang in [Lang::Zh, Lang::En] {
                if lang == Lang::En {
                    to_english(&client).await;
                }
                for (path, key) in pages {
                    let page = client.get(path).await;
                    assert_eq!(page.status, 200, "{login} {path}: {}", page.text());
                    assert!(page.text().contains(i18n::t(lang, key)), "{login} {path} in {lang:?}");
                    assert!(page.text().contains(&format!("<html lang=\"{}\">", lang.code())));
                }
            }
        }
        app
    })
    .await;
}

#[tokio::test]
async fn an_admin_subscribes_an_endpoint_sees_its_secret_once_and_sets_the_networks() {
    each_backend(|app| async move {
        UserBuilder::new("root", Role::BrandAdmin).create(&app).await;
        let admin = app.browser("root", TEST_PASSWORD).await;
        let empty = admin.get("/console/webhooks").await;
        assert_eq!(empty.status, 200, "{}", empty.text());
        let refused =
            admin.post_form("/console/webhooks", &[("url", "http://10.0.0.7/in"), ("events", "order.approved")]).await;
        assert_eq!(refused.status, 422);
        assert!(refused.text().contains("10.0.0.7"), "the refused address is named");
        let created = admin
            .post_form(
                "/console/webhooks",
                &[("url", "https://1.1.1.1/erp"), ("events", "order.approved"), ("events", "order.shipped")],
            )
            .await;
        assert_eq!(created.status, 200, "{}", created.text());
        let secret = between(&created.text(), "id=\"webhook-secret\">", "</p>").expect("the secret");
        assert!(secret.starts_with("whsec_"), "{secret}");
        let list = admin.get("/console/webhooks").await.text();
        assert!(list.contains("https://1.1.1.1/erp") && list.contains("order.approved, order.shipped"), "{list}");
        assert!(!list.contains(&secret), "the secret is shown once");
        let bad = admin.post_form("/console/webhooks/networks", &[("console", "10.0.0.0/8, intranet")]).await;
        assert_eq!(bad.status, 422);
        assert!(bad.text().contains("intranet"));
        let saved = admin.post_form("/console/webhooks/networks", &[("console", "10.0.0.0/8")]).await;
        assert_eq!(saved.status, 303);
        let allowed = admin.post_form("/console/webhooks", &[("url", "http://10.0.0.7/in")]).await;
        assert_eq!(allowed.status, 200, "an allowed network: {}", allowed.text());
        let listed = admin.get("/console/webhooks").await.text();
        assert!(listed.contains("10.0.0.0/8"));
        app
    })
    .await;
}
