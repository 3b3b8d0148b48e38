//! Inviting a user from the console: the form, and the page with the one-time link.

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use qudao_app::access::users::InviteInput;
use qudao_app::{AppError, Ctx};
use serde::Deserialize;

use super::link::{LinkKind, OneTimeLink, show_link};
use super::{RoleOption, grantable_roles};
use crate::context::{Authed, RequestContext};
use crate::error::WebResult;
use crate::extract::{ApiQuery, PageForm};
use crate::pages::{Chrome, FormState, render};
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
    c: Chrome,
    form: FormState,
    roles: Vec<RoleOption>,
    /// Where the form posts and cancels to.
    base: &'static str,
    /// The hint shown above the form.
    hint: &'static str,
    /// Whether the form asks for the company (brand staff inviting partner users).
    ask_partner: bool,
}

/// Where an invitation is made: the console (any role the caller may grant, any visible
/// company) or the portal (the caller's own company, whatever the form says).
#[derive(Debug, Clone, Copy)]
pub(crate) struct InviteSide {
    base: &'static str,
    hint: &'static str,
    ask_partner: bool,
}

/// Brand staff in the console.
pub(crate) const CONSOLE: InviteSide =
    InviteSide { base: "/console/users", hint: "users.invite_hint", ask_partner: true };
/// Partner administrators in the portal.
pub(crate) const PORTAL: InviteSide =
    InviteSide { base: "/portal/users", hint: "users.portal_invite_hint", ask_partner: false };

/// Renders the invitation form of `side` with `form`'s values and errors.
pub(crate) async fn invitation_form(
    state: &AppState,
    ctx: &Ctx,
    context: &RequestContext,
    side: InviteSide,
    form: FormState,
    status: StatusCode,
) -> Response {
    let c = Chrome::new(state, context, "users.invite_title", side.base).await;
    let roles = grantable_roles(c.lang, ctx.caller().role());
    render(status, &InvitePage { c, form, roles, base: side.base, hint: side.hint, ask_partner: side.ask_partner })
}

/// Makes the invitation and shows its one-time link, or the form again with its errors.
pub(crate) async fn submit_invitation(
    state: &AppState,
    ctx: &Ctx,
    context: &RequestContext,
    headers: &HeaderMap,
    form: InviteForm,
    side: InviteSide,
) -> WebResult<Response> {
    // The portal never passes a company on: the use case puts the caller's own.
    let partner = Some(form.partner.trim().to_string()).filter(|p| side.ask_partner && !p.is_empty());
    match qudao_app::access::users::invite_user(state.app(), ctx, form.input(partner), None).await {
        Ok(invited) => {
            let back = if side.ask_partner { format!("/console/users/{}", invited.user.id) } else { side.base.into() };
            let link = OneTimeLink {
                kind: LinkKind::Invitation,
                token: &invited.token,
                expires_ms: invited.expires_ms,
                user_name: &invited.user.display_name,
                back,
                section: side.base,
            };
            Ok(show_link(state, context, headers, link).await)
        }
        Err(AppError::Invalid(invalid)) => {
            let mut failed = form.values();
            failed.fail(context.lang, &invalid, INVITE_FIELDS);
            Ok(invitation_form(state, ctx, context, side, failed, StatusCode::UNPROCESSABLE_ENTITY).await)
        }
        Err(other) => Err(other.into()),
    }
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
    let form = FormState::with_values([("partner", query.partner)]);
    Ok(invitation_form(&state, &ctx, &context, CONSOLE, form, StatusCode::OK).await)
}

pub(super) async fn invite_user(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    headers: HeaderMap,
    PageForm(form): PageForm<InviteForm>,
) -> WebResult<Response> {
    submit_invitation(&state, &ctx, &context, &headers, form, CONSOLE).await
}
