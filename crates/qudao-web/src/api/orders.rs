//! `/api/v1/orders`: placing orders (through the order desk), quoting carts, reading orders.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use qudao_app::orders::{self as uc, OrderRequest};
use qudao_app::pricing::{LineRequest, Quote};
use qudao_domain::access::Permission;
use qudao_domain::ids::{OrderId, PartnerId};
use qudao_store::orders::{OrderFilter, OrderSummary, OrderView};
use qudao_store::page::Page;
use serde::Deserialize;
use utoipa::ToSchema;

use super::ListQuery;
use crate::context::Authed;
use crate::error::WebResult;
use crate::extract::{ApiJson, ApiQuery, Id, Upload};
use crate::guard::InlineIdem;
use crate::openapi::{page_of, schema};
use crate::registry::{Effect, ObjectKind, Route, Verb, on};
use crate::state::AppState;

/// Order list filters.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct OrderQuery {
    /// Only this status (`submitted`, `approved`, `partially_shipped`, `shipped`, `received`,
    /// `completed`, `cancelled`).
    pub status: Option<String>,
    /// Only this partner.
    pub partner: Option<PartnerId>,
    /// Only orders waiting for a brand user's approval.
    pub awaiting_review: Option<bool>,
    /// Order number or partner name or code.
    pub q: Option<String>,
    /// Page size.
    pub limit: Option<u32>,
    /// Cursor.
    pub after: Option<String>,
}

impl OrderQuery {
    /// The store filter.
    pub fn filter(&self) -> OrderFilter {
        let blank = |v: &Option<String>| v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
        OrderFilter {
            status: blank(&self.status),
            partner: self.partner,
            awaiting_review: self.awaiting_review.unwrap_or(false),
            q: blank(&self.q),
        }
    }
}

/// A cart to quote.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuoteRequest {
    /// The lines.
    pub lines: Vec<LineRequest>,
}

async fn list(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    ApiQuery(query): ApiQuery<OrderQuery>,
) -> WebResult<Json<Page<OrderSummary>>> {
    let page = ListQuery { limit: query.limit, after: query.after.clone() }.page()?;
    Ok(Json(uc::list_orders(state.app(), &ctx, &query.filter(), &page).await?))
}

async fn show(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<OrderId>,
) -> WebResult<Json<OrderView>> {
    Ok(Json(uc::get_order(state.app(), &ctx, id).await?))
}

async fn place(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    InlineIdem(idem): InlineIdem,
    ApiJson(body): ApiJson<OrderRequest>,
) -> WebResult<Response> {
    Ok(super::carts::placed_response(uc::place_order(state.app(), &ctx, &body, idem).await?))
}

/// Why an order is cancelled.
#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct CancelRequest {
    /// The reason, shown on the timeline.
    #[serde(default)]
    pub reason: Option<String>,
}

async fn approve(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<OrderId>,
) -> WebResult<Json<OrderView>> {
    Ok(Json(uc::approve_order(state.app(), &ctx, id).await?))
}

async fn confirm_transfer(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<OrderId>,
) -> WebResult<Json<OrderView>> {
    Ok(Json(uc::confirm_transfer(state.app(), &ctx, id).await?))
}

async fn cancel(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<OrderId>,
    ApiJson(body): ApiJson<CancelRequest>,
) -> WebResult<Json<OrderView>> {
    Ok(Json(uc::cancel_order(state.app(), &ctx, id, body.reason.as_deref()).await?))
}

async fn amend(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<OrderId>,
    ApiJson(body): ApiJson<uc::AmendRequest>,
) -> WebResult<Json<OrderView>> {
    Ok(Json(uc::amend_order(state.app(), &ctx, id, &body).await?))
}

async fn transfer_receipt(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<OrderId>,
    upload: Upload,
) -> WebResult<Json<OrderView>> {
    Ok(Json(uc::attach_transfer_receipt(state.app(), &ctx, id, &upload.filename, upload.bytes).await?))
}

