//! The isolation matrix: every route of the registry, for every role, with the ids of objects the
//! caller must not reach — another partner's, a parent's or a sibling dealer's, one outside a
//! channel manager's region, an unreleased product, a missing one. Every such request must answer
//! exactly like a missing object (404), or 403 where the role may not use the function at all,
//! and no response may contain anything of what the caller must not see. New routes are covered
//! the day they are added to the registry.

#![expect(clippy::expect_used, reason = "test helpers fail loudly at the first broken step")]

use std::collections::BTreeMap;

use qudao_store::Caller;
use qudao_testkit::world::{World, forbidden_partners};
use qudao_testkit::{Backend, Client, TEST_PASSWORD, TestApp, TestResponse, each_backend};
use qudao_web::registry::{self, Effect, Example, ObjectKind, Route, Surface};

/// What the ids in a probe belong to.
#[derive(Debug, Clone, Copy)]
enum Target<'a> {
    /// A partner the caller must not see.
    Partner(&'a str),
    /// The unreleased product (hidden from partner users).
    UnreleasedProduct,
    /// Nothing: random ids and tokens.
    Missing,
}

fn fill(world: &World, kind: ObjectKind, target: Target<'_>) -> Option<String> {
    let random = || uuid::Uuid::now_v7().to_string();
    Some(match (kind, target) {
        (ObjectKind::Partner, Target::Partner(p)) => world.partners[p].id.to_string(),
        (ObjectKind::Contact, Target::Partner(p)) => world.partners[p].contact.to_string(),
        (ObjectKind::Address, Target::Partner(p)) => world.partners[p].address.to_string(),
        (ObjectKind::User, Target::Partner(p)) => world.partners[p].admin.to_string(),
        (ObjectKind::File, Target::Partner(p)) => world.partners[p].file.to_string(),
        (ObjectKind::Order, Target::Partner(p)) => world.partners[p].order.to_string(),
        (ObjectKind::Shipment, Target::Partner(p)) => world.partners[p].shipment.to_string(),
        (ObjectKind::Return, Target::Partner(p)) => world.partners[p].return_id.to_string(),
        (ObjectKind::SavedList, Target::Partner(p)) => world.partners[p].saved_list.to_string(),
        (ObjectKind::PriceList, Target::Partner(p)) => world.partners[p].price_list.to_string(),
        (ObjectKind::Receipt, Target::Partner(p)) => world.partners[p].receipt.to_string(),
        (ObjectKind::Statement, Target::Partner(p)) => world.partners[p].statement.to_string(),
        (ObjectKind::Adjustment, Target::Partner(p)) => world.partners[p].adjustment.to_string(),
        (ObjectKind::Payment, Target::Partner(p)) => world.partners[p].payment.to_string(),
        (ObjectKind::Approval, Target::Partner(p)) => world.partners[p].approval.to_string(),
        (ObjectKind::Registration, Target::Partner(p)) => world.partners[p].registration.to_string(),
        (ObjectKind::Lead, Target::Partner(p)) => world.partners[p].lead.clone(),
        (ObjectKind::Opportunity, Target::Partner(p)) => world.partners[p].opportunity.clone(),
        (ObjectKind::Product, Target::UnreleasedProduct) => world.product_off.to_string(),
        (ObjectKind::Sku, Target::UnreleasedProduct) => world.sku_off.to_string(),
        (ObjectKind::File, Target::UnreleasedProduct) => world.image_off.to_string(),
        (ObjectKind::InviteToken | ObjectKind::ResetToken, Target::Missing) => {
            "n0t-a-real-t0ken-but-long-enough-to-look".into()
        }
        (ObjectKind::Asset, Target::Missing) => "app.0000000000.css".into(),
        (ObjectKind::Progress, Target::Missing) => "someone-elses-import-0001".into(),
        (
            ObjectKind::Partner
            | ObjectKind::Contact
            | ObjectKind::Address
            | ObjectKind::User
            | ObjectKind::Product
            | ObjectKind::Sku
            | ObjectKind::File
            | ObjectKind::ApiKey
            | ObjectKind::Order
            | ObjectKind::Shipment
            | ObjectKind::Return
            | ObjectKind::Fair
            | ObjectKind::SavedList
            | ObjectKind::PriceList
            | ObjectKind::Promotion
            | ObjectKind::WebhookEndpoint
            | ObjectKind::WebhookDelivery
            | ObjectKind::Receipt
            | ObjectKind::Statement
            | ObjectKind::Adjustment
            | ObjectKind::Payment
            | ObjectKind::ApprovalFlow
            | ObjectKind::Approval
            | ObjectKind::Delegation
            | ObjectKind::Notification
            | ObjectKind::Registration
            | ObjectKind::PoolEntry
            | ObjectKind::Lead
            | ObjectKind::RoutingRule
            | ObjectKind::Opportunity,
            Target::Missing,
        ) => random(),
        (ObjectKind::PaymentRef, Target::Missing) => "SIM000000000000000000000000".into(),
        (ObjectKind::ThreadKind, _) => "order".into(),
        // Kinds a target does not own: this target does not apply to the route.
        (_, Target::Partner(_) | Target::UnreleasedProduct) => return None,
    })
}

