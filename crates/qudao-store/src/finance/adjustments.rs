//! Manual adjustments (调账): asked for, then approved (and posted) or rejected.

use qudao_domain::ids::{AdjustmentId, EntryId, OrderId, PartnerId, UserId};
use serde::Serialize;
use utoipa::ToSchema;

use crate::page::{Cursor, Page, PageRequest};
use crate::{RowExt, Sql, StoreResult, Tx};

/// An adjustment asked for.
#[derive(Debug, Clone)]
pub struct NewAdjustment<'a> {
    /// Id.
    pub id: AdjustmentId,
    /// `AJ-20261129-0001`.
    pub number: &'a str,
    /// Whose balance.
    pub partner_id: PartnerId,
    /// `receivable`, `prepaid` or `rebate`.
    pub account_kind: &'a str,
    /// The change of the balance as people read it, fen.
    pub amount: i64,
    /// `CNY`.
    pub currency: &'a str,
    /// The credit order (receivable adjustments).
    pub order_id: Option<OrderId>,
    /// Why.
    pub reason: &'a str,
    /// Who asked.
    pub requested_by: UserId,
    /// When.
    pub requested_ms: i64,
}

/// Stores a pending adjustment.
pub async fn insert(tx: &mut Tx, a: &NewAdjustment<'_>) -> StoreResult<()> {
    let mut sql = Sql::new(
        "INSERT INTO adjustments (id, number, partner_id, account_kind, amount, currency, order_id, reason, status, \
         requested_by, requested_ms) VALUES (",
    );
    sql.bind(a.id).push(", ").bind(a.number).push(", ").bind(a.partner_id).push(", ").bind(a.account_kind);
    sql.push(", ").bind(a.amount).push(", ").bind(a.currency).push(", ").bind(a.order_id);
    sql.push(", ").bind(a.reason).push(", 'pending', ").bind(a.requested_by).push(", ").bind(a.requested_ms);
    sql.push(")");
    sql.execute(tx.conn()).await?;
    Ok(())
}

/// An adjustment as shown.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct AdjustmentView {
    /// Id.
    pub id: AdjustmentId,
    /// Number.
    pub number: String,
    /// Whose balance.
    pub partner_id: PartnerId,
    /// The partner's name.
    pub partner_name: String,
    /// `receivable`, `prepaid` or `rebate`.
    pub account_kind: String,
    /// The change of the balance as people read it, fen.
    pub amount: i64,
    /// Currency.
    pub currency: String,
    /// The credit order it changes (receivable adjustments).
    pub order_id: Option<OrderId>,
    /// That order's number.
    pub order_number: Option<String>,
    /// Why.
    pub reason: String,
    /// `pending`, `approved` or `rejected`.
    pub status: String,
    /// Who asked.
    pub requested_by: UserId,
    /// When.
    pub requested_ms: i64,
    /// Who decided.
    pub decided_by: Option<UserId>,
    /// When.
    pub decided_ms: Option<i64>,
    /// The decider's comment.
    pub decision_comment: Option<String>,
    /// The journal entry, once approved.
    pub entry_id: Option<EntryId>,
}

const VIEW: &str = "SELECT a.id, a.number, a.partner_id, p.name AS partner_name, a.account_kind, a.amount, a.currency, \
                    a.order_id, o.number AS order_number, a.reason, a.status, a.requested_by, a.requested_ms, \
                    a.decided_by, a.decided_ms, a.decision_comment, a.entry_id \
                    FROM adjustments a JOIN partners p ON p.id = a.partner_id \
                    LEFT JOIN orders o ON o.id = a.order_id WHERE 1 = 1";

fn view(row: &sqlx::any::AnyRow) -> StoreResult<AdjustmentView> {
    Ok(AdjustmentView {
        id: row.parse("id")?,
        number: row.text("number")?,
        partner_id: row.parse("partner_id")?,
        partner_name: row.text("partner_name")?,
        account_kind: row.text("account_kind")?,
        amount: row.int("amount")?,
        currency: row.text("currency")?,
        order_id: row.opt_parse("order_id")?,
        order_number: row.opt_text("order_number")?,
        reason: row.text("reason")?,
        status: row.text("status")?,
        requested_by: row.parse("requested_by")?,
        requested_ms: row.int("requested_ms")?,
        decided_by: row.opt_parse("decided_by")?,
        decided_ms: row.opt_int("decided_ms")?,
        decision_comment: row.opt_text("decision_comment")?,
        entry_id: row.opt_parse("entry_id")?,
    })
}

/// One visible adjustment.
pub async fn get(tx: &mut Tx, id: AdjustmentId) -> StoreResult<Option<AdjustmentView>> {
    let mut sql = Sql::new(VIEW);
    sql.push_bind(" AND a.id = ", id);
    tx.scope().filter_partner(&mut sql, "a.partner_id");
    sql.fetch_optional(tx.conn()).await?.as_ref().map(view).transpose()
}

/// A page of visible adjustments, newest first, optionally in one status.
pub async fn list(
    tx: &mut Tx,
    partner: Option<PartnerId>,
    status: Option<&str>,
    page: &PageRequest,
) -> StoreResult<Page<AdjustmentView>> {
    let mut sql = Sql::new(VIEW);
    if let Some(partner) = partner {
        sql.push_bind(" AND a.partner_id = ", partner);
    }
    if let Some(status) = status {
        sql.push_bind(" AND a.status = ", status);
    }
    tx.scope().filter_partner(&mut sql, "a.partner_id");
    page.apply(&mut sql, "a.requested_ms", "a.id");
    let views = sql.fetch_all(tx.conn()).await?.iter().map(view).collect::<StoreResult<Vec<_>>>()?;
    Ok(Page::from_rows(views, page.limit, |v| Cursor { created_ms: v.requested_ms, id: v.id.to_string() }))
}

/// Records a decision if the adjustment is still pending (guarded: two deciders cannot both win).
pub async fn decide(
    tx: &mut Tx,
    id: AdjustmentId,
    status: &str,
    by: UserId,
    at_ms: i64,
    comment: Option<&str>,
    entry: Option<EntryId>,
) -> StoreResult<bool> {
    let mut sql = Sql::new("UPDATE adjustments SET status = ");
    sql.bind(status).push_bind(", decided_by = ", by).push_bind(", decided_ms = ", at_ms);
    sql.push_bind(", decision_comment = ", comment).push_bind(", entry_id = ", entry);
    sql.push_bind(" WHERE id = ", id).push(" AND status = 'pending'");
    tx.scope().filter_partner(&mut sql, "partner_id");
    Ok(sql.execute(tx.conn()).await? == 1)
}
