//! `/api/v1/opportunities`: partners' deals (商机) — entered from an accepted lead or an approved
//! registration, moved through the brand's stages, followed up, won or lost — the stages, and the
//! funnel.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use qudao_app::deals::opportunities::{
    self as uc, FollowupBody, Forecast, ForecastInput, MemberInput, OpportunityBody, OpportunityView, ShareInput,
    StageMove,
};
use qudao_domain::access::Permission;
use qudao_domain::deals::pipeline::{FunnelStage, Stage};
use qudao_store::deals::opportunities::ForecastRollup;
use serde::Deserialize;

use crate::context::Authed;
use crate::error::{WebError, WebResult};
use crate::extract::{ApiJson, ApiQuery};
use crate::guard::Idem;
use crate::openapi::{list_of, schema};
use crate::registry::{Effect, ObjectKind, Route, Verb, on};
use crate::state::AppState;

#[derive(Debug, Deserialize)]
struct OpportunityPath {
    id: String,
}

async fn create(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Idem(idem): Idem,
    ApiJson(body): ApiJson<OpportunityBody>,
) -> WebResult<(StatusCode, Json<OpportunityView>)> {
    Ok((StatusCode::CREATED, Json(uc::create(state.app(), &ctx, &body, idem.as_ref()).await?)))
}

#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    open: Option<bool>,
}

async fn list(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> WebResult<Json<Vec<OpportunityView>>> {
    Ok(Json(uc::list(state.app(), &ctx, query.open.unwrap_or(false)).await?))
}

async fn show(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    axum::extract::Path(path): axum::extract::Path<OpportunityPath>,
) -> WebResult<Json<OpportunityView>> {
    Ok(Json(uc::get(state.app(), &ctx, &path.id).await?))
}

async fn move_stage(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    axum::extract::Path(path): axum::extract::Path<OpportunityPath>,
    ApiJson(body): ApiJson<StageMove>,
) -> WebResult<Json<OpportunityView>> {
    Ok(Json(uc::move_stage(state.app(), &ctx, &path.id, &body).await?))
}

async fn followup(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    axum::extract::Path(path): axum::extract::Path<OpportunityPath>,
    ApiJson(body): ApiJson<FollowupBody>,
) -> WebResult<Json<OpportunityView>> {
    Ok(Json(uc::add_followup(state.app(), &ctx, &path.id, &body, None).await?))
}

/// A follow-up with a picture: multipart `kind`, `note`, `date` and the picture `file`.
async fn followup_with_picture(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    axum::extract::Path(path): axum::extract::Path<OpportunityPath>,
    form: Result<crate::extract::UploadForm, WebError>,
) -> WebResult<Json<OpportunityView>> {
    let form = form?;
    let date = Some(form.value("date")).filter(|d| !d.trim().is_empty());
    let body = FollowupBody { kind: form.value("kind"), note: form.value("note"), date };
    let picture = form.file.map(|f| qudao_app::threads::Attachment { filename: f.filename, bytes: f.bytes });
    Ok(Json(uc::add_followup(state.app(), &ctx, &path.id, &body, picture).await?))
}

async fn share(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    axum::extract::Path(path): axum::extract::Path<OpportunityPath>,
    ApiJson(body): ApiJson<ShareInput>,
) -> WebResult<Json<OpportunityView>> {
    Ok(Json(uc::share(state.app(), &ctx, &path.id, &body).await?))
}

async fn add_member(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    axum::extract::Path(path): axum::extract::Path<OpportunityPath>,
    ApiJson(body): ApiJson<MemberInput>,
) -> WebResult<Json<OpportunityView>> {
    Ok(Json(uc::add_member(state.app(), &ctx, &path.id, &body).await?))
}

async fn stages(State(state): State<AppState>, Authed(ctx, _): Authed) -> WebResult<Json<Vec<Stage>>> {
    Ok(Json(uc::stages(state.app(), &ctx).await?))
}

async fn set_stages(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    ApiJson(body): ApiJson<Vec<Stage>>,
) -> WebResult<Json<Vec<Stage>>> {
    Ok(Json(uc::set_stages(state.app(), &ctx, &body).await?))
}

#[derive(Debug, Default, Deserialize)]
struct FunnelQuery {
    from: Option<String>,
    to: Option<String>,
    stagnant_days: Option<i64>,
}

async fn funnel(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    ApiQuery(query): ApiQuery<FunnelQuery>,
) -> WebResult<Json<Vec<FunnelStage>>> {
    let today = qudao_app::clock::china_date(state.app().now_ms());
    let date = |text: Option<&str>, field: &str, default: u32| -> WebResult<u32> {
        match text.map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(default),
            Some(t) => {
                qudao_domain::dates::parse_date(field, t).map_err(|_| WebError::BadQuery(format!("{field}: a date")))
            }
        }
    };
    let first_of_year = today / 10_000 * 10_000 + 101;
    let from = date(query.from.as_deref(), "from", first_of_year)?;
    let to = date(query.to.as_deref(), "to", today)?;
    let stagnant = query.stagnant_days.unwrap_or(30).clamp(1, 3650);
    Ok(Json(uc::funnel(state.app(), &ctx, from, to, stagnant).await?))
}

