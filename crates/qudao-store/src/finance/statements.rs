//! Statements (对账单): their stored figures and the journal movements they are read from.
//!
//! A partner's position is the sum of its receivable and prepaid postings; a movement is one
//! journal entry's share of it. Both are read from the journal itself, never from the running
//! balances, so a statement shows exactly what the entries say.

use qudao_domain::finance::statements::Totals;
use qudao_domain::ids::{PartnerId, StatementId, UserId};
use serde::Serialize;
use utoipa::ToSchema;

use crate::page::{Cursor, Page, PageRequest};
use crate::{RowExt, Sql, StoreResult, Tx};

/// The accounts that make up the position.
const POSITION_KINDS: &str = "('receivable', 'prepaid')";

/// The partner's position before `before_ms`, fen (positive: it owes).
pub async fn position_before(tx: &mut Tx, partner: PartnerId, currency: &str, before_ms: i64) -> StoreResult<i64> {
    let mut sql = Sql::new(
        "SELECT CAST(COALESCE(SUM(jp.amount), 0) AS BIGINT) FROM journal_postings jp \
         JOIN ledger_accounts a ON a.id = jp.account_id JOIN journal_entries e ON e.id = jp.entry_id \
         WHERE a.partner_id = ",
    );
    sql.bind(partner).push_bind(" AND a.currency = ", currency);
    sql.push(" AND a.kind IN ").push(POSITION_KINDS).push_bind(" AND e.at_ms < ", before_ms);
    tx.scope().filter_partner(&mut sql, "a.partner_id");
    sql.fetch_i64(tx.conn()).await
}

/// What a movement is, as the statement shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct MovementInfo {
    /// The journal entry.
    pub entry_id: String,
    /// Its template: `order_payment`, `order_cancel`, `receipt`, `prepayment`, `adjustment`…
    pub template: String,
    /// What it refers to: `order`, `receipt`, `adjustment`…
    pub reference_kind: Option<String>,
    /// The referred object's id.
    pub reference_id: Option<String>,
    /// The document number people know it by (order, receipt or adjustment number).
    pub document: Option<String>,
    /// The entry's note.
    pub memo: Option<String>,
}

/// The partner's movements booked in `[from_ms, until_ms)`, in booking order, each with its net
/// effect on the position.
pub async fn movements(
    tx: &mut Tx,
    partner: PartnerId,
    currency: &str,
    from_ms: i64,
    until_ms: i64,
) -> StoreResult<Vec<qudao_domain::finance::statements::Movement<MovementInfo>>> {
    let mut sql = Sql::new(
        "SELECT e.id, e.at_ms, e.template, e.reference_kind, e.reference_id, e.memo, \
         COALESCE(o.number, r.number, ad.number) AS document, CAST(SUM(jp.amount) AS BIGINT) AS net \
         FROM journal_entries e JOIN journal_postings jp ON jp.entry_id = e.id \
         JOIN ledger_accounts a ON a.id = jp.account_id \
         LEFT JOIN orders o ON e.reference_kind = 'order' AND o.id = e.reference_id \
         LEFT JOIN receipts r ON e.reference_kind = 'receipt' AND r.id = e.reference_id \
         LEFT JOIN adjustments ad ON e.reference_kind = 'adjustment' AND ad.id = e.reference_id \
         WHERE e.partner_id = ",
    );
    sql.bind(partner).push_bind(" AND e.at_ms >= ", from_ms).push_bind(" AND e.at_ms < ", until_ms);
    sql.push_bind(" AND a.partner_id = ", partner).push_bind(" AND a.currency = ", currency);
    sql.push(" AND a.kind IN ").push(POSITION_KINDS);
    tx.scope().filter_partner(&mut sql, "e.partner_id");
    sql.push(
        " GROUP BY e.id, e.at_ms, e.template, e.reference_kind, e.reference_id, e.memo, o.number, r.number, ad.number \
         ORDER BY e.at_ms, e.id",
    );
    sql.fetch_all(tx.conn())
        .await?
        .iter()
        .map(|row| {
            Ok(qudao_domain::finance::statements::Movement {
                at_ms: row.int("at_ms")?,
                net: row.int("net")?,
                about: MovementInfo {
                    entry_id: row.text("id")?,
                    template: row.text("template")?,
                    reference_kind: row.opt_text("reference_kind")?,
                    reference_id: row.opt_text("reference_id")?,
                    document: row.opt_text("document")?,
                    memo: row.opt_text("memo")?,
                },
            })
        })
        .collect()
}

/// A statement to store.
#[derive(Debug, Clone)]
pub struct NewStatement<'a> {
    /// Id.
    pub id: StatementId,
    /// `ST-20261201-0001`.
    pub number: &'a str,
    /// Whose.
    pub partner_id: PartnerId,
    /// `CNY`.
    pub currency: &'a str,
    /// First day, yyyymmdd.
    pub period_from: u32,
    /// Last day, yyyymmdd.
    pub period_to: u32,
    /// Its figures.
    pub totals: Totals,
    /// Who issued it.
    pub created_by: Option<UserId>,
    /// When.
    pub created_ms: i64,
}

