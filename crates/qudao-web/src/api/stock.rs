//! `/api/v1/stock` and `/api/v1/warehouses`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use qudao_app::stock::{
    self as uc, CountInput, CountView, StockChange, StockView, TransferInput, TransferView, WarehouseInput,
};
use qudao_domain::access::Permission;
use qudao_store::stock::Warehouse;
use serde::Deserialize;

use crate::context::Authed;
use crate::error::WebResult;
use crate::extract::{ApiJson, ApiQuery};
use crate::guard::Idem;
use crate::openapi::schema;
use crate::registry::{Effect, Route, Verb, on};
use crate::state::AppState;

/// Which SKUs.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct StockQuery {
    /// One SKU code, or several separated by commas.
    pub sku: Option<String>,
}

/// One SKU's stock when one code is asked for, else a list.
async fn show(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    ApiQuery(query): ApiQuery<StockQuery>,
) -> WebResult<axum::response::Response> {
    let codes: Vec<String> = query
        .sku
        .as_deref()
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .collect();
    let mut views = uc::stock_of(state.app(), &ctx, &codes).await?;
    if codes.len() == 1 && views.len() == 1 {
        return Ok(Json(views.remove(0)).into_response());
    }
    Ok(Json(views).into_response())
}

async fn change(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Idem(idem): Idem,
    ApiJson(body): ApiJson<StockChange>,
) -> WebResult<impl IntoResponse> {
    Ok((StatusCode::CREATED, Json(uc::change_stock(state.app(), &ctx, &body, idem.as_ref()).await?)))
}

async fn transfer(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Idem(idem): Idem,
    ApiJson(body): ApiJson<TransferInput>,
) -> WebResult<impl IntoResponse> {
    Ok((StatusCode::CREATED, Json(uc::transfer_stock(state.app(), &ctx, &body, idem.as_ref()).await?)))
}

async fn count(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Idem(idem): Idem,
    ApiJson(body): ApiJson<CountInput>,
) -> WebResult<impl IntoResponse> {
    Ok((StatusCode::CREATED, Json(uc::record_count(state.app(), &ctx, &body, idem.as_ref()).await?)))
}

async fn warehouses(State(state): State<AppState>, Authed(ctx, _): Authed) -> WebResult<Json<Vec<Warehouse>>> {
    Ok(Json(uc::list_warehouses(state.app(), &ctx).await?))
}

async fn create_warehouse(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Idem(idem): Idem,
    ApiJson(body): ApiJson<WarehouseInput>,
) -> WebResult<impl IntoResponse> {
    Ok((StatusCode::CREATED, Json(uc::create_warehouse(state.app(), &ctx, &body, idem.as_ref()).await?)))
}

/// The routes.
pub const ROUTES: &[Route] = &[
    Route::api(
        Verb::Post,
        "/api/v1/stock/transfers",
        Permission::StockManage,
        "Move free stock of a SKU from one warehouse to another, journaled as a pair of moves",
        |v| on(v, transfer),
    )
    .effect(Effect::Create)
    .body(schema::<TransferInput>)
    .example(|| serde_json::json!({ "sku": "S-ON-1", "from": "WH-TEST", "to": "WH-TEST2", "quantity": 1, "reason": "调拨补货" }))
    .response(schema::<TransferView>),
    Route::api(
        Verb::Post,
        "/api/v1/stock/counts",
        Permission::StockManage,
        "Record a stock count (盘点) of a warehouse: on hand becomes what was found, differences journaled",
        |v| on(v, count),
    )
    .effect(Effect::Create)
    .body(schema::<CountInput>)
    .example(|| serde_json::json!({ "warehouse": "WH-TEST2", "lines": [{ "sku": "S-ON-1", "counted": 5 }], "reason": "季度盘点" }))
    .response(schema::<CountView>),
    Route::api(
        Verb::Get,
        "/api/v1/stock",
        Permission::StockRead,
        "Stock of a SKU (?sku=CODE); partners see what the brand's visibility setting allows",
        |v| on(v, show),
    )
    .response(schema::<StockView>),
    Route::api(
        Verb::Post,
        "/api/v1/stock/changes",
        Permission::StockManage,
        "Receive, count or write off stock (journaled)",
        |v| on(v, change),
    )
    .effect(Effect::Create)
    .body(schema::<StockChange>)
    .example(|| serde_json::json!({ "sku": "S-ON-1", "warehouse": "WH-TEST", "delta": 10 }))
    .response(schema::<StockView>),
    Route::api(Verb::Get, "/api/v1/warehouses", Permission::StockManage, "Warehouses, preferred first", |v| {
        on(v, warehouses)
    })
    .response(schema::<Vec<Warehouse>>),
    Route::api(Verb::Post, "/api/v1/warehouses", Permission::StockManage, "Add a warehouse", |v| {
        on(v, create_warehouse)
    })
    .effect(Effect::Create)
    .body(schema::<WarehouseInput>)
    .example(|| serde_json::json!({ "code": "WH-NEW", "name_zh": "新仓", "name_en": "New warehouse", "priority": 5 }))
    .response(schema::<Warehouse>),
];