#[derive(Debug, Default, Deserialize)]
struct PeriodQuery {
    period: Option<String>,
}

fn period_or_this_month(state: &AppState, query: &PeriodQuery) -> String {
    query.period.clone().filter(|p| !p.trim().is_empty()).unwrap_or_else(|| {
        let today = qudao_app::clock::china_date(state.app().now_ms());
        format!("{}-{:02}", today / 10_000, today / 100 % 100)
    })
}

async fn forecast_draft(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    ApiQuery(query): ApiQuery<PeriodQuery>,
) -> WebResult<Json<Forecast>> {
    let period = period_or_this_month(&state, &query);
    Ok(Json(uc::forecast_draft(state.app(), &ctx, &period).await?))
}

async fn submit_forecast(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    ApiJson(body): ApiJson<ForecastInput>,
) -> WebResult<Json<Forecast>> {
    Ok(Json(uc::submit_forecast(state.app(), &ctx, &body).await?))
}

async fn forecast_rollup(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    ApiQuery(query): ApiQuery<PeriodQuery>,
) -> WebResult<Json<Vec<ForecastRollup>>> {
    let period = period_or_this_month(&state, &query);
    Ok(Json(uc::forecast_rollup(state.app(), &ctx, &period).await?))
}

const OPPORTUNITY: &[(&str, ObjectKind)] = &[("id", ObjectKind::Opportunity)];

