//! Hand-overs of one's approvals while away (代理审批).

use qudao_domain::ids::{DelegationId, UserId};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{RowExt, Sql, StoreResult, Tx};

/// A hand-over as shown.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct DelegationView {
    /// Id.
    pub id: DelegationId,
    /// Who is away.
    pub user_id: UserId,
    /// Who stands in.
    pub delegate_id: UserId,
    /// The stand-in's name.
    pub delegate_name: String,
    /// Only approvals of this kind (none: all).
    pub object_kind: Option<String>,
    /// From.
    pub from_ms: i64,
    /// Until.
    pub until_ms: i64,
    /// When it was revoked, if it was.
    pub revoked_ms: Option<i64>,
}

/// Stores a hand-over.
pub async fn insert(tx: &mut Tx, d: &DelegationView, now_ms: i64) -> StoreResult<()> {
    let mut sql = Sql::new(
        "INSERT INTO approval_delegations (id, user_id, delegate_id, object_kind, from_ms, until_ms, created_ms) \
         VALUES (",
    );
    sql.bind(d.id).push(", ").bind(d.user_id).push(", ").bind(d.delegate_id).push(", ").bind(d.object_kind.as_deref());
    sql.push(", ").bind(d.from_ms).push(", ").bind(d.until_ms).push(", ").bind(now_ms).push(")");
    sql.execute(tx.conn()).await?;
    Ok(())
}

/// One person's hand-overs, newest first.
pub async fn of_user(tx: &mut Tx, user: UserId) -> StoreResult<Vec<DelegationView>> {
    let mut sql = Sql::new(
        "SELECT d.id, d.user_id, d.delegate_id, u.display_name, d.object_kind, d.from_ms, d.until_ms, d.revoked_ms \
         FROM approval_delegations d JOIN users u ON u.id = d.delegate_id WHERE d.user_id = ",
    );
    sql.bind(user).push(" ORDER BY d.created_ms DESC, d.id DESC");
    sql.fetch_all(tx.conn())
        .await?
        .iter()
        .map(|row| {
            Ok(DelegationView {
                id: row.parse("id")?,
                user_id: row.parse("user_id")?,
                delegate_id: row.parse("delegate_id")?,
                delegate_name: row.text("display_name")?,
                object_kind: row.opt_text("object_kind")?,
                from_ms: row.int("from_ms")?,
                until_ms: row.int("until_ms")?,
                revoked_ms: row.opt_int("revoked_ms")?,
            })
        })
        .collect()
}

/// Revokes one's own hand-over; false when there is none to revoke.
pub async fn revoke(tx: &mut Tx, id: DelegationId, user: UserId, now_ms: i64) -> StoreResult<bool> {
    let mut sql = Sql::new("UPDATE approval_delegations SET revoked_ms = ");
    sql.bind(now_ms).push(" WHERE id = ").bind(id).push(" AND user_id = ").bind(user);
    sql.push(" AND revoked_ms IS NULL");
    Ok(sql.execute(tx.conn()).await? == 1)
}
