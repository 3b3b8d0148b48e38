//! API keys for integrations: stored as a SHA-256 hash, shown once, limited to scopes.

use qudao_domain::ids::{ApiKeyId, PartnerId, UserId};
use serde::Serialize;
use utoipa::ToSchema;

use crate::scope::{Caller, CallerAuth};
use crate::{RowExt, Sql, StoreResult, Tx};

/// A key as listed (never its secret).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApiKeyView {
    /// Id.
    pub id: ApiKeyId,
    /// What it is for.
    pub name: String,
    /// The key's first characters, to recognise it.
    pub prefix: String,
    /// Granted scopes.
    pub scopes: Vec<String>,
    /// The user whose identity the key acts with.
    pub user_id: UserId,
    /// Creation time.
    pub created_ms: i64,
    /// Last use.
    pub last_used_ms: Option<i64>,
    /// Revocation time.
    pub revoked_ms: Option<i64>,
}

/// A key to store.
#[derive(Debug, Clone)]
pub struct NewApiKey<'a> {
    /// Id.
    pub id: ApiKeyId,
    /// Name.
    pub name: &'a str,
    /// SHA-256 of the full key, hex.
    pub key_hash: &'a str,
    /// Display prefix.
    pub prefix: &'a str,
    /// Scopes.
    pub scopes: &'a [String],
    /// The acting user.
    pub user_id: UserId,
    /// The acting user's partner.
    pub partner_id: Option<PartnerId>,
    /// Who created it.
    pub created_by: UserId,
    /// Now.
    pub now_ms: i64,
}

/// Stores a key.
pub async fn insert(tx: &mut Tx, k: &NewApiKey<'_>) -> StoreResult<()> {
    let mut sql = Sql::new(
        "INSERT INTO api_keys (id, name, key_hash, prefix, scopes, user_id, partner_id, created_by, created_ms) \
         VALUES (",
    );
    sql.bind(k.id).push(", ").bind(k.name).push(", ").bind(k.key_hash).push(", ").bind(k.prefix);
    sql.push(", ").bind(k.scopes.join(" ")).push(", ").bind(k.user_id).push(", ").bind(k.partner_id);
    sql.push(", ").bind(k.created_by).push(", ").bind(k.now_ms).push(")");
    sql.execute(tx.conn()).await?;
    Ok(())
}

fn view(row: &sqlx::any::AnyRow) -> StoreResult<ApiKeyView> {
    Ok(ApiKeyView {
        id: row.parse("id")?,
        name: row.text("name")?,
        prefix: row.text("prefix")?,
        scopes: row.text("scopes")?.split_whitespace().map(str::to_string).collect(),
        user_id: row.parse("user_id")?,
        created_ms: row.int("created_ms")?,
        last_used_ms: row.opt_int("last_used_ms")?,
        revoked_ms: row.opt_int("revoked_ms")?,
    })
}

/// The visible keys, newest first.
pub async fn list(tx: &mut Tx) -> StoreResult<Vec<ApiKeyView>> {
    let mut sql = Sql::new(
        "SELECT id, name, prefix, scopes, user_id, created_ms, last_used_ms, revoked_ms FROM api_keys WHERE 1 = 1",
    );
    tx.scope().filter_owned(&mut sql, "partner_id");
    sql.push(" ORDER BY created_ms DESC, id DESC");
    sql.fetch_all(tx.conn()).await?.iter().map(view).collect()
}

/// A visible key.
pub async fn get(tx: &mut Tx, id: ApiKeyId) -> StoreResult<Option<ApiKeyView>> {
    let mut sql = Sql::new(
        "SELECT id, name, prefix, scopes, user_id, created_ms, last_used_ms, revoked_ms FROM api_keys WHERE id = ",
    );
    sql.bind(id);
    tx.scope().filter_owned(&mut sql, "partner_id");
    sql.fetch_optional(tx.conn()).await?.as_ref().map(view).transpose()
}

/// Revokes a visible, not yet revoked key; `false` otherwise.
pub async fn revoke(tx: &mut Tx, id: ApiKeyId, now_ms: i64) -> StoreResult<bool> {
    let mut sql = Sql::new("UPDATE api_keys SET revoked_ms = ");
    sql.bind(now_ms).push_bind(" WHERE id = ", id).push(" AND revoked_ms IS NULL");
    tx.scope().filter_owned(&mut sql, "partner_id");
    Ok(sql.execute(tx.conn()).await? == 1)
}

/// Resolves a key's hash to the caller it acts as, if the key is live and its user may sign in.
/// The second value says the last-used time is due a refresh ([`touch`]).
pub async fn resolve(tx: &mut Tx, key_hash: &str, now_ms: i64) -> StoreResult<Option<(Caller, bool)>> {
    let mut sql = Sql::new(
        "SELECT k.id AS key_id, k.scopes, k.last_used_ms, u.id, u.login, u.display_name, u.role, u.partner_id, \
         u.locale, u.status, p.status AS partner_status, p.kind AS partner_kind \
         FROM api_keys k JOIN users u ON u.id = k.user_id LEFT JOIN partners p ON p.id = u.partner_id \
         WHERE k.revoked_ms IS NULL AND k.key_hash = ",
    );
    sql.bind(key_hash);
    let Some(row) = sql.fetch_optional(tx.conn()).await? else { return Ok(None) };
    let Some(mut caller) = super::sessions::caller_from_row(tx, &row).await? else { return Ok(None) };
    let key_id: ApiKeyId = row.parse("key_id")?;
    let touch = row.opt_int("last_used_ms")?.is_none_or(|last| now_ms - last > 60_000);
    caller.auth =
        CallerAuth::ApiKey { key_id, scopes: row.text("scopes")?.split_whitespace().map(str::to_string).collect() };
    Ok(Some((caller, touch)))
}

/// Records that a key was used.
pub async fn touch(tx: &mut Tx, id: ApiKeyId, now_ms: i64) -> StoreResult<()> {
    let mut sql = Sql::new("UPDATE api_keys SET last_used_ms = ");
    sql.bind(now_ms).push_bind(" WHERE id = ", id);
    sql.execute(tx.conn()).await?;
    Ok(())
}
