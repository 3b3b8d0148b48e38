//! The console's user list: everyone the caller may see, searchable, newest first.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use qudao_domain::access::{Permission, Role};
use qudao_domain::ids::PartnerId;
use qudao_store::access::users::{UserFilter, UserView};
use qudao_store::page::PageRequest;
use serde::Deserialize;

use super::{RoleOption, role_label};
use crate::api::ListQuery;
use crate::context::Authed;
use crate::error::{WebError, WebResult};
use crate::extract::ApiQuery;
use crate::i18n::Lang;
use crate::pages::{Chrome, page};
use crate::state::AppState;

/// Rows per page.
const PAGE_SIZE: u32 = 50;

/// The list's filters, as the filter form and the pager send them.
#[derive(Debug, Deserialize, Default)]
pub(super) struct UsersQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    role: String,
    /// `brand` for brand staff only.
    #[serde(default)]
    side: String,
    /// A partner id (links from a partner's page).
    #[serde(default)]
    partner: String,
    #[serde(default)]
    after: String,
}

impl UsersQuery {
    fn filter(&self) -> WebResult<UserFilter> {
        let partner = match self.partner.trim() {
            "" => None,
            text => Some(text.parse::<PartnerId>().map_err(|_| WebError::BadQuery("unknown partner".into()))?),
        };
        let role = match self.role.trim() {
            "" => None,
            text => Some(text.parse::<Role>().map_err(|_| WebError::BadQuery("unknown role".into()))?),
        };
        Ok(UserFilter { partner, brand_only: self.side == "brand", role, q: Some(self.q.clone()) })
    }

    fn page(&self) -> WebResult<PageRequest> {
        ListQuery { limit: Some(PAGE_SIZE), after: Some(self.after.clone()) }.page()
    }

    /// The link to the page after `cursor`, with the same filters.
    fn next_href(&self, cursor: &str) -> String {
        let pairs = [
            ("q", self.q.as_str()),
            ("role", self.role.as_str()),
            ("side", self.side.as_str()),
            ("partner", self.partner.as_str()),
            ("after", cursor),
        ];
        let kept: Vec<(&str, &str)> = pairs.into_iter().filter(|(_, v)| !v.is_empty()).collect();
        format!("/console/users?{}", serde_urlencoded::to_string(kept).unwrap_or_default())
    }
}

/// A company a user belongs to.
pub(crate) struct CompanyCell {
    /// Partner id.
    pub id: String,
    /// Partner name.
    pub name: String,
}

/// One user as a list row.
pub(crate) struct UserRow {
    /// Id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Login.
    pub login: String,
    /// Role, localised.
    pub role: &'static str,
    /// Company, for partner users.
    pub partner: Option<CompanyCell>,
    /// Status, as the badge's class.
    pub status: &'static str,
    /// Status, localised.
    pub status_label: &'static str,
    /// Creation time.
    pub created: String,
}

impl UserRow {
    /// The row of `user` in `lang`.
    pub(crate) fn of(c: &Chrome, user: &UserView) -> UserRow {
        UserRow {
            id: user.id.to_string(),
            name: user.display_name.clone(),
            login: user.login.clone(),
            role: role_label(c.lang, user.role),
            partner: user.partner.as_ref().map(|p| CompanyCell { id: p.id.to_string(), name: p.name.clone() }),
            status: user.status.as_str(),
            status_label: c.t(&format!("users.status.{}", user.status.as_str())),
            created: c.datetime(user.created_ms),
        }
    }
}

#[derive(Template)]
#[template(path = "console/users.html")]
struct UsersPage {
    c: Chrome,
    rows: Vec<UserRow>,
    q: String,
    role: String,
    side: String,
    partner: String,
    roles: Vec<RoleOption>,
    next: Option<String>,
    may_invite: bool,
}

fn all_roles(lang: Lang) -> Vec<RoleOption> {
    Role::ALL.into_iter().map(|role| RoleOption { value: role.as_str(), label: role_label(lang, role) }).collect()
}

pub(super) async fn list_users(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    ApiQuery(query): ApiQuery<UsersQuery>,
) -> WebResult<Response> {
    let filter = query.filter()?;
    let found = qudao_app::access::users::list_users(state.app(), &ctx, &filter, &query.page()?).await?;
    let c = Chrome::new(&state, &context, "users.title", "/console/users").await;
    let rows = found.items.iter().map(|user| UserRow::of(&c, user)).collect();
    let next = found.next.as_deref().map(|cursor| query.next_href(cursor));
    let roles = all_roles(c.lang);
    Ok(page(&UsersPage {
        rows,
        q: query.q,
        role: query.role,
        side: query.side,
        partner: query.partner,
        roles,
        next,
        may_invite: ctx.caller().may(Permission::UsersManage),
        c,
    }))
}
