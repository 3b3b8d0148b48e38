//! `/api/v1/partners/{id}/receipts`, `/api/v1/receipts`: money received from partners (回款), allocated to what they owe.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use qudao_app::finance::{self as uc, ReceiptInput};
use qudao_domain::access::Permission;
use qudao_domain::ids::{PartnerId, ReceiptId};
use qudao_store::files::FileRecord;
use qudao_store::finance::receipts::ReceiptView;
use qudao_store::page::Page;
use serde::Deserialize;

use crate::api::paging::ListQuery;
use crate::context::Authed;
use crate::error::{WebError, WebResult};
use crate::extract::{ApiJson, ApiQuery, Id, Upload};
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

async fn proof(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Idem(idem): Idem,
    Id(partner): Id<PartnerId>,
    upload: Result<Upload, WebError>,
) -> WebResult<(StatusCode, Json<FileRecord>)> {
    let upload = upload?;
    let record =
        uc::upload_receipt_proof(state.app(), &ctx, partner, &upload.filename, upload.bytes, idem.as_ref()).await?;
    Ok((StatusCode::CREATED, Json(record)))
}

async fn settings(State(state): State<AppState>, Authed(ctx, _): Authed) -> WebResult<Json<uc::FinanceSettings>> {
    Ok(Json(uc::finance_settings(state.app(), &ctx).await?))
}

async fn update_settings(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    ApiJson(body): ApiJson<uc::FinanceSettings>,
) -> WebResult<Json<uc::FinanceSettings>> {
    Ok(Json(uc::update_finance_settings(state.app(), &ctx, &body).await?))
}

async fn credit(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(partner): Id<PartnerId>,
) -> WebResult<Json<uc::CreditStanding>> {
    Ok(Json(uc::credit_standing(state.app(), &ctx, partner).await?))
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
        Verb::Post,
        "/api/v1/partners/{id}/receipt-proofs",
        Permission::FinanceManage,
        "Upload the proof of a receipt (a photo or scan of the bank slip); record the receipt with its id",
        |v| on(v, proof),
    )
    .params(&[("id", ObjectKind::Partner)])
    .effect(Effect::Create)
    .upload()
    .response(schema::<FileRecord>),
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
    Route::api(
        Verb::Get,
        "/api/v1/finance/settings",
        Permission::AccountsRead,
        "The brand's credit terms and credit-hold threshold",
        |v| on(v, settings),
    )
    .response(schema::<uc::FinanceSettings>),
    Route::api(
        Verb::Put,
        "/api/v1/finance/settings",
        Permission::FinanceManage,
        "Set the brand's credit terms (days) and the overdue amount above which partners may not order",
        |v| on(v, update_settings),
    )
    .effect(Effect::Change)
    .body(schema::<uc::FinanceSettings>)
    .example(|| serde_json::json!({ "credit_terms_days": 30, "credit_hold_overdue": "0.00" }))
    .response(schema::<uc::FinanceSettings>),
    Route::api(
        Verb::Get,
        "/api/v1/partners/{id}/credit",
        Permission::AccountsRead,
        "A partner's credit standing: what it owes by age, and whether it is on credit hold",
        |v| on(v, credit),
    )
    .params(&[("id", ObjectKind::Partner)])
    .response(schema::<uc::CreditStanding>),
];
