//! Tests that walk the route registry: its own consistency, CSRF protection of every state
//! change, Idempotency-Key on every creating API route, and an audit row for every change.

#![expect(clippy::expect_used, reason = "test helpers fail loudly at the first broken step")]

use std::collections::BTreeSet;

use qudao_domain::ids::UserId;
use qudao_testkit::world::World;
use qudao_testkit::{Client, TEST_PASSWORD, TestApp, TestResponse, each_backend};
use qudao_web::registry::{self, Access, Effect, Example, ObjectKind, Route, Surface};

/// A picture the image upload accepts.
fn png() -> Vec<u8> {
    let mut bytes = Vec::new();
    image::RgbImage::from_pixel(8, 8, image::Rgb([10, 20, 30]))
        .write_to(&mut std::io::Cursor::new(&mut bytes), image::ImageFormat::Png)
        .expect("png");
    bytes
}

fn upload_body(route: &Route) -> (&'static str, Vec<u8>) {
    if route.path.contains("images")
        || route.path.contains("receipt")
        || route.path.contains("threads")
        || route.path.contains("followups")
    {
        ("picture.png", png())
    } else if route.path.contains("leads") {
        ("leads.csv", "公司,电话,区域,行业\n苏州导入线索科技有限公司,13912345678,CN-JS,制造业\n".as_bytes().to_vec())
    } else if route.path.contains("channel") {
        ("stock.csv", "SKU,数量\nS-ON-1,12\n".as_bytes().to_vec())
    } else {
        ("partners.csv", "名称,类型,等级,地区\n上海导入测试商贸有限公司,经销商,gold,CN-SH-SH\n".as_bytes().to_vec())
    }
}

/// Ids of objects the brand administrator may change, for the routes' parameters.
fn visible(world: &World, kind: ObjectKind, victim: UserId) -> Option<String> {
    Some(match kind {
        ObjectKind::Partner => world.partners["d1"].id.to_string(),
        ObjectKind::Contact => world.partners["d1"].contact.to_string(),
        ObjectKind::Address => world.partners["d1"].address.to_string(),
        ObjectKind::User => victim.to_string(),
        ObjectKind::Product => world.product_on.to_string(),
        ObjectKind::Sku => world.sku_on.to_string(),
        ObjectKind::File => world.partners["d1"].file.to_string(),
        ObjectKind::ApiKey => world.api_key.to_string(),
        ObjectKind::Order => world.partners["d1"].order.to_string(),
        ObjectKind::Shipment => world.partners["d1"].shipment.to_string(),
        ObjectKind::Return => world.partners["d1"].return_id.to_string(),
        ObjectKind::Fair => world.fair.to_string(),
        ObjectKind::SavedList => world.partners["d1"].saved_list.to_string(),
        ObjectKind::PriceList => world.partners["d1"].price_list.to_string(),
        ObjectKind::Promotion => world.promotion.to_string(),
        ObjectKind::WebhookEndpoint => world.webhook_endpoint.to_string(),
        ObjectKind::WebhookDelivery => world.webhook_delivery.to_string(),
        ObjectKind::Receipt => world.partners["d1"].receipt.to_string(),
        ObjectKind::Statement => world.partners["d1"].statement.to_string(),
        ObjectKind::Adjustment => world.partners["d1"].adjustment.to_string(),
        ObjectKind::Payment => world.partners["d1"].payment.to_string(),
        ObjectKind::PaymentRef => world.partners["d1"].payment_ref.clone(),
        ObjectKind::ApprovalFlow => world.flow.to_string(),
        ObjectKind::Approval => world.partners["d1"].approval.to_string(),
        ObjectKind::Delegation => world.delegation.to_string(),
        ObjectKind::ThreadKind => "order".into(),
        ObjectKind::Notification => world.notification.to_string(),
        ObjectKind::Registration => world.partners["d1"].registration.to_string(),
        ObjectKind::PoolEntry => world.pool_entry.to_string(),
        ObjectKind::Lead => world.partners["d1"].lead.clone(),
        ObjectKind::RoutingRule => world.routing_rule.clone(),
        ObjectKind::Opportunity => world.partners["d1"].opportunity.clone(),
        ObjectKind::InviteToken | ObjectKind::ResetToken | ObjectKind::Asset | ObjectKind::Progress => return None,
    })
}

