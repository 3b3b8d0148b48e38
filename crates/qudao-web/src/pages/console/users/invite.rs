//! Inviting a user from the console: the form, and the page with the one-time link.

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use qudao_app::AppError;
use qudao_app::access::users::InviteInput;
use serde::Deserialize;

use super::link::{LinkKind, OneTimeLink, show_link};
use super::{RoleOption, grantable_roles};
use crate::context::Authed;
use crate::error::WebResult;
use crate::extract::{ApiQuery, PageForm};
use crate::pages::{Chrome, FormState, page, render};
use crate::state::AppState;

/// The fields of an invitation form, console or portal.
#[derive(Debug, Deserialize)]
pub(crate) struct InviteForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    role: String,
    /// Partner code or id; read only by the console (the portal never takes it from a form).
    #[serde(default)]
    partner: String,
}

/// The fields the invitation forms show errors next to.
pub(crate) const INVITE_FIELDS: &[&str] = &["login", "display_name", "email", "phone", "role", "partner"];

impl InviteForm {
    /// The use case's input; `partner` is what the page decides, not necessarily what was posted.
    pub(crate) fn input(&self, partner: Option<String>) -> InviteInput {
        let optional = |text: &str| Some(text.trim().to_string()).filter(|t| !t.is_empty());
        InviteInput {
            login: self.login.clone(),
            display_name: self.display_name.clone(),
            email: optional(&self.email),
            phone: optional(&self.phone),
            role: self.role.clone(),
            partner,
        }
    }

    /// The submitted values, to fill the form again.
    pub(crate) fn values(&self) -> FormState {
        FormState::with_values([
            ("login", self.login.as_str()),
            ("display_name", self.display_name.as_str()),
            ("email", self.email.as_str()),
            ("phone", self.phone.as_str()),
            ("role", self.role.as_str()),
            ("partner", self.partner.as_str()),
        ])
    }
}

/// The invitation form, shared by the console and the portal (which never asks for a company).
#[derive(Template)]
#[template(path = "users_invite.html")]
pub(crate) struct InvitePage {
    pub c: Chrome,
    pub form: FormState,
    pub roles: Vec<RoleOption>,
    /// Where the form posts and cancels to.
    pub base: &'static str,
    /// The hint shown above the form.
    pub hint: &'static str,
    /// Whether the form asks for the company (brand staff inviting partner users).
    pub ask_partner: bool,
}

/// `?partner=` to pre-fill the company (links from a partner's page).
#[derive(Debug, Deserialize, Default)]
pub(super) struct NewQuery {
    #[serde(default)]
    partner: String,
}

pub(super) async fn new_user(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    ApiQuery(query): ApiQuery<NewQuery>,
) -> WebResult<Response> {
    let c = Chrome::new(&state, &context, "users.invite_title", "/console/users").await;
    let roles = grantable_roles(c.lang, ctx.caller().role());
    let form = FormState::with_values([("partner", query.partner)]);
    Ok(page(&InvitePage { c, form, roles, base: "/console/users", hint: "users.invite_hint", ask_partner: true }))
}

pub(super) async fn invite_user(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    headers: HeaderMap,
    PageForm(form): PageForm<InviteForm>,
) -> WebResult<Response> {
    let partner = Some(form.partner.trim().to_string()).filter(|p| !p.is_empty());
    match qudao_app::access::users::invite_user(state.app(), &ctx, form.input(partner), None).await {
        Ok(invited) => {
            let link = OneTimeLink {
                kind: LinkKind::Invitation,
                token: &invited.token,
                expires_ms: invited.expires_ms,
                user_name: &invited.user.display_name,
                back: format!("/console/users/{}", invited.user.id),
                section: "/console/users",
            };
            Ok(show_link(&state, &context, &headers, link).await)
        }
        Err(AppError::Invalid(invalid)) => {
            let c = Chrome::new(&state, &context, "users.invite_title", "/console/users").await;
            let mut failed = form.values();
            failed.fail(c.lang, &invalid, INVITE_FIELDS);
            let roles = grantable_roles(c.lang, ctx.caller().role());
            Ok(render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &InvitePage {
                    c,
                    form: failed,
                    roles,
                    base: "/console/users",
                    hint: "users.invite_hint",
                    ask_partner: true,
                },
            ))
        }
        Err(other) => Err(other.into()),
    }
}
