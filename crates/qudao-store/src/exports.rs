//! Bulk exports for ERPs without an API: order lines, receipts and statements over a period, read
//! in keyset pages so a year of data never sits in one result set.

use qudao_domain::ids::PartnerId;

use crate::{RowExt, Sql, StoreResult, Tx};

/// What an export covers: a time range (ms, end exclusive) and optionally one partner.
#[derive(Debug, Clone, Copy)]
pub struct Range {
    /// From, inclusive.
    pub from_ms: i64,
    /// Until, exclusive.
    pub until_ms: i64,
    /// Only this partner.
    pub partner: Option<PartnerId>,
}

/// Where the next page starts: after this time and id (and line).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct After {
    /// The last row's time.
    pub at_ms: i64,
    /// The last row's id.
    pub id: String,
    /// The last row's line number (order lines).
    pub line_no: i64,
}

/// One order line with its order, as an ERP imports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderLineRow {
    /// The order's id.
    pub order_id: String,
    /// Its number.
    pub number: String,
    /// When it was placed.
    pub placed_ms: i64,
    /// The partner's code.
    pub partner_code: String,
    /// The partner's name.
    pub partner_name: String,
    /// The order's status.
    pub status: String,
    /// How it was paid.
    pub payment: String,
    /// The order's total, fen.
    pub order_total: i64,
    /// Line number.
    pub line_no: i64,
    /// SKU code.
    pub sku: String,
    /// SKU name in Chinese.
    pub name_zh: String,
    /// SKU name in English.
    pub name_en: String,
    /// Unit ordered in.
    pub unit: String,
    /// Quantity in that unit.
    pub quantity: i64,
    /// List price per base unit, fen.
    pub list_price: i64,
    /// Net amount of the line, fen.
    pub net: i64,
    /// A gift line.
    pub gift: bool,
    /// Base units shipped.
    pub shipped: i64,
}

fn range(sql: &mut Sql, tx: &Tx, column: &str, partner_column: &str, r: &Range) {
    sql.push(" AND ").push(column).push_bind(" >= ", r.from_ms).push(" AND ").push(column).push_bind(" < ", r.until_ms);
    if let Some(partner) = r.partner {
        sql.push(" AND ").push(partner_column).push_bind(" = ", partner);
    }
    tx.scope().filter_partner(sql, partner_column);
}

/// A page of visible order lines placed in the range, oldest first.
pub async fn order_lines(tx: &mut Tx, r: &Range, after: &After, limit: i64) -> StoreResult<Vec<OrderLineRow>> {
    let mut sql = Sql::new(
        "SELECT o.id, o.number, o.placed_ms, p.code, p.name, o.status, o.payment, o.total, l.line_no, l.sku_code, \
         l.name_zh, l.name_en, l.unit_code, l.quantity, l.list_price, l.net, l.gift, l.shipped \
         FROM orders o JOIN partners p ON p.id = o.partner_id JOIN order_lines l ON l.order_id = o.id WHERE 1 = 1",
    );
    range(&mut sql, tx, "o.placed_ms", "o.partner_id", r);
    sql.push_bind(" AND (o.placed_ms > ", after.at_ms).push_bind(" OR (o.placed_ms = ", after.at_ms);
    sql.push_bind(" AND (o.id > ", after.id.as_str()).push_bind(" OR (o.id = ", after.id.as_str());
    sql.push_bind(" AND l.line_no > ", after.line_no).push("))))");
    sql.push_bind(" ORDER BY o.placed_ms, o.id, l.line_no LIMIT ", limit);
    sql.fetch_all(tx.conn())
        .await?
        .iter()
        .map(|row| {
            Ok(OrderLineRow {
                order_id: row.text("id")?,
                number: row.text("number")?,
                placed_ms: row.int("placed_ms")?,
                partner_code: row.text("code")?,
                partner_name: row.text("name")?,
                status: row.text("status")?,
                payment: row.text("payment")?,
                order_total: row.int("total")?,
                line_no: row.int("line_no")?,
                sku: row.text("sku_code")?,
                name_zh: row.text("name_zh")?,
                name_en: row.text("name_en")?,
                unit: row.text("unit_code")?,
                quantity: row.int("quantity")?,
                list_price: row.int("list_price")?,
                net: row.int("net")?,
                gift: row.int("gift")? != 0,
                shipped: row.int("shipped")?,
            })
        })
        .collect()
}

/// One receipt with what it settled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptRow {
    /// Id.
    pub id: String,
    /// Number.
    pub number: String,
    /// When it was recorded.
    pub created_ms: i64,
    /// The day the money arrived, yyyymmdd.
    pub received_date: i64,
    /// The partner's code.
    pub partner_code: String,
    /// The partner's name.
    pub partner_name: String,
    /// Fen.
    pub amount: i64,
    /// Set against orders, fen.
    pub allocated: i64,
    /// How it was paid.
    pub method: String,
    /// `manual` or `erp`.
    pub source: String,
    /// The ERP's document id.
    pub document_id: Option<String>,
    /// A note.
    pub memo: Option<String>,
}

