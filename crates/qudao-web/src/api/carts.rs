//! `/api/v1/cart` (the partner's shared cart, quick order, sheet import, checkout),
//! `/api/v1/orders/{id}/reorder` and `/api/v1/saved-lists` (常购清单).

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use qudao_app::orders::{
    self as uc, CartChange, CartImportReport, CartView, CheckoutRequest, Placed, Refilled, SavedListRequest,
};
use qudao_domain::access::Permission;
use qudao_domain::ids::{OrderId, SavedListId};
use qudao_store::orders::{OrderView, SavedListSummary, SavedListView};

use crate::context::Authed;
use crate::error::WebResult;
use crate::extract::{ApiJson, Id, Upload};
use crate::guard::{Idem, InlineIdem};
use crate::openapi::{list_of, schema};
use crate::registry::{Effect, ObjectKind, Route, Verb, on};
use crate::state::AppState;

const SAVED_LIST: &[(&str, ObjectKind)] = &[("id", ObjectKind::SavedList)];

async fn show_cart(State(state): State<AppState>, Authed(ctx, _): Authed) -> WebResult<Json<CartView>> {
    Ok(Json(uc::get_cart(state.app(), &ctx).await?))
}

async fn change_cart(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    ApiJson(body): ApiJson<CartChange>,
) -> WebResult<Json<CartView>> {
    Ok(Json(uc::change_cart(state.app(), &ctx, &body).await?))
}

async fn clear_cart(State(state): State<AppState>, Authed(ctx, _): Authed) -> WebResult<Json<CartView>> {
    Ok(Json(uc::clear_cart(state.app(), &ctx).await?))
}

async fn import_cart(State(state): State<AppState>, Authed(ctx, _): Authed, upload: Upload) -> WebResult<Response> {
    let report: CartImportReport = uc::import_to_cart(state.app(), &ctx, &upload.bytes).await?;
    let status = if report.problems.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((status, Json(report)).into_response())
}

/// The answer to a placed order, shared with `POST /api/v1/orders`.
pub fn placed_response(placed: Placed) -> Response {
    match placed {
        Placed::New(view) => (StatusCode::CREATED, Json(view)).into_response(),
        Placed::Replay { status, body } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            let mut response = (status, [("content-type", "application/json")], body).into_response();
            response.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
            response
        }
    }
}

async fn checkout(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    InlineIdem(idem): InlineIdem,
    ApiJson(body): ApiJson<CheckoutRequest>,
) -> WebResult<Response> {
    Ok(placed_response(uc::checkout_cart(state.app(), &ctx, &body, idem).await?))
}

async fn reorder(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<OrderId>,
) -> WebResult<Json<Refilled>> {
    Ok(Json(uc::reorder(state.app(), &ctx, id).await?))
}

async fn list_saved(State(state): State<AppState>, Authed(ctx, _): Authed) -> WebResult<Json<Vec<SavedListSummary>>> {
    Ok(Json(uc::list_saved_lists(state.app(), &ctx).await?))
}

async fn show_saved(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<SavedListId>,
) -> WebResult<Json<SavedListView>> {
    Ok(Json(uc::get_saved_list(state.app(), &ctx, id).await?))
}

async fn create_saved(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Idem(idem): Idem,
    ApiJson(body): ApiJson<SavedListRequest>,
) -> WebResult<(StatusCode, Json<SavedListView>)> {
    Ok((StatusCode::CREATED, Json(uc::create_saved_list(state.app(), &ctx, &body, idem.as_ref()).await?)))
}

async fn delete_saved(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<SavedListId>,
) -> WebResult<StatusCode> {
    uc::delete_saved_list(state.app(), &ctx, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn saved_to_cart(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<SavedListId>,
) -> WebResult<Json<Refilled>> {
    Ok(Json(uc::saved_list_to_cart(state.app(), &ctx, id).await?))
}

/// The routes.
pub const ROUTES: &[Route] = &[
    Route::api(
        Verb::Get,
        "/api/v1/cart",
        Permission::OrdersPlace,
        "The cart the partner's users share, priced now with explanations and nudges",
        |v| on(v, show_cart),
    )
    .response(schema::<CartView>),
    Route::api(
        Verb::Post,
        "/api/v1/cart/lines",
        Permission::OrdersPlace,
        "Put lines in the cart: add to them (quick order) or set them (0 removes)",
        |v| on(v, change_cart),
    )
    .effect(Effect::Change)
    .body(schema::<CartChange>)
    .example(|| serde_json::json!({ "lines": [{ "sku": "S-ON-1", "quantity": 2 }], "mode": "add" }))
    .response(schema::<CartView>),
    Route::api(Verb::Delete, "/api/v1/cart", Permission::OrdersPlace, "Empty the cart", |v| on(v, clear_cart))
        .effect(Effect::Change)
        .response(schema::<CartView>),
    Route::api(
        Verb::Post,
        "/api/v1/cart/import",
        Permission::OrdersPlace,
        "Add an order sheet (CSV or XLSX: SKU code, quantity, unit) to the cart, or report its bad rows",
        |v| on(v, import_cart),
    )
    .effect(Effect::Change)
    .upload()
    .response(schema::<CartImportReport>),
    Route::api(
        Verb::Post,
        "/api/v1/cart/checkout",
        Permission::OrdersPlace,
        "Order what is in the cart; what was ordered leaves the cart",
        |v| on(v, checkout),
    )
    .effect(Effect::Create)
    .idempotency_in_effect()
    .body(schema::<CheckoutRequest>)
    .example(|| serde_json::json!({ "payment": "credit", "remark": "周五前到货" }))
    .response(schema::<OrderView>),
    Route::api(
        Verb::Post,
        "/api/v1/orders/{id}/reorder",
        Permission::OrdersPlace,
        "Put an earlier order's lines in the cart again, at today's prices",
        |v| on(v, reorder),
    )
    .params(&[("id", ObjectKind::Order)])
    .effect(Effect::Change)
    .response(schema::<Refilled>),
    Route::api(
        Verb::Get,
        "/api/v1/saved-lists",
        Permission::OrdersRead,
        "The partner's saved lists (常购清单)",
        |v| on(v, list_saved),
    )
    .response(list_of::<SavedListSummary>),
    Route::api(
        Verb::Post,
        "/api/v1/saved-lists",
        Permission::OrdersPlace,
        "Save a list from the lines given or from the cart",
        |v| on(v, create_saved),
    )
    .effect(Effect::Create)
    .body(schema::<SavedListRequest>)
    .example(|| serde_json::json!({ "name": "每周补货", "lines": [{ "sku": "S-ON-1", "quantity": 6 }] }))
    .response(schema::<SavedListView>),
    Route::api(Verb::Get, "/api/v1/saved-lists/{id}", Permission::OrdersRead, "A saved list with its lines", |v| {
        on(v, show_saved)
    })
    .params(SAVED_LIST)
    .response(schema::<SavedListView>),
    Route::api(Verb::Delete, "/api/v1/saved-lists/{id}", Permission::OrdersPlace, "Delete a saved list", |v| {
        on(v, delete_saved)
    })
    .params(SAVED_LIST)
    .effect(Effect::Change),
    Route::api(
        Verb::Post,
        "/api/v1/saved-lists/{id}/to-cart",
        Permission::OrdersPlace,
        "Put a saved list's lines in the cart",
        |v| on(v, saved_to_cart),
    )
    .params(SAVED_LIST)
    .effect(Effect::Change)
    .response(schema::<Refilled>),
];
