//! `/api/v1/adjustments`: manual adjustments (调账), asked for by one finance user and approved by
//! another.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use qudao_app::finance::{self as uc, AdjustmentDecision, AdjustmentInput};
use qudao_domain::access::Permission;
use qudao_domain::ids::{AdjustmentId, PartnerId};
use qudao_store::finance::adjustments::AdjustmentView;
use qudao_store::page::Page;
use serde::Deserialize;

use crate::api::paging::ListQuery;
use crate::api::statements::{partner_filter, status_filter};
use crate::context::Authed;
use crate::error::WebResult;
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
    ApiJson(body): ApiJson<AdjustmentInput>,
) -> WebResult<(StatusCode, Json<AdjustmentView>)> {
    Ok((StatusCode::CREATED, Json(uc::request_adjustment(state.app(), &ctx, partner, &body, idem.as_ref()).await?)))
}

#[derive(Debug, Default, Deserialize)]
struct AdjustmentQuery {
    partner_id: Option<String>,
    status: Option<String>,
    limit: Option<u32>,
    after: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    ApiQuery(query): ApiQuery<AdjustmentQuery>,
) -> WebResult<Json<Page<AdjustmentView>>> {
    let page = ListQuery { limit: query.limit, after: query.after.clone() }.page()?;
    let partner = partner_filter(query.partner_id.as_deref())?;
    let status = status_filter(query.status.as_deref(), &["pending", "approved", "rejected"])?;
    Ok(Json(uc::list_adjustments(state.app(), &ctx, partner, status, &page).await?))
}

async fn show(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<AdjustmentId>,
) -> WebResult<Json<AdjustmentView>> {
    Ok(Json(uc::get_adjustment(state.app(), &ctx, id).await?))
}

async fn approve(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<AdjustmentId>,
    ApiJson(body): ApiJson<AdjustmentDecision>,
) -> WebResult<Json<AdjustmentView>> {
    Ok(Json(uc::decide_adjustment(state.app(), &ctx, id, true, &body).await?))
}

async fn reject(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<AdjustmentId>,
    ApiJson(body): ApiJson<AdjustmentDecision>,
) -> WebResult<Json<AdjustmentView>> {
    Ok(Json(uc::decide_adjustment(state.app(), &ctx, id, false, &body).await?))
}

/// The routes.
pub const ROUTES: &[Route] = &[
    Route::api(
        Verb::Post,
        "/api/v1/partners/{id}/adjustments",
        Permission::FinanceManage,
        "Ask for a manual adjustment of a partner's receivable, prepaid or rebate balance, with a reason",
        |v| on(v, create),
    )
    .params(&[("id", ObjectKind::Partner)])
    .effect(Effect::Create)
    .body(schema::<AdjustmentInput>)
    .example(|| serde_json::json!({ "account": "rebate", "amount": "500.00", "reason": "Q3 陈列奖励补发" }))
    .response(schema::<AdjustmentView>),
    Route::api(
        Verb::Get,
        "/api/v1/adjustments",
        Permission::AccountsRead,
        "Adjustments, newest first (brand users); filter by partner_id and status",
        |v| on(v, list),
    )
    .response(page_of::<AdjustmentView>),
    Route::api(Verb::Get, "/api/v1/adjustments/{id}", Permission::AccountsRead, "An adjustment (brand users)", |v| {
        on(v, show)
    })
    .params(&[("id", ObjectKind::Adjustment)])
    .response(schema::<AdjustmentView>),
    Route::api(
        Verb::Post,
        "/api/v1/adjustments/{id}/approve",
        Permission::FinanceManage,
        "Approve an adjustment someone else asked for; its journal entry is posted",
        |v| on(v, approve),
    )
    .params(&[("id", ObjectKind::Adjustment)])
    .effect(Effect::Change)
    .body(schema::<AdjustmentDecision>)
    .example(|| serde_json::json!({ "comment": "已核实" }))
    .response(schema::<AdjustmentView>),
    Route::api(
        Verb::Post,
        "/api/v1/adjustments/{id}/reject",
        Permission::FinanceManage,
        "Reject (or withdraw one's own) pending adjustment",
        |v| on(v, reject),
    )
    .params(&[("id", ObjectKind::Adjustment)])
    .effect(Effect::Change)
    .body(schema::<AdjustmentDecision>)
    .example(|| serde_json::json!({ "comment": "金额有误" }))
    .response(schema::<AdjustmentView>),
];