/// The routes.
pub const ROUTES: &[Route] = &[
    Route::api(
        Verb::Post,
        "/api/v1/opportunities",
        Permission::DealsRegister,
        "Enter an opportunity for the caller's partner: from_lead (accepted) or from_registration (protected) — \
         which then count as converted — or a customer_name; amount in yuan, close date, products, competitors",
        |v| on(v, create),
    )
    .effect(Effect::Create)
    .body(schema::<OpportunityBody>)
    .example(|| {
        serde_json::json!({ "customer_name": "上海澄明精密仪器有限公司", "name": "澄明 2027 年度测量仪采购",
                            "amount": "520000", "close_date": "2027-03-31", "competitors": "某德国品牌" })
    })
    .response(schema::<OpportunityView>),
    Route::api(
        Verb::Get,
        "/api/v1/opportunities",
        Permission::DealsRead,
        "The caller's opportunities (a partner's own, the brand's in its scope) with stage, probability and \
         weighted amount; open=true for open ones only",
        |v| on(v, list),
    )
    .response(list_of::<OpportunityView>),
    Route::api(
        Verb::Get,
        "/api/v1/opportunities/{id}",
        Permission::DealsRead,
        "One opportunity with its stage visits and follow-up records",
        |v| on(v, show),
    )
    .params(OPPORTUNITY)
    .response(schema::<OpportunityView>),
    Route::api(
        Verb::Post,
        "/api/v1/opportunities/{id}/stage",
        Permission::DealsRegister,
        "Move an opportunity to a stage; won and lost close it (lost needs a reason)",
        |v| on(v, move_stage),
    )
    .params(OPPORTUNITY)
    .effect(Effect::Change)
    .body(schema::<StageMove>)
    .example(|| serde_json::json!({ "stage": "qualify" }))
    .response(schema::<OpportunityView>),
    Route::api(
        Verb::Post,
        "/api/v1/opportunities/{id}/followups",
        Permission::DealsRead,
        "Add a follow-up record (跟进记录): call, visit, meeting or other, with a note (the partners' sellers and the deal's team)",
        |v| on(v, followup),
    )
    .params(OPPORTUNITY)
    .effect(Effect::Change)
    .body(schema::<FollowupBody>)
    .example(|| serde_json::json!({ "kind": "visit", "note": "拜访采购部，确认预算 50 万", "date": "2026-11-28" }))
    .response(schema::<OpportunityView>),
    Route::api(
        Verb::Post,
        "/api/v1/opportunities/{id}/followups/picture",
        Permission::DealsRead,
        "Add a follow-up record with a picture (multipart: kind, note, date, file — PNG, JPEG or WebP)",
        |v| on(v, followup_with_picture),
    )
    .params(OPPORTUNITY)
    .effect(Effect::Change)
    .upload()
    .response(schema::<OpportunityView>),
    Route::api(
        Verb::Post,
        "/api/v1/opportunities/{id}/partners",
        Permission::DealsRegister,
        "Share an opportunity with a linked partner (the owner's parent distributor or one of its sub-dealers), \
         which then sees it",
        |v| on(v, share),
    )
    .params(OPPORTUNITY)
    .effect(Effect::Change)
    .body(schema::<ShareInput>)
    .example(|| serde_json::json!({ "partner_id": "01a2fa44-0000-7000-8000-000000000000" }))
    .response(schema::<OpportunityView>),
    Route::api(
        Verb::Post,
        "/api/v1/opportunities/{id}/members",
        Permission::DealsTeam,
        "Put a person on the deal's joint team with their role: the partner's people or the brand's staff",
        |v| on(v, add_member),
    )
    .params(OPPORTUNITY)
    .effect(Effect::Change)
    .body(schema::<MemberInput>)
    .example(|| serde_json::json!({ "user_id": "01a2fa44-0000-7000-8000-000000000000", "role": "技术支持" }))
    .response(schema::<OpportunityView>),
    Route::api(
        Verb::Get,
        "/api/v1/opportunity-stages",
        Permission::DealsRead,
        "The brand's stages with their probabilities",
        |v| on(v, stages),
    )
    .response(list_of::<Stage>),
    Route::api(
        Verb::Put,
        "/api/v1/opportunity-stages",
        Permission::SettingsManage,
        "Set the stages (codes, names, probabilities; one won, one lost, open probabilities rising)",
        |v| on(v, set_stages),
    )
    .effect(Effect::Change)
    .body(list_of::<Stage>)
    .example(|| serde_json::to_value(qudao_domain::deals::pipeline::default_stages()).unwrap_or_default())
    .response(list_of::<Stage>),
    Route::api(
        Verb::Get,
        "/api/v1/pipeline/funnel",
        Permission::DealsRead,
        "The funnel of the caller's opportunities that entered a stage between from and to (dates): entered, \
         advanced, conversion, mean days in stage, stagnant (over stagnant_days, default 30)",
        |v| on(v, funnel),
    )
    .response(list_of::<FunnelStage>),
    Route::api(
        Verb::Get,
        "/api/v1/forecasts/draft",
        Permission::DealsRegister,
        "The caller's partner's forecast for a month (period=2026-12, default this month): every open \
         opportunity with its category by stage probability, and the totals",
        |v| on(v, forecast_draft),
    )
    .response(schema::<Forecast>),
    Route::api(
        Verb::Post,
        "/api/v1/forecasts",
        Permission::DealsRegister,
        "Commit the partner's monthly forecast (commit / best case / pipeline per open opportunity); a later \
         commit of the same month replaces it",
        |v| on(v, submit_forecast),
    )
    .effect(Effect::Change)
    .body(schema::<ForecastInput>)
    .example(|| serde_json::json!({ "period": "2026-12", "lines": [] }))
    .response(schema::<Forecast>),
    Route::api(
        Verb::Get,
        "/api/v1/forecasts/rollup",
        Permission::DealsRead,
        "The month's committed forecasts rolled up by province and partner tier (period=2026-12)",
        |v| on(v, forecast_rollup),
    )
    .response(list_of::<ForecastRollup>),
];
