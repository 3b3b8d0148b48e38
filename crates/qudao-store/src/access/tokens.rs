//! One-time links: invitations and password resets. Stored hashed, single use, expiring.

use qudao_domain::ids::UserId;

use crate::{RowExt, Sql, StoreResult, Tx};

/// What a one-time token is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Accept an invitation and choose a first password.
    Invite,
    /// Choose a new password after an administrator's reset.
    Reset,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::Invite => "invite",
            Purpose::Reset => "reset",
        }
    }
}

/// Stores a token, replacing any earlier unused token of the same purpose for the user.
pub async fn create(
    tx: &mut Tx,
    token_hash: &str,
    user_id: UserId,
    purpose: Purpose,
    created_by: Option<UserId>,
    now_ms: i64,
    expires_ms: i64,
) -> StoreResult<()> {
    let mut sql = Sql::new("UPDATE user_tokens SET used_ms = ");
    sql.bind(now_ms).push_bind(" WHERE user_id = ", user_id).push_bind(" AND purpose = ", purpose.as_str());
    sql.push(" AND used_ms IS NULL");
    sql.execute(tx.conn()).await?;
    let mut sql =
        Sql::new("INSERT INTO user_tokens (token_hash, user_id, purpose, created_by, created_ms, expires_ms) VALUES (");
    sql.bind(token_hash).push(", ").bind(user_id).push(", ").bind(purpose.as_str());
    sql.push(", ").bind(created_by).push(", ").bind(now_ms).push(", ").bind(expires_ms).push(")");
    sql.execute(tx.conn()).await?;
    Ok(())
}

/// The user a live token belongs to, without using it up (to show the form).
pub async fn peek(tx: &mut Tx, token_hash: &str, purpose: Purpose, now_ms: i64) -> StoreResult<Option<UserId>> {
    let mut sql = Sql::new("SELECT user_id FROM user_tokens WHERE token_hash = ");
    sql.bind(token_hash).push_bind(" AND purpose = ", purpose.as_str());
    sql.push_bind(" AND used_ms IS NULL AND expires_ms > ", now_ms);
    sql.fetch_optional(tx.conn()).await?.map(|row| row.parse("user_id")).transpose()
}

/// Uses a live token up and returns its user; `None` if it is unknown, used or expired. The
/// guarded update makes two concurrent uses of one link impossible.
pub async fn take(tx: &mut Tx, token_hash: &str, purpose: Purpose, now_ms: i64) -> StoreResult<Option<UserId>> {
    let mut sql = Sql::new("UPDATE user_tokens SET used_ms = ");
    sql.bind(now_ms).push_bind(" WHERE token_hash = ", token_hash).push_bind(" AND purpose = ", purpose.as_str());
    sql.push_bind(" AND used_ms IS NULL AND expires_ms > ", now_ms).push(" RETURNING user_id");
    sql.fetch_optional(tx.conn()).await?.map(|row| row.parse("user_id")).transpose()
}
