//! Portal pages for a partner administrator: their own company's users, invitations of sales
//! reps and finance staff, suspension and password-reset links. The company is always the
//! caller's own: it is never read from a form.

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use qudao_app::access::users as uc;
use qudao_domain::access::Permission;
use qudao_domain::ids::UserId;
use qudao_store::access::users::{UserFilter, UserStatus};
use serde::Deserialize;

use crate::api::ListQuery;
use crate::context::Authed;
use crate::error::WebResult;
use crate::extract::{ApiQuery, Id, PageForm};
use crate::pages::console::users::invite::{InviteForm, PORTAL, invitation_form, submit_invitation};
use crate::pages::console::users::list::UserRow;
use crate::pages::console::users::manage::reset_link;
use crate::pages::{Chrome, FormState, page, see_other};
use crate::registry::{Effect, ObjectKind, Route, Verb, on};
use crate::state::AppState;

/// Rows per page.
const PAGE_SIZE: u32 = 100;

/// A user row with what the caller may do to it.
struct PortalRow {
    user: UserRow,
    is_self: bool,
    suspended: bool,
}

#[derive(Template)]
#[template(path = "portal/users.html")]
struct UsersPage {
    c: Chrome,
    rows: Vec<PortalRow>,
    next: Option<String>,
    may_manage: bool,
}

/// `?after=` of the pager.
#[derive(Debug, Deserialize, Default)]
struct PortalUsersQuery {
    #[serde(default)]
    after: String,
}

async fn list_users(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    ApiQuery(query): ApiQuery<PortalUsersQuery>,
) -> WebResult<Response> {
    let page_request = ListQuery { limit: Some(PAGE_SIZE), after: Some(query.after) }.page()?;
    // The own company only, even where the scope also shows sub-dealers.
    let filter = UserFilter { partner: ctx.caller().partner_id(), ..UserFilter::default() };
    let found = uc::list_users(state.app(), &ctx, &filter, &page_request).await?;
    let c = Chrome::new(&state, &context, "users.title", "/portal/users").await;
    let me = ctx.caller().user_id();
    let rows = found
        .items
        .iter()
        .map(|user| PortalRow {
            user: UserRow::of(&c, user),
            is_self: user.id == me,
            suspended: user.status == UserStatus::Suspended,
        })
        .collect();
    let next = found.next.map(|cursor| format!("/portal/users?after={}", urlencode(&cursor)));
    Ok(page(&UsersPage { c, rows, next, may_manage: ctx.caller().may(Permission::UsersManage) }))
}

fn urlencode(text: &str) -> String {
    serde_urlencoded::to_string([("x", text)]).map(|s| s.trim_start_matches("x=").to_string()).unwrap_or_default()
}

async fn new_user(State(state): State<AppState>, Authed(ctx, context): Authed) -> WebResult<Response> {
    let form = FormState::with_values([("role", "partner_sales")]);
    Ok(invitation_form(&state, &ctx, &context, PORTAL, form, StatusCode::OK).await)
}

async fn invite_user(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    headers: HeaderMap,
    PageForm(form): PageForm<InviteForm>,
) -> WebResult<Response> {
    submit_invitation(&state, &ctx, &context, &headers, form, PORTAL).await
}

async fn suspend_user(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<UserId>,
) -> WebResult<Response> {
    uc::suspend_user(state.app(), &ctx, id).await?;
    Ok(see_other("/portal/users", Some("users.flash.suspended")))
}

async fn reactivate_user(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<UserId>,
) -> WebResult<Response> {
    uc::reactivate_user(state.app(), &ctx, id).await?;
    Ok(see_other("/portal/users", Some("users.flash.reactivated")))
}

async fn reset_password(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    headers: HeaderMap,
    Id(id): Id<UserId>,
) -> WebResult<Response> {
    reset_link(&state, &ctx, &context, &headers, id, "/portal/users".into(), "/portal/users").await
}

const USER: &[(&str, ObjectKind)] = &[("id", ObjectKind::User)];

/// The routes.
pub const ROUTES: &[Route] = &[
    Route::page(Verb::Get, "/portal/users", Permission::UsersRead, "The own company's users", |v| on(v, list_users)),
    Route::page(Verb::Get, "/portal/users/new", Permission::UsersManage, "The invitation form", |v| on(v, new_user)),
    Route::page(
        Verb::Post,
        "/portal/users",
        Permission::UsersManage,
        "Invite a colleague into the own company; shows the link once",
        |v| on(v, invite_user),
    )
    .effect(Effect::Create)
    .form(&[("login", "portal.invitee"), ("display_name", "门户受邀人"), ("role", "partner_sales")]),
    Route::page(Verb::Post, "/portal/users/{id}/suspend", Permission::UsersManage, "Suspend a colleague", |v| {
        on(v, suspend_user)
    })
    .params(USER)
    .effect(Effect::Change),
    Route::page(Verb::Post, "/portal/users/{id}/reactivate", Permission::UsersManage, "Lift a suspension", |v| {
        on(v, reactivate_user)
    })
    .params(USER)
    .effect(Effect::Change),
    Route::page(
        Verb::Post,
        "/portal/users/{id}/reset-password",
        Permission::UsersManage,
        "Make a password-reset link for a colleague; shows it once",
        |v| on(v, reset_password),
    )
    .params(USER)
    .effect(Effect::Change),
];
