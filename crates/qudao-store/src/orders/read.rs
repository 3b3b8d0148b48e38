//! Reading orders, always through the caller's partner wall.

use qudao_domain::ids::{FileId, OrderId, PartnerId, SkuId, UserId, WarehouseId};
use qudao_domain::orders::PaymentSplit;
use serde::Serialize;
use utoipa::ToSchema;

use crate::page::{Cursor, Page, PageRequest};
use crate::{RowExt, Sql, StoreError, StoreResult, Tx};

/// An order in a list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrderSummary {
    /// Id.
    pub id: OrderId,
    /// SO-YYYYMMDD-NNNN.
    pub number: String,
    /// The partner.
    pub partner_id: PartnerId,
    /// Its code.
    pub partner_code: String,
    /// Its name.
    pub partner_name: String,
    /// `submitted`, `approved`, …
    pub status: String,
    /// `credit`, `prepaid`, `transfer`.
    pub payment: String,
    /// `paid`, `awaiting_transfer`, …
    pub payment_status: String,
    /// Currency.
    pub currency: String,
    /// To pay, fen.
    pub total: i64,
    /// Why it waits for a person, if it does.
    pub review_reason: Option<String>,
    /// When placed.
    pub placed_ms: i64,
}

/// One line of an order, as placed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrderLineView {
    /// 1, 2, 3…
    pub line_no: i64,
    /// SKU.
    pub sku_id: SkuId,
    /// Its code.
    pub sku: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Unit ordered in.
    pub unit: String,
    /// Base units per unit.
    pub unit_factor: i64,
    /// Quantity in the unit.
    pub quantity: i64,
    /// Quantity in base units.
    pub base_quantity: i64,
    /// List price per base unit, fen.
    pub list_price: i64,
    /// Before promotions, fen.
    pub gross: i64,
    /// After promotions, fen.
    pub net: i64,
    /// A gift (买赠) line.
    pub gift: bool,
    /// Base units shipped so far.
    pub shipped: i64,
    /// Base units returned so far.
    pub returned: i64,
    /// Why this price: the list price and its source, each promotion and its amount, the rules
    /// that matched but lost and why.
    #[schema(value_type = Object)]
    pub explanation: serde_json::Value,
}

/// An order with its lines.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrderView {
    /// The summary fields.
    #[serde(flatten)]
    pub summary: OrderSummary,
    /// Before promotions, fen.
    pub gross: i64,
    /// Promotions, fen.
    pub discount: i64,
    /// Who paid what.
    pub paid: PaymentSplit,
    /// Refunded so far, fen.
    pub refunded: i64,
    /// Delivery address as placed.
    #[schema(value_type = Object)]
    pub address: Option<serde_json::Value>,
    /// Requested delivery date, yyyymmdd.
    pub requested_date: Option<i64>,
    /// The partner's remark.
    pub remark: Option<String>,
    /// The transfer receipt, for offline payment.
    pub receipt_file_id: Option<FileId>,
    /// Who placed it.
    pub placed_by: Option<UserId>,
    /// Approved at.
    pub approved_ms: Option<i64>,
    /// Fully shipped at.
    pub shipped_ms: Option<i64>,
    /// Signed for at.
    pub received_ms: Option<i64>,
    /// Completed or cancelled at.
    pub closed_ms: Option<i64>,
    /// Optimistic lock.
    pub version: i64,
    /// The lines.
    pub lines: Vec<OrderLineView>,
}

/// Filters for the order list.
#[derive(Debug, Clone, Default)]
pub struct OrderFilter {
    /// Only this status.
    pub status: Option<String>,
    /// Only this partner.
    pub partner: Option<PartnerId>,
    /// Only orders waiting for approval (submitted with a review reason).
    pub awaiting_review: bool,
    /// Number prefix or partner name/code.
    pub q: Option<String>,
}

