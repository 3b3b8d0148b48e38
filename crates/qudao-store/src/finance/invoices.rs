//! Invoices (发票) the ERP issued for orders.

use qudao_domain::ids::{InvoiceId, OrderId, PartnerId};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{RowExt, Sql, StoreResult, Tx};

/// An invoice as stored and shown.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct InvoiceView {
    /// Id.
    pub id: InvoiceId,
    /// The order invoiced.
    pub order_id: OrderId,
    /// Its partner.
    pub partner_id: PartnerId,
    /// The 发票 number.
    pub invoice_number: String,
    /// Amount including tax, fen.
    pub amount: i64,
    /// Of which tax, fen.
    pub tax: i64,
    /// Currency.
    pub currency: String,
    /// Issued on, yyyymmdd.
    pub issued_date: i64,
    /// The ERP's document id.
    pub document_id: String,
    /// Recorded at.
    pub created_ms: i64,
}

/// Stores an invoice; a second one with the same number is refused by the unique index.
pub async fn insert(tx: &mut Tx, v: &InvoiceView) -> StoreResult<()> {
    let mut sql = Sql::new(
        "INSERT INTO invoices (id, order_id, partner_id, invoice_number, amount, tax, currency, issued_date, \
         document_id, created_ms) VALUES (",
    );
    sql.bind(v.id).push(", ").bind(v.order_id).push(", ").bind(v.partner_id).push(", ").bind(v.invoice_number.as_str());
    sql.push(", ").bind(v.amount).push(", ").bind(v.tax).push(", ").bind(v.currency.as_str());
    sql.push(", ").bind(v.issued_date).push(", ").bind(v.document_id.as_str()).push(", ").bind(v.created_ms).push(")");
    sql.execute(tx.conn()).await?;
    Ok(())
}

/// An order's visible invoices, oldest first.
pub async fn for_order(tx: &mut Tx, order: OrderId) -> StoreResult<Vec<InvoiceView>> {
    let mut sql = Sql::new(
        "SELECT id, order_id, partner_id, invoice_number, amount, tax, currency, issued_date, document_id, created_ms \
         FROM invoices WHERE order_id = ",
    );
    sql.bind(order);
    tx.scope().filter_partner(&mut sql, "partner_id");
    sql.push(" ORDER BY created_ms, id");
    sql.fetch_all(tx.conn())
        .await?
        .iter()
        .map(|row| {
            Ok(InvoiceView {
                id: row.parse("id")?,
                order_id: row.parse("order_id")?,
                partner_id: row.parse("partner_id")?,
                invoice_number: row.text("invoice_number")?,
                amount: row.int("amount")?,
                tax: row.int("tax")?,
                currency: row.text("currency")?,
                issued_date: row.int("issued_date")?,
                document_id: row.text("document_id")?,
                created_ms: row.int("created_ms")?,
            })
        })
        .collect()
}

/// What an order has been invoiced so far, fen.
pub async fn invoiced(tx: &mut Tx, order: OrderId) -> StoreResult<i64> {
    let mut sql = Sql::new("SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM invoices WHERE order_id = ");
    sql.bind(order);
    sql.fetch_i64(tx.conn()).await
}
