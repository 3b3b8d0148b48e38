//! Signing in and out, accepting invitations, resetting passwords, choosing the language.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::http::header::USER_AGENT;
use axum::response::{IntoResponse, Response};
use qudao_app::AppError;
use qudao_app::access::auth::{self, SignIn};
use qudao_domain::access::{Permission, RoleSide};
use qudao_store::access::tokens::Purpose;
use serde::Deserialize;

use super::{Chrome, FormState, page, render, see_other};
use crate::context::{Authed, RequestContext};
use crate::cookies;
use crate::error::{WebError, WebResult};
use crate::extract::PageForm;
use crate::i18n::Lang;
use crate::registry::{Effect, ObjectKind, Route, Verb, on};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    c: Chrome,
    form: FormState,
    next: String,
}

/// Only local paths are followed after sign-in, so a crafted link cannot send a user elsewhere.
fn safe_next(next: Option<&str>) -> Option<String> {
    next.filter(|n| n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') && !n.starts_with("/login"))
        .map(str::to_string)
}

/// `?next=` of the sign-in page.
#[derive(Debug, Deserialize, Default)]
struct NextQuery {
    next: Option<String>,
}

async fn login_page(
    State(state): State<AppState>,
    context: RequestContext,
    axum::extract::Query(query): axum::extract::Query<NextQuery>,
) -> Response {
    if let Some(caller) = &context.caller {
        return see_other(home_of(caller.role().side()), None);
    }
    let c = Chrome::new(&state, &context, "login.title", "").await;
    page(&LoginPage { c, form: FormState::new(), next: safe_next(query.next.as_deref()).unwrap_or_default() })
}

fn home_of(side: RoleSide) -> &'static str {
    match side {
        RoleSide::Brand => "/console",
        RoleSide::Partner => "/portal",
    }
}

/// The sign-in form.
#[derive(Debug, Deserialize)]
struct LoginForm {
    login: String,
    password: String,
    #[serde(default)]
    next: String,
}

async fn login(
    State(state): State<AppState>,
    context: RequestContext,
    headers: HeaderMap,
    PageForm(form): PageForm<LoginForm>,
) -> Response {
    let user_agent = headers.get(USER_AGENT).and_then(|v| v.to_str().ok()).map(|v| v.chars().take(200).collect());
    let attempt =
        SignIn { login: form.login.clone(), password: form.password, ip: context.ip.clone(), user_agent, api: false };
    match auth::sign_in(state.app(), attempt).await {
        Ok(signed_in) => {
            let target = safe_next(Some(&form.next)).unwrap_or_else(|| home_of(signed_in.caller.role().side()).into());
            let mut response = see_other(&target, None);
            let max_age = (signed_in.expires_ms - state.app().now_ms()) / 1000;
            cookies::set(
                &mut response,
                cookies::SESSION,
                &signed_in.token,
                Some(max_age),
                true,
                state.config().secure_cookies,
            );
            response
        }
        Err(error) => {
            let (status, key) = match error {
                AppError::Unauthenticated => (StatusCode::UNAUTHORIZED, "login.failed"),
                AppError::Throttled { .. } => (StatusCode::TOO_MANY_REQUESTS, "error.throttled"),
                other => return WebError::from(other).into_response(),
            };
            let c = Chrome::new(&state, &context, "login.title", "").await;
            let mut state_form = FormState::with_values([("login", form.login)]);
            state_form.fail_general(context.lang, key);
            render(status, &LoginPage { c, form: state_form, next: safe_next(Some(&form.next)).unwrap_or_default() })
        }
    }
}

async fn logout(State(state): State<AppState>, Authed(ctx, _): Authed) -> WebResult<Response> {
    auth::sign_out(state.app(), &ctx).await?;
    let mut response = see_other("/login", Some("login.signed_out"));
    cookies::clear(&mut response, cookies::SESSION, state.config().secure_cookies);
    Ok(response)
}

async fn root(context: RequestContext) -> Response {
    match &context.caller {
        Some(caller) => see_other(home_of(caller.role().side()), None),
        None => see_other("/login", None),
    }
}

#[derive(Template)]
#[template(path = "set_password.html")]
struct SetPasswordPage {
    c: Chrome,
    form: FormState,
    heading: &'static str,
    login: String,
    display_name: String,
    action: String,
}

fn purpose_of(kind: &str) -> (Purpose, &'static str, &'static str) {
    if kind == "invitations" {
        (Purpose::Invite, "invite.title", "/invitations")
    } else {
        (Purpose::Reset, "reset.title", "/password-reset")
    }
}

async fn link_page(
    state: &AppState,
    context: &RequestContext,
    token: &str,
    kind: &str,
    form: FormState,
    status: StatusCode,
) -> WebResult<Response> {
    let (purpose, heading, base) = purpose_of(kind);
    let holder = auth::peek_link(state.app(), token, purpose).await?;
    let c = Chrome::new(state, context, heading, "").await;
    let heading = c.t(heading);
    Ok(render(
        status,
        &SetPasswordPage {
            c,
            form,
            heading,
            login: holder.login,
            display_name: holder.display_name,
            action: format!("{base}/{token}"),
        },
    ))
}

