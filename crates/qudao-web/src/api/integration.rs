//! `/api/v1/webhook-endpoints`, `/api/v1/webhook-deliveries`, `/api/v1/webhook-networks`: the
//! ERP link's outbound side — endpoints subscribed to business events, their deliveries and
//! attempts, replays, and the private networks endpoints may point at.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use qudao_app::integration::{
    self as uc, CreatedEndpoint, DeliveryDetail, EndpointInput, EndpointView, WebhookNetworks,
};
use qudao_domain::access::Permission;
use qudao_domain::ids::{DeliveryId, EndpointId, EventId};
use qudao_store::integration::{DeliveryFilter, DeliveryView};
use qudao_store::page::Page;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::paging::ListQuery;
use crate::context::Authed;
use crate::error::{WebError, WebResult};
use crate::extract::{ApiJson, ApiQuery, Id};
use crate::guard::Idem;
use crate::openapi::{list_of, page_of, schema};
use crate::registry::{Effect, ObjectKind, Route, Verb, on};
use crate::state::AppState;

const ENDPOINT: &[(&str, ObjectKind)] = &[("id", ObjectKind::WebhookEndpoint)];
const DELIVERY: &[(&str, ObjectKind)] = &[("id", ObjectKind::WebhookDelivery)];

async fn create(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Idem(idem): Idem,
    ApiJson(body): ApiJson<EndpointInput>,
) -> WebResult<(StatusCode, Json<CreatedEndpoint>)> {
    Ok((StatusCode::CREATED, Json(uc::create_endpoint(state.app(), &ctx, &body, idem.as_ref()).await?)))
}

async fn list(State(state): State<AppState>, Authed(ctx, _): Authed) -> WebResult<Json<Vec<EndpointView>>> {
    Ok(Json(uc::list_endpoints(state.app(), &ctx).await?))
}

async fn show(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<EndpointId>,
) -> WebResult<Json<EndpointView>> {
    Ok(Json(uc::get_endpoint(state.app(), &ctx, id).await?))
}

async fn update(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<EndpointId>,
    ApiJson(body): ApiJson<EndpointInput>,
) -> WebResult<Json<EndpointView>> {
    Ok(Json(uc::update_endpoint(state.app(), &ctx, id, &body).await?))
}

async fn rotate(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<EndpointId>,
) -> WebResult<Json<CreatedEndpoint>> {
    Ok(Json(uc::rotate_secret(state.app(), &ctx, id).await?))
}

/// How many deliveries a replay made pending again.
#[derive(Debug, Serialize, ToSchema)]
pub struct Replayed {
    /// Deliveries replayed.
    pub replayed: u64,
}

async fn replay_dead(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<EndpointId>,
) -> WebResult<Json<Replayed>> {
    Ok(Json(Replayed { replayed: uc::replay_dead(state.app(), &ctx, id).await? }))
}

/// Filters of the delivery log.
#[derive(Debug, Default, Deserialize)]
struct DeliveryQuery {
    endpoint_id: Option<String>,
    status: Option<String>,
    event_id: Option<String>,
    limit: Option<u32>,
    after: Option<String>,
}

async fn deliveries(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    ApiQuery(query): ApiQuery<DeliveryQuery>,
) -> WebResult<Json<Page<DeliveryView>>> {
    let page = ListQuery { limit: query.limit, after: query.after.clone() }.page()?;
    let blank = |v: &Option<String>| v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_string);
    let filter = DeliveryFilter {
        endpoint: match blank(&query.endpoint_id) {
            Some(id) => Some(id.parse().map_err(|_| WebError::BadQuery("unknown endpoint_id".into()))?),
            None => None,
        },
        status: blank(&query.status),
        event: match blank(&query.event_id) {
            Some(id) => Some(id.parse::<EventId>().map_err(|_| WebError::BadQuery("unknown event_id".into()))?),
            None => None,
        },
    };
    Ok(Json(uc::list_deliveries(state.app(), &ctx, &filter, &page).await?))
}

async fn delivery(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<DeliveryId>,
) -> WebResult<Json<DeliveryDetail>> {
    Ok(Json(uc::delivery_detail(state.app(), &ctx, id).await?))
}

async fn replay(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<DeliveryId>,
) -> WebResult<Json<DeliveryView>> {
    Ok(Json(uc::replay_delivery(state.app(), &ctx, id).await?))
}