fn path_with(route: &Route, values: &[String]) -> String {
    let mut path = route.path.to_string();
    for ((name, _), value) in route.params.iter().zip(values) {
        path = path.replace(&format!("{{{name}}}"), value);
    }
    path
}

/// The strings the caller must never be shown.
fn secrets<'a>(world: &'a World, caller: &str) -> Vec<&'a str> {
    let mut list: Vec<&str> = Vec::new();
    for name in forbidden_partners(caller) {
        list.extend(world.partners[name].markers.iter().map(String::as_str));
    }
    if !caller.starts_with("brand.") {
        list.extend(world.product_off_markers.iter().map(String::as_str));
        list.extend(world.brand_markers.iter().map(String::as_str));
    }
    list
}

fn body_text(response: &TestResponse) -> String {
    let is_xlsx =
        response.headers.get("content-type").and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("spreadsheetml"));
    if is_xlsx {
        let sheet = qudao_app::sheets::read_sheet(&response.body, 1_000_000).expect("a readable export");
        let mut text = sheet.header.join(",");
        for row in sheet.rows {
            text.push('\n');
            text.push_str(&row.cells.join(","));
        }
        text
    } else {
        response.text()
    }
}

struct Tally {
    requests: usize,
    leaks: Vec<String>,
    wrong_status: Vec<String>,
}

impl Tally {
    fn check(
        &mut self,
        who: &str,
        label: &str,
        url: &str,
        response: &TestResponse,
        expected: Option<u16>,
        secrets: &[&str],
    ) {
        self.requests += 1;
        if let Some(expected) = expected
            && response.status != expected
        {
            self.wrong_status.push(format!(
                "{who} {label}: {} (wanted {expected}) {}",
                response.status,
                response.text().chars().take(200).collect::<String>()
            ));
        }
        let text = body_text(response);
        for secret in secrets.iter().filter(|s| !url.contains(**s)) {
            if text.contains(secret) {
                self.leaks.push(format!("{who} {label}: response contains {secret:?}"));
            }
        }
    }
}

async fn send(client: &Client<'_>, route: &Route, url: &str) -> TestResponse {
    let method = route.method.method();
    match (route.example, route.upload) {
        (_, true) => client.upload(method.as_str(), url, "probe.csv", b"name\nX\n").await,
        (Some(Example::Json(example)), _) => client.json(method.as_str(), url, &example()).await,
        (Some(Example::Form(fields)), _) => client.post_form(url, fields).await,
        (None, _) if route.surface == Surface::Page && method == axum::http::Method::POST => {
            client.post_form(url, &[]).await
        }
        (None, _) => client.call(method.as_str(), url).await,
    }
}

/// Routes the walk does not call with the callers' own sessions, because they only touch the
/// caller's own session or password and would end the sessions the walk is using.
fn touches_own_session(route: &Route) -> bool {
    route.effect == Effect::Session || route.path.ends_with("/password") && !route.path.contains('{')
}

async fn caller_of(app: &TestApp, client: &Client<'_>) -> Caller {
    qudao_app::access::auth::authenticate(&app.app, client.token().expect("bearer"))
        .await
        .expect("authenticate")
        .expect("a live session")
}

