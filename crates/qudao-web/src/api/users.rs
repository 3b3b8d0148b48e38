//! `/api/v1/users`: invitations, suspension, password resets, roles, territories; and the
//! caller's own language and password.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use qudao_app::access::users::{self as uc, InviteInput, Invited, ResetLink};
use qudao_domain::access::{Permission, Role};
use qudao_domain::ids::{PartnerId, UserId};
use qudao_store::access::assignments::AssignmentView;
use qudao_store::access::users::{UserFilter, UserView};
use qudao_store::page::Page;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::ListQuery;
use crate::context::Authed;
use crate::error::{WebError, WebResult};
use crate::extract::{ApiJson, ApiQuery, Id};
use crate::guard::Idem;
use crate::openapi::{list_of, page_of, schema};
use crate::registry::{Effect, ObjectKind, Route, Verb, on};
use crate::state::AppState;

/// An invitation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserInvite {
    /// Login name (3–40 of a-z 0-9 . _ - @).
    pub login: String,
    /// Display name.
    pub display_name: String,
    /// E-mail.
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Role name.
    pub role: String,
    /// Partner id or code, for partner roles (ignored for partner administrators: always their
    /// own company).
    pub partner: Option<String>,
}

/// A role change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleChange {
    /// New role.
    pub role: String,
    /// Partner id or code, for partner roles.
    pub partner: Option<String>,
}

/// A channel manager's territory.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Territory {
    /// Region codes (a 大区 covers its provinces and cities).
    #[serde(default)]
    pub regions: Vec<String>,
    /// Partner ids or codes.
    #[serde(default)]
    pub partners: Vec<String>,
}

/// A user and their territory.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserDetail {
    /// The user.
    #[serde(flatten)]
    pub user: UserView,
    /// Channel managers' assigned regions and partners.
    pub assignments: Vec<AssignmentView>,
}

/// User list filters.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct UserQuery {
    /// Partner id.
    pub partner: Option<String>,
    /// Role.
    pub role: Option<String>,
    /// Login or name contains.
    pub q: Option<String>,
    /// Only brand staff.
    pub brand_only: Option<bool>,
    /// Page size.
    pub limit: Option<u32>,
    /// Cursor.
    pub after: Option<String>,
}

impl UserQuery {
    /// The store filter.
    pub fn filter(&self) -> WebResult<UserFilter> {
        Ok(UserFilter {
            partner: match self.partner.as_deref().filter(|p| !p.is_empty()) {
                Some(p) => Some(p.parse::<PartnerId>().map_err(|_| WebError::BadQuery("unknown partner".into()))?),
                None => None,
            },
            brand_only: self.brand_only.unwrap_or(false),
            role: match self.role.as_deref().filter(|r| !r.is_empty()) {
                Some(r) => Some(r.parse::<Role>().map_err(|_| WebError::BadQuery("unknown role".into()))?),
                None => None,
            },
            q: self.q.clone(),
        })
    }
}

/// The caller's language.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LocaleChange {
    /// `zh-CN`, `en`, or empty to follow the browser.
    pub locale: String,
}

/// The caller's password change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    /// The current password.
    pub current_password: String,
    /// The new password.
    pub new_password: String,
}

async fn list(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    ApiQuery(query): ApiQuery<UserQuery>,
) -> WebResult<Json<Page<UserView>>> {
    let page = ListQuery { limit: query.limit, after: query.after.clone() }.page()?;
    Ok(Json(uc::list_users(state.app(), &ctx, &query.filter()?, &page).await?))
}

async fn show(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<UserId>,
) -> WebResult<Json<UserDetail>> {
    let (user, assignments) = uc::get_user(state.app(), &ctx, id).await?;
    Ok(Json(UserDetail { user, assignments }))
}

async fn invite(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Idem(idem): Idem,
    ApiJson(body): ApiJson<UserInvite>,
) -> WebResult<impl IntoResponse> {
    let input = InviteInput {
        login: body.login,
        display_name: body.display_name,
        email: body.email,
        phone: body.phone,
        role: body.role,
        partner: body.partner,
    };
    let invited: Invited = uc::invite_user(state.app(), &ctx, input, idem.as_ref()).await?;
    Ok((StatusCode::CREATED, Json(invited)))
}

async fn suspend(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<UserId>,
) -> WebResult<Json<UserView>> {
    Ok(Json(uc::suspend_user(state.app(), &ctx, id).await?))
}

