//! `/api/v1/approval-flows`, `/api/v1/approvals`, `/api/v1/approval-delegations`: the flows an
//! administrator configures, the approvals waiting for the caller and what they do with them,
//! and hand-overs while away.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use qudao_app::approvals::{
    self as uc, ActionInput, ApprovalView, BulkResult, DelegationInput, QueueQuery,
    flows::{self, FlowInput, FlowView},
};
use qudao_domain::access::Permission;
use qudao_domain::approvals::Subject;
use qudao_domain::ids::{ApprovalId, DelegationId, FlowId, OrderId, ReturnId};
use qudao_store::approvals::delegations::DelegationView;
use qudao_store::page::Page;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::api::paging::ListQuery;
use crate::api::statements::partner_filter;
use crate::context::Authed;
use crate::error::{WebError, WebResult};
use crate::extract::{ApiJson, ApiQuery, Id};
use crate::guard::Idem;
use crate::openapi::{page_of, schema};
use crate::registry::{Effect, ObjectKind, Route, Verb, on};
use crate::state::AppState;

#[derive(Debug, Default, Deserialize)]
struct FlowQuery {
    object_kind: Option<String>,
}

async fn list_flows(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    ApiQuery(query): ApiQuery<FlowQuery>,
) -> WebResult<Json<Vec<FlowView>>> {
    let kind = query.object_kind.as_deref().map(str::trim).filter(|k| !k.is_empty());
    Ok(Json(flows::list(state.app(), &ctx, kind).await?))
}

async fn create_flow(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Idem(idem): Idem,
    ApiJson(body): ApiJson<FlowInput>,
) -> WebResult<(StatusCode, Json<FlowView>)> {
    Ok((StatusCode::CREATED, Json(flows::create(state.app(), &ctx, &body, idem.as_ref()).await?)))
}

async fn show_flow(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<FlowId>,
) -> WebResult<Json<FlowView>> {
    Ok(Json(flows::get(state.app(), &ctx, id).await?))
}

async fn update_flow(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<FlowId>,
    ApiJson(body): ApiJson<FlowInput>,
) -> WebResult<Json<FlowView>> {
    Ok(Json(flows::update(state.app(), &ctx, id, &body).await?))
}

async fn archive_flow(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<FlowId>,
) -> WebResult<Json<FlowView>> {
    Ok(Json(flows::set_active(state.app(), &ctx, id, false).await?))
}

async fn activate_flow(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<FlowId>,
) -> WebResult<Json<FlowView>> {
    Ok(Json(flows::set_active(state.app(), &ctx, id, true).await?))
}

#[derive(Debug, Default, Deserialize)]
struct WaitingQuery {
    object_kind: Option<String>,
    partner_id: Option<String>,
    simple: Option<bool>,
    min_amount: Option<i64>,
    limit: Option<u32>,
    after: Option<String>,
}

async fn waiting(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    ApiQuery(query): ApiQuery<WaitingQuery>,
) -> WebResult<Json<Page<ApprovalView>>> {
    let page = ListQuery { limit: query.limit, after: query.after.clone() }.page()?;
    let kind = match query.object_kind.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
        Some(kind) => Some(Subject::parse(kind).ok_or_else(|| WebError::BadQuery("unknown object_kind".into()))?),
        None => None,
    };
    let filter = QueueQuery {
        kind,
        partner: partner_filter(query.partner_id.as_deref())?,
        simple_only: query.simple.unwrap_or(false),
        min_amount: query.min_amount,
    };
    Ok(Json(uc::waiting(state.app(), &ctx, &filter, &page).await?))
}

/// How many approvals wait for the caller.
#[derive(Debug, serde::Serialize, ToSchema)]
struct WaitingCount {
    /// Approvals waiting for the caller.
    waiting: i64,
}

async fn waiting_count(State(state): State<AppState>, Authed(ctx, _): Authed) -> WebResult<Json<WaitingCount>> {
    Ok(Json(WaitingCount { waiting: uc::waiting_count(state.app(), &ctx).await? }))
}

async fn show(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<ApprovalId>,
) -> WebResult<Json<ApprovalView>> {
    Ok(Json(uc::get(state.app(), &ctx, id).await?))
}

async fn act(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<ApprovalId>,
    ApiJson(body): ApiJson<ActionInput>,
) -> WebResult<Json<ApprovalView>> {
    Ok(Json(uc::act_on(state.app(), &ctx, id, &body).await?))
}