#[tokio::test]
async fn no_route_leaks_across_partners_regions_or_roles() {
    each_backend(|app| async move {
        let world = World::build(&app).await;
        // The event stream stays open: its isolation is tested in `threads_api`.
        let routes: Vec<Route> = registry::all().into_iter().filter(|r| !r.streaming).collect();
        let mut tally = Tally { requests: 0, leaks: Vec::new(), wrong_status: Vec::new() };
        let mut unfillable = Vec::new();
        for (login, _role) in &world.callers {
            let api = app.bearer(login, TEST_PASSWORD).await;
            let browser = app.browser(login, TEST_PASSWORD).await;
            let caller = caller_of(&app, &api).await;
            let secrets = secrets(&world, login);
            let own = caller.partner_id();
            let mut targets: Vec<Target> = forbidden_partners(login).iter().map(|p| Target::Partner(p)).collect();
            if !login.starts_with("brand.") {
                targets.push(Target::UnreleasedProduct);
            }
            targets.push(Target::Missing);
            for route in &routes {
                if touches_own_session(route) {
                    continue;
                }
                let client = if route.surface == Surface::Api { &api } else { &browser };
                let expected = if registry::permits(route, &caller) { 404 } else { 403 };
                if route.params.is_empty() {
                    let expected = (expected == 403).then_some(403);
                    let url = route.path.to_string();
                    let response = send(client, route, &url).await;
                    tally.check(login, &format!("{:?}", route), &url, &response, expected, &secrets);
                    if route.method == registry::Verb::Get {
                        for name in forbidden_partners(login) {
                            let owned = &world.partners[name];
                            for query in [
                                format!("q={}", &owned.markers[3]),
                                format!("parent={}", owned.id),
                                format!("partner={}", owned.id),
                                format!("object_id={}", owned.id),
                                "region=CN-GD".to_string(),
                                "format=xlsx".to_string(),
                            ] {
                                let url = format!("{}?{query}", route.path);
                                let response = send(client, route, &url).await;
                                tally.check(login, &format!("{:?}?{query}", route), &url, &response, None, &secrets);
                            }
                        }
                    }
                    continue;
                }
                let mut filled_any = false;
                for target in &targets {
                    let values: Option<Vec<String>> =
                        route.params.iter().map(|(_, kind)| fill(&world, *kind, *target)).collect();
                    let Some(values) = values else { continue };
                    filled_any = true;
                    let url = path_with(route, &values);
                    let response = send(client, route, &url).await;
                    tally.check(login, &format!("{:?} {target:?}", route), &url, &response, Some(expected), &secrets);
                    // Mixed: the caller's own partner with another partner's child object.
                    if let (Target::Partner(_), Some(own), [(_, ObjectKind::Partner), (_, _), ..]) =
                        (target, own, route.params)
                    {
                        let mut mixed = values.clone();
                        mixed[0] = own.to_string();
                        let url = path_with(route, &mixed);
                        let response = send(client, route, &url).await;
                        tally.check(
                            login,
                            &format!("{:?} mixed {target:?}", route),
                            &url,
                            &response,
                            Some(expected),
                            &secrets,
                        );
                    }
                    if let (Target::UnreleasedProduct, [(_, ObjectKind::Product), (_, ObjectKind::Sku)]) =
                        (target, route.params)
                    {
                        let url = path_with(route, &[world.product_on.to_string(), world.sku_off.to_string()]);
                        let response = send(client, route, &url).await;
                        tally.check(
                            login,
                            &format!("{:?} mixed product", route),
                            &url,
                            &response,
                            Some(expected),
                            &secrets,
                        );
                    }
                }
                if !filled_any {
                    unfillable.push(format!("{route:?}"));
                }
            }
        }
        let backend = match app.backend {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        };
        println!(
            "isolation matrix on {backend}: {} routes, {} callers, {} requests, {} leaks, {} wrong statuses",
            routes.len(),
            world.callers.len(),
            tally.requests,
            tally.leaks.len(),
            tally.wrong_status.len()
        );
        assert!(unfillable.is_empty(), "routes whose object kinds the test cannot fill: {unfillable:?}");
        assert!(tally.leaks.is_empty(), "leaks:\n{}", tally.leaks.join("\n"));
        assert!(tally.wrong_status.is_empty(), "wrong statuses:\n{}", tally.wrong_status.join("\n"));
        assert!(tally.requests > 500, "the matrix made suspiciously few requests");
        let _ = BTreeMap::<u8, u8>::new();
        app
    })
    .await;
}
