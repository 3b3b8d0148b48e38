//! `/api/v1/partners/{id}/receipts`, `/api/v1/receipts`: money received from partners (回款), allocated to what they owe.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use qudao_app::finance::{self as uc, ReceiptInput};
use qudao_domain::access::Permission;
use qudao_domain::ids::{PartnerId, ReceiptId};
use qudao_store::finance::receipts::ReceiptView;
use qudao_store::page::Page;
use serde::Deserialize;

use crate::api::paging::ListQuery;
use crate::context::Authed;
use crate::error::{WebError, WebResult};
use crate::extract::{ApiJson, ApiQuery, Id};
use crate::guard::Idem;
use crate::openapi::{page_of, schema};
use crate::registry::{Effect, ObjectKind, Route, Verb, on};
use crate::state::AppState;

async fn create(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Idem(idem): Idem,
    Id(partner): Id<PartnerId>,
    ApiJson(body): ApiJson<ReceiptInput>,
) -> WebResult<(StatusCode, Json<ReceiptView>)> {
    Ok((StatusCode::CREATED, Json(uc::record_receipt(state.app(), &ctx, partner, &body, idem.as_ref()).await?)))
}

#[derive(Debug, Default, Deserialize)]
struct ReceiptQuery {
    partner_id: Option<String>,
    limit: Option<u32>,
    after: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    ApiQuery(query): ApiQuery<ReceiptQuery>,
) -> WebResult<Json<Page<ReceiptView>>> {
    let page = ListQuery { limit: query.limit, after: query.after.clone() }.page()?;
    let partner = match query.partner_id.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        Some(id) => Some(id.parse::<PartnerId>().map_err(|_| WebError::BadQuery("unknown partner_id".into()))?),
        None => None,
    };
    Ok(Json(uc::list_receipts(state.app(), &ctx, partner, &page).await?))
}

async fn show(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<ReceiptId>,
) -> WebResult<Json<ReceiptView>> {
    Ok(Json(uc::get_receipt(state.app(), &ctx, id).await?))
}

#[derive(Debug, Default, Deserialize)]
struct TrialQuery {
    until_ms: Option<i64>,
}

async fn trial(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    ApiQuery(query): ApiQuery<TrialQuery>,
) -> WebResult<Json<uc::TrialBalance>> {
    Ok(Json(uc::trial_balance(state.app(), &ctx, query.until_ms).await?))
}

async fn aging(State(state): State<AppState>, Authed(ctx, _): Authed) -> WebResult<Json<uc::AgingReport>> {
    Ok(Json(uc::aging_report(state.app(), &ctx).await?))
}

/// The routes.
pub const ROUTES: &[Route] = &[
    Route::api(
        Verb::Post,
        "/api/v1/partners/{id}/receipts",
        Permission::FinanceManage,
        "Record money a partner paid; it settles credit orders oldest first (or as allocated) and the rest is prepaid",
        |v| on(v, create),
    )
    .params(&[("id", ObjectKind::Partner)])
    .effect(Effect::Create)
    .body(schema::<ReceiptInput>)
    .example(|| serde_json::json!({ "amount": "100.00", "memo": "银行转账" }))
    .response(schema::<ReceiptView>),
    Route::api(
        Verb::Get,
        "/api/v1/receipts",
        Permission::AccountsRead,
        "Receipts, newest first (a partner: its own)",
        |v| on(v, list),
    )
    .response(page_of::<ReceiptView>),
    Route::api(
        Verb::Get,
        "/api/v1/receipts/{id}",
        Permission::AccountsRead,
        "A receipt with the orders it settled",
        |v| on(v, show),
    )
    .params(&[("id", ObjectKind::Receipt)])
    .response(schema::<ReceiptView>),
    Route::api(
        Verb::Get,
        "/api/v1/trial-balance",
        Permission::AccountsRead,
        "Debits and credits per account kind, which sum to zero (brand users who see every partner)",
        |v| on(v, trial),
    )
    .response(schema::<uc::TrialBalance>),
    Route::api(
        Verb::Get,
        "/api/v1/aging",
        Permission::AccountsRead,
        "What visible partners owe on credit by days past due (current, 1-30, 31-60, 61-90, over 90)",
        |v| on(v, aging),
    )
    .response(schema::<uc::AgingReport>),
];