async fn quote(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    ApiJson(body): ApiJson<QuoteRequest>,
) -> WebResult<Json<Quote>> {
    Ok(Json(uc::preview_order(state.app(), &ctx, &body.lines).await?))
}

/// The routes.
pub const ROUTES: &[Route] = &[
    Route::api(
        Verb::Get,
        "/api/v1/orders",
        Permission::OrdersRead,
        "Orders within the caller's scope, newest first",
        |v| on(v, list),
    )
    .response(page_of::<OrderSummary>),
    Route::api(
        Verb::Post,
        "/api/v1/orders",
        Permission::OrdersPlace,
        "Place an order: prices, reserves stock and takes payment in one transaction",
        |v| on(v, place),
    )
    .effect(Effect::Create)
    .idempotency_in_effect()
    .body(schema::<OrderRequest>)
    .example(|| serde_json::json!({ "lines": [{ "sku": "S-ON-1", "quantity": 2 }], "payment": "credit" }))
    .response(schema::<OrderView>),
    Route::api(
        Verb::Post,
        "/api/v1/orders/quote",
        Permission::OrdersPlace,
        "Price a cart with explanations and nudges, without ordering",
        |v| on(v, quote),
    )
    .body(schema::<QuoteRequest>)
    .example(|| serde_json::json!({ "lines": [{ "sku": "S-ON-1", "quantity": 2 }] }))
    .response(schema::<Quote>),
    Route::api(
        Verb::Get,
        "/api/v1/orders/{id}",
        Permission::OrdersRead,
        "An order with its lines and each line's price explanation",
        |v| on(v, show),
    )
    .params(&[("id", ObjectKind::Order)])
    .response(schema::<OrderView>),
    Route::api(
        Verb::Post,
        "/api/v1/orders/{id}/approve",
        Permission::OrdersApprove,
        "Approve a submitted order",
        |v| on(v, approve),
    )
    .params(&[("id", ObjectKind::Order)])
    .effect(Effect::Change)
    .response(schema::<OrderView>),
    Route::api(
        Verb::Post,
        "/api/v1/orders/{id}/confirm-transfer",
        Permission::FinanceManage,
        "Confirm an order's offline transfer arrived",
        |v| on(v, confirm_transfer),
    )
    .params(&[("id", ObjectKind::Order)])
    .effect(Effect::Change)
    .response(schema::<OrderView>),
    Route::api(
        Verb::Post,
        "/api/v1/orders/{id}/amend",
        Permission::OrdersRead,
        "Amend a submitted order before approval: new lines priced today, same number",
        |v| on(v, amend),
    )
    .params(&[("id", ObjectKind::Order)])
    .effect(Effect::Change)
    .body(schema::<uc::AmendRequest>)
    .example(|| serde_json::json!({ "lines": [{ "sku": "S-ON-1", "quantity": 2 }], "remark": "改为 2 箱" }))
    .response(schema::<OrderView>),
    Route::api(
        Verb::Post,
        "/api/v1/orders/{id}/transfer-receipt",
        Permission::OrdersPlace,
        "Upload the proof of an offline transfer (a photo of the bank slip) for finance to check",
        |v| on(v, transfer_receipt),
    )
    .params(&[("id", ObjectKind::Order)])
    .effect(Effect::Change)
    .upload()
    .response(schema::<OrderView>),
    Route::api(
        Verb::Post,
        "/api/v1/orders/{id}/cancel",
        Permission::OrdersRead,
        "Cancel an order before shipment: stock released, payment reversed",
        |v| on(v, cancel),
    )
    .params(&[("id", ObjectKind::Order)])
    .effect(Effect::Change)
    .body(schema::<CancelRequest>)
    .example(|| serde_json::json!({ "reason": "客户改单" }))
    .response(schema::<OrderView>),
];
