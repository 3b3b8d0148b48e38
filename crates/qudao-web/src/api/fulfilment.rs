//! After approval: `/api/v1/orders/{id}/shipments|receive|complete|timeline|returns`,
//! `/api/v1/shipments/{id}/events` (tracking pushed by carriers or the ERP) and
//! `/api/v1/returns` (the returns queue and its decisions).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use qudao_app::orders::{self as uc, ReturnRequest, ShipRequest, TimelineEntry, TrackingRequest};
use qudao_domain::access::Permission;
use qudao_domain::ids::{OrderId, ReturnId, ShipmentId};
use qudao_store::orders::{OrderView, ReturnView, ShipmentView};
use qudao_store::page::Page;
use serde::Deserialize;
use utoipa::ToSchema;

use super::ListQuery;
use crate::context::Authed;
use crate::error::WebResult;
use crate::extract::{ApiJson, ApiQuery, Id};
use crate::guard::Idem;
use crate::openapi::{page_of, schema};
use crate::registry::{Effect, ObjectKind, Route, Verb, on};
use crate::state::AppState;

const ORDER: &[(&str, ObjectKind)] = &[("id", ObjectKind::Order)];
const SHIPMENT: &[(&str, ObjectKind)] = &[("id", ObjectKind::Shipment)];
const RETURN: &[(&str, ObjectKind)] = &[("id", ObjectKind::Return)];

async fn shipments(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<OrderId>,
) -> WebResult<Json<Vec<ShipmentView>>> {
    Ok(Json(uc::shipments_of(state.app(), &ctx, id).await?))
}

async fn ship(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Idem(idem): Idem,
    Id(id): Id<OrderId>,
    ApiJson(body): ApiJson<ShipRequest>,
) -> WebResult<(StatusCode, Json<ShipmentView>)> {
    Ok((StatusCode::CREATED, Json(uc::ship_order(state.app(), &ctx, id, &body, idem.as_ref()).await?)))
}

async fn track(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Idem(idem): Idem,
    Id(id): Id<ShipmentId>,
    ApiJson(body): ApiJson<TrackingRequest>,
) -> WebResult<(StatusCode, Json<ShipmentView>)> {
    Ok((StatusCode::CREATED, Json(uc::add_tracking_event(state.app(), &ctx, id, &body, idem.as_ref()).await?)))
}

async fn receive(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<OrderId>,
) -> WebResult<Json<OrderView>> {
    Ok(Json(uc::receive_order(state.app(), &ctx, id).await?))
}

async fn complete(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<OrderId>,
) -> WebResult<Json<OrderView>> {
    Ok(Json(uc::complete_order(state.app(), &ctx, id).await?))
}

async fn timeline(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<OrderId>,
) -> WebResult<Json<Vec<TimelineEntry>>> {
    Ok(Json(uc::order_timeline(state.app(), &ctx, id).await?))
}

async fn ask_return(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Idem(idem): Idem,
    Id(id): Id<OrderId>,
    ApiJson(body): ApiJson<ReturnRequest>,
) -> WebResult<(StatusCode, Json<ReturnView>)> {
    Ok((StatusCode::CREATED, Json(uc::request_return(state.app(), &ctx, id, &body, idem.as_ref()).await?)))
}

/// Filters for the returns queue.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ReturnQuery {
    /// `requested` (the queue), `approved`, `rejected`, `refunded`.
    pub status: Option<String>,
    /// Only this order's.
    pub order: Option<OrderId>,
    /// Page size.
    pub limit: Option<u32>,
    /// Cursor.
    pub after: Option<String>,
}

async fn list_returns(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    ApiQuery(query): ApiQuery<ReturnQuery>,
) -> WebResult<Json<Page<ReturnView>>> {
    let page = ListQuery { limit: query.limit, after: query.after.clone() }.page()?;
    let status = query.status.as_deref().map(str::trim).filter(|s| !s.is_empty());
    Ok(Json(uc::list_returns(state.app(), &ctx, query.order, status, &page).await?))
}

async fn show_return(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<ReturnId>,
) -> WebResult<Json<ReturnView>> {
    Ok(Json(uc::get_return(state.app(), &ctx, id).await?))
}

/// A brand user's decision on a return.
#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    /// Shown to the partner; required when rejecting.
    #[serde(default)]
    pub note: Option<String>,
}

async fn approve_return(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<ReturnId>,
    ApiJson(body): ApiJson<DecisionRequest>,
) -> WebResult<Json<ReturnView>> {
    Ok(Json(uc::decide_return(state.app(), &ctx, id, true, body.note.as_deref()).await?))
}

async fn reject_return(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<ReturnId>,
    ApiJson(body): ApiJson<DecisionRequest>,
) -> WebResult<Json<ReturnView>> {
    Ok(Json(uc::decide_return(state.app(), &ctx, id, false, body.note.as_deref()).await?))
}

