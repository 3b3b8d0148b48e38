//! Webhooks in the console: endpoints with their delivery counts, the form for a new one (its
//! secret shown once), rotation, enabling and disabling, the allowed private networks, and the
//! delivery log with each endpoint's answers and a replay button.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::header::CACHE_CONTROL;
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use qudao_app::integration::{self as uc, EndpointInput, EndpointView};
use qudao_app::{AppError, Ctx};
use qudao_domain::ids::{DeliveryId, EndpointId};
use qudao_domain::integration::EventType;
use qudao_store::integration::DeliveryFilter;
use qudao_store::page::PageRequest;
use serde::Deserialize;

use crate::context::{Authed, RequestContext};
use crate::error::WebResult;
use crate::extract::{Id, PageForm};
use crate::pages::{Chrome, FormState, page, render, see_other};
use crate::state::AppState;

struct EndpointRow {
    id: String,
    url: String,
    description: String,
    events: String,
    active: bool,
    reason: Option<String>,
    pending: i64,
    delivered: i64,
    dead: i64,
    rotating_until: Option<String>,
}

struct DeliveryRow {
    id: String,
    event_type: String,
    object: String,
    status: String,
    attempts: i64,
    last_status: String,
    last_error: String,
    when: String,
    replayable: bool,
}

#[derive(Template)]
#[template(path = "console/webhooks.html")]
struct WebhooksPage {
    c: Chrome,
    endpoints: Vec<EndpointRow>,
    deliveries: Vec<DeliveryRow>,
    status: String,
    form: FormState,
    events: Vec<&'static str>,
    server_nets: String,
    nets_form: FormState,
}

#[derive(Template)]
#[template(path = "console/webhook_secret.html")]
struct SecretPage {
    c: Chrome,
    url: String,
    secret: String,
}

/// `?status=` of the delivery log.
#[derive(Debug, Default, Deserialize)]
pub(super) struct LogQuery {
    status: Option<String>,
}

fn endpoint_row(c: &Chrome, e: &EndpointView) -> EndpointRow {
    EndpointRow {
        id: e.id.to_string(),
        url: e.url.clone(),
        description: e.description.clone(),
        events: e.events.join(", "),
        active: e.status == "active",
        reason: e.disabled_reason.clone(),
        pending: e.pending,
        delivered: e.delivered,
        dead: e.dead,
        rotating_until: e.previous_secret_until_ms.map(|ms| c.datetime(ms)),
    }
}

async fn webhooks_page(
    state: &AppState,
    ctx: &Ctx,
    context: &RequestContext,
    status: Option<String>,
    form: FormState,
    nets_form: FormState,
    code: StatusCode,
) -> WebResult<Response> {
    let app = state.app();
    let endpoints = uc::list_endpoints(app, ctx).await?;
    let status = status.filter(|s| matches!(s.as_str(), "pending" | "held" | "delivered" | "dead"));
    let filter = DeliveryFilter { status: status.clone(), ..DeliveryFilter::default() };
    let log = uc::list_deliveries(app, ctx, &filter, &PageRequest::first(50)).await?;
    let networks = uc::get_networks(app, ctx).await?;
    let c = Chrome::new(state, context, "webhook.title", "/console/webhooks").await;
    let endpoints = endpoints.iter().map(|e| endpoint_row(&c, e)).collect();
    let deliveries = log
        .items
        .iter()
        .map(|d| DeliveryRow {
            id: d.id.to_string(),
            event_type: d.event_type.clone(),
            object: format!("{} {}", d.object_kind, d.object_id),
            status: d.status.clone(),
            attempts: d.attempts,
            last_status: d.last_status.map(|s| s.to_string()).unwrap_or_default(),
            last_error: d.last_error.clone().unwrap_or_default(),
            when: c.datetime(d.delivered_ms.unwrap_or(d.next_attempt_ms)),
            replayable: matches!(d.status.as_str(), "delivered" | "dead"),
        })
        .collect();
    let events = EventType::ALL.iter().map(|t| t.as_str()).collect();
    let nets_form =
        if nets_form.failed() { nets_form } else { FormState::with_values([("console", networks.console.clone())]) };
    let template = WebhooksPage {
        c,
        endpoints,
        deliveries,
        status: status.unwrap_or_default(),
        form,
        events,
        server_nets: networks.server,
        nets_form,
    };
    Ok(render(code, &template))
}