/// Approvals to approve at once.
#[derive(Debug, Deserialize, ToSchema)]
struct BulkInput {
    /// The approvals (at most 200).
    ids: Vec<ApprovalId>,
    /// A comment for all of them.
    #[serde(default)]
    comment: Option<String>,
}

async fn bulk(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    ApiJson(body): ApiJson<BulkInput>,
) -> WebResult<Json<BulkResult>> {
    Ok(Json(uc::bulk_approve(state.app(), &ctx, &body.ids, body.comment.as_deref()).await?))
}

/// The answer of a change an approval flow may hold: 200 with the object changed, or 202 with
/// the object as it still is and `Location` naming the approval it waits for.
pub fn gated_response<T: serde::Serialize>(gated: qudao_app::approvals::Gated<T>) -> axum::response::Response {
    use axum::response::IntoResponse;
    match gated {
        qudao_app::approvals::Gated::Applied(object) => Json(object).into_response(),
        qudao_app::approvals::Gated::Waiting(object, approval) => {
            let location = format!("/api/v1/approvals/{approval}");
            (StatusCode::ACCEPTED, [(axum::http::header::LOCATION, location)], Json(object)).into_response()
        }
    }
}

async fn of_return(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<ReturnId>,
) -> WebResult<Json<Vec<ApprovalView>>> {
    // The return first, in the caller's scope: a return the caller cannot see is missing.
    qudao_app::orders::get_return(state.app(), &ctx, id).await?;
    Ok(Json(uc::of_object(state.app(), &ctx, Subject::Return.as_str(), &id.to_string()).await?))
}

async fn of_order(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<OrderId>,
) -> WebResult<Json<Vec<ApprovalView>>> {
    // The order first, in the caller's scope: an order the caller cannot see is missing.
    qudao_app::orders::get_order(state.app(), &ctx, id).await?;
    Ok(Json(uc::of_object(state.app(), &ctx, Subject::Order.as_str(), &id.to_string()).await?))
}

async fn my_delegations(State(state): State<AppState>, Authed(ctx, _): Authed) -> WebResult<Json<Vec<DelegationView>>> {
    Ok(Json(uc::my_delegations(state.app(), &ctx).await?))
}

async fn create_delegation(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Idem(idem): Idem,
    ApiJson(body): ApiJson<DelegationInput>,
) -> WebResult<(StatusCode, Json<DelegationView>)> {
    Ok((StatusCode::CREATED, Json(uc::delegate(state.app(), &ctx, &body, idem.as_ref()).await?)))
}

