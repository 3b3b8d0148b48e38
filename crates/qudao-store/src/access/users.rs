//! Users of both sides.

use qudao_domain::access::Role;
use qudao_domain::ids::{PartnerId, UserId};
use serde::Serialize;
use sqlx::any::AnyRow;
use utoipa::ToSchema;

use crate::page::{Cursor, Page, PageRequest};
use crate::partners::PartnerRef;
use crate::{RowExt, Sql, StoreError, StoreResult, Tx};

/// Whether a user can sign in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UserStatus {
    /// Invited; becomes active when the invitation is accepted.
    Invited,
    /// Can sign in.
    Active,
    /// Blocked by an administrator; every session ends.
    Suspended,
}

impl UserStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            UserStatus::Invited => "invited",
            UserStatus::Active => "active",
            UserStatus::Suspended => "suspended",
        }
    }

    fn parse(value: &str) -> StoreResult<UserStatus> {
        match value {
            "invited" => Ok(UserStatus::Invited),
            "active" => Ok(UserStatus::Active),
            "suspended" => Ok(UserStatus::Suspended),
            other => Err(StoreError::Corrupt(format!("user status {other}"))),
        }
    }
}

/// A user as shown in lists and the API. Never carries the password hash.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserView {
    /// Id.
    pub id: UserId,
    /// Login name.
    pub login: String,
    /// Display name.
    pub display_name: String,
    /// E-mail.
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Role.
    pub role: Role,
    /// The partner, for partner roles.
    pub partner: Option<PartnerRef>,
    /// Status.
    pub status: UserStatus,
    /// Chosen language (`zh-CN`, `en`), if any.
    pub locale: Option<String>,
    /// Creation time.
    pub created_ms: i64,
}

/// A user to insert.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Id.
    pub id: UserId,
    /// Login, lower case.
    pub login: String,
    /// Display name.
    pub display_name: String,
    /// E-mail.
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Role.
    pub role: Role,
    /// Partner, for partner roles.
    pub partner_id: Option<PartnerId>,
    /// Initial status.
    pub status: UserStatus,
    /// Argon2id PHC string, if a password is set now.
    pub password_hash: Option<String>,
    /// Creation time.
    pub now_ms: i64,
}

/// Filters for user lists.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    /// Only users of this partner.
    pub partner: Option<PartnerId>,
    /// Only brand users (no partner).
    pub brand_only: bool,
    /// Only this role.
    pub role: Option<Role>,
    /// Login or name contains this.
    pub q: Option<String>,
}

const SELECT: &str = "SELECT u.id, u.login, u.display_name, u.email, u.phone, u.role, u.status, u.locale, \
     u.created_ms, p.id AS p_id, p.code AS p_code, p.name AS p_name \
     FROM users u LEFT JOIN partners p ON p.id = u.partner_id WHERE 1 = 1";

fn view(row: &AnyRow) -> StoreResult<UserView> {
    let partner = match row.opt_parse::<PartnerId>("p_id")? {
        Some(id) => Some(PartnerRef { id, code: row.text("p_code")?, name: row.text("p_name")? }),
        None => None,
    };
    let role = row.text("role")?;
    Ok(UserView {
        id: row.parse("id")?,
        login: row.text("login")?,
        display_name: row.text("display_name")?,
        email: row.opt_text("email")?,
        phone: row.opt_text("phone")?,
        role: role.parse().map_err(|_| StoreError::Corrupt(format!("role {role}")))?,
        partner,
        status: UserStatus::parse(&row.text("status")?)?,
        locale: row.opt_text("locale")?,
        created_ms: row.int("created_ms")?,
    })
}

fn scoped(tx: &Tx) -> Sql {
    let mut sql = Sql::new(SELECT);
    tx.scope().filter_owned(&mut sql, "u.partner_id");
    sql
}

/// Inserts a user.
pub async fn insert(tx: &mut Tx, u: &NewUser) -> StoreResult<()> {
    let mut sql = Sql::new(
        "INSERT INTO users (id, login, display_name, email, phone, role, partner_id, status, password_hash, \
         locale, created_ms, updated_ms) VALUES (",
    );
    sql.bind(u.id).push(", ").bind(u.login.as_str()).push(", ").bind(u.display_name.as_str());
    sql.push(", ").bind(u.email.as_deref()).push(", ").bind(u.phone.as_deref());
    sql.push(", ").bind(u.role.as_str()).push(", ").bind(u.partner_id).push(", ").bind(u.status.as_str());
    sql.push(", ").bind(u.password_hash.as_deref()).push(", NULL, ").bind(u.now_ms).push(", ").bind(u.now_ms);
    sql.push(")");
    sql.execute(tx.conn()).await?;
    Ok(())
}

/// A visible user.
pub async fn get(tx: &mut Tx, id: UserId) -> StoreResult<Option<UserView>> {
    let mut sql = scoped(tx);
    sql.push_bind(" AND u.id = ", id);
    sql.fetch_optional(tx.conn()).await?.as_ref().map(view).transpose()
}