fn fill(route: &Route, values: &[String]) -> String {
    let mut path = route.path.to_string();
    for ((name, _), value) in route.params.iter().zip(values) {
        path = path.replace(&format!("{{{name}}}"), value);
    }
    path
}

async fn send(client: &Client<'_>, route: &Route, url: &str, headers: &[(&str, &str)]) -> TestResponse {
    let method = route.method.method();
    if route.upload {
        let (name, bytes) = upload_body(route);
        return client.upload_with(method.as_str(), url, name, &bytes, headers).await;
    }
    match route.example {
        Some(Example::Json(example)) => client.json_with(method.as_str(), url, &example(), headers).await,
        Some(Example::Form(fields)) => client.post_form(url, fields).await,
        None if route.surface == Surface::Page && route.method == registry::Verb::Post => {
            client.post_form(url, &[]).await
        }
        None => client.call(method.as_str(), url).await,
    }
}

async fn audit_rows(app: &TestApp) -> i64 {
    let mut tx = app.app.db().read(&qudao_store::Scope::system("test")).await.expect("tx");
    qudao_store::audit::count_all(&mut tx).await.expect("count")
}

#[test]
fn the_registry_is_consistent() {
    let routes = registry::all();
    let mut seen = BTreeSet::new();
    for route in &routes {
        assert!(seen.insert((route.method.lower(), route.path)), "{route:?} is registered twice");
        let names: Vec<&str> = route
            .path
            .split('/')
            .filter_map(|segment| segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .collect();
        let declared: Vec<&str> = route.params.iter().map(|(name, _)| *name).collect();
        assert_eq!(names, declared, "{route:?}: every path parameter needs its object kind");
        if route.surface == Surface::Api && route.path.starts_with("/api/v1") {
            assert!(!route.summary.is_empty(), "{route:?} needs a summary");
        }
        if route.body.is_some() {
            assert!(route.example.is_some() || route.upload, "{route:?} takes a body but has no valid example");
        }
        if route.path.starts_with("/console") || route.path.starts_with("/portal") {
            assert!(matches!(route.access, Access::Signed(_)), "{route:?} must not be public");
        }
    }
    let document = qudao_web::openapi::document(&routes);
    assert_eq!(document["openapi"], "3.1.0");
    assert!(document["paths"]["/api/v1/partners/{id}"]["get"].is_object());
    assert!(document["paths"]["/api/v1/session"]["post"]["requestBody"].is_object());
    assert!(document["components"]["schemas"]["PartnerView"].is_object());
    let example =
        &document["paths"]["/api/v1/partners"]["post"]["requestBody"]["content"]["application/json"]["example"];
    assert_eq!(example["kind"], "distributor");
    assert!(
        document["paths"]["/api/v1/partners/import"]["post"]["requestBody"]["content"]["multipart/form-data"]
            .is_object()
    );
    // Every schema a path refers to is defined.
    let text = document.to_string();
    for reference in text.split("\"#/components/schemas/").skip(1) {
        let name = reference.split('"').next().unwrap_or("");
        assert!(document["components"]["schemas"][name].is_object(), "undefined schema {name}");
    }
}

#[tokio::test]
async fn every_cookie_borne_state_change_needs_the_csrf_token_and_the_same_origin() {
    each_backend(|app| async move {
        let world = World::build(&app).await;
        let victim = world.partners["d2"].admin;
        let mut checked = 0;
        for route in registry::all().iter().filter(|r| r.mutates()) {
            let Some(values) =
                route.params.iter().map(|(_, kind)| visible(&world, *kind, victim)).collect::<Option<Vec<_>>>()
            else {
                continue;
            };
            let url = fill(route, &values);
            let login = if route.path.starts_with("/portal") { "d1.admin" } else { "brand.root" };
            if matches!(route.access, Access::Signed(_)) {
                // Signed in with the cookie, but without the token: refused before anything runs.
                let mut browser = app.browser(login, TEST_PASSWORD).await;
                browser.csrf = None;
                let before = audit_rows(&app).await;
                let response = send(&browser, route, &url, &[]).await;
                assert_eq!(response.status, 403, "{route:?} without a CSRF token: {}", response.text());
                browser.csrf = Some("forged-token".into());
                let response = send(&browser, route, &url, &[]).await;
                assert_eq!(response.status, 403, "{route:?} with a wrong CSRF token");
                assert_eq!(audit_rows(&app).await, before, "{route:?} changed something without a token");
                checked += 1;
            }
            // From another site, with or without a session: refused by the origin check.
            let request = http::Request::builder()
                .method(route.method.method())
                .uri(&url)
                .header("sec-fetch-site", "cross-site")
                .header("origin", "https://evil.example")
                .header("content-type", "application/x-www-form-urlencoded")
                .body(axum::body::Body::from("x=1"))
                .expect("request");
            let response = app.anonymous().send(request).await;
            assert_eq!(response.status, 403, "{route:?} from another site");
        }
        assert!(checked > 20, "only {checked} state-changing routes were checked");
        app
    })
    .await;
}

#[tokio::test]
async fn every_creating_api_route_honours_idempotency_keys() {
    each_backend(|app| async move {
        let world = World::build(&app).await;
        let victim = world.partners["d2"].admin;
        let brand_admin = app.bearer("brand.root", TEST_PASSWORD).await;
        let partner_admin = app.bearer("d1.admin", TEST_PASSWORD).await;
        let mut checked = 0;
        for (index, route) in
            registry::all().iter().filter(|r| r.effect == Effect::Create && r.surface == Surface::Api).enumerate()
        {
            // Partner-only functions (placing orders) are called by a partner administrator.
            let brand_may = match route.access {
                registry::Access::Signed(permission) => qudao_domain::access::Role::BrandAdmin.permits(permission),
                registry::Access::Public => true,
            };
            let admin = if brand_may { &brand_admin } else { &partner_admin };
            let mut values: Vec<String> =
                route.params.iter().map(|(_, kind)| visible(&world, *kind, victim).expect("fillable")).collect();
            if route.path == "/api/v1/orders/{id}/payments" {
                // Only an order placed with payment `online`, not yet being paid, starts a payment.
                values = vec![world.partners["d1"].awaiting_payment.to_string()];
            }
            let url = fill(route, &values);
            let key = format!("test-key-{index}");
            let before = audit_rows(&app).await;
            // A hand-over names a real colleague and a time from now.
            let delegation = serde_json::json!({
                "delegate_id": world.brand_users["brand.finance"],
                "until_ms": app.app.now_ms() + 7 * 86_400_000,
            });
            let first = if route.path == "/api/v1/approval-delegations" {
                admin.json_with("POST", &url, &delegation, &[("idempotency-key", &key)]).await
            } else {
                send(admin, route, &url, &[("idempotency-key", &key)]).await
            };
            assert!(first.status == 201, "{route:?} first call: {} {}", first.status, first.text());
            let after_first = audit_rows(&app).await;
            assert!(after_first > before, "{route:?} wrote no audit row");
            let again = if route.path == "/api/v1/approval-delegations" {
                admin.json_with("POST", &url, &delegation, &[("idempotency-key", &key)]).await
            } else {
                send(admin, route, &url, &[("idempotency-key", &key)]).await
            };
            assert_eq!(again.status, first.status, "{route:?} replay status");
            if route.path == "/api/v1/api-keys" {
                // The secret is shown once: the replay is the same key without it.
                let (mut first_json, again_json) = (first.json(), again.json());
                assert!(first_json["key"].as_str().is_some_and(|k| k.starts_with("qdk_")));
                assert!(again_json["key"].is_null());
                first_json["key"] = serde_json::Value::Null;
                assert_eq!(again_json, first_json, "{route:?} replay body");
            } else {
                assert_eq!(again.body, first.body, "{route:?} replay body");
            }
            assert_eq!(
                again.headers.get("idempotent-replayed").map(|v| v.as_bytes()),
                Some(&b"true"[..]),
                "{route:?} was not replayed: {}",
                again.text()
            );
            assert_eq!(audit_rows(&app).await, after_first, "{route:?} did something twice");
            if !route.upload {
                let other = admin
                    .json_with(
                        route.method.method().as_str(),
                        &url,
                        &serde_json::json!({"other": true}),
                        &[("idempotency-key", &key)],
                    )
                    .await;
                assert_eq!(other.status, 422, "{route:?} same key, other body");
                assert_eq!(other.json()["error"]["code"], "idempotency_key_mismatch");
            }
            checked += 1;
        }
        assert!(checked >= 7, "only {checked} creating routes");

        // A key still in flight answers 409.
        let admin = &brand_admin;
        let caller = qudao_app::access::auth::authenticate(&app.app, admin.token().expect("token"))
            .await
            .expect("auth")
            .expect("caller");
        let ctx = qudao_app::Ctx::new(caller, None, None);
        let body = serde_json::json!({ "name": "忙碌商贸", "kind": "agent", "tier": "gold", "region": "CN-SH-SH" });
        let hash = {
            use sha2::{Digest, Sha256};
            let mut hasher = Sha256::new();
            hasher.update(b"POST /api/v1/partners\n");
            hasher.update(serde_json::to_vec(&body).expect("json"));
            qudao_app::tokens::hex(&hasher.finalize())
        };
        let claimed = qudao_app::idempotency::claim(&app.app, &ctx, "busy-key", &hash).await.expect("claim");
        assert!(matches!(claimed, qudao_app::idempotency::Claimed::Proceed(_)));
        let busy = admin.json_with("POST", "/api/v1/partners", &body, &[("idempotency-key", "busy-key")]).await;
        assert_eq!(busy.status, 409);
        assert_eq!(busy.json()["error"]["code"], "idempotency_key_in_flight");
        // A failed request releases its key: a corrected retry with the same key works.
        let bad = admin
            .json_with(
                "POST",
                "/api/v1/partners",
                &serde_json::json!({ "name": "", "kind": "agent", "tier": "gold", "region": "CN-SH-SH" }),
                &[("idempotency-key", "retry-key")],
            )
            .await;
        assert_eq!(bad.status, 422);
        let good = admin
            .json_with(
                "POST",
                "/api/v1/partners",
                &serde_json::json!({ "name": "重试商贸", "kind": "agent", "tier": "gold", "region": "CN-SH-SH" }),
                &[("idempotency-key", "retry-key")],
            )
            .await;
        assert_eq!(good.status, 201, "{}", good.text());
        app
    })
    .await;
}

#[tokio::test]
async fn every_change_writes_an_audit_row_and_a_failed_one_writes_nothing() {
    each_backend(|app| async move {
        let world = World::build(&app).await;
        let victim = world.partners["d2"].admin;
        let mut succeeded = Vec::new();
        let mut failed = Vec::new();
        for route in registry::all().iter().filter(|r| r.mutates() && r.effect != Effect::Session) {
            if route.path.ends_with("/password") && !route.path.contains('{') {
                continue; // the caller's own password: ends the sessions this walk uses
            }
            let Some(values) =
                route.params.iter().map(|(_, kind)| visible(&world, *kind, victim)).collect::<Option<Vec<_>>>()
            else {
                continue; // one-time tokens: covered by the invitation tests
            };
            let url = fill(route, &values);
            let login = if route.path.starts_with("/portal") { "d1.admin" } else { "brand.root" };
            let client = if route.surface == Surface::Api {
                app.bearer(login, TEST_PASSWORD).await
            } else {
                app.browser(login, TEST_PASSWORD).await
            };
            let before = audit_rows(&app).await;
            let response = send(&client, route, &url, &[]).await;
            let after = audit_rows(&app).await;
            let ok = (200..300).contains(&response.status) || response.status == 303;
            if ok {
                assert!(after > before, "{route:?} succeeded ({}) without an audit row", response.status);
                succeeded.push(format!("{route:?}"));
            } else {
                assert_eq!(after, before, "{route:?} failed ({}) but wrote audit rows", response.status);
                failed.push(format!(
                    "{route:?}: {} {}",
                    response.status,
                    response.text().chars().take(120).collect::<String>()
                ));
            }
        }
        println!(
            "audit walk: {} changes succeeded with audit rows, {} refused without writing",
            succeeded.len(),
            failed.len()
        );
        assert!(succeeded.len() >= 15, "too few routes could be exercised: failed {failed:#?}");
        app
    })
    .await;
}