async fn revoke_delegation(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<DelegationId>,
) -> WebResult<StatusCode> {
    uc::revoke_delegation(state.app(), &ctx, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn flow_example() -> serde_json::Value {
    serde_json::json!({
        "object_kind": "order",
        "name": "大额订单审批",
        "applies_if": { "field": "amount_over", "value": 5_000_000 },
        "steps": [
            { "name": "渠道经理审批", "branches": [{ "approvers": [{ "kind": "channel_manager" }, { "kind": "role", "role": "brand_admin" }], "mode": "any" }] },
            { "name": "财务审批", "branches": [{ "approvers": [{ "kind": "role", "role": "brand_admin" }], "mode": "any" }], "escalate_after_ms": 86_400_000 }
        ]
    })
}

/// The routes.
pub const ROUTES: &[Route] = &[
    Route::api(
        Verb::Get,
        "/api/v1/approval-flows",
        Permission::ConsoleAccess,
        "Approval flows per kind of object, in the order they are tried (with the built-in default where none is configured)",
        |v| on(v, list_flows),
    )
    .response(schema::<Vec<FlowView>>),
    Route::api(
        Verb::Post,
        "/api/v1/approval-flows",
        Permission::SettingsManage,
        "Save a new approval flow; it applies to objects submitted from now on",
        |v| on(v, create_flow),
    )
    .effect(Effect::Create)
    .body(schema::<FlowInput>)
    .example(flow_example)
    .response(schema::<FlowView>),
    Route::api(Verb::Get, "/api/v1/approval-flows/{id}", Permission::ConsoleAccess, "An approval flow", |v| {
        on(v, show_flow)
    })
    .params(&[("id", ObjectKind::ApprovalFlow)])
    .response(schema::<FlowView>),
    Route::api(
        Verb::Put,
        "/api/v1/approval-flows/{id}",
        Permission::SettingsManage,
        "Save the next version of a flow; approvals under way keep the version they started with",
        |v| on(v, update_flow),
    )
    .params(&[("id", ObjectKind::ApprovalFlow)])
    .effect(Effect::Change)
    .body(schema::<FlowInput>)
    .example(flow_example)
    .response(schema::<FlowView>),
    Route::api(
        Verb::Post,
        "/api/v1/approval-flows/{id}/archive",
        Permission::SettingsManage,
        "Archive a flow: no longer chosen for new submissions",
        |v| on(v, archive_flow),
    )
    .params(&[("id", ObjectKind::ApprovalFlow)])
    .effect(Effect::Change)
    .response(schema::<FlowView>),
    Route::api(
        Verb::Post,
        "/api/v1/approval-flows/{id}/activate",
        Permission::SettingsManage,
        "Make an archived flow active again",
        |v| on(v, activate_flow),
    )
    .params(&[("id", ObjectKind::ApprovalFlow)])
    .effect(Effect::Change)
    .response(schema::<FlowView>),
    Route::api(
        Verb::Get,
        "/api/v1/approvals/waiting",
        Permission::SignedIn,
        "Approvals waiting for the caller (\"waiting for me\"), newest first; filter by object_kind, partner_id, simple (bulk-approvable) and min_amount (fen)",
        |v| on(v, waiting),
    )
    .response(page_of::<ApprovalView>),
    Route::api(
        Verb::Get,
        "/api/v1/approvals/waiting/count",
        Permission::SignedIn,
        "How many approvals wait for the caller",
        |v| on(v, waiting_count),
    )
    .response(schema::<WaitingCount>),
    Route::api(
        Verb::Post,
        "/api/v1/approvals/bulk-approve",
        Permission::SignedIn,
        "Approve many waiting approvals whose step one approval finishes; the others are listed as refused",
        |v| on(v, bulk),
    )
    .effect(Effect::Change)
    .body(schema::<BulkInput>)
    .example(|| serde_json::json!({ "ids": ["0190a4d2-0000-7000-8000-000000000000"], "comment": "同意" }))
    .response(schema::<BulkResult>),
    Route::api(
        Verb::Get,
        "/api/v1/approvals/{id}",
        Permission::SignedIn,
        "An approval: its steps, who it waits for, whether it is the caller's turn, its history",
        |v| on(v, show),
    )
    .params(&[("id", ObjectKind::Approval)])
    .response(schema::<ApprovalView>),
    Route::api(
        Verb::Post,
        "/api/v1/approvals/{id}/actions",
        Permission::SignedIn,
        "Act on an approval: approve, reject (comment required), return to an earlier step, withdraw (the submitter), delegate",
        |v| on(v, act),
    )
    .params(&[("id", ObjectKind::Approval)])
    .effect(Effect::Change)
    .body(schema::<ActionInput>)
    .example(|| serde_json::json!({ "action": "approve", "comment": "同意" }))
    .response(schema::<ApprovalView>),
    Route::api(
        Verb::Get,
        "/api/v1/orders/{id}/approvals",
        Permission::OrdersRead,
        "An order's approvals (an amended order has been submitted more than once), oldest first",
        |v| on(v, of_order),
    )
    .params(&[("id", ObjectKind::Order)])
    .response(schema::<Vec<ApprovalView>>),
    Route::api(
        Verb::Get,
        "/api/v1/returns/{id}/approvals",
        Permission::OrdersRead,
        "A return's approvals (when a flow of kind return applied to it), oldest first",
        |v| on(v, of_return),
    )
    .params(&[("id", ObjectKind::Return)])
    .response(schema::<Vec<ApprovalView>>),
    Route::api(
        Verb::Get,
        "/api/v1/approval-delegations",
        Permission::SignedIn,
        "The caller's hand-overs of approvals while away",
        |v| on(v, my_delegations),
    )
    .response(schema::<Vec<DelegationView>>),
    Route::api(
        Verb::Post,
        "/api/v1/approval-delegations",
        Permission::SignedIn,
        "Hand the caller's approvals to a colleague for a period (steps that begin meanwhile)",
        |v| on(v, create_delegation),
    )
    .effect(Effect::Create)
    .body(schema::<DelegationInput>)
    .example(|| serde_json::json!({ "delegate_id": "0190a4d2-0000-7000-8000-000000000000", "until_ms": 4_102_444_800_000_i64 }))
    .response(schema::<DelegationView>),
    Route::api(
        Verb::Post,
        "/api/v1/approval-delegations/{id}/revoke",
        Permission::SignedIn,
        "End one of the caller's hand-overs",
        |v| on(v, revoke_delegation),
    )
    .params(&[("id", ObjectKind::Delegation)])
    .effect(Effect::Change),
];
