//! `/api/v1/leads`: leads (线索) — entered, imported, listed (a partner's inbox), accepted or
//! declined — and the routing rules with their "test this lead" preview and the SLA report.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use qudao_app::deals::leads::{
    self as uc, ImportReport, LeadBody, LeadQuery, LeadView, Preview, PreviewInput, RuleInput,
};
use qudao_domain::access::Permission;
use qudao_store::deals::leads::{LeadRow, PartnerSla, RuleRow};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::context::Authed;
use crate::error::WebResult;
use crate::extract::{ApiJson, ApiQuery, Upload};
use crate::guard::Idem;
use crate::openapi::{list_of, schema};
use crate::registry::{Effect, ObjectKind, Route, Verb, on};
use crate::state::AppState;

/// A lead id from the path (leads and rules have text ids).
#[derive(Debug, Deserialize)]
struct LeadPath {
    id: String,
}

async fn create(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Idem(idem): Idem,
    ApiJson(body): ApiJson<LeadBody>,
) -> WebResult<(StatusCode, Json<LeadView>)> {
    Ok((StatusCode::CREATED, Json(uc::create(state.app(), &ctx, &body, idem.as_ref()).await?)))
}

async fn list(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    ApiQuery(query): ApiQuery<LeadQuery>,
) -> WebResult<Json<Vec<LeadRow>>> {
    Ok(Json(uc::list(state.app(), &ctx, &query).await?))
}

async fn show(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    axum::extract::Path(path): axum::extract::Path<LeadPath>,
) -> WebResult<Json<LeadView>> {
    Ok(Json(uc::get(state.app(), &ctx, &path.id).await?))
}

async fn accept(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    axum::extract::Path(path): axum::extract::Path<LeadPath>,
) -> WebResult<Json<LeadView>> {
    Ok(Json(uc::accept(state.app(), &ctx, &path.id).await?))
}

/// Why a lead is declined.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeclineBody {
    /// The reason (shown to the brand).
    #[serde(default)]
    pub reason: Option<String>,
}

