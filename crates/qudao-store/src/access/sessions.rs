//! Server-side sessions, shared by every Qudao instance through the database.
//!
//! A session row is keyed by the SHA-256 of its token; the token itself only ever exists in the
//! client's cookie or `Authorization` header. Each request resolves the token to a [`Caller`]
//! from the current user row, so a suspended user, a changed role or a move to another partner
//! takes effect on the very next request.

use qudao_domain::access::Role;
use qudao_domain::ids::{PartnerId, UserId};

use crate::scope::{Caller, CallerAuth};
use crate::{RowExt, Sql, StoreError, StoreResult, Tx};

/// A session to create.
#[derive(Debug, Clone)]
pub struct NewSession<'a> {
    /// SHA-256 of the token, hex.
    pub token_hash: &'a str,
    /// The user.
    pub user_id: UserId,
    /// The CSRF token for forms.
    pub csrf_token: &'a str,
    /// Issued to the API (`Bearer`) rather than a browser cookie.
    pub api: bool,
    /// Now.
    pub now_ms: i64,
    /// Absolute expiry.
    pub expires_ms: i64,
    /// Client address.
    pub ip: Option<&'a str>,
    /// Client software.
    pub user_agent: Option<&'a str>,
}

/// Stores a new session.
pub async fn create(tx: &mut Tx, s: &NewSession<'_>) -> StoreResult<()> {
    let mut sql = Sql::new(
        "INSERT INTO sessions (token_hash, user_id, csrf_token, via, created_ms, last_seen_ms, expires_ms, ip, \
         user_agent) VALUES (",
    );
    sql.bind(s.token_hash).push(", ").bind(s.user_id).push(", ").bind(s.csrf_token);
    sql.push(", ").bind(if s.api { "api" } else { "cookie" }).push(", ").bind(s.now_ms);
    sql.push(", ").bind(s.now_ms).push(", ").bind(s.expires_ms).push(", ").bind(s.ip);
    sql.push(", ").bind(s.user_agent).push(")");
    sql.execute(tx.conn()).await?;
    Ok(())
}

/// What a session token turned out to be.
#[derive(Debug)]
pub enum Lookup {
    /// A live session; `touch` says the idle clock is due a refresh ([`touch`]).
    Alive {
        /// The caller behind the session.
        caller: Box<Caller>,
        /// Whether the last-seen time is more than a minute old.
        touch: bool,
    },
    /// A session that timed out or whose user may no longer sign in; delete it.
    Dead,
    /// No such session.
    Missing,
}

/// Resolves a session token's hash to its caller, checking the idle and absolute timeouts and
/// that the user may still sign in. Reads only, so ordinary requests never take the write lock.
pub async fn resolve(tx: &mut Tx, token_hash: &str, now_ms: i64, idle_ms: i64) -> StoreResult<Lookup> {
    let mut sql = Sql::new(
        "SELECT s.csrf_token, s.via, s.last_seen_ms, s.expires_ms, u.id, u.login, u.display_name, u.role, \
         u.partner_id, u.locale, u.status, p.status AS partner_status, p.kind AS partner_kind \
         FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN partners p ON p.id = u.partner_id \
         WHERE s.token_hash = ",
    );
    sql.bind(token_hash);
    let Some(row) = sql.fetch_optional(tx.conn()).await? else { return Ok(Lookup::Missing) };
    let last_seen = row.int("last_seen_ms")?;
    let alive = row.int("expires_ms")? > now_ms && last_seen + idle_ms > now_ms;
    let Some(mut caller) = caller_from_row(tx, &row).await?.filter(|_| alive) else {
        return Ok(Lookup::Dead);
    };
    caller.auth = CallerAuth::Session {
        token_hash: token_hash.to_string(),
        csrf_token: row.text("csrf_token")?,
        api: row.text("via")? == "api",
    };
    Ok(Lookup::Alive { caller: Box::new(caller), touch: now_ms - last_seen > 60_000 })
}

/// Refreshes a session's idle clock.
pub async fn touch(tx: &mut Tx, token_hash: &str, now_ms: i64) -> StoreResult<()> {
    let mut sql = Sql::new("UPDATE sessions SET last_seen_ms = ");
    sql.bind(now_ms).push_bind(" WHERE token_hash = ", token_hash);
    sql.execute(tx.conn()).await?;
    Ok(())
}

/// Builds a caller from a row holding the user's columns; `None` when the user may not sign in
/// (not active, or a partner user whose company is terminated or missing).
pub(crate) async fn caller_from_row(tx: &mut Tx, row: &sqlx::any::AnyRow) -> StoreResult<Option<Caller>> {
    if row.text("status")? != "active" || row.opt_text("partner_status")?.as_deref() == Some("terminated") {
        return Ok(None);
    }
    let role_text = row.text("role")?;
    let role: Role = role_text.parse().map_err(|_| StoreError::Corrupt(format!("role {role_text}")))?;
    let user_id: UserId = row.parse("id")?;
    let partner_id: Option<PartnerId> = row.opt_parse("partner_id")?;
    let is_distributor = row.opt_text("partner_kind")?.as_deref() == Some("distributor");
    let sub_dealers_visible = is_distributor && crate::settings::parent_sees_sub_dealers(tx).await?;
    let Some(data) = super::data_scope_for(user_id, role, partner_id, sub_dealers_visible) else {
        return Ok(None);
    };
    Ok(Some(Caller {
        user_id,
        login: row.text("login")?,
        display_name: row.text("display_name")?,
        role,
        partner_id,
        locale: row.opt_text("locale")?,
        data,
        auth: CallerAuth::Session { token_hash: String::new(), csrf_token: String::new(), api: false },
    }))
}

/// Ends one session.
pub async fn delete(tx: &mut Tx, token_hash: &str) -> StoreResult<()> {
    let mut sql = Sql::new("DELETE FROM sessions WHERE token_hash = ");
    sql.bind(token_hash);
    sql.execute(tx.conn()).await?;
    Ok(())
}

/// Ends every session of a user (suspension, password reset, move to another partner).
pub async fn delete_for_user(tx: &mut Tx, user_id: UserId) -> StoreResult<u64> {
    let mut sql = Sql::new("DELETE FROM sessions WHERE user_id = ");
    sql.bind(user_id);
    sql.execute(tx.conn()).await
}

/// Removes sessions past their absolute expiry or idle too long.
pub async fn purge_expired(tx: &mut Tx, now_ms: i64, idle_ms: i64) -> StoreResult<u64> {
    let mut sql = Sql::new("DELETE FROM sessions WHERE expires_ms <= ");
    sql.bind(now_ms).push_bind(" OR last_seen_ms <= ", now_ms - idle_ms);
    sql.execute(tx.conn()).await
}

/// Ends every session of a user but one (after a password change, the session that made it
/// stays signed in).
pub async fn delete_others(tx: &mut Tx, user_id: UserId, keep_token_hash: &str) -> StoreResult<u64> {
    let mut sql = Sql::new("DELETE FROM sessions WHERE user_id = ");
    sql.bind(user_id).push_bind(" AND token_hash <> ", keep_token_hash);
    sql.execute(tx.conn()).await
}
