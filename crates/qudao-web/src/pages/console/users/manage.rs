//! A user's console page and what can be done to them: suspend, reactivate, a password-reset
//! link, another role, and a channel manager's territory.

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use qudao_app::access::users as uc;
use qudao_app::{AppError, Ctx};
use qudao_domain::access::{Permission, Role};
use qudao_domain::ids::UserId;
use qudao_domain::{FieldError, Invalid};
use qudao_store::access::assignments::AssignmentView;
use qudao_store::access::users::{UserStatus, UserView};
use serde::Deserialize;

use super::link::{LinkKind, OneTimeLink, show_link};
use super::list::UserRow;
use super::{RoleOption, grantable_roles};
use crate::context::{Authed, RequestContext};
use crate::error::WebResult;
use crate::extract::{Id, PageForm};
use crate::pages::{Chrome, FormState, render, see_other};
use crate::state::AppState;

/// One region or partner of a territory.
struct TerritoryItem {
    /// Region code or partner code.
    code: String,
    /// Its name in the page's language.
    name: String,
    /// The partner's id, for a link to its page.
    partner_id: Option<String>,
}

#[derive(Template)]
#[template(path = "console/users_show.html")]
struct UserPage {
    c: Chrome,
    user: UserRow,
    email: String,
    phone: String,
    locale: &'static str,
    is_self: bool,
    may_manage: bool,
    may_audit: bool,
    suspended: bool,
    roles: Vec<RoleOption>,
    role_form: FormState,
    is_channel_manager: bool,
    territory: Vec<TerritoryItem>,
    may_assign: bool,
    territory_form: FormState,
}

/// Forms to show with their submitted values and errors instead of the user's current data.
#[derive(Default)]
struct Failed {
    role: Option<FormState>,
    territory: Option<FormState>,
}

fn territory_items(c: &Chrome, assignments: &[AssignmentView]) -> Vec<TerritoryItem> {
    assignments
        .iter()
        .filter_map(|a| match (&a.region_code, &a.partner) {
            (Some(code), _) => Some(TerritoryItem {
                code: code.clone(),
                name: c
                    .pick(a.region_name_zh.as_deref().unwrap_or(""), a.region_name_en.as_deref().unwrap_or(""))
                    .to_string(),
                partner_id: None,
            }),
            (None, Some(p)) => {
                Some(TerritoryItem { code: p.code.clone(), name: p.name.clone(), partner_id: Some(p.id.to_string()) })
            }
            (None, None) => None,
        })
        .collect()
}

fn current_territory(assignments: &[AssignmentView]) -> FormState {
    let regions: Vec<&str> = assignments.iter().filter_map(|a| a.region_code.as_deref()).collect();
    let partners: Vec<&str> = assignments.iter().filter_map(|a| a.partner.as_ref().map(|p| p.code.as_str())).collect();
    FormState::with_values([("regions", regions.join(" ")), ("partners", partners.join(" "))])
}

async fn user_page(
    state: &AppState,
    ctx: &Ctx,
    context: &RequestContext,
    id: UserId,
    failed: Failed,
    status: StatusCode,
) -> WebResult<Response> {
    let (user, assignments): (UserView, Vec<AssignmentView>) = uc::get_user(state.app(), ctx, id).await?;
    let c = Chrome::new(state, context, "users.title", "/console/users").await;
    let caller = ctx.caller();
    let is_self = user.id == caller.user_id();
    let role_form = failed.role.unwrap_or_else(|| {
        let partner = user.partner.as_ref().map(|p| p.code.clone()).unwrap_or_default();
        FormState::with_values([("role", user.role.as_str().to_string()), ("partner", partner)])
    });
    let territory_form = failed.territory.unwrap_or_else(|| current_territory(&assignments));
    let locale = match user.locale.as_deref() {
        Some("zh-CN") => c.t("account.lang_zh"),
        Some("en") => c.t("account.lang_en"),
        _ => c.t("account.language_browser"),
    };
    let template = UserPage {
        user: UserRow::of(&c, &user),
        email: user.email.clone().unwrap_or_default(),
        phone: user.phone.clone().unwrap_or_default(),
        locale,
        is_self,
        may_manage: !is_self && caller.may(Permission::UsersManage) && caller.role().may_grant(user.role),
        may_audit: caller.may(Permission::AuditRead),
        suspended: user.status == UserStatus::Suspended,
        roles: grantable_roles(c.lang, caller.role()),
        role_form,
        is_channel_manager: user.role == Role::ChannelManager,
        territory: territory_items(&c, &assignments),
        may_assign: caller.may(Permission::AssignmentsManage),
        territory_form,
        c,
    };
    Ok(render(status, &template))
}

pub(super) async fn show_user(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    Id(id): Id<UserId>,
) -> WebResult<Response> {
    user_page(&state, &ctx, &context, id, Failed::default(), StatusCode::OK).await
}

pub(super) async fn suspend_user(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<UserId>,
) -> WebResult<Response> {
    uc::suspend_user(state.app(), &ctx, id).await?;
    Ok(see_other(&format!("/console/users/{id}"), Some("users.flash.suspended")))
}