async fn networks(State(state): State<AppState>, Authed(ctx, _): Authed) -> WebResult<Json<WebhookNetworks>> {
    Ok(Json(uc::get_networks(state.app(), &ctx).await?))
}

/// The console's allowed networks.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NetworksUpdate {
    /// Comma-separated CIDRs (`10.0.0.0/8,192.168.10.0/24`); empty for none.
    pub console: String,
}

async fn set_networks(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    ApiJson(body): ApiJson<NetworksUpdate>,
) -> WebResult<Json<WebhookNetworks>> {
    Ok(Json(uc::set_networks(state.app(), &ctx, &body.console).await?))
}

/// The routes.
pub const ROUTES: &[Route] = &[
    Route::api(
        Verb::Post,
        "/api/v1/webhook-endpoints",
        Permission::IntegrationsManage,
        "Subscribe a webhook endpoint to business events; answers its id and signing secret",
        |v| on(v, create),
    )
    .effect(Effect::Create)
    .body(schema::<EndpointInput>)
    .example(|| serde_json::json!({ "url": "https://1.1.1.1/hooks/qudao", "events": ["*"] }))
    .response(schema::<CreatedEndpoint>),
    Route::api(
        Verb::Get,
        "/api/v1/webhook-endpoints",
        Permission::IntegrationsManage,
        "Webhook endpoints with their deliveries counted",
        |v| on(v, list),
    )
    .response(list_of::<EndpointView>),
    Route::api(
        Verb::Get,
        "/api/v1/webhook-endpoints/{id}",
        Permission::IntegrationsManage,
        "A webhook endpoint",
        |v| on(v, show),
    )
    .params(ENDPOINT)
    .response(schema::<EndpointView>),
    Route::api(
        Verb::Put,
        "/api/v1/webhook-endpoints/{id}",
        Permission::IntegrationsManage,
        "Change an endpoint's URL, events or description, or disable and enable it",
        |v| on(v, update),
    )
    .params(ENDPOINT)
    .effect(Effect::Change)
    .body(schema::<EndpointInput>)
    .example(
        || serde_json::json!({ "url": "https://1.1.1.1/hooks/qudao", "events": ["order.approved"], "active": true }),
    )
    .response(schema::<EndpointView>),
    Route::api(
        Verb::Post,
        "/api/v1/webhook-endpoints/{id}/rotate-secret",
        Permission::IntegrationsManage,
        "Give an endpoint a new secret; the old one signs beside it for 24 hours",
        |v| on(v, rotate),
    )
    .params(ENDPOINT)
    .effect(Effect::Change)
    .response(schema::<CreatedEndpoint>),
    Route::api(
        Verb::Post,
        "/api/v1/webhook-endpoints/{id}/replay-dead",
        Permission::IntegrationsManage,
        "Send an endpoint's dead-lettered deliveries again",
        |v| on(v, replay_dead),
    )
    .params(ENDPOINT)
    .effect(Effect::Change)
    .response(schema::<Replayed>),
    Route::api(
        Verb::Get,
        "/api/v1/webhook-deliveries",
        Permission::IntegrationsManage,
        "Deliveries, newest first, by endpoint, status and event",
        |v| on(v, deliveries),
    )
    .response(page_of::<DeliveryView>),
    Route::api(
        Verb::Get,
        "/api/v1/webhook-deliveries/{id}",
        Permission::IntegrationsManage,
        "A delivery with every attempt and the endpoint's answers",
        |v| on(v, delivery),
    )
    .params(DELIVERY)
    .response(schema::<DeliveryDetail>),
    Route::api(
        Verb::Post,
        "/api/v1/webhook-deliveries/{id}/replay",
        Permission::IntegrationsManage,
        "Send a delivered or dead-lettered delivery again",
        |v| on(v, replay),
    )
    .params(DELIVERY)
    .effect(Effect::Change)
    .response(schema::<DeliveryView>),
    Route::api(
        Verb::Get,
        "/api/v1/webhook-networks",
        Permission::IntegrationsManage,
        "Private networks webhook endpoints may point at",
        |v| on(v, networks),
    )
    .response(schema::<WebhookNetworks>),
    Route::api(
        Verb::Put,
        "/api/v1/webhook-networks",
        Permission::IntegrationsManage,
        "Set the private networks the console allows for webhook endpoints",
        |v| on(v, set_networks),
    )
    .effect(Effect::Change)
    .body(schema::<NetworksUpdate>)
    .example(|| serde_json::json!({ "console": "10.20.0.0/16" }))
    .response(schema::<WebhookNetworks>),
];
