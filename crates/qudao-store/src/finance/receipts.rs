//! Receipts (回款), their allocations to orders, and what each credit order still owes.

use qudao_domain::finance::{Allocation, OpenOrder};
use qudao_domain::ids::{EntryId, FileId, OrderId, PartnerId, ReceiptId, UserId};
use serde::Serialize;
use utoipa::ToSchema;

use crate::page::{Cursor, Page, PageRequest};
use crate::sql::Value;
use crate::{RowExt, Sql, StoreResult, Tx};

/// A receipt to store.
#[derive(Debug, Clone)]
pub struct NewReceipt<'a> {
    /// Id.
    pub id: ReceiptId,
    /// `RC-20261129-0001`.
    pub number: &'a str,
    /// Who paid.
    pub partner_id: PartnerId,
    /// Fen.
    pub amount: i64,
    /// `CNY`.
    pub currency: &'a str,
    /// `manual` or `erp`.
    pub source: &'a str,
    /// The ERP's document id.
    pub document_id: Option<&'a str>,
    /// `transfer`, `cash`, `cheque`, `online`…
    pub method: &'a str,
    /// The day the money arrived, yyyymmdd.
    pub received_date: i64,
    /// A bank slip.
    pub proof_file_id: Option<FileId>,
    /// A note.
    pub memo: Option<&'a str>,
    /// Its journal entry.
    pub entry_id: EntryId,
    /// Who recorded it.
    pub created_by: Option<UserId>,
    /// When.
    pub at_ms: i64,
    /// What it settled.
    pub allocations: &'a [Allocation],
}

/// Stores a receipt and its allocations.
pub async fn insert(tx: &mut Tx, r: &NewReceipt<'_>) -> StoreResult<()> {
    let allocated: i64 = r.allocations.iter().map(|a| a.amount).sum();
    let mut sql = Sql::new(
        "INSERT INTO receipts (id, number, partner_id, amount, currency, allocated, source, document_id, method, \
         received_date, proof_file_id, memo, entry_id, created_by, created_ms) VALUES (",
    );
    sql.bind(r.id).push(", ").bind(r.number).push(", ").bind(r.partner_id).push(", ").bind(r.amount);
    sql.push(", ").bind(r.currency).push(", ").bind(allocated).push(", ").bind(r.source);
    sql.push(", ").bind(r.document_id).push(", ").bind(r.method).push(", ").bind(r.received_date);
    sql.push(", ").bind(r.proof_file_id).push(", ").bind(r.memo).push(", ").bind(r.entry_id);
    sql.push(", ").bind(r.created_by).push(", ").bind(r.at_ms).push(")");
    sql.execute(tx.conn()).await?;
    let rows: Vec<Vec<Value>> = r
        .allocations
        .iter()
        .map(|a| {
            vec![
                Value::from(r.id),
                Value::from(a.order),
                Value::from(r.partner_id),
                Value::from(a.amount),
                Value::from(r.at_ms),
            ]
        })
        .collect();
    crate::bulk::insert_rows(
        tx,
        "INSERT INTO receipt_allocations (receipt_id, order_id, partner_id, amount, created_ms) VALUES",
        &rows,
        "",
    )
    .await?;
    Ok(())
}

/// What the partner's credit orders still owe, each due its partner's terms (or
/// `default_terms_days`) after approval: the receivable the order posted (less what
/// cancellations, returns and adjustments gave back, all in entries referring to the order) minus
/// what receipts settled. Orders owing nothing are left out.
pub async fn open_orders(tx: &mut Tx, partner: PartnerId, default_terms_days: i64) -> StoreResult<Vec<OpenOrder>> {
    Ok(owing(tx, Some(partner))
        .await?
        .into_iter()
        .map(|o| OpenOrder { id: o.order_id, due_ms: o.due_ms(default_terms_days), open: o.owing })
        .collect())
}

/// A credit order that still owes, with its partner (the aging report).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owing {
    /// The order.
    pub order_id: OrderId,
    /// Its partner.
    pub partner_id: PartnerId,
    /// The partner's code.
    pub partner_code: String,
    /// The partner's name.
    pub partner_name: String,
    /// When the order was approved (placed, if not yet approved): its terms run from here.
    pub since_ms: i64,
    /// What it still owes, fen.
    pub owing: i64,
    /// The partner's own credit terms, days; none follows the brand's setting.
    pub terms_days: Option<i64>,
}

impl Owing {
    /// When it falls due: its partner's terms, or `default_terms_days`, after `since_ms`.
    pub fn due_ms(&self, default_terms_days: i64) -> i64 {
        self.since_ms + self.terms_days.unwrap_or(default_terms_days) * 86_400_000
    }
}