async fn decline(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    axum::extract::Path(path): axum::extract::Path<LeadPath>,
    ApiJson(body): ApiJson<DeclineBody>,
) -> WebResult<StatusCode> {
    uc::decline(state.app(), &ctx, &path.id, body.reason.as_deref()).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn import(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Idem(idem): Idem,
    upload: Upload,
) -> WebResult<Response> {
    let report: ImportReport = uc::import(state.app(), &ctx, &upload.bytes, idem.as_ref()).await?;
    let status = if report.errors.is_empty() { StatusCode::CREATED } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((status, Json(report)).into_response())
}

async fn rules(State(state): State<AppState>, Authed(ctx, _): Authed) -> WebResult<Json<Vec<RuleRow>>> {
    Ok(Json(uc::rules(state.app(), &ctx).await?))
}

async fn create_rule(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Idem(idem): Idem,
    ApiJson(body): ApiJson<RuleInput>,
) -> WebResult<(StatusCode, Json<RuleRow>)> {
    Ok((StatusCode::CREATED, Json(uc::create_rule(state.app(), &ctx, &body, idem.as_ref()).await?)))
}

async fn update_rule(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    axum::extract::Path(path): axum::extract::Path<LeadPath>,
    ApiJson(body): ApiJson<RuleInput>,
) -> WebResult<Json<RuleRow>> {
    Ok(Json(uc::update_rule(state.app(), &ctx, &path.id, &body).await?))
}

async fn preview(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    ApiJson(body): ApiJson<PreviewInput>,
) -> WebResult<Json<Preview>> {
    Ok(Json(uc::preview(state.app(), &ctx, &body).await?))
}

#[derive(Debug, Default, Deserialize)]
struct SlaQuery {
    days: Option<u32>,
}

async fn sla(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    ApiQuery(query): ApiQuery<SlaQuery>,
) -> WebResult<Json<Vec<PartnerSla>>> {
    Ok(Json(uc::sla(state.app(), &ctx, query.days.unwrap_or(30)).await?))
}

const LEAD: &[(&str, ObjectKind)] = &[("id", ObjectKind::Lead)];

fn rule_example() -> serde_json::Value {
    serde_json::json!({
        "position": 10,
        "rule": {
            "name": "上海制造业线索",
            "lead_regions": ["/R-EAST/CN-SH/"],
            "lead_industries": ["制造业"],
            "tiers": [],
            "capacity": 20,
            "strategy": "round_robin",
            "sla_hours": 24
        }
    })
}

/// The routes.
pub const ROUTES: &[Route] = &[
    Route::api(
        Verb::Post,
        "/api/v1/leads",
        Permission::DealsManage,
        "Enter a lead (company, contact, phone or e-mail, region — required —, industry); it is routed at once",
        |v| on(v, create),
    )
    .effect(Effect::Create)
    .body(schema::<LeadBody>)
    .example(|| {
        serde_json::json!({ "company": "上海汇川精工机械有限公司", "contact_name": "马工", "phone": "13917001234",
                            "region": "CN-SH", "industry": "制造业", "message": "询价 200 台" })
    })
    .response(schema::<LeadView>),
    Route::api(
        Verb::Get,
        "/api/v1/leads",
        Permission::DealsRead,
        "The caller's leads: a partner's own (its inbox), the brand's in its scope (with unassigned ones); filter \
         by status, partner_id and q",
        |v| on(v, list),
    )
    .response(list_of::<LeadRow>),
    Route::api(
        Verb::Post,
        "/api/v1/leads/import",
        Permission::DealsManage,
        "Import leads from CSV or XLSX (company, contact_name, phone, email, region, industry, message), all or nothing",
        |v| on(v, import),
    )
    .effect(Effect::Create)
    .upload()
    .response(schema::<ImportReport>),
    Route::api(Verb::Get, "/api/v1/leads/{id}", Permission::DealsRead, "One lead with its assignments and reasons", |v| {
        on(v, show)
    })
    .params(LEAD)
    .response(schema::<LeadView>),
    Route::api(
        Verb::Post,
        "/api/v1/leads/{id}/accept",
        Permission::DealsRegister,
        "Accept a lead assigned to the caller's partner, before its deadline",
        |v| on(v, accept),
    )
    .params(LEAD)
    .effect(Effect::Change)
    .response(schema::<LeadView>),
    Route::api(
        Verb::Post,
        "/api/v1/leads/{id}/decline",
        Permission::DealsRegister,
        "Decline a lead assigned to the caller's partner; it is routed on at once, never back to it",
        |v| on(v, decline),
    )
    .params(LEAD)
    .effect(Effect::Change)
    .body(schema::<DeclineBody>)
    .example(|| serde_json::json!({ "reason": "不在我司服务范围" })),
    Route::api(Verb::Get, "/api/v1/routing-rules", Permission::SettingsManage, "The routing rules, in the order tried", |v| {
        on(v, rules)
    })
    .response(list_of::<RuleRow>),
    Route::api(
        Verb::Post,
        "/api/v1/routing-rules",
        Permission::SettingsManage,
        "Add a routing rule; refused when it could route to no partner",
        |v| on(v, create_rule),
    )
    .effect(Effect::Create)
    .body(schema::<RuleInput>)
    .example(rule_example)
    .response(schema::<RuleRow>),
    Route::api(
        Verb::Put,
        "/api/v1/routing-rules/{id}",
        Permission::SettingsManage,
        "Change a routing rule (position, active, the rule; guarded by `revision` when sent)",
        |v| on(v, update_rule),
    )
    .params(&[("id", ObjectKind::RoutingRule)])
    .effect(Effect::Change)
    .body(schema::<RuleInput>)
    .example(rule_example)
    .response(schema::<RuleRow>),
    Route::api(
        Verb::Post,
        "/api/v1/routing-rules/preview",
        Permission::SettingsManage,
        "Test a lead: where it would go now and why (nothing is written)",
        |v| on(v, preview),
    )
    .body(schema::<PreviewInput>)
    .example(|| serde_json::json!({ "region": "CN-SH", "industry": "制造业" }))
    .response(schema::<Preview>),
    Route::api(
        Verb::Get,
        "/api/v1/lead-sla",
        Permission::DealsManage,
        "How each partner answered its leads over the last `days` (30): accepted, declined, timed out (SLA breaches)",
        |v| on(v, sla),
    )
    .response(list_of::<PartnerSla>),
];
