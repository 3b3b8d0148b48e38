//! `/api/v1/registrations`: deal registration (客户报备) — claims, their conflicts and decisions,
//! extensions, the pool, and the brand's rules.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use qudao_app::deals::{
    self as uc, Decision, RegistrationBody, RegistrationQuery, RegistrationRules, RegistrationView,
};
use qudao_domain::access::Permission;
use qudao_domain::ids::RegistrationId;
use qudao_store::deals::registrations::PoolEntry;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::context::Authed;
use crate::error::WebResult;
use crate::extract::{ApiJson, ApiQuery, Id};
use crate::guard::Idem;
use crate::openapi::{list_of, schema};
use crate::registry::{Effect, ObjectKind, Route, Verb, on};
use crate::state::AppState;

async fn create(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Idem(idem): Idem,
    ApiJson(body): ApiJson<RegistrationBody>,
) -> WebResult<(StatusCode, Json<RegistrationView>)> {
    Ok((StatusCode::CREATED, Json(uc::submit(state.app(), &ctx, &body, idem.as_ref()).await?)))
}

async fn list(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    ApiQuery(query): ApiQuery<RegistrationQuery>,
) -> WebResult<Json<Vec<RegistrationView>>> {
    Ok(Json(uc::list(state.app(), &ctx, &query).await?))
}

async fn show(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<RegistrationId>,
) -> WebResult<Json<RegistrationView>> {
    Ok(Json(uc::get(state.app(), &ctx, id).await?))
}

async fn decide(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<RegistrationId>,
    ApiJson(body): ApiJson<Decision>,
) -> WebResult<Json<RegistrationView>> {
    Ok(Json(uc::decide(state.app(), &ctx, id, &body).await?))
}

/// A reason or comment.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Note {
    /// Free text (optional).
    #[serde(default)]
    pub comment: Option<String>,
}

async fn release(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<RegistrationId>,
    ApiJson(body): ApiJson<Note>,
) -> WebResult<Json<RegistrationView>> {
    Ok(Json(uc::release(state.app(), &ctx, id, body.comment.as_deref()).await?))
}

async fn extend(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<RegistrationId>,
    ApiJson(body): ApiJson<Note>,
) -> WebResult<Json<RegistrationView>> {
    Ok(Json(uc::ask_extension(state.app(), &ctx, id, body.comment.as_deref()).await?))
}

async fn decide_extension(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<RegistrationId>,
    ApiJson(body): ApiJson<Decision>,
) -> WebResult<Json<RegistrationView>> {
    Ok(Json(uc::decide_extension(state.app(), &ctx, id, &body).await?))
}

#[derive(Debug, Default, Deserialize)]
struct PoolQuery {
    q: Option<String>,
}

async fn pool(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    ApiQuery(query): ApiQuery<PoolQuery>,
) -> WebResult<Json<Vec<PoolEntry>>> {
    Ok(Json(uc::pool(state.app(), &ctx, query.q.as_deref()).await?))
}

async fn claim(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Idem(idem): Idem,
    Id(id): Id<RegistrationId>,
    ApiJson(body): ApiJson<Note>,
) -> WebResult<(StatusCode, Json<RegistrationView>)> {
    Ok((StatusCode::CREATED, Json(uc::claim(state.app(), &ctx, id, body.comment.as_deref(), idem.as_ref()).await?)))
}

async fn rules(State(state): State<AppState>, Authed(ctx, _): Authed) -> WebResult<Json<RegistrationRules>> {
    Ok(Json(uc::get_rules(state.app(), &ctx).await?))
}

async fn set_rules(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    ApiJson(body): ApiJson<RegistrationRules>,
) -> WebResult<Json<RegistrationRules>> {
    Ok(Json(uc::set_rules(state.app(), &ctx, &body).await?))
}

const REGISTRATION: &[(&str, ObjectKind)] = &[("id", ObjectKind::Registration)];