/// Stores an issued statement (a second one for the same partner and period is a duplicate).
pub async fn insert(tx: &mut Tx, s: &NewStatement<'_>) -> StoreResult<()> {
    let mut sql = Sql::new(
        "INSERT INTO statements (id, number, partner_id, currency, period_from, period_to, opening, debits, \
         credits, closing, movements, status, created_by, created_ms) VALUES (",
    );
    sql.bind(s.id).push(", ").bind(s.number).push(", ").bind(s.partner_id).push(", ").bind(s.currency);
    sql.push(", ").bind(i64::from(s.period_from)).push(", ").bind(i64::from(s.period_to));
    sql.push(", ").bind(s.totals.opening).push(", ").bind(s.totals.debits).push(", ").bind(s.totals.credits);
    sql.push(", ").bind(s.totals.closing).push(", ").bind(s.totals.movements).push(", 'issued', ");
    sql.bind(s.created_by).push(", ").bind(s.created_ms).push(")");
    sql.execute(tx.conn()).await?;
    Ok(())
}

/// A statement as stored, with its partner.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct StatementView {
    /// Id.
    pub id: StatementId,
    /// Number.
    pub number: String,
    /// Whose.
    pub partner_id: PartnerId,
    /// The partner's code.
    pub partner_code: String,
    /// The partner's name.
    pub partner_name: String,
    /// Currency.
    pub currency: String,
    /// First day, yyyymmdd.
    pub period_from: i64,
    /// Last day, yyyymmdd.
    pub period_to: i64,
    /// Its figures, fen.
    #[serde(flatten)]
    pub totals: Totals,
    /// `issued`, `confirmed` or `disputed`.
    pub status: String,
    /// The partner's comment with its answer.
    pub response_comment: Option<String>,
    /// Who answered.
    pub responded_by: Option<UserId>,
    /// When.
    pub responded_ms: Option<i64>,
    /// When it was issued.
    pub created_ms: i64,
}

const VIEW: &str = "SELECT s.id, s.number, s.partner_id, p.code AS partner_code, p.name AS partner_name, s.currency, \
                    s.period_from, s.period_to, s.opening, s.debits, s.credits, s.closing, s.movements, s.status, \
                    s.response_comment, s.responded_by, s.responded_ms, s.created_ms \
                    FROM statements s JOIN partners p ON p.id = s.partner_id WHERE 1 = 1";

fn view(row: &sqlx::any::AnyRow) -> StoreResult<StatementView> {
    Ok(StatementView {
        id: row.parse("id")?,
        number: row.text("number")?,
        partner_id: row.parse("partner_id")?,
        partner_code: row.text("partner_code")?,
        partner_name: row.text("partner_name")?,
        currency: row.text("currency")?,
        period_from: row.int("period_from")?,
        period_to: row.int("period_to")?,
        totals: Totals {
            opening: row.int("opening")?,
            debits: row.int("debits")?,
            credits: row.int("credits")?,
            closing: row.int("closing")?,
            movements: row.int("movements")?,
        },
        status: row.text("status")?,
        response_comment: row.opt_text("response_comment")?,
        responded_by: row.opt_parse("responded_by")?,
        responded_ms: row.opt_int("responded_ms")?,
        created_ms: row.int("created_ms")?,
    })
}

/// One visible statement.
pub async fn get(tx: &mut Tx, id: StatementId) -> StoreResult<Option<StatementView>> {
    let mut sql = Sql::new(VIEW);
    sql.push_bind(" AND s.id = ", id);
    tx.scope().filter_partner(&mut sql, "s.partner_id");
    sql.fetch_optional(tx.conn()).await?.as_ref().map(view).transpose()
}

/// A page of visible statements, newest first, for one partner or all, optionally in one status.
pub async fn list(
    tx: &mut Tx,
    partner: Option<PartnerId>,
    status: Option<&str>,
    page: &PageRequest,
) -> StoreResult<Page<StatementView>> {
    let mut sql = Sql::new(VIEW);
    if let Some(partner) = partner {
        sql.push_bind(" AND s.partner_id = ", partner);
    }
    if let Some(status) = status {
        sql.push_bind(" AND s.status = ", status);
    }
    tx.scope().filter_partner(&mut sql, "s.partner_id");
    page.apply(&mut sql, "s.created_ms", "s.id");
    let views = sql.fetch_all(tx.conn()).await?.iter().map(view).collect::<StoreResult<Vec<_>>>()?;
    Ok(Page::from_rows(views, page.limit, |v| Cursor { created_ms: v.created_ms, id: v.id.to_string() }))
}

/// Records the partner's answer if the statement is still in `from_status` (a guarded update: two
/// answers at once cannot both win). False when it was not.
pub async fn respond(
    tx: &mut Tx,
    id: StatementId,
    from_status: &str,
    status: &str,
    comment: Option<&str>,
    by: UserId,
    at_ms: i64,
) -> StoreResult<bool> {
    let mut sql = Sql::new("UPDATE statements SET status = ");
    sql.bind(status).push_bind(", response_comment = ", comment).push_bind(", responded_by = ", by);
    sql.push_bind(", responded_ms = ", at_ms).push_bind(" WHERE id = ", id).push_bind(" AND status = ", from_status);
    tx.scope().filter_partner(&mut sql, "partner_id");
    Ok(sql.execute(tx.conn()).await? == 1)
}
