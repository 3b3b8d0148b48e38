//! `/api/v1/fairs`: ordering fairs (订货会) — set up by the brand, demand from partners while
//! they run, allocation by the fair's rule with each partner's explanation.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use qudao_app::fairs::{self as uc, DemandLine, FairDetail, FairRequest};
use qudao_domain::access::Permission;
use qudao_domain::ids::FairId;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::context::Authed;
use crate::error::WebResult;
use crate::extract::{ApiJson, Id};
use crate::guard::Idem;
use crate::openapi::{list_of, schema};
use crate::registry::{Effect, ObjectKind, Route, Verb, on};
use crate::state::AppState;

const FAIR: &[(&str, ObjectKind)] = &[("id", ObjectKind::Fair)];

async fn create(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Idem(idem): Idem,
    ApiJson(body): ApiJson<FairRequest>,
) -> WebResult<(StatusCode, Json<FairDetail>)> {
    Ok((StatusCode::CREATED, Json(uc::create_fair(state.app(), &ctx, &body, idem.as_ref()).await?)))
}

async fn show(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<FairId>,
) -> WebResult<Json<FairDetail>> {
    Ok(Json(uc::get_fair(state.app(), &ctx, id).await?))
}

/// A partner's demand at a fair.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DemandRequest {
    /// The lines; a quantity of 0 withdraws that SKU.
    pub lines: Vec<DemandLine>,
}

async fn demand(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<FairId>,
    ApiJson(body): ApiJson<DemandRequest>,
) -> WebResult<Json<FairDetail>> {
    Ok(Json(uc::set_demand(state.app(), &ctx, id, &body.lines).await?))
}

async fn allocate(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<FairId>,
) -> WebResult<Json<FairDetail>> {
    Ok(Json(uc::allocate_fair(state.app(), &ctx, id).await?))
}

async fn list(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
) -> WebResult<Json<Vec<qudao_store::fairs::FairView>>> {
    Ok(Json(uc::list_fairs(state.app(), &ctx).await?))
}

async fn order(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<FairId>,
) -> WebResult<Json<qudao_app::orders::FairOrders>> {
    Ok(Json(qudao_app::orders::order_fair(state.app(), &ctx, id).await?))
}

/// The routes.
pub const ROUTES: &[Route] = &[
    Route::api(Verb::Get, "/api/v1/fairs", Permission::OrdersRead, "Ordering fairs, newest first", |v| on(v, list))
        .response(list_of::<qudao_store::fairs::FairView>),
    Route::api(Verb::Post, "/api/v1/fairs", Permission::FairsManage, "Set up an ordering fair (订货会)", |v| {
        on(v, create)
    })
    .effect(Effect::Create)
    .body(schema::<FairRequest>)
    .example(|| {
        serde_json::json!({ "code": "F-SPRING", "name": "春季订货会", "starts_ms": 1_700_000_000_000_i64,
            "ends_ms": 4_100_000_000_000_i64, "rule": "pro_rata", "items": [{ "sku": "S-ON-1", "price": 900, "stock": 100 }] })
    })
    .response(schema::<FairDetail>),
    Route::api(Verb::Get, "/api/v1/fairs/{id}", Permission::OrdersRead, "A fair with the demand the caller may see", |v| {
        on(v, show)
    })
    .params(FAIR)
    .response(schema::<FairDetail>),
    Route::api(
        Verb::Put,
        "/api/v1/fairs/{id}/demand",
        Permission::OrdersPlace,
        "Put in or change the partner's demand while the fair runs",
        |v| on(v, demand),
    )
    .params(FAIR)
    .effect(Effect::Change)
    .body(schema::<DemandRequest>)
    .example(|| serde_json::json!({ "lines": [{ "sku": "S-ON-1", "quantity": 10 }] }))
    .response(schema::<FairDetail>),
    Route::api(
        Verb::Post,
        "/api/v1/fairs/{id}/allocate",
        Permission::FairsManage,
        "Close the fair and allocate short SKUs by its rule",
        |v| on(v, allocate),
    )
    .params(FAIR)
    .effect(Effect::Change)
    .response(schema::<FairDetail>),
    Route::api(
        Verb::Post,
        "/api/v1/fairs/{id}/orders",
        Permission::FairsManage,
        "Turn each partner's allocation into an order at fair prices (again: only those still missing)",
        |v| on(v, order),
    )
    .params(FAIR)
    .effect(Effect::Change)
    .response(schema::<qudao_app::orders::FairOrders>),
];