/// A page of visible receipts recorded in the range, oldest first.
pub async fn receipts(tx: &mut Tx, r: &Range, after: &After, limit: i64) -> StoreResult<Vec<ReceiptRow>> {
    let mut sql = Sql::new(
        "SELECT r.id, r.number, r.created_ms, r.received_date, p.code, p.name, r.amount, r.allocated, r.method, \
         r.source, r.document_id, r.memo FROM receipts r JOIN partners p ON p.id = r.partner_id WHERE 1 = 1",
    );
    range(&mut sql, tx, "r.created_ms", "r.partner_id", r);
    sql.push_bind(" AND (r.created_ms > ", after.at_ms).push_bind(" OR (r.created_ms = ", after.at_ms);
    sql.push_bind(" AND r.id > ", after.id.as_str()).push("))");
    sql.push_bind(" ORDER BY r.created_ms, r.id LIMIT ", limit);
    sql.fetch_all(tx.conn())
        .await?
        .iter()
        .map(|row| {
            Ok(ReceiptRow {
                id: row.text("id")?,
                number: row.text("number")?,
                created_ms: row.int("created_ms")?,
                received_date: row.int("received_date")?,
                partner_code: row.text("code")?,
                partner_name: row.text("name")?,
                amount: row.int("amount")?,
                allocated: row.int("allocated")?,
                method: row.text("method")?,
                source: row.text("source")?,
                document_id: row.opt_text("document_id")?,
                memo: row.opt_text("memo")?,
            })
        })
        .collect()
}

/// The orders each receipt of `ids` settled, as `SO-…:123.45` pairs, by receipt id.
pub async fn allocations_of(tx: &mut Tx, ids: &[String]) -> StoreResult<Vec<(String, String, i64)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(
        "SELECT a.receipt_id, o.number, a.amount FROM receipt_allocations a JOIN orders o ON o.id = a.order_id \
         WHERE ",
    );
    crate::bulk::push_in(&mut sql, tx.dialect(), "a.receipt_id", ids);
    sql.push(" ORDER BY a.receipt_id, o.placed_ms, o.id");
    sql.fetch_all(tx.conn())
        .await?
        .iter()
        .map(|row| Ok((row.text("receipt_id")?, row.text("number")?, row.int("amount")?)))
        .collect()
}

/// One statement's figures and answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementRow {
    /// Id.
    pub id: String,
    /// Number.
    pub number: String,
    /// When it was issued.
    pub created_ms: i64,
    /// The partner's code.
    pub partner_code: String,
    /// The partner's name.
    pub partner_name: String,
    /// First day, yyyymmdd.
    pub period_from: i64,
    /// Last day, yyyymmdd.
    pub period_to: i64,
    /// Opening balance, fen.
    pub opening: i64,
    /// Debits, fen.
    pub debits: i64,
    /// Credits, fen.
    pub credits: i64,
    /// Closing balance, fen.
    pub closing: i64,
    /// `issued`, `confirmed`, `disputed`.
    pub status: String,
    /// When the partner answered.
    pub responded_ms: Option<i64>,
    /// Its comment.
    pub comment: Option<String>,
}

/// A page of visible statements issued in the range, oldest first.
pub async fn statements(tx: &mut Tx, r: &Range, after: &After, limit: i64) -> StoreResult<Vec<StatementRow>> {
    let mut sql = Sql::new(
        "SELECT s.id, s.number, s.created_ms, p.code, p.name, s.period_from, s.period_to, s.opening, s.debits, \
         s.credits, s.closing, s.status, s.responded_ms, s.response_comment \
         FROM statements s JOIN partners p ON p.id = s.partner_id WHERE 1 = 1",
    );
    range(&mut sql, tx, "s.created_ms", "s.partner_id", r);
    sql.push_bind(" AND (s.created_ms > ", after.at_ms).push_bind(" OR (s.created_ms = ", after.at_ms);
    sql.push_bind(" AND s.id > ", after.id.as_str()).push("))");
    sql.push_bind(" ORDER BY s.created_ms, s.id LIMIT ", limit);
    sql.fetch_all(tx.conn())
        .await?
        .iter()
        .map(|row| {
            Ok(StatementRow {
                id: row.text("id")?,
                number: row.text("number")?,
                created_ms: row.int("created_ms")?,
                partner_code: row.text("code")?,
                partner_name: row.text("name")?,
                period_from: row.int("period_from")?,
                period_to: row.int("period_to")?,
                opening: row.int("opening")?,
                debits: row.int("debits")?,
                credits: row.int("credits")?,
                closing: row.int("closing")?,
                status: row.text("status")?,
                responded_ms: row.opt_int("responded_ms")?,
                comment: row.opt_text("response_comment")?,
            })
        })
        .collect()
}
