//! Warehouse work in the console (`/console/warehouse`, brand warehouse users): receive or
//! correct stock, transfer it between warehouses, record a count sheet (盘点). Each form posts to
//! the same use cases as the API and comes back with the outcome or every problem named.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use qudao_app::AppError;
use qudao_app::stock::{self as uc, CountInput, CountLine, StockChange, TransferInput};
use qudao_domain::access::Permission;
use qudao_store::stock::Warehouse;

use crate::context::{Authed, RequestContext, field_message};
use crate::error::WebResult;
use crate::extract::PageForm;
use crate::pages::form::field_value as value;
use crate::pages::{Chrome, render, see_other};
use crate::registry::{Effect, Route, Verb, on};
use crate::state::AppState;

const PAGE: &str = "/console/warehouse";

#[derive(Template)]
#[template(path = "console/warehouse.html")]
struct WarehousePage {
    c: Chrome,
    warehouses: Vec<Warehouse>,
    error: Option<String>,
}

async fn page_with(
    state: &AppState,
    ctx: &qudao_app::Ctx,
    context: &RequestContext,
    error: Option<String>,
) -> WebResult<Response> {
    let warehouses = uc::list_warehouses(state.app(), ctx).await?;
    let c = Chrome::new(state, context, "warehouse.title", PAGE).await;
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok(render(status, &WarehousePage { c, warehouses, error }))
}

async fn show(State(state): State<AppState>, Authed(ctx, context): Authed) -> WebResult<Response> {
    page_with(&state, &ctx, &context, None).await
}

/// A refusal shown on the page, every field named; other errors go to the error page.
async fn refused(
    state: &AppState,
    ctx: &qudao_app::Ctx,
    context: &RequestContext,
    error: AppError,
) -> WebResult<Response> {
    match error {
        AppError::Invalid(invalid) => {
            let text = invalid
                .errors
                .iter()
                .map(|e| format!("{}: {}", e.field, field_message(context.lang, e)))
                .collect::<Vec<_>>();
            page_with(state, ctx, context, Some(text.join("; "))).await
        }
        other => Err(other.into()),
    }
}

fn number(fields: &[(String, String)], name: &str) -> i64 {
    value(fields, name).parse().unwrap_or(0)
}

async fn change(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    let reason = value(&fields, "reason");
    let input = StockChange {
        sku: value(&fields, "sku"),
        warehouse: value(&fields, "warehouse"),
        delta: number(&fields, "delta"),
        kind: None,
        reason: (!reason.is_empty()).then_some(reason),
    };
    match uc::change_stock(state.app(), &ctx, &input, None).await {
        Ok(_) => Ok(see_other(PAGE, Some("warehouse.changed"))),
        Err(error) => refused(&state, &ctx, &context, error).await,
    }
}

async fn transfer(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    let reason = value(&fields, "reason");
    let input = TransferInput {
        sku: value(&fields, "sku"),
        from: value(&fields, "from"),
        to: value(&fields, "to"),
        quantity: number(&fields, "quantity"),
        reason: (!reason.is_empty()).then_some(reason),
    };
    match uc::transfer_stock(state.app(), &ctx, &input, None).await {
        Ok(_) => Ok(see_other(PAGE, Some("warehouse.transferred"))),
        Err(error) => refused(&state, &ctx, &context, error).await,
    }
}

/// The count sheet as typed: one `SKU, counted` per line.
async fn count(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    let mut lines = Vec::new();
    for (index, line) in value(&fields, "lines").lines().filter(|l| !l.trim().is_empty()).enumerate() {
        let mut parts = line.split([',', '，', '\t', ' ']).map(str::trim).filter(|p| !p.is_empty());
        let (Some(sku), Some(counted)) = (parts.next(), parts.next()) else {
            return page_with(&state, &ctx, &context, Some(format!("lines[{index}]: {line}"))).await;
        };
        lines.push(CountLine { sku: sku.to_string(), counted: counted.parse().unwrap_or(-1) });
    }
    let reason = value(&fields, "reason");
    let input =
        CountInput { warehouse: value(&fields, "warehouse"), lines, reason: (!reason.is_empty()).then_some(reason) };
    match uc::record_count(state.app(), &ctx, &input, None).await {
        Ok(_) => Ok(see_other(PAGE, Some("warehouse.counted"))),
        Err(error) => refused(&state, &ctx, &context, error).await,
    }
}

/// The routes.
pub const ROUTES: &[Route] = &[
    Route::page(Verb::Get, PAGE, Permission::StockManage, "Warehouse work: receive, correct, transfer, count", |v| {
        on(v, show)
    }),
    Route::page(Verb::Post, "/console/warehouse/changes", Permission::StockManage, "Receive or correct stock", |v| {
        on(v, change)
    })
    .effect(Effect::Change)
    .form(&[("sku", "S-ON-1"), ("warehouse", "WH-TEST2"), ("delta", "3"), ("reason", "到货")]),
    Route::page(
        Verb::Post,
        "/console/warehouse/transfers",
        Permission::StockManage,
        "Transfer stock between warehouses",
        |v| on(v, transfer),
    )
    .effect(Effect::Change)
    .form(&[("sku", "S-ON-1"), ("from", "WH-TEST"), ("to", "WH-TEST2"), ("quantity", "1")]),
    Route::page(Verb::Post, "/console/warehouse/counts", Permission::StockManage, "Record a count sheet", |v| {
        on(v, count)
    })
    .effect(Effect::Change)
    .form(&[("warehouse", "WH-TEST2"), ("lines", "S-ON-1, 7")]),
];