const SUMMARY: &str = "SELECT o.id, o.number, o.partner_id, p.code AS partner_code, p.name AS partner_name, o.status, \
     o.payment, o.payment_status, o.currency, o.total, o.review_reason, o.placed_ms";

const DETAIL: &str = ", o.gross, o.discount, o.pay_credit, o.pay_prepaid, o.pay_rebate, o.pay_transfer, o.refunded, \
     o.address_json, o.requested_date, o.remark, o.receipt_file_id, o.placed_by, o.approved_ms, o.shipped_ms, \
     o.received_ms, o.closed_ms, o.version";

fn summary(row: &sqlx::any::AnyRow) -> StoreResult<OrderSummary> {
    Ok(OrderSummary {
        id: row.parse("id")?,
        number: row.text("number")?,
        partner_id: row.parse("partner_id")?,
        partner_code: row.text("partner_code")?,
        partner_name: row.text("partner_name")?,
        status: row.text("status")?,
        payment: row.text("payment")?,
        payment_status: row.text("payment_status")?,
        currency: row.text("currency")?,
        total: row.int("total")?,
        review_reason: row.opt_text("review_reason")?,
        placed_ms: row.int("placed_ms")?,
    })
}

/// A page of the orders the caller sees, newest first.
pub async fn list(tx: &mut Tx, filter: &OrderFilter, page: &PageRequest) -> StoreResult<Page<OrderSummary>> {
    let mut sql = Sql::new(SUMMARY);
    sql.push(" FROM orders o JOIN partners p ON p.id = o.partner_id WHERE 1 = 1");
    tx.scope().filter_partner(&mut sql, "o.partner_id");
    if let Some(status) = &filter.status {
        sql.push_bind(" AND o.status = ", status.as_str());
    }
    if filter.awaiting_review {
        sql.push(" AND o.status = 'submitted' AND o.review_reason IS NOT NULL");
    }
    if let Some(partner) = filter.partner {
        sql.push_bind(" AND o.partner_id = ", partner);
    }
    if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        let pattern = format!("%{}%", qudao_domain::text::like_escape(q));
        sql.push_bind(" AND (o.number LIKE ", pattern.to_uppercase()).push(" ESCAPE '\\'");
        sql.push_bind(" OR p.name LIKE ", pattern.clone()).push(" ESCAPE '\\'");
        sql.push_bind(" OR p.code LIKE ", pattern.to_uppercase()).push(" ESCAPE '\\')");
    }
    page.apply(&mut sql, "o.placed_ms", "o.id");
    let rows = sql.fetch_all(tx.conn()).await?;
    let items = rows.iter().map(summary).collect::<StoreResult<Vec<_>>>()?;
    Ok(Page::from_rows(items, page.limit, |o| Cursor { created_ms: o.placed_ms, id: o.id.to_string() }))
}

fn json_column(row: &sqlx::any::AnyRow, column: &str) -> StoreResult<Option<serde_json::Value>> {
    row.opt_text(column)?
        .map(|text| serde_json::from_str(&text).map_err(|e| StoreError::Corrupt(format!("{column}: {e}"))))
        .transpose()
}

