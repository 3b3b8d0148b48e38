//! Writing placed orders, many per statement (the order desk's batches).

use qudao_domain::ids::{FileId, OrderId, PartnerId, PromotionId, SkuId, UserId, WarehouseId};
use qudao_domain::orders::PaymentSplit;

use crate::bulk::insert_rows;
use crate::{StoreResult, Tx, Value};

/// An order to write, with everything decided.
#[derive(Debug, Clone)]
pub struct NewOrder {
    /// Id.
    pub id: OrderId,
    /// SO-YYYYMMDD-NNNN.
    pub number: String,
    /// Partner.
    pub partner_id: PartnerId,
    /// Status name.
    pub status: &'static str,
    /// Payment method name.
    pub payment: &'static str,
    /// Payment status name.
    pub payment_status: &'static str,
    /// Currency.
    pub currency: String,
    /// Before promotions, fen.
    pub gross: i64,
    /// Promotions, fen.
    pub discount: i64,
    /// To pay, fen.
    pub total: i64,
    /// Who pays what.
    pub split: PaymentSplit,
    /// Delivery address snapshot, JSON.
    pub address_json: Option<String>,
    /// Requested delivery date, yyyymmdd.
    pub requested_date: Option<i64>,
    /// Remark.
    pub remark: Option<String>,
    /// Why it waits for review.
    pub review_reason: Option<&'static str>,
    /// The pricing date, yyyymmdd.
    pub pricing_date: i64,
    /// Who placed it.
    pub placed_by: Option<UserId>,
    /// When.
    pub placed_ms: i64,
    /// When approved (automatic approval at placing).
    pub approved_ms: Option<i64>,
    /// Lines.
    pub lines: Vec<NewLine>,
    /// Where the stock is held.
    pub reservations: Vec<NewReservation>,
    /// Limited promotions taken: (promotion, amount).
    pub promotion_usage: Vec<(PromotionId, i64)>,
}

/// A line to write.
#[derive(Debug, Clone)]
pub struct NewLine {
    /// 1, 2, 3…
    pub line_no: i64,
    /// SKU.
    pub sku_id: SkuId,
    /// Its code at the time.
    pub sku_code: String,
    /// Names at the time.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Unit ordered in.
    pub unit_code: String,
    /// Base units per unit.
    pub unit_factor: i64,
    /// In the unit.
    pub quantity: i64,
    /// In base units.
    pub base_quantity: i64,
    /// List price per base unit.
    pub list_price: i64,
    /// Before promotions.
    pub gross: i64,
    /// After promotions.
    pub net: i64,
    /// A gift line.
    pub gift: bool,
    /// Why this price, JSON.
    pub explanation_json: String,
}

/// Stock held for a line in one warehouse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewReservation {
    /// The line.
    pub line_no: i64,
    /// SKU.
    pub sku_id: SkuId,
    /// Warehouse.
    pub warehouse_id: WarehouseId,
    /// Base units.
    pub quantity: i64,
}

/// The stamps of the steps an order has taken: none yet for the desk's new orders, all of them
/// for history written as it stands (`history::insert_past_orders`).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Stamps {
    /// When it had fully shipped.
    pub shipped_ms: Option<i64>,
    /// When it was signed for.
    pub received_ms: Option<i64>,
    /// When it was completed or cancelled.
    pub closed_ms: Option<i64>,
    /// Refunded by returns, fen.
    pub refunded: i64,
    /// When it last changed.
    pub updated_ms: i64,
}

/// One order to write as it stands: the order, its stamps, and per line (in `order.lines` order)
/// the base units shipped and returned — empty when nothing has moved yet.
#[derive(Debug, Clone, Copy)]
pub(crate) struct OrderRow<'a> {
    /// The order as placed, with its current status.
    pub order: &'a NewOrder,
    /// The steps it took.
    pub stamps: Stamps,
    /// (shipped, returned) per line.
    pub progress: &'a [(i64, i64)],
}