pub(super) async fn reactivate_user(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<UserId>,
) -> WebResult<Response> {
    uc::reactivate_user(state.app(), &ctx, id).await?;
    Ok(see_other(&format!("/console/users/{id}"), Some("users.flash.reactivated")))
}

/// Makes a reset link (a fresh invitation for a user who never accepted one) and shows it once.
pub(crate) async fn reset_link(
    state: &AppState,
    ctx: &Ctx,
    context: &RequestContext,
    headers: &HeaderMap,
    id: UserId,
    back: String,
    section: &str,
) -> WebResult<Response> {
    let made = uc::reset_password(state.app(), ctx, id).await?;
    // The use case made an invitation for a user still invited; the user is visible, as the
    // use case just found them.
    let (user, _) = uc::get_user(state.app(), ctx, id).await?;
    let kind = if user.status == UserStatus::Invited { LinkKind::Invitation } else { LinkKind::Reset };
    let link = OneTimeLink {
        kind,
        token: &made.token,
        expires_ms: made.expires_ms,
        user_name: &user.display_name,
        back,
        section,
    };
    Ok(show_link(state, context, headers, link).await)
}

pub(super) async fn reset_password(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    headers: HeaderMap,
    Id(id): Id<UserId>,
) -> WebResult<Response> {
    reset_link(&state, &ctx, &context, &headers, id, format!("/console/users/{id}"), "/console/users").await
}

/// Another role and company.
#[derive(Debug, Deserialize)]
pub(super) struct RoleForm {
    #[serde(default)]
    role: String,
    /// Partner code or id, for partner roles.
    #[serde(default)]
    partner: String,
}

pub(super) async fn change_role(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    Id(id): Id<UserId>,
    PageForm(form): PageForm<RoleForm>,
) -> WebResult<Response> {
    let partner = Some(form.partner.trim()).filter(|p| !p.is_empty());
    match uc::change_role(state.app(), &ctx, id, &form.role, partner).await {
        Ok(_) => Ok(see_other(&format!("/console/users/{id}"), Some("users.flash.role_changed"))),
        Err(AppError::Invalid(invalid)) => {
            let mut failed = FormState::with_values([("role", form.role), ("partner", form.partner)]);
            failed.fail(context.lang, &invalid, &["role", "partner"]);
            let failed = Failed { role: Some(failed), territory: None };
            user_page(&state, &ctx, &context, id, failed, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(other) => Err(other.into()),
    }
}

/// A territory as typed: codes separated by spaces or commas.
#[derive(Debug, Deserialize)]
pub(super) struct TerritoryForm {
    #[serde(default)]
    regions: String,
    #[serde(default)]
    partners: String,
}

/// Splits a list of codes typed by hand (spaces, commas, Chinese commas, new lines).
fn codes(text: &str) -> Vec<String> {
    text.split(|ch: char| ch.is_whitespace() || matches!(ch, ',' | '，' | '、' | ';' | '；'))
        .filter(|code| !code.is_empty())
        .map(str::to_string)
        .collect()
}

/// Names each unknown code in its error (`regions[2]` → the code typed third), so the form can
/// say which one is wrong.
fn name_codes(invalid: Invalid, regions: &[String], partners: &[String]) -> Invalid {
    let named = |error: FieldError| -> FieldError {
        let indexed = |prefix: &str, list: &[String]| {
            error
                .field
                .strip_prefix(prefix)
                .and_then(|rest| rest.strip_suffix(']'))
                .and_then(|index| index.parse::<usize>().ok())
                .and_then(|index| list.get(index).cloned())
        };
        match indexed("regions[", regions).or_else(|| indexed("partners[", partners)) {
            Some(code) => FieldError { field: code, ..error },
            None => error,
        }
    };
    Invalid { errors: invalid.errors.into_iter().map(named).collect() }
}

pub(super) async fn set_assignments(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    Id(id): Id<UserId>,
    PageForm(form): PageForm<TerritoryForm>,
) -> WebResult<Response> {
    let regions = codes(&form.regions);
    let partners = codes(&form.partners);
    match uc::set_assignments(state.app(), &ctx, id, &regions, &partners).await {
        Ok(_) => Ok(see_other(&format!("/console/users/{id}"), Some("users.flash.territory_saved"))),
        Err(AppError::Invalid(invalid)) => {
            let invalid = name_codes(invalid, &regions, &partners);
            let mut failed = FormState::with_values([("regions", form.regions), ("partners", form.partners)]);
            failed.fail(context.lang, &invalid, &[]);
            let failed = Failed { role: None, territory: Some(failed) };
            user_page(&state, &ctx, &context, id, failed, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(other) => Err(other.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_codes_split_on_spaces_and_commas() {
        assert_eq!(codes(" CN-SH, CN-JS，R-EAST\nP-000001 "), vec!["CN-SH", "CN-JS", "R-EAST", "P-000001"]);
        assert!(codes(" , ").is_empty());
    }

    #[test]
    fn unknown_codes_are_named_in_their_errors() {
        let invalid = Invalid { errors: vec![FieldError::new("regions[1]", "unknown_region")] };
        let named = name_codes(invalid, &["CN-SH".into(), "XX".into()], &[]);
        assert_eq!(named.errors[0].field, "XX");
    }
}