/// The routes.
pub const ROUTES: &[Route] = &[
    Route::api(
        Verb::Post,
        "/api/v1/registrations",
        Permission::DealsRegister,
        "Register an end customer for the caller's partner; answers the registration with its status \
         (approved = protected, pending = a channel manager decides, rejected = a duplicate of a protected \
         claim) and its conflicts, each with its evidence (never naming the other partner)",
        |v| on(v, create),
    )
    .effect(Effect::Create)
    .body(schema::<RegistrationBody>)
    .example(|| {
        serde_json::json!({
            "customer_name": "上海澄明精密仪器有限公司",
            "credit_code": "91310115MA1K4CPQ8W",
            "region": "CN-SH",
            "expected_amount": "500000",
            "contacts": [{ "name": "周经理", "phone": "13916008800", "email": "zhou@chengming-inst.com" }]
        })
    })
    .response(schema::<RegistrationView>),
    Route::api(
        Verb::Get,
        "/api/v1/registrations",
        Permission::DealsRead,
        "Registrations the caller may see, newest first, each with its conflicts; filter by status, \
         partner_id, q (name, pinyin, credit code, number) and extension_asked",
        |v| on(v, list),
    )
    .response(list_of::<RegistrationView>),
    Route::api(
        Verb::Get,
        "/api/v1/registrations/{id}",
        Permission::DealsRead,
        "One registration with its conflicts, protection days left and timeline",
        |v| on(v, show),
    )
    .params(REGISTRATION)
    .response(schema::<RegistrationView>),
    Route::api(
        Verb::Post,
        "/api/v1/registrations/{id}/decision",
        Permission::DealsManage,
        "Approve (protection starts) or reject a pending registration, with a comment",
        |v| on(v, decide),
    )
    .params(REGISTRATION)
    .effect(Effect::Change)
    .body(schema::<Decision>)
    .example(|| serde_json::json!({ "decision": "reject", "comment": "与另一家的报备为同一客户" }))
    .response(schema::<RegistrationView>),
    Route::api(
        Verb::Post,
        "/api/v1/registrations/{id}/release",
        Permission::DealsRelease,
        "Give up a claim (its partner) or take it back (the brand): the customer goes to the pool",
        |v| on(v, release),
    )
    .params(REGISTRATION)
    .effect(Effect::Change)
    .body(schema::<Note>)
    .example(|| serde_json::json!({ "comment": "客户已转向其他品牌" }))
    .response(schema::<RegistrationView>),
    Route::api(
        Verb::Post,
        "/api/v1/registrations/{id}/extension",
        Permission::DealsRegister,
        "Ask for a longer protection: granted by rule, or waiting for a channel manager",
        |v| on(v, extend),
    )
    .params(REGISTRATION)
    .effect(Effect::Change)
    .body(schema::<Note>)
    .example(|| serde_json::json!({ "comment": "客户招标推迟到下月" }))
    .response(schema::<RegistrationView>),
    Route::api(
        Verb::Post,
        "/api/v1/registrations/{id}/extension/decision",
        Permission::DealsManage,
        "Grant or refuse a waiting extension",
        |v| on(v, decide_extension),
    )
    .params(REGISTRATION)
    .effect(Effect::Change)
    .body(schema::<Decision>)
    .example(|| serde_json::json!({ "decision": "approve" }))
    .response(schema::<RegistrationView>),
    Route::api(
        Verb::Get,
        "/api/v1/registration-pool",
        Permission::DealsRead,
        "Customers whose claims expired or were released and nobody has taken over (name, region, industry)",
        |v| on(v, pool),
    )
    .response(list_of::<PoolEntry>),
    Route::api(
        Verb::Post,
        "/api/v1/registration-pool/{id}/claim",
        Permission::DealsRegister,
        "Claim a customer from the pool: a new registration, checked like any other",
        |v| on(v, claim),
    )
    .params(&[("id", ObjectKind::PoolEntry)])
    .effect(Effect::Create)
    .body(schema::<Note>)
    .example(|| serde_json::json!({ "comment": "客户重新启动采购，我司跟进" }))
    .response(schema::<RegistrationView>),
    Route::api(
        Verb::Get,
        "/api/v1/registration-rules",
        Permission::DealsRead,
        "The conflict table and the protection periods",
        |v| on(v, rules),
    )
    .response(schema::<RegistrationRules>),
    Route::api(
        Verb::Put,
        "/api/v1/registration-rules",
        Permission::SettingsManage,
        "Set the conflict table (reject_at, review_at, group_level) and the protection periods",
        |v| on(v, set_rules),
    )
    .effect(Effect::Change)
    .body(schema::<RegistrationRules>)
    .example(|| {
        serde_json::json!({
            "conflicts": { "reject_at": 98, "review_at": 60, "group_level": false },
            "protection": { "default_days": 90, "tier_days": [{ "tier": "gold", "days": 180 }], "extension_days": 30,
                            "auto_extensions": 1, "max_extensions": 3, "remind_days": 7 }
        })
    })
    .response(schema::<RegistrationRules>),
];
