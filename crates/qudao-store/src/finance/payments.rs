//! Online payments, the providers' notifications (each applied once) and refunds.

use qudao_domain::ids::{EntryId, OrderId, PartnerId, PaymentId, RefundId, UserId};
use serde::Serialize;
use utoipa::ToSchema;

use crate::page::{Cursor, Page, PageRequest};
use crate::{RowExt, Sql, StoreResult, Tx};

/// A payment to store.
#[derive(Debug, Clone)]
pub struct NewPayment<'a> {
    /// Id (also the merchant's trade number the provider sees).
    pub id: PaymentId,
    /// The order.
    pub order_id: OrderId,
    /// Its partner.
    pub partner_id: PartnerId,
    /// `sim`, later `wechat`, `alipay`.
    pub provider: &'a str,
    /// The provider's id of it.
    pub provider_ref: &'a str,
    /// Fen.
    pub amount: i64,
    /// `CNY`.
    pub currency: &'a str,
    /// Where the payer pays.
    pub pay_url: &'a str,
    /// What the QR code holds.
    pub code_url: &'a str,
    /// Who started it.
    pub created_by: Option<UserId>,
    /// When.
    pub created_ms: i64,
    /// When it lapses.
    pub expires_ms: i64,
}

/// Stores a new payment.
pub async fn insert(tx: &mut Tx, p: &NewPayment<'_>) -> StoreResult<()> {
    let mut sql = Sql::new(
        "INSERT INTO payments (id, order_id, partner_id, provider, provider_ref, amount, currency, status, pay_url, \
         code_url, refunded, applied, created_by, created_ms, expires_ms) VALUES (",
    );
    sql.bind(p.id).push(", ").bind(p.order_id).push(", ").bind(p.partner_id).push(", ").bind(p.provider);
    sql.push(", ").bind(p.provider_ref).push(", ").bind(p.amount).push(", ").bind(p.currency);
    sql.push(", 'created', ").bind(p.pay_url).push(", ").bind(p.code_url).push(", 0, 0, ").bind(p.created_by);
    sql.push(", ").bind(p.created_ms).push(", ").bind(p.expires_ms).push(")");
    sql.execute(tx.conn()).await?;
    Ok(())
}

/// A payment as shown.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct PaymentView {
    /// Id.
    pub id: PaymentId,
    /// The order.
    pub order_id: OrderId,
    /// Its number.
    pub order_number: String,
    /// Its partner.
    pub partner_id: PartnerId,
    /// The provider.
    pub provider: String,
    /// The provider's id of it.
    pub provider_ref: String,
    /// Fen.
    pub amount: i64,
    /// Currency.
    pub currency: String,
    /// `created`, `paid` or `closed`.
    pub status: String,
    /// Where the payer pays (the provider's page).
    pub pay_url: String,
    /// What the QR code holds.
    pub code_url: String,
    /// Given back through the provider, fen.
    pub refunded: i64,
    /// Who started it.
    pub created_by: Option<UserId>,
    /// When.
    pub created_ms: i64,
    /// When it lapses unpaid.
    pub expires_ms: i64,
    /// When the provider confirmed it.
    pub paid_ms: Option<i64>,
    /// The provider's transaction id.
    pub provider_txn: Option<String>,
}

const VIEW: &str = "SELECT p.id, p.order_id, o.number AS order_number, p.partner_id, p.provider, p.provider_ref, \
                    p.amount, p.currency, p.status, p.pay_url, p.code_url, p.refunded, p.created_by, p.created_ms, \
                    p.expires_ms, p.paid_ms, p.provider_txn FROM payments p JOIN orders o ON o.id = p.order_id \
                    WHERE 1 = 1";

fn view(row: &sqlx::any::AnyRow) -> StoreResult<PaymentView> {
    Ok(PaymentView {
        id: row.parse("id")?,
        order_id: row.parse("order_id")?,
        order_number: row.text("order_number")?,
        partner_id: row.parse("partner_id")?,
        provider: row.text("provider")?,
        provider_ref: row.text("provider_ref")?,
        amount: row.int("amount")?,
        currency: row.text("currency")?,
        status: row.text("status")?,
        pay_url: row.text("pay_url")?,
        code_url: row.text("code_url")?,
        refunded: row.int("refunded")?,
        created_by: row.opt_parse("created_by")?,
        created_ms: row.int("created_ms")?,
        expires_ms: row.int("expires_ms")?,
        paid_ms: row.opt_int("paid_ms")?,
        provider_txn: row.opt_text("provider_txn")?,
    })
}

/// One visible payment.
pub async fn get(tx: &mut Tx, id: PaymentId) -> StoreResult<Option<PaymentView>> {
    let mut sql = Sql::new(VIEW);
    sql.push_bind(" AND p.id = ", id);
    tx.scope().filter_partner(&mut sql, "p.partner_id");
    sql.fetch_optional(tx.conn()).await?.as_ref().map(view).transpose()
}

