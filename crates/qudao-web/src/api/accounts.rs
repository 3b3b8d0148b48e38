//! `/api/v1/partners/{id}/accounts`: balances, credit lines and prepayments.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use qudao_app::accounts::{self as uc, PrepaymentView};
use qudao_domain::access::Permission;
use qudao_domain::ids::PartnerId;
use qudao_store::accounts::AccountView;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::context::Authed;
use crate::error::WebResult;
use crate::extract::{ApiJson, Id};
use crate::guard::Idem;
use crate::openapi::schema;
use crate::registry::{Effect, ObjectKind, Route, Verb, on};
use crate::state::AppState;

/// A new credit line, and optionally the partner's own credit terms.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreditLine {
    /// Yuan, `"50000.00"`.
    pub credit_line: String,
    /// Days from approval to due (账期), 0–366; `null` returns the partner to the brand's terms;
    /// left out, unchanged.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>)]
    pub terms_days: Option<Option<i64>>,
}

/// Tells a field sent as `null` (`Some(None)`) from one left out (`None`, by `default`).
fn present<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<Option<i64>>, D::Error> {
    Option::<i64>::deserialize(deserializer).map(Some)
}

/// A prepayment received.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Prepayment {
    /// Yuan, `"10000.00"`.
    pub amount: String,
    /// Bank reference or note.
    pub memo: Option<String>,
}

async fn accounts(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<PartnerId>,
) -> WebResult<Json<Vec<AccountView>>> {
    Ok(Json(uc::partner_accounts(state.app(), &ctx, id).await?))
}

async fn credit_line(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<PartnerId>,
    ApiJson(body): ApiJson<CreditLine>,
) -> WebResult<axum::response::Response> {
    let gated = uc::set_credit_line(state.app(), &ctx, id, &body.credit_line, body.terms_days).await?;
    Ok(crate::api::approvals::gated_response(gated))
}

async fn prepayment(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Idem(idem): Idem,
    Id(id): Id<PartnerId>,
    ApiJson(body): ApiJson<Prepayment>,
) -> WebResult<impl IntoResponse> {
    let view: PrepaymentView =
        uc::record_prepayment(state.app(), &ctx, id, &body.amount, body.memo.as_deref(), idem.as_ref()).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// The routes.
pub const ROUTES: &[Route] = &[
    Route::api(
        Verb::Get,
        "/api/v1/partners/{id}/accounts",
        Permission::AccountsRead,
        "A partner's credit, prepaid and rebate accounts",
        |v| on(v, accounts),
    )
    .params(&[("id", ObjectKind::Partner)])
    .response(schema::<Vec<AccountView>>),
    Route::api(
        Verb::Put,
        "/api/v1/partners/{id}/credit-line",
        Permission::FinanceManage,
        "Set a partner's credit line and credit terms (账期); 202 with Location when an approval flow holds the change",
        |v| on(v, credit_line),
    )
    .params(&[("id", ObjectKind::Partner)])
    .effect(Effect::Change)
    .body(schema::<CreditLine>)
    .example(|| serde_json::json!({ "credit_line": "50000.00", "terms_days": 45 }))
    .response(schema::<Vec<AccountView>>),
    Route::api(
        Verb::Post,
        "/api/v1/partners/{id}/prepayments",
        Permission::FinanceManage,
        "Record a prepayment received from a partner",
        |v| on(v, prepayment),
    )
    .params(&[("id", ObjectKind::Partner)])
    .effect(Effect::Create)
    .body(schema::<Prepayment>)
    .example(|| serde_json::json!({ "amount": "10000.00", "memo": "工行转账 20261127" }))
    .response(schema::<PrepaymentView>),
];
