//! `/api/v1/statements`: statements (对账单) issued by brand finance and answered by partners.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use qudao_app::finance::{self as uc, StatementDetail, StatementInput, StatementResponse};
use qudao_domain::access::Permission;
use qudao_domain::ids::{PartnerId, StatementId};
use qudao_store::finance::statements::StatementView;
use qudao_store::page::Page;
use serde::Deserialize;

use crate::api::paging::ListQuery;
use crate::api::partners::download;
use crate::context::Authed;
use crate::error::{WebError, WebResult};
use crate::extract::{ApiJson, ApiQuery, Id};
use crate::guard::Idem;
use crate::openapi::{page_of, schema};
use crate::registry::{Effect, ObjectKind, Route, Verb, on};
use crate::state::AppState;

async fn issue(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Idem(idem): Idem,
    Id(partner): Id<PartnerId>,
    ApiJson(body): ApiJson<StatementInput>,
) -> WebResult<(StatusCode, Json<StatementDetail>)> {
    Ok((StatusCode::CREATED, Json(uc::issue_statement(state.app(), &ctx, partner, &body, idem.as_ref()).await?)))
}

/// Filters of the statement list.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct StatementQuery {
    partner_id: Option<String>,
    status: Option<String>,
    limit: Option<u32>,
    after: Option<String>,
}

/// A partner id typed in a query, if any.
pub(crate) fn partner_filter(text: Option<&str>) -> WebResult<Option<PartnerId>> {
    match text.map(str::trim).filter(|p| !p.is_empty()) {
        Some(id) => Ok(Some(id.parse().map_err(|_| WebError::BadQuery("unknown partner_id".into()))?)),
        None => Ok(None),
    }
}

/// A status filter, one of `allowed`.
pub(crate) fn status_filter<'a>(text: Option<&'a str>, allowed: &[&str]) -> WebResult<Option<&'a str>> {
    match text.map(str::trim).filter(|s| !s.is_empty()) {
        Some(status) if allowed.contains(&status) => Ok(Some(status)),
        Some(_) => Err(WebError::BadQuery(format!("status must be one of {}", allowed.join(", ")))),
        None => Ok(None),
    }
}

async fn list(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    ApiQuery(query): ApiQuery<StatementQuery>,
) -> WebResult<Json<Page<StatementView>>> {
    let page = ListQuery { limit: query.limit, after: query.after.clone() }.page()?;
    let partner = partner_filter(query.partner_id.as_deref())?;
    let status = status_filter(query.status.as_deref(), &["issued", "confirmed", "disputed"])?;
    Ok(Json(uc::list_statements(state.app(), &ctx, partner, status, &page).await?))
}

async fn show(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<StatementId>,
) -> WebResult<Json<StatementDetail>> {
    Ok(Json(uc::get_statement(state.app(), &ctx, id).await?))
}

async fn xlsx(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    Id(id): Id<StatementId>,
) -> WebResult<Response> {
    let (name, bytes) = uc::statement_xlsx(state.app(), &ctx, id, context.lang.is_zh()).await?;
    Ok(download(bytes, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", &name))
}

async fn confirm(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<StatementId>,
    ApiJson(body): ApiJson<StatementResponse>,
) -> WebResult<Json<StatementView>> {
    Ok(Json(uc::respond_statement(state.app(), &ctx, id, true, &body).await?))
}

async fn dispute(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<StatementId>,
    ApiJson(body): ApiJson<StatementResponse>,
) -> WebResult<Json<StatementView>> {
    Ok(Json(uc::respond_statement(state.app(), &ctx, id, false, &body).await?))
}

/// The routes.
pub const ROUTES: &[Route] = &[
    Route::api(
        Verb::Post,
        "/api/v1/partners/{id}/statements",
        Permission::FinanceManage,
        "Issue a partner's statement for a closed period: opening balance, every movement, closing balance",
        |v| on(v, issue),
    )
    .params(&[("id", ObjectKind::Partner)])
    .effect(Effect::Create)
    .body(schema::<StatementInput>)
    .example(|| serde_json::json!({ "period_from": "2026-10-01", "period_to": "2026-10-31" }))
    .response(schema::<StatementDetail>),
    Route::api(
        Verb::Get,
        "/api/v1/statements",
        Permission::AccountsRead,
        "Statements, newest first (a partner: its own); filter by partner_id and status",
        |v| on(v, list),
    )
    .response(page_of::<StatementView>),
    Route::api(Verb::Get, "/api/v1/statements/{id}", Permission::AccountsRead, "A statement with its movements", |v| {
        on(v, show)
    })
    .params(&[("id", ObjectKind::Statement)])
    .response(schema::<StatementDetail>),
    Route::api(
        Verb::Get,
        "/api/v1/statements/{id}/xlsx",
        Permission::AccountsRead,
        "A statement as an XLSX workbook",
        |v| on(v, xlsx),
    )
    .params(&[("id", ObjectKind::Statement)]),
    Route::api(
        Verb::Post,
        "/api/v1/statements/{id}/confirm",
        Permission::StatementsRespond,
        "The partner confirms its statement",
        |v| on(v, confirm),
    )
    .params(&[("id", ObjectKind::Statement)])
    .effect(Effect::Change)
    .body(schema::<StatementResponse>)
    .example(|| serde_json::json!({ "comment": "核对无误" }))
    .response(schema::<StatementView>),
    Route::api(
        Verb::Post,
        "/api/v1/statements/{id}/dispute",
        Permission::StatementsRespond,
        "The partner disputes its statement, saying why",
        |v| on(v, dispute),
    )
    .params(&[("id", ObjectKind::Statement)])
    .effect(Effect::Change)
    .body(schema::<StatementResponse>)
    .example(|| serde_json::json!({ "comment": "11月15日回款未计入" }))
    .response(schema::<StatementView>),
];