async fn invitation_page(
    State(state): State<AppState>,
    context: RequestContext,
    Path(token): Path<String>,
) -> WebResult<Response> {
    link_page(&state, &context, &token, "invitations", FormState::new(), StatusCode::OK).await
}

async fn reset_page(
    State(state): State<AppState>,
    context: RequestContext,
    Path(token): Path<String>,
) -> WebResult<Response> {
    link_page(&state, &context, &token, "password-reset", FormState::new(), StatusCode::OK).await
}

/// A new password, typed twice.
#[derive(Debug, Deserialize)]
struct PasswordForm {
    password: String,
    confirm: String,
}

async fn use_link(
    state: AppState,
    context: RequestContext,
    token: String,
    kind: &str,
    form: PasswordForm,
) -> WebResult<Response> {
    let (purpose, _, _) = purpose_of(kind);
    let mut failed = FormState::new();
    if form.password != form.confirm {
        failed.fail_general(context.lang, "field.passwords_differ");
        return link_page(&state, &context, &token, kind, failed, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    match auth::use_link(state.app(), &token, purpose, &form.password).await {
        Ok(()) => Ok(see_other("/login", Some("invite.done"))),
        Err(AppError::Invalid(invalid)) => {
            failed.fail(context.lang, &invalid, &["password"]);
            link_page(&state, &context, &token, kind, failed, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(other) => Err(other.into()),
    }
}

async fn accept_invitation(
    State(state): State<AppState>,
    context: RequestContext,
    Path(token): Path<String>,
    PageForm(form): PageForm<PasswordForm>,
) -> WebResult<Response> {
    use_link(state, context, token, "invitations", form).await
}

async fn reset_password(
    State(state): State<AppState>,
    context: RequestContext,
    Path(token): Path<String>,
    PageForm(form): PageForm<PasswordForm>,
) -> WebResult<Response> {
    use_link(state, context, token, "password-reset", form).await
}

/// The language switch.
#[derive(Debug, Deserialize)]
struct LangForm {
    lang: String,
    #[serde(default)]
    next: String,
}

async fn set_lang(
    State(state): State<AppState>,
    context: RequestContext,
    PageForm(form): PageForm<LangForm>,
) -> Response {
    let lang = Lang::from_tag(&form.lang).unwrap_or_default();
    if let Some(ctx) = context.ctx()
        && let Err(error) = qudao_app::access::users::set_my_locale(state.app(), &ctx, lang.code()).await
    {
        return WebError::from(error).into_response();
    }
    let mut response = see_other(&safe_next(Some(&form.next)).unwrap_or_else(|| "/".into()), None);
    cookies::set(&mut response, cookies::LANG, lang.code(), Some(365 * 24 * 3600), true, state.config().secure_cookies);
    response
}

const INVITE: &[(&str, ObjectKind)] = &[("token", ObjectKind::InviteToken)];
const RESET: &[(&str, ObjectKind)] = &[("token", ObjectKind::ResetToken)];

/// The routes.
pub const ROUTES: &[Route] = &[
    Route::page(Verb::Get, "/", Permission::SignedIn, "Home: the console or the portal", |v| on(v, root)).public(),
    Route::page(Verb::Get, "/login", Permission::SignedIn, "Sign-in page", |v| on(v, login_page)).public(),
    Route::page(Verb::Post, "/login", Permission::SignedIn, "Sign in", |v| on(v, login))
        .public()
        .effect(Effect::Session),
    Route::page(Verb::Post, "/logout", Permission::SignedIn, "Sign out", |v| on(v, logout)).effect(Effect::Session),
    Route::page(Verb::Post, "/lang", Permission::SignedIn, "Choose the language", |v| on(v, set_lang))
        .public()
        .effect(Effect::Session),
    Route::page(Verb::Get, "/invitations/{token}", Permission::SignedIn, "Accept an invitation", |v| {
        on(v, invitation_page)
    })
    .public()
    .params(INVITE),
    Route::page(Verb::Post, "/invitations/{token}", Permission::SignedIn, "Choose a first password", |v| {
        on(v, accept_invitation)
    })
    .public()
    .params(INVITE)
    .effect(Effect::Change)
    .form(&[("password", "Another-Strong-Pass-9"), ("confirm", "Another-Strong-Pass-9")]),
    Route::page(Verb::Get, "/password-reset/{token}", Permission::SignedIn, "Reset a password", |v| on(v, reset_page))
        .public()
        .params(RESET),
    Route::page(Verb::Post, "/password-reset/{token}", Permission::SignedIn, "Choose a new password", |v| {
        on(v, reset_password)
    })
    .public()
    .params(RESET)
    .effect(Effect::Change)
    .form(&[("password", "Another-Strong-Pass-9"), ("confirm", "Another-Strong-Pass-9")]),
];