/// A payment by the provider's id (notifications name it so).
pub async fn by_provider_ref(tx: &mut Tx, provider: &str, provider_ref: &str) -> StoreResult<Option<PaymentView>> {
    let mut sql = Sql::new(VIEW);
    sql.push_bind(" AND p.provider = ", provider).push_bind(" AND p.provider_ref = ", provider_ref);
    tx.scope().filter_partner(&mut sql, "p.partner_id");
    sql.fetch_optional(tx.conn()).await?.as_ref().map(view).transpose()
}

/// Visible payments, newest first: one order's, one status's, or all.
pub async fn list(
    tx: &mut Tx,
    order: Option<OrderId>,
    status: Option<&str>,
    page: &PageRequest,
) -> StoreResult<Page<PaymentView>> {
    let mut sql = Sql::new(VIEW);
    if let Some(order) = order {
        sql.push_bind(" AND p.order_id = ", order);
    }
    if let Some(status) = status {
        sql.push_bind(" AND p.status = ", status);
    }
    tx.scope().filter_partner(&mut sql, "p.partner_id");
    page.apply(&mut sql, "p.created_ms", "p.id");
    let views = sql.fetch_all(tx.conn()).await?.iter().map(view).collect::<StoreResult<Vec<_>>>()?;
    Ok(Page::from_rows(views, page.limit, |v| Cursor { created_ms: v.created_ms, id: v.id.to_string() }))
}

/// Payments still waiting for their payer, oldest first (reconciliation asks the provider about
/// them).
pub async fn open(tx: &mut Tx, limit: i64) -> StoreResult<Vec<PaymentView>> {
    let mut sql = Sql::new(VIEW);
    sql.push(" AND p.status = 'created'");
    tx.scope().filter_partner(&mut sql, "p.partner_id");
    sql.push_bind(" ORDER BY p.created_ms, p.id LIMIT ", limit);
    sql.fetch_all(tx.conn()).await?.iter().map(view).collect()
}

/// Locks a payment's row for a decision (PostgreSQL; SQLite's write transaction already holds
/// every row) and returns it as it now is.
pub async fn lock(tx: &mut Tx, id: PaymentId) -> StoreResult<Option<PaymentView>> {
    if tx.dialect() == crate::Dialect::Postgres {
        let mut sql = Sql::new("SELECT id FROM payments WHERE id = ");
        sql.bind(id).push(" FOR UPDATE");
        sql.fetch_optional(tx.conn()).await?;
    }
    get(tx, id).await
}

/// Moves a payment to `status` from `created` (or, to `paid`, also from `closed`: paid at the last
/// moment). Guarded: false when it had moved already.
pub async fn settle(
    tx: &mut Tx,
    id: PaymentId,
    status: &str,
    paid_ms: Option<i64>,
    provider_txn: Option<&str>,
) -> StoreResult<bool> {
    let mut sql = Sql::new("UPDATE payments SET status = ");
    sql.bind(status).push_bind(", paid_ms = ", paid_ms).push_bind(", provider_txn = ", provider_txn);
    sql.push_bind(" WHERE id = ", id);
    sql.push(if status == "paid" { " AND status IN ('created', 'closed')" } else { " AND status = 'created'" });
    Ok(sql.execute(tx.conn()).await? == 1)
}

/// Records that a paid payment's money paid its order.
pub async fn mark_applied(tx: &mut Tx, id: PaymentId) -> StoreResult<()> {
    let mut sql = Sql::new("UPDATE payments SET applied = 1 WHERE id = ");
    sql.bind(id);
    sql.execute(tx.conn()).await?;
    Ok(())
}

/// Claims a notification: true the first time `(provider, notify_id)` is seen.
pub async fn claim_notification(
    tx: &mut Tx,
    provider: &str,
    notify_id: &str,
    body: &str,
    received_ms: i64,
) -> StoreResult<bool> {
    let mut sql = Sql::new(
        "INSERT INTO payment_notifications (provider, notify_id, payment_id, outcome, body, received_ms) VALUES (",
    );
    sql.bind(provider).push(", ").bind(notify_id).push(", NULL, 'received', ").bind(body);
    sql.push(", ").bind(received_ms).push(") ON CONFLICT (provider, notify_id) DO NOTHING");
    Ok(sql.execute(tx.conn()).await? == 1)
}

/// Records what a claimed notification led to.
pub async fn notification_outcome(
    tx: &mut Tx,
    provider: &str,
    notify_id: &str,
    payment: Option<PaymentId>,
    outcome: &str,
) -> StoreResult<()> {
    let mut sql = Sql::new("UPDATE payment_notifications SET payment_id = ");
    sql.bind(payment).push_bind(", outcome = ", outcome).push_bind(" WHERE provider = ", provider);
    sql.push_bind(" AND notify_id = ", notify_id);
    sql.execute(tx.conn()).await?;
    Ok(())
}