/// One order with its lines, if the caller sees it.
pub async fn get(tx: &mut Tx, id: OrderId) -> StoreResult<Option<OrderView>> {
    let mut sql = Sql::new(SUMMARY);
    sql.push(DETAIL).push(" FROM orders o JOIN partners p ON p.id = o.partner_id WHERE o.id = ").bind(id);
    tx.scope().filter_partner(&mut sql, "o.partner_id");
    let Some(row) = sql.fetch_optional(tx.conn()).await? else { return Ok(None) };
    let mut view = OrderView {
        summary: summary(&row)?,
        gross: row.int("gross")?,
        discount: row.int("discount")?,
        paid: PaymentSplit {
            credit: row.int("pay_credit")?,
            prepaid: row.int("pay_prepaid")?,
            rebate: row.int("pay_rebate")?,
            transfer: row.int("pay_transfer")?,
        },
        refunded: row.int("refunded")?,
        address: json_column(&row, "address_json")?,
        requested_date: row.opt_int("requested_date")?,
        remark: row.opt_text("remark")?,
        receipt_file_id: row.opt_parse("receipt_file_id")?,
        placed_by: row.opt_parse("placed_by")?,
        approved_ms: row.opt_int("approved_ms")?,
        shipped_ms: row.opt_int("shipped_ms")?,
        received_ms: row.opt_int("received_ms")?,
        closed_ms: row.opt_int("closed_ms")?,
        version: row.int("version")?,
        lines: Vec::new(),
    };
    let mut lines = Sql::new(
        "SELECT line_no, sku_id, sku_code, name_zh, name_en, unit_code, unit_factor, quantity, base_quantity, \
         list_price, gross, net, gift, shipped, returned, explanation_json FROM order_lines WHERE order_id = ",
    );
    lines.bind(id).push(" ORDER BY line_no");
    for row in lines.fetch_all(tx.conn()).await? {
        view.lines.push(OrderLineView {
            line_no: row.int("line_no")?,
            sku_id: row.parse("sku_id")?,
            sku: row.text("sku_code")?,
            name_zh: row.text("name_zh")?,
            name_en: row.text("name_en")?,
            unit: row.text("unit_code")?,
            unit_factor: row.int("unit_factor")?,
            quantity: row.int("quantity")?,
            base_quantity: row.int("base_quantity")?,
            list_price: row.int("list_price")?,
            gross: row.int("gross")?,
            net: row.int("net")?,
            gift: row.flag("gift")?,
            shipped: row.int("shipped")?,
            returned: row.int("returned")?,
            explanation: json_column(&row, "explanation_json")?.unwrap_or(serde_json::Value::Null),
        });
    }
    Ok(Some(view))
}

/// Stock an order holds, per line and warehouse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReservationRow {
    /// The line.
    pub line_no: i64,
    /// SKU.
    pub sku_id: SkuId,
    /// Warehouse.
    pub warehouse_id: WarehouseId,
    /// Base units still held.
    pub quantity: i64,
}

/// The stock a visible order holds.
pub async fn reservations_of(tx: &mut Tx, order: OrderId) -> StoreResult<Vec<ReservationRow>> {
    let mut sql = Sql::new(
        "SELECT line_no, sku_id, warehouse_id, quantity FROM order_reservations WHERE quantity > 0 AND order_id = ",
    );
    sql.bind(order);
    tx.scope().filter_partner(&mut sql, "partner_id");
    sql.push(" ORDER BY sku_id, warehouse_id, line_no");
    sql.fetch_all(tx.conn())
        .await?
        .iter()
        .map(|row| {
            Ok(ReservationRow {
                line_no: row.int("line_no")?,
                sku_id: row.parse("sku_id")?,
                warehouse_id: row.parse("warehouse_id")?,
                quantity: row.int("quantity")?,
            })
        })
        .collect()
}

/// Every order's id and status the scope sees, for the benchmark's and tests' checks.
pub async fn all_statuses(tx: &mut Tx) -> StoreResult<Vec<(OrderId, String)>> {
    let mut sql = Sql::new("SELECT id, status FROM orders WHERE 1 = 1");
    tx.scope().filter_partner(&mut sql, "partner_id");
    sql.fetch_all(tx.conn()).await?.iter().map(|r| Ok((r.parse("id")?, r.text("status")?))).collect()
}

/// The id of a visible order by its number (`SO-20250101-0001`), as an ERP names it.
pub async fn id_by_number(tx: &mut Tx, number: &str) -> StoreResult<Option<OrderId>> {
    let mut sql = Sql::new("SELECT o.id FROM orders o WHERE o.number = ");
    sql.bind(number);
    tx.scope().filter_partner(&mut sql, "o.partner_id");
    sql.fetch_optional(tx.conn()).await?.map(|row| row.parse("id")).transpose()
}