/// Every visible credit order that still owes, for one partner or all, oldest first.
pub async fn owing(tx: &mut Tx, partner: Option<PartnerId>) -> StoreResult<Vec<Owing>> {
    let mut sql = Sql::new(
        "SELECT o.id, o.partner_id, p.code, p.name, COALESCE(o.approved_ms, o.placed_ms) AS since_ms, \
         CAST(COALESCE((SELECT SUM(jp.amount) FROM journal_entries e JOIN journal_postings jp ON jp.entry_id = e.id \
           JOIN ledger_accounts a ON a.id = jp.account_id \
           WHERE e.reference_kind = 'order' AND e.reference_id = o.id AND a.kind = 'receivable'), 0) AS BIGINT) AS owed, \
         CAST(COALESCE((SELECT SUM(r.amount) FROM receipt_allocations r WHERE r.order_id = o.id), 0) AS BIGINT) AS settled, \
         la.terms_days \
         FROM orders o JOIN partners p ON p.id = o.partner_id \
         LEFT JOIN ledger_accounts la ON la.partner_id = o.partner_id AND la.kind = 'receivable' AND la.currency = o.currency \
         WHERE o.pay_credit > 0",
    );
    if let Some(partner) = partner {
        sql.push_bind(" AND o.partner_id = ", partner);
    }
    tx.scope().filter_partner(&mut sql, "o.partner_id");
    sql.push(" ORDER BY since_ms, o.id");
    let rows = sql.fetch_all(tx.conn()).await?;
    let mut open = Vec::new();
    for row in &rows {
        let owing = row.int("owed")? - row.int("settled")?;
        if owing > 0 {
            open.push(Owing {
                order_id: row.parse("id")?,
                partner_id: row.parse("partner_id")?,
                partner_code: row.text("code")?,
                partner_name: row.text("name")?,
                since_ms: row.int("since_ms")?,
                owing,
                terms_days: row.opt_int("terms_days")?,
            });
        }
    }
    Ok(open)
}

/// A receipt as shown.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct ReceiptView {
    /// Id.
    pub id: ReceiptId,
    /// Number.
    pub number: String,
    /// Who paid.
    pub partner_id: PartnerId,
    /// The partner's name.
    pub partner_name: String,
    /// Fen.
    pub amount: i64,
    /// Currency.
    pub currency: String,
    /// Set against orders, fen.
    pub allocated: i64,
    /// Kept as prepaid balance, fen.
    pub prepaid: i64,
    /// `manual` or `erp`.
    pub source: String,
    /// The ERP's document id.
    pub document_id: Option<String>,
    /// How it was paid.
    pub method: String,
    /// When the money arrived, yyyymmdd.
    pub received_date: i64,
    /// The bank slip.
    pub proof_file_id: Option<FileId>,
    /// A note.
    pub memo: Option<String>,
    /// When it was recorded.
    pub created_ms: i64,
    /// What it settled.
    pub allocations: Vec<AllocationView>,
}

/// One order a receipt settled.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct AllocationView {
    /// The order.
    pub order_id: OrderId,
    /// Its number.
    pub order_number: String,
    /// Fen.
    pub amount: i64,
}

const VIEW: &str = "SELECT r.id, r.number, r.partner_id, p.name AS partner_name, r.amount, r.currency, r.allocated, \
                    r.source, r.document_id, r.method, r.received_date, r.proof_file_id, r.memo, r.created_ms \
                    FROM receipts r JOIN partners p ON p.id = r.partner_id WHERE 1 = 1";

/// One visible receipt with its allocations.
pub async fn get(tx: &mut Tx, id: ReceiptId) -> StoreResult<Option<ReceiptView>> {
    let mut sql = Sql::new(VIEW);
    sql.push_bind(" AND r.id = ", id);
    tx.scope().filter_partner(&mut sql, "r.partner_id");
    let Some(row) = sql.fetch_optional(tx.conn()).await? else { return Ok(None) };
    let mut view = view(&row)?;
    let mut sql = Sql::new(
        "SELECT a.order_id, o.number, a.amount FROM receipt_allocations a JOIN orders o ON o.id = a.order_id \
         WHERE a.receipt_id = ",
    );
    sql.bind(id).push(" ORDER BY o.placed_ms, o.id");
    view.allocations = sql
        .fetch_all(tx.conn())
        .await?
        .iter()
        .map(|row| {
            Ok(AllocationView {
                order_id: row.parse("order_id")?,
                order_number: row.text("number")?,
                amount: row.int("amount")?,
            })
        })
        .collect::<StoreResult<_>>()?;
    Ok(Some(view))
}

/// A page of visible receipts, newest first, for one partner or all.
pub async fn list(tx: &mut Tx, partner: Option<PartnerId>, page: &PageRequest) -> StoreResult<Page<ReceiptView>> {
    let mut sql = Sql::new(VIEW);
    if let Some(partner) = partner {
        sql.push_bind(" AND r.partner_id = ", partner);
    }
    tx.scope().filter_partner(&mut sql, "r.partner_id");
    page.apply(&mut sql, "r.created_ms", "r.id");
    let views = sql.fetch_all(tx.conn()).await?.iter().map(view).collect::<StoreResult<Vec<_>>>()?;
    Ok(Page::from_rows(views, page.limit, |v| Cursor { created_ms: v.created_ms, id: v.id.to_string() }))
}

/// The receipt the ERP sent under a document id, if any.
pub async fn by_document(tx: &mut Tx, source: &str, document_id: &str) -> StoreResult<Option<ReceiptId>> {
    let mut sql = Sql::new("SELECT id FROM receipts WHERE source = ");
    sql.bind(source).push_bind(" AND document_id = ", document_id);
    sql.fetch_optional(tx.conn()).await?.map(|row| row.parse("id")).transpose()
}

fn view(row: &sqlx::any::AnyRow) -> StoreResult<ReceiptView> {
    let amount = row.int("amount")?;
    let allocated = row.int("allocated")?;
    Ok(ReceiptView {
        id: row.parse("id")?,
        number: row.text("number")?,
        partner_id: row.parse("partner_id")?,
        partner_name: row.text("partner_name")?,
        amount,
        currency: row.text("currency")?,
        allocated,
        prepaid: amount - allocated,
        source: row.text("source")?,
        document_id: row.opt_text("document_id")?,
        method: row.text("method")?,
        received_date: row.int("received_date")?,
        proof_file_id: row.opt_parse("proof_file_id")?,
        memo: row.opt_text("memo")?,
        created_ms: row.int("created_ms")?,
        allocations: Vec::new(),
    })
}
