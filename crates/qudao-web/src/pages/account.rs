//! The signed-in user's own account: who they are, their language and their password.
//!
//! The language form posts to `/account/language` rather than the header's `/lang` switch
//! because it also offers "follow the browser", which clears the stored choice.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use qudao_app::access::auth;
use qudao_app::{AppError, Ctx};
use qudao_domain::Invalid;
use qudao_domain::access::Permission;
use serde::Deserialize;

use crate::context::{Authed, RequestContext};
use crate::cookies;
use crate::error::{WebError, WebResult};
use crate::extract::PageForm;
use crate::i18n;
use crate::pages::{Chrome, FormState, render, see_other};
use crate::registry::{Effect, Route, Verb, on};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    c: Chrome,
    login: String,
    name: String,
    role: &'static str,
    company: Option<String>,
    locale: String,
    password_form: FormState,
    language_form: FormState,
}

/// Forms to show with their errors instead of empty.
#[derive(Default)]
struct Failed {
    password: Option<FormState>,
    language: Option<FormState>,
}

async fn account_page(
    state: &AppState,
    ctx: &Ctx,
    context: &RequestContext,
    failed: Failed,
    status: StatusCode,
) -> WebResult<Response> {
    let caller = ctx.caller();
    // A company the caller can no longer see (being moved, say) leaves the field empty rather
    // than the whole page failing.
    let company = match caller.partner_id() {
        Some(id) => qudao_app::partners::get_partner(state.app(), ctx, id).await.ok().map(|d| d.partner.name),
        None => None,
    };
    let c = Chrome::new(state, context, "account.title", "").await;
    let template = AccountPage {
        login: caller.login().to_string(),
        name: caller.display_name().to_string(),
        role: i18n::t(c.lang, &format!("role.{}", caller.role().as_str())),
        company,
        locale: caller.locale().unwrap_or("").to_string(),
        password_form: failed.password.unwrap_or_default(),
        language_form: failed.language.unwrap_or_default(),
        c,
    };
    Ok(render(status, &template))
}

async fn show_account(State(state): State<AppState>, Authed(ctx, context): Authed) -> WebResult<Response> {
    account_page(&state, &ctx, &context, Failed::default(), StatusCode::OK).await
}

/// A password change: the current password, and the new one twice.
#[derive(Debug, Deserialize)]
struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm: String,
}

async fn change_password(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    PageForm(form): PageForm<PasswordForm>,
) -> WebResult<Response> {
    let result = if form.new_password == form.confirm {
        auth::change_password(state.app(), &ctx, &form.current_password, &form.new_password).await
    } else {
        Err(AppError::Invalid(Invalid::one("confirm", "passwords_differ")))
    };
    match result {
        Ok(()) => Ok(see_other("/account", Some("account.password_changed"))),
        Err(AppError::Invalid(invalid)) => {
            let mut failed = FormState::new();
            failed.fail(context.lang, &invalid, &["current_password", "new_password", "confirm"]);
            let failed = Failed { password: Some(failed), language: None };
            account_page(&state, &ctx, &context, failed, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(other) => Err(other.into()),
    }
}

/// The language choice: `zh-CN`, `en`, or empty to follow the browser.
#[derive(Debug, Deserialize)]
struct LanguageForm {
    #[serde(default)]
    locale: String,
}

async fn set_language(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    PageForm(form): PageForm<LanguageForm>,
) -> Response {
    match qudao_app::access::users::set_my_locale(state.app(), &ctx, &form.locale).await {
        Ok(()) => {
            let mut response = see_other("/account", Some("account.language_saved"));
            let secure = state.config().secure_cookies;
            match i18n::Lang::from_tag(&form.locale) {
                Some(lang) => {
                    cookies::set(&mut response, cookies::LANG, lang.code(), Some(365 * 24 * 3600), true, secure)
                }
                None => cookies::clear(&mut response, cookies::LANG, secure),
            }
            response
        }
        Err(AppError::Invalid(invalid)) => {
            let mut failed = FormState::new();
            failed.fail(context.lang, &invalid, &["locale"]);
            let failed = Failed { password: None, language: Some(failed) };
            account_page(&state, &ctx, &context, failed, StatusCode::UNPROCESSABLE_ENTITY)
                .await
                .unwrap_or_else(IntoResponse::into_response)
        }
        Err(other) => WebError::from(other).into_response(),
    }
}

/// The routes.
pub const ROUTES: &[Route] = &[
    Route::page(Verb::Get, "/account", Permission::SignedIn, "The caller's own account", |v| on(v, show_account)),
    Route::page(Verb::Post, "/account/password", Permission::SignedIn, "Change the caller's password", |v| {
        on(v, change_password)
    })
    .effect(Effect::Change)
    .form(&[
        ("current_password", "Lanzhou-Noodles-42"),
        ("new_password", "Another-Strong-Pass-9"),
        ("confirm", "Another-Strong-Pass-9"),
    ]),
    Route::page(Verb::Post, "/account/language", Permission::SignedIn, "Set the caller's language", |v| {
        on(v, set_language)
    })
    .effect(Effect::Session)
    .form(&[("locale", "en")]),
];
