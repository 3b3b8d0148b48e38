//! `/api/v1/exports/{orders,receipts,statements}`: bulk CSV or XLSX for ERPs without an API.

use axum::extract::State;
use axum::response::Response;
use qudao_app::exports::{self as uc, ExportKind, ExportRequest};
use qudao_app::partners::ExportFormat;
use qudao_domain::access::Permission;
use serde::Deserialize;

use crate::api::partners::download;
use crate::api::statements::partner_filter;
use crate::context::Authed;
use crate::error::{WebError, WebResult};
use crate::extract::ApiQuery;
use crate::registry::{Route, Verb, on};
use crate::state::AppState;

/// `?format=csv|xlsx&from=2026-11-01&to=2026-11-30&partner_id=…`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ExportQuery {
    format: Option<String>,
    from: Option<String>,
    to: Option<String>,
    partner_id: Option<String>,
}

async fn export(
    state: &AppState,
    ctx: &qudao_app::Ctx,
    lang_zh: bool,
    kind: ExportKind,
    q: &ExportQuery,
) -> WebResult<Response> {
    let (format, content_type) = match q.format.as_deref().unwrap_or("xlsx") {
        "csv" => (ExportFormat::Csv, "text/csv; charset=utf-8"),
        "xlsx" => (ExportFormat::Xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        _ => return Err(WebError::BadQuery("format must be csv or xlsx".into())),
    };
    let request =
        ExportRequest { from: q.from.clone(), to: q.to.clone(), partner: partner_filter(q.partner_id.as_deref())? };
    let file = uc::export(state.app(), ctx, kind, &request, format, lang_zh).await?;
    Ok(download(file.bytes, content_type, &file.filename))
}

async fn orders(
    State(state): State<AppState>,
    Authed(ctx, c): Authed,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> WebResult<Response> {
    export(&state, &ctx, c.lang.is_zh(), ExportKind::Orders, &q).await
}

async fn receipts(
    State(state): State<AppState>,
    Authed(ctx, c): Authed,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> WebResult<Response> {
    export(&state, &ctx, c.lang.is_zh(), ExportKind::Receipts, &q).await
}

async fn statements(
    State(state): State<AppState>,
    Authed(ctx, c): Authed,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> WebResult<Response> {
    export(&state, &ctx, c.lang.is_zh(), ExportKind::Statements, &q).await
}

/// The routes.
pub const ROUTES: &[Route] = &[
    Route::api(
        Verb::Get,
        "/api/v1/exports/orders",
        Permission::OrdersRead,
        "Order lines placed in a period (format=csv|xlsx, from, to, partner_id), for ERPs without an API",
        |v| on(v, orders),
    ),
    Route::api(
        Verb::Get,
        "/api/v1/exports/receipts",
        Permission::AccountsRead,
        "Receipts recorded in a period with the orders they settled (format=csv|xlsx, from, to, partner_id)",
        |v| on(v, receipts),
    ),
    Route::api(
        Verb::Get,
        "/api/v1/exports/statements",
        Permission::AccountsRead,
        "Statements issued in a period with their figures and answers (format=csv|xlsx, from, to, partner_id)",
        |v| on(v, statements),
    ),
];