async fn reactivate(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<UserId>,
) -> WebResult<Json<UserView>> {
    Ok(Json(uc::reactivate_user(state.app(), &ctx, id).await?))
}

async fn reset(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<UserId>,
) -> WebResult<Json<ResetLink>> {
    Ok(Json(uc::reset_password(state.app(), &ctx, id).await?))
}

async fn role(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<UserId>,
    ApiJson(body): ApiJson<RoleChange>,
) -> WebResult<Json<UserView>> {
    Ok(Json(uc::change_role(state.app(), &ctx, id, &body.role, body.partner.as_deref()).await?))
}

async fn territory(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<UserId>,
    ApiJson(body): ApiJson<Territory>,
) -> WebResult<Json<Vec<AssignmentView>>> {
    Ok(Json(uc::set_assignments(state.app(), &ctx, id, &body.regions, &body.partners).await?))
}

async fn my_locale(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    ApiJson(body): ApiJson<LocaleChange>,
) -> WebResult<StatusCode> {
    uc::set_my_locale(state.app(), &ctx, &body.locale).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn my_password(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    ApiJson(body): ApiJson<PasswordChange>,
) -> WebResult<StatusCode> {
    qudao_app::access::auth::change_password(state.app(), &ctx, &body.current_password, &body.new_password).await?;
    Ok(StatusCode::NO_CONTENT)
}

const USER: &[(&str, ObjectKind)] = &[("id", ObjectKind::User)];

/// The routes.
pub const ROUTES: &[Route] = &[
    Route::api(Verb::Get, "/api/v1/users", Permission::UsersRead, "List users within scope", |v| on(v, list))
        .response(page_of::<UserView>),
    Route::api(
        Verb::Post,
        "/api/v1/users",
        Permission::UsersManage,
        "Invite a user; returns the one-time invitation token",
        |v| on(v, invite),
    )
    .effect(Effect::Create)
    .body(schema::<UserInvite>)
    .example(|| serde_json::json!({ "login": "new.colleague", "display_name": "新同事", "role": "finance" }))
    .response(schema::<Invited>),
    Route::api(Verb::Get, "/api/v1/users/{id}", Permission::UsersRead, "A user and their territory", |v| on(v, show))
        .params(USER)
        .response(schema::<UserDetail>),
    Route::api(
        Verb::Post,
        "/api/v1/users/{id}/suspend",
        Permission::UsersManage,
        "Suspend a user (sessions end at once)",
        |v| on(v, suspend),
    )
    .params(USER)
    .effect(Effect::Change)
    .response(schema::<UserView>),
    Route::api(Verb::Post, "/api/v1/users/{id}/reactivate", Permission::UsersManage, "Lift a suspension", |v| {
        on(v, reactivate)
    })
    .params(USER)
    .effect(Effect::Change)
    .response(schema::<UserView>),
    Route::api(
        Verb::Post,
        "/api/v1/users/{id}/password-reset",
        Permission::UsersManage,
        "Make a one-time password-reset link",
        |v| on(v, reset),
    )
    .params(USER)
    .effect(Effect::Change)
    .response(schema::<ResetLink>),
    Route::api(
        Verb::Put,
        "/api/v1/users/{id}/role",
        Permission::UsersManage,
        "Change a user's role and company",
        |v| on(v, role),
    )
    .params(USER)
    .effect(Effect::Change)
    .body(schema::<RoleChange>)
    .example(|| serde_json::json!({ "role": "marketing" }))
    .response(schema::<UserView>),
    Route::api(
        Verb::Put,
        "/api/v1/users/{id}/assignments",
        Permission::AssignmentsManage,
        "Set a channel manager's regions and partners",
        |v| on(v, territory),
    )
    .params(USER)
    .effect(Effect::Change)
    .body(schema::<Territory>)
    .example(|| serde_json::json!({ "regions": ["CN-SH"], "partners": [] }))
    .response(list_of::<AssignmentView>),
    Route::api(Verb::Put, "/api/v1/me/locale", Permission::SignedIn, "Set the caller's language", |v| on(v, my_locale))
        .effect(Effect::Session)
        .body(schema::<LocaleChange>)
        .example(|| serde_json::json!({ "locale": "en" })),
    Route::api(Verb::Post, "/api/v1/me/password", Permission::SignedIn, "Change the caller's password", |v| {
        on(v, my_password)
    })
    .effect(Effect::Change)
    .body(schema::<PasswordChange>)
    .example(
        || serde_json::json!({ "current_password": "Lanzhou-Noodles-42", "new_password": "Another-Strong-Pass-9" }),
    ),
];