/// A page of visible users, newest first.
pub async fn list(tx: &mut Tx, filter: &UserFilter, page: &PageRequest) -> StoreResult<Page<UserView>> {
    let mut sql = scoped(tx);
    if let Some(partner) = filter.partner {
        sql.push_bind(" AND u.partner_id = ", partner);
    }
    if filter.brand_only {
        sql.push(" AND u.partner_id IS NULL");
    }
    if let Some(role) = filter.role {
        sql.push_bind(" AND u.role = ", role.as_str());
    }
    if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        let pattern = format!("%{}%", qudao_domain::text::like_escape(&q.to_lowercase()));
        sql.push_bind(" AND (u.login LIKE ", pattern.as_str()).push(" ESCAPE '\\'");
        sql.push_bind(" OR lower(u.display_name) LIKE ", pattern.as_str()).push(" ESCAPE '\\')");
    }
    page.apply(&mut sql, "u.created_ms", "u.id");
    let rows = sql.fetch_all(tx.conn()).await?;
    let views = rows.iter().map(view).collect::<StoreResult<Vec<_>>>()?;
    Ok(Page::from_rows(views, page.limit, |v| Cursor { created_ms: v.created_ms, id: v.id.to_string() }))
}

/// Changes a visible user's status from `from` to `to`; `false` when not visible or not in `from`.
pub async fn set_status(tx: &mut Tx, id: UserId, from: UserStatus, to: UserStatus, now_ms: i64) -> StoreResult<bool> {
    let mut sql = Sql::new("UPDATE users SET status = ");
    sql.bind(to.as_str()).push(", updated_ms = ").bind(now_ms).push(" WHERE id = ").bind(id);
    sql.push_bind(" AND status = ", from.as_str());
    tx.scope().filter_owned(&mut sql, "partner_id");
    Ok(sql.execute(tx.conn()).await? == 1)
}

/// Sets a visible user's password hash (and activates an invited user).
pub async fn set_password(tx: &mut Tx, id: UserId, hash: &str, now_ms: i64) -> StoreResult<bool> {
    let mut sql = Sql::new("UPDATE users SET password_hash = ");
    sql.bind(hash).push(", status = CASE WHEN status = 'invited' THEN 'active' ELSE status END, updated_ms = ");
    sql.bind(now_ms).push(" WHERE id = ").bind(id);
    tx.scope().filter_owned(&mut sql, "partner_id");
    Ok(sql.execute(tx.conn()).await? == 1)
}

/// Sets a visible user's language; `None` follows the browser.
pub async fn set_locale(tx: &mut Tx, id: UserId, locale: Option<&str>, now_ms: i64) -> StoreResult<bool> {
    let mut sql = Sql::new("UPDATE users SET locale = ");
    sql.bind(locale).push(", updated_ms = ").bind(now_ms).push(" WHERE id = ").bind(id);
    tx.scope().filter_owned(&mut sql, "partner_id");
    Ok(sql.execute(tx.conn()).await? == 1)
}

/// Moves a visible user to another role and partner.
pub async fn set_role(
    tx: &mut Tx,
    id: UserId,
    role: Role,
    partner: Option<PartnerId>,
    now_ms: i64,
) -> StoreResult<bool> {
    let mut sql = Sql::new("UPDATE users SET role = ");
    sql.bind(role.as_str()).push(", partner_id = ").bind(partner).push(", updated_ms = ").bind(now_ms);
    sql.push(" WHERE id = ").bind(id);
    tx.scope().filter_owned(&mut sql, "partner_id");
    Ok(sql.execute(tx.conn()).await? == 1)
}

/// What sign-in needs to know about a login.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// The user.
    pub id: UserId,
    /// Argon2id hash, absent for users who never set a password.
    pub password_hash: Option<String>,
    /// Status.
    pub status: UserStatus,
    /// Whether the user's company has been terminated (such users cannot sign in).
    pub partner_terminated: bool,
}

/// The credentials of a login, read under the system scope by sign-in only.
pub async fn credentials(tx: &mut Tx, login: &str) -> StoreResult<Option<Credentials>> {
    let mut sql = Sql::new(
        "SELECT u.id, u.password_hash, u.status, p.status AS partner_status FROM users u \
         LEFT JOIN partners p ON p.id = u.partner_id WHERE u.login = ",
    );
    sql.bind(login);
    let Some(row) = sql.fetch_optional(tx.conn()).await? else { return Ok(None) };
    Ok(Some(Credentials {
        id: row.parse("id")?,
        password_hash: row.opt_text("password_hash")?,
        status: UserStatus::parse(&row.text("status")?)?,
        partner_terminated: row.opt_text("partner_status")?.as_deref() == Some("terminated"),
    }))
}

/// Whether a login is taken, by anyone (logins are unique across partners).
pub async fn login_taken(tx: &mut Tx, login: &str) -> StoreResult<bool> {
    let mut sql = Sql::new("SELECT CAST(COUNT(*) AS BIGINT) FROM users WHERE login = ");
    sql.bind(login);
    Ok(sql.fetch_i64(tx.conn()).await? > 0)
}

/// How many users exist at all; `qudao user create` only makes the first admin on an empty
/// database.
pub async fn count_all(tx: &mut Tx) -> StoreResult<i64> {
    Sql::new("SELECT CAST(COUNT(*) AS BIGINT) FROM users").fetch_i64(tx.conn()).await
}

/// The active admins and sales reps of a partner: who hears of a lead assigned to it. Read past
/// the caller's scope (a partner declining a lead hands it to another it cannot see).
pub async fn active_of_partner(tx: &mut Tx, partner: PartnerId) -> StoreResult<Vec<UserId>> {
    let mut sql = Sql::new(
        "SELECT id FROM users WHERE status = 'active' AND role IN ('partner_admin', 'partner_sales') AND partner_id = ",
    );
    sql.bind(partner).push(" ORDER BY id");
    let own = tx.swap_scope(crate::Scope::system("a partner's people are told of its new lead")).await?;
    let rows = sql.fetch_all(tx.conn()).await;
    tx.swap_scope(own).await?;
    rows?.iter().map(|row| row.parse("id")).collect()
}