/// Records a notification refused before it could be claimed (a bad signature), for finance.
pub async fn record_refused(
    tx: &mut Tx,
    provider: &str,
    notify_id: &str,
    body: &str,
    outcome: &str,
    at_ms: i64,
) -> StoreResult<()> {
    let mut sql = Sql::new(
        "INSERT INTO payment_notifications (provider, notify_id, payment_id, outcome, body, received_ms) VALUES (",
    );
    sql.bind(provider).push(", ").bind(notify_id).push(", NULL, ").bind(outcome).push(", ").bind(body);
    sql.push(", ").bind(at_ms).push(") ON CONFLICT (provider, notify_id) DO NOTHING");
    sql.execute(tx.conn()).await?;
    Ok(())
}

/// A refund to store.
#[derive(Debug, Clone)]
pub struct NewRefund<'a> {
    /// Id.
    pub id: RefundId,
    /// The payment.
    pub payment_id: PaymentId,
    /// Its partner.
    pub partner_id: PartnerId,
    /// Fen.
    pub amount: i64,
    /// The provider's id of the refund.
    pub provider_ref: &'a str,
    /// Why.
    pub reason: &'a str,
    /// Its journal entry.
    pub entry_id: EntryId,
    /// Who.
    pub created_by: Option<UserId>,
    /// When.
    pub created_ms: i64,
}

/// Stores a refund and adds it to its payment's refunded amount (guarded: never past the amount).
pub async fn insert_refund(tx: &mut Tx, r: &NewRefund<'_>) -> StoreResult<bool> {
    let mut sql = Sql::new("UPDATE payments SET refunded = refunded + ");
    sql.bind(r.amount).push_bind(" WHERE id = ", r.payment_id).push(" AND status = 'paid' AND refunded + ");
    sql.bind(r.amount).push(" <= amount");
    if sql.execute(tx.conn()).await? != 1 {
        return Ok(false);
    }
    let mut sql = Sql::new(
        "INSERT INTO payment_refunds (id, payment_id, partner_id, amount, provider_ref, reason, entry_id, created_by, \
         created_ms) VALUES (",
    );
    sql.bind(r.id).push(", ").bind(r.payment_id).push(", ").bind(r.partner_id).push(", ").bind(r.amount);
    sql.push(", ").bind(r.provider_ref).push(", ").bind(r.reason).push(", ").bind(r.entry_id);
    sql.push(", ").bind(r.created_by).push(", ").bind(r.created_ms).push(")");
    sql.execute(tx.conn()).await?;
    Ok(true)
}

/// Records the provider's id of a refund once it answered.
pub async fn set_refund_ref(tx: &mut Tx, id: RefundId, provider_ref: &str) -> StoreResult<()> {
    let mut sql = Sql::new("UPDATE payment_refunds SET provider_ref = ");
    sql.bind(provider_ref).push_bind(" WHERE id = ", id);
    sql.execute(tx.conn()).await?;
    Ok(())
}

/// Orders marked paid online without a paid payment behind them (reconciliation: should be none).
pub async fn paid_orders_without_payment(tx: &mut Tx, limit: i64) -> StoreResult<Vec<(OrderId, String)>> {
    let mut sql = Sql::new(
        "SELECT o.id, o.number FROM orders o WHERE o.payment_status = 'paid_online' AND NOT EXISTS \
         (SELECT 1 FROM payments p WHERE p.order_id = o.id AND p.status = 'paid')",
    );
    tx.scope().filter_partner(&mut sql, "o.partner_id");
    sql.push_bind(" ORDER BY o.placed_ms LIMIT ", limit);
    sql.fetch_all(tx.conn()).await?.iter().map(|row| Ok((row.parse("id")?, row.text("number")?))).collect()
}

/// Paid payments whose money did not pay their order (it was cancelled first, already paid by
/// another payment, or asked another amount), or whose order was cancelled after, not yet given
/// back in full: money held as the partner's prepaid balance.
pub async fn paid_without_order(tx: &mut Tx, limit: i64) -> StoreResult<Vec<PaymentView>> {
    let mut sql = Sql::new(VIEW);
    sql.push(
        " AND p.status = 'paid' AND (p.applied = 0 OR o.payment_status <> 'paid_online') AND p.refunded < p.amount",
    );
    tx.scope().filter_partner(&mut sql, "p.partner_id");
    sql.push_bind(" ORDER BY p.created_ms LIMIT ", limit);
    sql.fetch_all(tx.conn()).await?.iter().map(view).collect()
}