impl<'a> OrderRow<'a> {
    /// A just-placed order: nothing shipped, last changed when placed.
    fn placed(order: &'a NewOrder) -> Self {
        OrderRow { order, stamps: Stamps { updated_ms: order.placed_ms, ..Stamps::default() }, progress: &[] }
    }
}

/// Writes orders with their lines, reservations and promotion usage records.
pub async fn insert_batch(tx: &mut Tx, orders: &[NewOrder]) -> StoreResult<()> {
    let rows: Vec<OrderRow<'_>> = orders.iter().map(OrderRow::placed).collect();
    insert_orders(tx, &rows).await
}

/// Writes order heads with their stamps, then their contents: the one writer of `orders` rows
/// for both the desk and imported history.
pub(crate) async fn insert_orders(tx: &mut Tx, rows: &[OrderRow<'_>]) -> StoreResult<()> {
    let heads: Vec<Vec<Value>> = rows
        .iter()
        .map(|row| {
            let (o, t) = (row.order, &row.stamps);
            vec![
                Value::from(o.id),
                Value::from(o.number.as_str()),
                Value::from(o.partner_id),
                Value::from(o.status),
                Value::from(o.payment),
                Value::from(o.payment_status),
                Value::from(o.currency.as_str()),
                Value::from(o.gross),
                Value::from(o.discount),
                Value::from(o.total),
                Value::from(o.split.credit),
                Value::from(o.split.prepaid),
                Value::from(o.split.rebate),
                Value::from(o.split.transfer),
                Value::from(t.refunded),
                Value::from(o.address_json.as_deref()),
                Value::from(o.requested_date),
                Value::from(o.remark.as_deref()),
                Value::from(o.review_reason),
                Value::from(o.pricing_date),
                Value::from(o.placed_by),
                Value::from(o.placed_ms),
                Value::from(o.approved_ms),
                Value::from(t.shipped_ms),
                Value::from(t.received_ms),
                Value::from(t.closed_ms),
                Value::from(t.updated_ms),
                Value::from(1_i64),
            ]
        })
        .collect();
    insert_rows(
        tx,
        "INSERT INTO orders (id, number, partner_id, status, payment, payment_status, currency, gross, discount, total, \
         pay_credit, pay_prepaid, pay_rebate, pay_transfer, refunded, address_json, requested_date, remark, \
         review_reason, pricing_date, placed_by, placed_ms, approved_ms, shipped_ms, received_ms, closed_ms, \
         updated_ms, version) VALUES",
        &heads,
        "",
    )
    .await?;
    insert_contents(tx, rows).await
}

/// Writes the lines, reservations and promotion usage of orders whose head exists.
async fn insert_contents(tx: &mut Tx, rows: &[OrderRow<'_>]) -> StoreResult<()> {
    let lines: Vec<Vec<Value>> = rows
        .iter()
        .flat_map(|row| {
            let o = row.order;
            o.lines.iter().enumerate().map(move |(index, l)| {
                let (shipped, returned) = row.progress.get(index).copied().unwrap_or((0, 0));
                vec![
                    Value::from(o.id),
                    Value::from(l.line_no),
                    Value::from(o.partner_id),
                    Value::from(l.sku_id),
                    Value::from(l.sku_code.as_str()),
                    Value::from(l.name_zh.as_str()),
                    Value::from(l.name_en.as_str()),
                    Value::from(l.unit_code.as_str()),
                    Value::from(l.unit_factor),
                    Value::from(l.quantity),
                    Value::from(l.base_quantity),
                    Value::from(l.list_price),
                    Value::from(l.gross),
                    Value::from(l.net),
                    Value::from(l.gift),
                    Value::from(shipped),
                    Value::from(returned),
                    Value::from(l.explanation_json.as_str()),
                ]
            })
        })
        .collect();
    insert_rows(
        tx,
        "INSERT INTO order_lines (order_id, line_no, partner_id, sku_id, sku_code, name_zh, name_en, unit_code, \
         unit_factor, quantity, base_quantity, list_price, gross, net, gift, shipped, returned, explanation_json) VALUES",
        &lines,
        "",
    )
    .await?;
    let reservations: Vec<Vec<Value>> = rows
        .iter()
        .flat_map(|row| {
            let o = row.order;
            o.reservations.iter().map(move |r| {
                vec![
                    Value::from(o.id),
                    Value::from(r.line_no),
                    Value::from(o.partner_id),
                    Value::from(r.sku_id),
                    Value::from(r.warehouse_id),
                    Value::from(r.quantity),
                ]
            })
        })
        .collect();
    insert_rows(
        tx,
        "INSERT INTO order_reservations (order_id, line_no, partner_id, sku_id, warehouse_id, quantity) VALUES",
        &reservations,
        "",
    )
    .await?;
    let usage: Vec<Vec<Value>> = rows
        .iter()
        .flat_map(|row| {
            let o = row.order;
            o.promotion_usage.iter().map(move |(promotion, used)| {
                vec![Value::from(o.id), Value::from(*promotion), Value::from(o.partner_id), Value::from(*used)]
            })
        })
        .collect();
    insert_rows(tx, "INSERT INTO order_promotion_usage (order_id, promotion_id, partner_id, used) VALUES", &usage, "")
        .await?;
    Ok(())
}

/// An amendment before approval: the order's new lines, reservations, promotion usage and
/// amounts. The number, the partner, the status and the payment method stay.
#[derive(Debug, Clone)]
pub struct Amendment<'a> {
    /// The order as it is to become (its `number`, `status`, `payment` and `placed_*` are
    /// ignored).
    pub order: &'a NewOrder,
    /// The version read before amending (optimistic lock).
    pub version: i64,
    /// When.
    pub now_ms: i64,
}

/// Replaces an order's contents and amounts; `false` when it changed since `version` was read or
/// is no longer submitted.
pub async fn amend(tx: &mut Tx, amendment: &Amendment<'_>) -> StoreResult<bool> {
    let o = amendment.order;
    let mut sql = crate::Sql::new("UPDATE orders SET gross = ");
    sql.bind(o.gross).push_bind(", discount = ", o.discount).push_bind(", total = ", o.total);
    sql.push_bind(", pay_credit = ", o.split.credit).push_bind(", pay_prepaid = ", o.split.prepaid);
    sql.push_bind(", pay_rebate = ", o.split.rebate).push_bind(", pay_transfer = ", o.split.transfer);
    sql.push_bind(", address_json = ", o.address_json.as_deref()).push_bind(", requested_date = ", o.requested_date);
    sql.push_bind(", remark = ", o.remark.as_deref()).push_bind(", review_reason = ", o.review_reason);
    sql.push_bind(", pricing_date = ", o.pricing_date).push_bind(", updated_ms = ", amendment.now_ms);
    sql.push(", version = version + 1 WHERE status = 'submitted' AND id = ").bind(o.id);
    sql.push_bind(" AND version = ", amendment.version);
    tx.scope().filter_partner(&mut sql, "partner_id");
    if sql.execute(tx.conn()).await? != 1 {
        return Ok(false);
    }
    for table in ["order_promotion_usage", "order_reservations", "order_lines"] {
        let mut sql = crate::Sql::new(&format!("DELETE FROM {table} WHERE order_id = "));
        sql.bind(o.id);
        tx.scope().filter_partner(&mut sql, "partner_id");
        sql.execute(tx.conn()).await?;
    }
    insert_contents(tx, &[OrderRow::placed(o)]).await?;
    Ok(true)
}

/// Adds to what partners took of limited promotions (`used` may be negative: a cancellation
/// gives quota back). Amounts are summed per (promotion, partner) first.
pub async fn add_promotion_usage(tx: &mut Tx, usage: &[(PromotionId, PartnerId, i64)]) -> StoreResult<()> {
    let mut totals: Vec<((PromotionId, PartnerId), i64)> = Vec::new();
    for (promotion, partner, used) in usage {
        match totals.iter_mut().find(|(key, _)| *key == (*promotion, *partner)) {
            Some((_, total)) => *total += used,
            None => totals.push(((*promotion, *partner), *used)),
        }
    }
    totals.sort_by_key(|(key, _)| *key);
    let rows: Vec<Vec<Value>> = totals
        .iter()
        .map(|((promotion, partner), used)| vec![Value::from(*promotion), Value::from(*partner), Value::from(*used)])
        .collect();
    insert_rows(
        tx,
        "INSERT INTO promotion_usage (promotion_id, partner_id, used) VALUES",
        &rows,
        " ON CONFLICT (promotion_id, partner_id) DO UPDATE SET used = promotion_usage.used + excluded.used",
    )
    .await?;
    Ok(())
}

/// Locks these orders' rows until the transaction ends, in id order (PostgreSQL; on SQLite the
/// write transaction already excludes every other writer, so nothing is sent). Read an order
/// after this to decide a change from its money fields: a concurrent change (a transfer being
/// confirmed) is then either wholly seen or waits.
pub async fn lock(tx: &mut Tx, orders: &[OrderId]) -> StoreResult<()> {
    if orders.is_empty() || tx.dialect() == crate::Dialect::Sqlite {
        return Ok(());
    }
    let mut sql = crate::Sql::new("SELECT id FROM orders WHERE id IN ");
    sql.bind_list(orders.iter().copied());
    tx.scope().filter_partner(&mut sql, "partner_id");
    sql.push(" ORDER BY id").push(crate::bulk::for_update(tx));
    sql.fetch_all(tx.conn()).await?;
    Ok(())
}

/// Moves a visible order from one of `from` to `to`, stamping `stamp_column` with `now_ms` when
/// given; `false` if the order is not in one of those states any more (someone else moved it).
pub async fn transition(
    tx: &mut Tx,
    id: OrderId,
    from: &[&str],
    to: &str,
    stamp_column: Option<&'static str>,
    now_ms: i64,
) -> StoreResult<bool> {
    let mut sql = crate::Sql::new("UPDATE orders SET status = ");
    sql.bind(to).push_bind(", updated_ms = ", now_ms).push(", version = version + 1");
    if let Some(column) = stamp_column {
        sql.push(", ").push(column).push(" = ").bind(now_ms);
    }
    sql.push_bind(" WHERE id = ", id).push(" AND status IN ").bind_list(from.iter().copied());
    tx.scope().filter_partner(&mut sql, "partner_id");
    Ok(sql.execute(tx.conn()).await? == 1)
}

/// Sets the payment status (and clears the review reason when `clear_review`).
pub async fn set_payment_status(tx: &mut Tx, id: OrderId, status: &str, clear_review: bool) -> StoreResult<()> {
    let mut sql = crate::Sql::new("UPDATE orders SET payment_status = ");
    sql.bind(status);
    if clear_review {
        sql.push(", review_reason = NULL");
    }
    sql.push_bind(" WHERE id = ", id);
    tx.scope().filter_partner(&mut sql, "partner_id");
    sql.execute(tx.conn()).await?;
    Ok(())
}

/// Attaches the proof of an offline transfer to an order.
pub async fn set_receipt_file(tx: &mut Tx, id: OrderId, file: FileId) -> StoreResult<()> {
    let mut sql = crate::Sql::new("UPDATE orders SET receipt_file_id = ");
    sql.bind(file).push_bind(" WHERE id = ", id);
    tx.scope().filter_partner(&mut sql, "partner_id");
    sql.execute(tx.conn()).await?;
    Ok(())
}

/// Sets the review reason of a still-submitted order.
pub async fn set_review_reason(tx: &mut Tx, id: OrderId, reason: Option<&str>) -> StoreResult<()> {
    let mut sql = crate::Sql::new("UPDATE orders SET review_reason = ");
    sql.bind(reason).push_bind(" WHERE id = ", id);
    tx.scope().filter_partner(&mut sql, "partner_id");
    sql.execute(tx.conn()).await?;
    Ok(())
}

/// Adds to the amount refunded.
pub async fn add_refunded(tx: &mut Tx, id: OrderId, amount: i64) -> StoreResult<()> {
    let mut sql = crate::Sql::new("UPDATE orders SET refunded = refunded + ");
    sql.bind(amount).push_bind(" WHERE id = ", id);
    tx.scope().filter_partner(&mut sql, "partner_id");
    sql.execute(tx.conn()).await?;
    Ok(())
}

/// Lowers a reservation by `quantity` (released or shipped).
pub async fn take_from_reservation(
    tx: &mut Tx,
    order: OrderId,
    line_no: i64,
    warehouse: WarehouseId,
    quantity: i64,
) -> StoreResult<bool> {
    let mut sql = crate::Sql::new("UPDATE order_reservations SET quantity = quantity - ");
    sql.bind(quantity).push_bind(" WHERE order_id = ", order).push_bind(" AND line_no = ", line_no);
    sql.push_bind(" AND warehouse_id = ", warehouse).push(" AND quantity >= ").bind(quantity);
    tx.scope().filter_partner(&mut sql, "partner_id");
    Ok(sql.execute(tx.conn()).await? == 1)
}

/// Empties every reservation of these orders (cancelled; their stock released by
/// `stock::release_batch`).
pub async fn clear_reservations(tx: &mut Tx, orders: &[OrderId]) -> StoreResult<u64> {
    if orders.is_empty() {
        return Ok(0);
    }
    let mut sql = crate::Sql::new("UPDATE order_reservations SET quantity = 0 WHERE quantity > 0 AND order_id IN ");
    sql.bind_list(orders.iter().copied());
    tx.scope().filter_partner(&mut sql, "partner_id");
    sql.execute(tx.conn()).await
}

/// What an order took of limited promotions.
pub async fn promotion_usage_of(tx: &mut Tx, order: OrderId) -> StoreResult<Vec<(PromotionId, i64)>> {
    use crate::RowExt;
    let mut sql = crate::Sql::new("SELECT promotion_id, used FROM order_promotion_usage WHERE order_id = ");
    sql.bind(order);
    tx.scope().filter_partner(&mut sql, "partner_id");
    sql.fetch_all(tx.conn()).await?.iter().map(|row| Ok((row.parse("promotion_id")?, row.int("used")?))).collect()
}

/// Adds to the shipped (or returned) base units of a line.
pub async fn add_to_line(
    tx: &mut Tx,
    order: OrderId,
    line_no: i64,
    column: LineCounter,
    quantity: i64,
) -> StoreResult<bool> {
    let name = match column {
        LineCounter::Shipped => "shipped",
        LineCounter::Returned => "returned",
    };
    let mut sql = crate::Sql::new("UPDATE order_lines SET ");
    sql.push(name).push(" = ").push(name).push(" + ").bind(quantity);
    sql.push_bind(" WHERE order_id = ", order).push_bind(" AND line_no = ", line_no);
    match column {
        LineCounter::Shipped => sql.push(" AND shipped + ").bind(quantity).push(" <= base_quantity"),
        LineCounter::Returned => sql.push(" AND returned + ").bind(quantity).push(" <= shipped"),
    };
    tx.scope().filter_partner(&mut sql, "partner_id");
    Ok(sql.execute(tx.conn()).await? == 1)
}

/// Which per-line counter to move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineCounter {
    /// Base units shipped.
    Shipped,
    /// Base units returned.
    Returned,
}
