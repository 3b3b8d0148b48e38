//! The audit log: append-only, one row per change, with the object before and after.

use qudao_domain::ids::{AuditId, PartnerId, UserId};
use serde::Serialize;
use utoipa::ToSchema;

use crate::page::{Cursor, Page, PageRequest};
use crate::{RowExt, Sql, StoreResult, Tx};

/// One change to record.
#[derive(Debug, Clone)]
pub struct AuditRecord {
    /// Who did it (`None` for the system: demo data, imports by CLI).
    pub actor_id: Option<UserId>,
    /// The actor's name at the time, kept even if the user is later renamed.
    pub actor_label: String,
    /// The partner the object belongs to, so partner users can be shown their own history.
    pub partner_id: Option<PartnerId>,
    /// `partner`, `user`, `product`…
    pub object_kind: &'static str,
    /// The object's id.
    pub object_id: String,
    /// `create`, `update`, `status`, `delete`, …
    pub action: &'static str,
    /// The object before, as JSON.
    pub before: Option<String>,
    /// The object after, as JSON.
    pub after: Option<String>,
    /// The request that caused it.
    pub request_id: Option<String>,
    /// The client address.
    pub ip: Option<String>,
    /// When.
    pub at_ms: i64,
}

/// Appends a record in the caller's transaction, so the change and its record commit together.
pub async fn insert(tx: &mut Tx, r: &AuditRecord) -> StoreResult<AuditId> {
    let id = AuditId::new();
    let mut sql = Sql::new(
        "INSERT INTO audit_log (id, at_ms, actor_id, actor_label, partner_id, object_kind, object_id, action, \
         before_json, after_json, request_id, ip) VALUES (",
    );
    sql.bind(id).push(", ").bind(r.at_ms).push(", ").bind(r.actor_id).push(", ").bind(r.actor_label.as_str());
    sql.push(", ").bind(r.partner_id).push(", ").bind(r.object_kind).push(", ").bind(r.object_id.as_str());
    sql.push(", ").bind(r.action).push(", ").bind(r.before.as_deref()).push(", ").bind(r.after.as_deref());
    sql.push(", ").bind(r.request_id.as_deref()).push(", ").bind(r.ip.as_deref()).push(")");
    sql.execute(tx.conn()).await?;
    Ok(id)
}

/// Appends many records in few statements (the order desk's batches).
pub async fn insert_batch(tx: &mut Tx, records: &[AuditRecord]) -> StoreResult<()> {
    use crate::Value;
    let rows: Vec<Vec<Value>> = records
        .iter()
        .map(|r| {
            vec![
                Value::from(AuditId::new()),
                Value::from(r.at_ms),
                Value::from(r.actor_id),
                Value::from(r.actor_label.as_str()),
                Value::from(r.partner_id),
                Value::from(r.object_kind),
                Value::from(r.object_id.as_str()),
                Value::from(r.action),
                Value::from(r.before.as_deref()),
                Value::from(r.after.as_deref()),
                Value::from(r.request_id.as_deref()),
                Value::from(r.ip.as_deref()),
            ]
        })
        .collect();
    crate::bulk::insert_rows(
        tx,
        "INSERT INTO audit_log (id, at_ms, actor_id, actor_label, partner_id, object_kind, object_id, action, \
         before_json, after_json, request_id, ip) VALUES",
        &rows,
        "",
    )
    .await?;
    Ok(())
}

/// A record as shown.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditView {
    /// Id.
    pub id: AuditId,
    /// When, epoch milliseconds.
    pub at_ms: i64,
    /// Who.
    pub actor_id: Option<UserId>,
    /// Who, by name.
    pub actor_label: String,
    /// Kind of object.
    pub object_kind: String,
    /// Object id.
    pub object_id: String,
    /// What was done.
    pub action: String,
    /// Before, as JSON text.
    pub before: Option<String>,
    /// After, as JSON text.
    pub after: Option<String>,
    /// Request id.
    pub request_id: Option<String>,
    /// Client address.
    pub ip: Option<String>,
}

/// Filters for the audit log.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only this kind of object.
    pub object_kind: Option<String>,
    /// Only this object.
    pub object_id: Option<String>,
    /// Only this actor.
    pub actor_id: Option<UserId>,
    /// From this time (inclusive).
    pub from_ms: Option<i64>,
    /// Until this time (exclusive).
    pub to_ms: Option<i64>,
}

/// A page of visible records, newest first.
pub async fn list(tx: &mut Tx, f: &AuditFilter, page: &PageRequest) -> StoreResult<Page<AuditView>> {
    let mut sql = Sql::new(
        "SELECT a.id, a.at_ms, a.actor_id, a.actor_label, a.object_kind, a.object_id, a.action, \
         a.before_json, a.after_json, a.request_id, a.ip FROM audit_log a WHERE 1 = 1",
    );
    tx.scope().filter_owned(&mut sql, "a.partner_id");
    if let Some(kind) = &f.object_kind {
        sql.push_bind(" AND a.object_kind = ", kind.as_str());
    }
    if let Some(id) = &f.object_id {
        sql.push_bind(" AND a.object_id = ", id.as_str());
    }
    if let Some(actor) = f.actor_id {
        sql.push_bind(" AND a.actor_id = ", actor);
    }
    if let Some(from) = f.from_ms {
        sql.push_bind(" AND a.at_ms >= ", from);
    }
    if let Some(to) = f.to_ms {
        sql.push_bind(" AND a.at_ms < ", to);
    }
    page.apply(&mut sql, "a.at_ms", "a.id");
    let rows = sql.fetch_all(tx.conn()).await?;
    let views = rows
        .iter()
        .map(|row| {
            Ok(AuditView {
                id: row.parse("id")?,
                at_ms: row.int("at_ms")?,
                actor_id: row.opt_parse("actor_id")?,
                actor_label: row.text("actor_label")?,
                object_kind: row.text("object_kind")?,
                object_id: row.text("object_id")?,
                action: row.text("action")?,
                before: row.opt_text("before_json")?,
                after: row.opt_text("after_json")?,
                request_id: row.opt_text("request_id")?,
                ip: row.opt_text("ip")?,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(Page::from_rows(views, page.limit, |v| Cursor { created_ms: v.at_ms, id: v.id.to_string() }))
}

/// How many records exist for an object (tests and the partner page's history count).
pub async fn count_for(tx: &mut Tx, object_kind: &str, object_id: &str) -> StoreResult<i64> {
    let mut sql = Sql::new("SELECT CAST(COUNT(*) AS BIGINT) FROM audit_log a WHERE a.object_kind = ");
    sql.bind(object_kind).push_bind(" AND a.object_id = ", object_id);
    tx.scope().filter_owned(&mut sql, "a.partner_id");
    sql.fetch_i64(tx.conn()).await
}

/// How many records exist in total (tests: every state change must add one).
pub async fn count_all(tx: &mut Tx) -> StoreResult<i64> {
    Sql::new("SELECT CAST(COUNT(*) AS BIGINT) FROM audit_log").fetch_i64(tx.conn()).await
}