fn secret_page(template: &SecretPage) -> Response {
    let mut response = page(template);
    response.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

pub(super) async fn list_webhooks(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    Query(query): Query<LogQuery>,
) -> WebResult<Response> {
    webhooks_page(&state, &ctx, &context, query.status, FormState::new(), FormState::new(), StatusCode::OK).await
}

/// The new-endpoint form: a URL, a description and one `events` pair per ticked type (none
/// ticked means every event).
pub(super) async fn create_webhook(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    let value = |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
    let mut events: Vec<String> = fields.iter().filter(|(k, _)| k == "events").map(|(_, v)| v.clone()).collect();
    if events.is_empty() {
        events.push("*".into());
    }
    let input = EndpointInput { url: value("url"), events, description: Some(value("description")), active: None };
    match uc::create_endpoint(state.app(), &ctx, &input, None).await {
        Ok(created) => {
            let c = Chrome::new(&state, &context, "webhook.secret_title", "/console/webhooks").await;
            Ok(secret_page(&SecretPage { c, url: created.view.url, secret: created.secret }))
        }
        Err(AppError::Invalid(invalid)) => {
            let mut form = FormState::with_values([("url", value("url")), ("description", value("description"))]);
            form.fail(context.lang, &invalid, &["url", "description", "events"]);
            webhooks_page(&state, &ctx, &context, None, form, FormState::new(), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(other) => Err(other.into()),
    }
}

pub(super) async fn rotate_webhook(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    Id(id): Id<EndpointId>,
) -> WebResult<Response> {
    let rotated = uc::rotate_secret(state.app(), &ctx, id).await?;
    let c = Chrome::new(&state, &context, "webhook.secret_title", "/console/webhooks").await;
    Ok(secret_page(&SecretPage { c, url: rotated.view.url, secret: rotated.secret }))
}

/// Enables a disabled endpoint, or disables an active one.
pub(super) async fn toggle_webhook(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<EndpointId>,
) -> WebResult<Response> {
    let app = state.app();
    let now = uc::get_endpoint(app, &ctx, id).await?;
    let input = EndpointInput {
        url: now.url.clone(),
        events: now.events.clone(),
        description: Some(now.description.clone()),
        active: Some(now.status != "active"),
    };
    uc::update_endpoint(app, &ctx, id, &input).await?;
    Ok(see_other("/console/webhooks", Some("webhook.saved_flash")))
}

pub(super) async fn replay_dead(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<EndpointId>,
) -> WebResult<Response> {
    uc::replay_dead(state.app(), &ctx, id).await?;
    Ok(see_other("/console/webhooks", Some("webhook.replayed_flash")))
}

pub(super) async fn replay_delivery(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<DeliveryId>,
) -> WebResult<Response> {
    uc::replay_delivery(state.app(), &ctx, id).await?;
    Ok(see_other("/console/webhooks", Some("webhook.replayed_flash")))
}

/// The allowed private networks.
#[derive(Debug, Deserialize)]
pub(super) struct NetworksForm {
    #[serde(default)]
    console: String,
}

pub(super) async fn save_networks(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    PageForm(form): PageForm<NetworksForm>,
) -> WebResult<Response> {
    match uc::set_networks(state.app(), &ctx, &form.console).await {
        Ok(_) => Ok(see_other("/console/webhooks", Some("webhook.saved_flash"))),
        Err(AppError::Invalid(invalid)) => {
            let mut nets = FormState::with_values([("console", form.console.clone())]);
            nets.fail(context.lang, &invalid, &["console"]);
            webhooks_page(&state, &ctx, &context, None, FormState::new(), nets, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(other) => Err(other.into()),
    }
}
