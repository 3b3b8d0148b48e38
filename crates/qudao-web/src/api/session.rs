//! Sign-in for API clients, and who the caller is.

use axum::Json;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use qudao_app::access::auth::{self, SignIn};
use qudao_domain::access::{Permission, Role, RoleSide};
use qudao_store::partners::PartnerRef;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::context::{Authed, RequestContext};
use crate::error::WebResult;
use crate::extract::ApiJson;
use crate::openapi::schema;
use crate::registry::{Effect, Route, Verb, on};
use crate::state::AppState;

/// `POST /api/v1/session` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionCreate {
    /// Login name.
    pub login: String,
    /// Password.
    pub password: String,
}

/// A new API session.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionCreated {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    /// When the session ends at the latest (epoch ms); it also ends after idling.
    pub expires_ms: i64,
}

/// The caller.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    /// User id.
    pub id: qudao_domain::ids::UserId,
    /// Login.
    pub login: String,
    /// Name.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// Brand or partner side.
    pub side: RoleSide,
    /// The caller's company, for partner users.
    pub partner: Option<PartnerRef>,
    /// Chosen language.
    pub locale: Option<String>,
    /// What the caller may do (narrowed by the key's scopes for API keys).
    pub permissions: Vec<Permission>,
}

async fn create_session(
    axum::extract::State(state): axum::extract::State<AppState>,
    context: RequestContext,
    ApiJson(body): ApiJson<SessionCreate>,
) -> WebResult<impl IntoResponse> {
    let signed_in = auth::sign_in(
        state.app(),
        SignIn { login: body.login, password: body.password, ip: context.ip.clone(), user_agent: None, api: true },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(SessionCreated { token: signed_in.token, expires_ms: signed_in.expires_ms })))
}

async fn delete_session(
    axum::extract::State(state): axum::extract::State<AppState>,
    Authed(ctx, _): Authed,
) -> WebResult<StatusCode> {
    auth::sign_out(state.app(), &ctx).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn me(
    axum::extract::State(state): axum::extract::State<AppState>,
    Authed(ctx, _): Authed,
) -> WebResult<Json<Me>> {
    let caller = ctx.caller();
    let partner = match caller.partner_id() {
        Some(id) => {
            let detail = qudao_app::partners::get_partner(state.app(), &ctx, id).await;
            detail.ok().map(|d| PartnerRef { id: d.partner.id, code: d.partner.code, name: d.partner.name })
        }
        None => None,
    };
    Ok(Json(Me {
        id: caller.user_id(),
        login: caller.login().to_string(),
        display_name: caller.display_name().to_string(),
        role: caller.role(),
        side: caller.role().side(),
        partner,
        locale: caller.locale().map(str::to_string),
        permissions: Permission::ALL.into_iter().filter(|p| caller.may(*p)).collect(),
    }))
}

/// The routes.
pub const ROUTES: &[Route] = &[
    Route::api(Verb::Post, "/api/v1/session", Permission::SignedIn, "Sign in; returns a bearer token", |v| {
        on(v, create_session)
    })
    .public()
    .effect(Effect::Session)
    .body(schema::<SessionCreate>)
    .example(|| serde_json::json!({ "login": "admin", "password": "Harbour-Lights-2026" }))
    .response(schema::<SessionCreated>),
    Route::api(Verb::Delete, "/api/v1/session", Permission::SignedIn, "Sign out (ends this session)", |v| {
        on(v, delete_session)
    })
    .effect(Effect::Session),
    Route::api(Verb::Get, "/api/v1/me", Permission::SignedIn, "The caller, with role, partner and permissions", |v| {
        on(v, me)
    })
    .response(schema::<Me>),
];