/// Where returned goods go back on hand.
#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct RestockRequest {
    /// Warehouse code; the one the order shipped from when left out.
    #[serde(default)]
    pub warehouse: Option<String>,
}

async fn restock_return(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<ReturnId>,
    ApiJson(body): ApiJson<RestockRequest>,
) -> WebResult<Json<ReturnView>> {
    Ok(Json(uc::restock_return(state.app(), &ctx, id, body.warehouse.as_deref()).await?))
}

/// The routes.
pub const ROUTES: &[Route] = &[
    Route::api(Verb::Get, "/api/v1/orders/{id}/shipments", Permission::OrdersRead, "An order's shipments with tracking", |v| {
        on(v, shipments)
    })
    .params(ORDER)
    .response(schema::<Vec<ShipmentView>>),
    Route::api(
        Verb::Post,
        "/api/v1/orders/{id}/shipments",
        Permission::OrdersShip,
        "Ship an approved order, wholly or in part, from one warehouse",
        |v| on(v, ship),
    )
    .params(ORDER)
    .effect(Effect::Create)
    .body(schema::<ShipRequest>)
    .example(|| {
        serde_json::json!({ "carrier": "顺丰速运", "tracking_no": "SF1234567890", "lines": [{ "line_no": 1, "quantity": 1 }] })
    })
    .response(schema::<ShipmentView>),
    Route::api(
        Verb::Post,
        "/api/v1/shipments/{id}/events",
        Permission::OrdersShip,
        "Add a tracking event to a shipment (carriers and ERPs push these)",
        |v| on(v, track),
    )
    .params(SHIPMENT)
    .effect(Effect::Create)
    .body(schema::<TrackingRequest>)
    .example(|| serde_json::json!({ "status": "in_transit", "location": "上海转运中心", "description": "已到达上海转运中心" }))
    .response(schema::<ShipmentView>),
    Route::api(
        Verb::Post,
        "/api/v1/orders/{id}/receive",
        Permission::OrdersRead,
        "Sign for a shipped order (签收)",
        |v| on(v, receive),
    )
    .params(ORDER)
    .effect(Effect::Change)
    .response(schema::<OrderView>),
    Route::api(
        Verb::Post,
        "/api/v1/orders/{id}/complete",
        Permission::OrdersApprove,
        "Close a received order",
        |v| on(v, complete),
    )
    .params(ORDER)
    .effect(Effect::Change)
    .response(schema::<OrderView>),
    Route::api(
        Verb::Get,
        "/api/v1/orders/{id}/timeline",
        Permission::OrdersRead,
        "Everything that happened to an order, oldest first: transitions, shipments, tracking, returns",
        |v| on(v, timeline),
    )
    .params(ORDER)
    .response(schema::<Vec<TimelineEntry>>),
    Route::api(
        Verb::Post,
        "/api/v1/orders/{id}/returns",
        Permission::OrdersPlace,
        "Ask to return shipped goods (退货)",
        |v| on(v, ask_return),
    )
    .params(ORDER)
    .effect(Effect::Create)
    .body(schema::<ReturnRequest>)
    .example(|| serde_json::json!({ "reason": "外箱破损", "lines": [{ "line_no": 1, "quantity": 1 }] }))
    .response(schema::<ReturnView>),
    Route::api(Verb::Get, "/api/v1/returns", Permission::OrdersRead, "Returns within the caller's scope, newest first", |v| {
        on(v, list_returns)
    })
    .response(page_of::<ReturnView>),
    Route::api(Verb::Get, "/api/v1/returns/{id}", Permission::OrdersRead, "A return with its lines", |v| on(v, show_return))
        .params(RETURN)
        .response(schema::<ReturnView>),
    Route::api(
        Verb::Post,
        "/api/v1/returns/{id}/approve",
        Permission::OrdersApprove,
        "Approve a requested return",
        |v| on(v, approve_return),
    )
    .params(RETURN)
    .effect(Effect::Change)
    .body(schema::<DecisionRequest>)
    .example(|| serde_json::json!({ "note": "请寄回上海仓" }))
    .response(schema::<ReturnView>),
    Route::api(
        Verb::Post,
        "/api/v1/returns/{id}/reject",
        Permission::OrdersApprove,
        "Reject a requested return, with a note",
        |v| on(v, reject_return),
    )
    .params(RETURN)
    .effect(Effect::Change)
    .body(schema::<DecisionRequest>)
    .example(|| serde_json::json!({ "note": "超过退货期限" }))
    .response(schema::<ReturnView>),
    Route::api(
        Verb::Post,
        "/api/v1/returns/{id}/restock",
        Permission::OrdersShip,
        "Put an approved return's goods back on hand and refund it",
        |v| on(v, restock_return),
    )
    .params(RETURN)
    .effect(Effect::Change)
    .body(schema::<RestockRequest>)
    .example(|| serde_json::json!({}))
    .response(schema::<ReturnView>),
];
