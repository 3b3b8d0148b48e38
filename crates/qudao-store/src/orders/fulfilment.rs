//! Shipments with their tracking events, and returns (退货): written and read through the
//! caller's partner wall like the orders they belong to.

use qudao_domain::ids::{OrderId, PartnerId, ReturnId, ShipmentId, SkuId, UserId, WarehouseId};
use serde::Serialize;
use utoipa::ToSchema;

use crate::bulk::insert_rows;
use crate::page::{Cursor, Page, PageRequest};
use crate::{RowExt, Sql, StoreResult, Tx, Value};

/// A shipment to write.
#[derive(Debug, Clone)]
pub struct NewShipment {
    /// Id.
    pub id: ShipmentId,
    /// SH-YYYYMMDD-NNNN.
    pub number: String,
    /// The order.
    pub order_id: OrderId,
    /// Its partner.
    pub partner_id: PartnerId,
    /// Where it leaves from.
    pub warehouse_id: WarehouseId,
    /// The carrier (顺丰, 德邦…).
    pub carrier: String,
    /// The carrier's tracking number.
    pub tracking_no: String,
    /// Who shipped it.
    pub shipped_by: Option<UserId>,
    /// When.
    pub shipped_ms: i64,
    /// (order line, SKU, base units).
    pub lines: Vec<(i64, SkuId, i64)>,
}

/// Writes a shipment and its lines.
pub async fn insert_shipment(tx: &mut Tx, s: &NewShipment) -> StoreResult<()> {
    let mut sql = Sql::new(
        "INSERT INTO shipments (id, number, order_id, partner_id, warehouse_id, carrier, tracking_no, status, \
         shipped_by, shipped_ms) VALUES (",
    );
    sql.bind(s.id).push(", ").bind(s.number.as_str()).push(", ").bind(s.order_id).push(", ").bind(s.partner_id);
    sql.push(", ").bind(s.warehouse_id).push(", ").bind(s.carrier.as_str()).push(", ").bind(s.tracking_no.as_str());
    sql.push(", 'shipped', ").bind(s.shipped_by).push(", ").bind(s.shipped_ms).push(")");
    sql.execute(tx.conn()).await?;
    let rows: Vec<Vec<Value>> = s
        .lines
        .iter()
        .map(|(line_no, sku, quantity)| {
            vec![
                Value::from(s.id),
                Value::from(*line_no),
                Value::from(s.partner_id),
                Value::from(*sku),
                Value::from(*quantity),
            ]
        })
        .collect();
    insert_rows(
        tx,
        "INSERT INTO shipment_lines (shipment_id, line_no, partner_id, sku_id, quantity) VALUES",
        &rows,
        "",
    )
    .await?;
    Ok(())
}

/// A tracking event to write.
#[derive(Debug, Clone)]
pub struct NewTrackingEvent {
    /// The shipment.
    pub shipment_id: ShipmentId,
    /// Its partner.
    pub partner_id: PartnerId,
    /// When it happened (the carrier's time).
    pub at_ms: i64,
    /// `picked_up`, `in_transit`, `out_for_delivery`, `delivered`, `exception`.
    pub status: String,
    /// Where.
    pub location: Option<String>,
    /// The carrier's words.
    pub description: String,
    /// `api` (pushed by the carrier or ERP) or `console` (typed by a brand user).
    pub source: &'static str,
}

/// Records a tracking event; a `delivered` one also stamps the shipment.
pub async fn insert_tracking_event(tx: &mut Tx, e: &NewTrackingEvent) -> StoreResult<()> {
    let mut sql = Sql::new(
        "INSERT INTO tracking_events (id, shipment_id, partner_id, at_ms, status, location, description, source) \
         VALUES (",
    );
    sql.bind(qudao_domain::ids::EntryId::new().to_string()).push(", ").bind(e.shipment_id);
    sql.push(", ").bind(e.partner_id).push(", ").bind(e.at_ms).push(", ").bind(e.status.as_str());
    sql.push(", ").bind(e.location.as_deref()).push(", ").bind(e.description.as_str()).push(", ").bind(e.source);
    sql.push(")");
    sql.execute(tx.conn()).await?;
    if e.status == "delivered" {
        let mut stamp = Sql::new("UPDATE shipments SET status = 'delivered', delivered_ms = ");
        stamp.bind(e.at_ms).push_bind(" WHERE delivered_ms IS NULL AND id = ", e.shipment_id);
        tx.scope().filter_partner(&mut stamp, "partner_id");
        stamp.execute(tx.conn()).await?;
    }
    Ok(())
}

/// One tracking event.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TrackingEventView {
    /// When.
    pub at_ms: i64,
    /// `in_transit`, `delivered`, …
    pub status: String,
    /// Where.
    pub location: Option<String>,
    /// The carrier's words.
    pub description: String,
    /// `api` or `console`.
    pub source: String,
}

/// A shipment with its lines and tracking.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ShipmentView {
    /// Id.
    pub id: ShipmentId,
    /// SH-YYYYMMDD-NNNN.
    pub number: String,
    /// The order.
    pub order_id: OrderId,
    /// Its partner.
    pub partner_id: PartnerId,
    /// Where it left from (warehouse code).
    pub warehouse: String,
    /// The carrier.
    pub carrier: String,
    /// Tracking number.
    pub tracking_no: String,
    /// `shipped` or `delivered`.
    pub status: String,
    /// When it left.
    pub shipped_ms: i64,
    /// When the carrier delivered it.
    pub delivered_ms: Option<i64>,
    /// (order line, base units).
    pub lines: Vec<ShipmentLine>,
    /// Tracking, oldest first.
    pub events: Vec<TrackingEventView>,
}

/// What a shipment carried of one order line.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct ShipmentLine {
    /// The order line.
    pub line_no: i64,
    /// Base units.
    pub quantity: i64,
}

const SHIPMENT: &str = "SELECT s.id, s.number, s.order_id, s.partner_id, w.code AS warehouse, s.carrier, \
     s.tracking_no, s.status, s.shipped_ms, s.delivered_ms FROM shipments s JOIN warehouses w ON w.id = s.warehouse_id";

/// The shipments of a visible order (or one shipment), with lines and events.
pub async fn shipments(tx: &mut Tx, order: Option<OrderId>, id: Option<ShipmentId>) -> StoreResult<Vec<ShipmentView>> {
    let mut sql = Sql::new(SHIPMENT);
    sql.push(" WHERE 1 = 1");
    if let Some(order) = order {
        sql.push_bind(" AND s.order_id = ", order);
    }
    if let Some(id) = id {
        sql.push_bind(" AND s.id = ", id);
    }
    tx.scope().filter_partner(&mut sql, "s.partner_id");
    sql.push(" ORDER BY s.shipped_ms, s.id");
    let mut out = Vec::new();
    for row in sql.fetch_all(tx.conn()).await? {
        out.push(ShipmentView {
            id: row.parse("id")?,
            number: row.text("number")?,
            order_id: row.parse("order_id")?,
            partner_id: row.parse("partner_id")?,
            warehouse: row.text("warehouse")?,
            carrier: row.text("carrier")?,
            tracking_no: row.text("tracking_no")?,
            status: row.text("status")?,
            shipped_ms: row.int("shipped_ms")?,
            delivered_ms: row.opt_int("delivered_ms")?,
            lines: Vec::new(),
            events: Vec::new(),
        });
    }
    if out.is_empty() {
        return Ok(out);
    }
    let ids: Vec<ShipmentId> = out.iter().map(|s| s.id).collect();
    let mut lines = Sql::new("SELECT shipment_id, line_no, quantity FROM shipment_lines WHERE shipment_id IN ");
    lines.bind_list(ids.iter().copied()).push(" ORDER BY line_no");
    for row in lines.fetch_all(tx.conn()).await? {
        let id: ShipmentId = row.parse("shipment_id")?;
        if let Some(s) = out.iter_mut().find(|s| s.id == id) {
            s.lines.push(ShipmentLine { line_no: row.int("line_no")?, quantity: row.int("quantity")? });
        }
    }
    let mut events = Sql::new(
        "SELECT shipment_id, at_ms, status, location, description, source FROM tracking_events WHERE shipment_id IN ",
    );
    events.bind_list(ids.iter().copied()).push(" ORDER BY at_ms, id");
    for row in events.fetch_all(tx.conn()).await? {
        let id: ShipmentId = row.parse("shipment_id")?;
        if let Some(s) = out.iter_mut().find(|s| s.id == id) {
            s.events.push(TrackingEventView {
                at_ms: row.int("at_ms")?,
                status: row.text("status")?,
                location: row.opt_text("location")?,
                description: row.text("description")?,
                source: row.text("source")?,
            });
        }
    }
    Ok(out)
}

/// Orders in `status` whose `stamp_column` is older than `before_ms`: the ones the sweeper signs
/// for or completes automatically. At most `limit`, oldest first.
pub async fn due(
    tx: &mut Tx,
    status: &str,
    stamp_column: &'static str,
    before_ms: i64,
    limit: i64,
) -> StoreResult<Vec<OrderId>> {
    let mut sql = Sql::new("SELECT id FROM orders WHERE status = ");
    sql.bind(status).push(" AND ").push(stamp_column).push(" < ").bind(before_ms);
    tx.scope().filter_partner(&mut sql, "partner_id");
    sql.push(" ORDER BY ").push(stamp_column).push(", id LIMIT ").bind(limit);
    sql.fetch_all(tx.conn()).await?.iter().map(|row| row.parse("id")).collect()
}

/// A return to write.
#[derive(Debug, Clone)]
pub struct NewReturn {
    /// Id.
    pub id: ReturnId,
    /// RT-YYYYMMDD-NNNN.
    pub number: String,
    /// The order.
    pub order_id: OrderId,
    /// Its partner.
    pub partner_id: PartnerId,
    /// Why, in the partner's words.
    pub reason: String,
    /// The refund it is worth, fen.
    pub amount: i64,
    /// Who asked.
    pub requested_by: Option<UserId>,
    /// When.
    pub requested_ms: i64,
    /// (order line, SKU, base units, fen).
    pub lines: Vec<(i64, SkuId, i64, i64)>,
}

/// Writes a return request and its lines.
pub async fn insert_return(tx: &mut Tx, r: &NewReturn) -> StoreResult<()> {
    let mut sql = Sql::new(
        "INSERT INTO returns (id, number, order_id, partner_id, status, reason, amount, requested_by, requested_ms, \
         version) VALUES (",
    );
    sql.bind(r.id).push(", ").bind(r.number.as_str()).push(", ").bind(r.order_id).push(", ").bind(r.partner_id);
    sql.push(", 'requested', ").bind(r.reason.as_str()).push(", ").bind(r.amount).push(", ").bind(r.requested_by);
    sql.push(", ").bind(r.requested_ms).push(", 1)");
    sql.execute(tx.conn()).await?;
    let rows: Vec<Vec<Value>> = r
        .lines
        .iter()
        .map(|(line_no, sku, quantity, amount)| {
            vec![
                Value::from(r.id),
                Value::from(*line_no),
                Value::from(r.partner_id),
                Value::from(*sku),
                Value::from(*quantity),
                Value::from(*amount),
            ]
        })
        .collect();
    insert_rows(
        tx,
        "INSERT INTO return_lines (return_id, line_no, partner_id, sku_id, quantity, amount) VALUES",
        &rows,
        "",
    )
    .await?;
    Ok(())
}

/// Per order line, base units and fen in the order's returns that were not rejected.
pub async fn claimed(tx: &mut Tx, order: OrderId) -> StoreResult<Vec<(i64, i64, i64)>> {
    let mut sql = Sql::new(
        "SELECT l.line_no, CAST(SUM(l.quantity) AS BIGINT) AS quantity, CAST(SUM(l.amount) AS BIGINT) AS amount \
         FROM return_lines l JOIN returns r ON r.id = l.return_id WHERE r.status <> 'rejected' AND r.order_id = ",
    );
    sql.bind(order);
    tx.scope().filter_partner(&mut sql, "r.partner_id");
    sql.push(" GROUP BY l.line_no");
    sql.fetch_all(tx.conn())
        .await?
        .iter()
        .map(|row| Ok((row.int("line_no")?, row.int("quantity")?, row.int("amount")?)))
        .collect()
}

/// A return as the queue and the order page show it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReturnView {
    /// Id.
    pub id: ReturnId,
    /// RT-YYYYMMDD-NNNN.
    pub number: String,
    /// The order.
    pub order_id: OrderId,
    /// Its number.
    pub order_number: String,
    /// The partner.
    pub partner_id: PartnerId,
    /// Its name.
    pub partner_name: String,
    /// `requested`, `approved`, `rejected`, `refunded`.
    pub status: String,
    /// The partner's reason.
    pub reason: String,
    /// The refund, fen.
    pub amount: i64,
    /// When asked.
    pub requested_ms: i64,
    /// When decided.
    pub decided_ms: Option<i64>,
    /// The brand's note.
    pub decision_note: Option<String>,
    /// When the goods were back.
    pub restocked_ms: Option<i64>,
    /// Lines.
    pub lines: Vec<ReturnLineView>,
}

/// One returned line.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReturnLineView {
    /// The order line.
    pub line_no: i64,
    /// SKU.
    pub sku_id: SkuId,
    /// Its code.
    pub sku: String,
    /// Base units.
    pub quantity: i64,
    /// Fen.
    pub amount: i64,
}

const RETURN: &str = "SELECT r.id, r.number, r.order_id, o.number AS order_number, r.partner_id, \
     p.name AS partner_name, r.status, r.reason, r.amount, r.requested_ms, r.decided_ms, r.decision_note, \
     r.restocked_ms FROM returns r JOIN orders o ON o.id = r.order_id JOIN partners p ON p.id = r.partner_id";

fn return_view(row: &sqlx::any::AnyRow) -> StoreResult<ReturnView> {
    Ok(ReturnView {
        id: row.parse("id")?,
        number: row.text("number")?,
        order_id: row.parse("order_id")?,
        order_number: row.text("order_number")?,
        partner_id: row.parse("partner_id")?,
        partner_name: row.text("partner_name")?,
        status: row.text("status")?,
        reason: row.text("reason")?,
        amount: row.int("amount")?,
        requested_ms: row.int("requested_ms")?,
        decided_ms: row.opt_int("decided_ms")?,
        decision_note: row.opt_text("decision_note")?,
        restocked_ms: row.opt_int("restocked_ms")?,
        lines: Vec::new(),
    })
}

/// Fills in the lines of some returns.
async fn with_lines(tx: &mut Tx, mut returns: Vec<ReturnView>) -> StoreResult<Vec<ReturnView>> {
    if returns.is_empty() {
        return Ok(returns);
    }
    let mut sql = Sql::new(
        "SELECT l.return_id, l.line_no, l.sku_id, k.code, l.quantity, l.amount FROM return_lines l \
         JOIN skus k ON k.id = l.sku_id WHERE l.return_id IN ",
    );
    sql.bind_list(returns.iter().map(|r| r.id)).push(" ORDER BY l.line_no");
    for row in sql.fetch_all(tx.conn()).await? {
        let id: ReturnId = row.parse("return_id")?;
        if let Some(r) = returns.iter_mut().find(|r| r.id == id) {
            r.lines.push(ReturnLineView {
                line_no: row.int("line_no")?,
                sku_id: row.parse("sku_id")?,
                sku: row.text("code")?,
                quantity: row.int("quantity")?,
                amount: row.int("amount")?,
            });
        }
    }
    Ok(returns)
}

/// One visible return.
pub async fn get_return(tx: &mut Tx, id: ReturnId) -> StoreResult<Option<ReturnView>> {
    let mut sql = Sql::new(RETURN);
    sql.push_bind(" WHERE r.id = ", id);
    tx.scope().filter_partner(&mut sql, "r.partner_id");
    let Some(row) = sql.fetch_optional(tx.conn()).await? else { return Ok(None) };
    Ok(with_lines(tx, vec![return_view(&row)?]).await?.pop())
}

/// Visible returns, newest first; only one order's, or only one status, when given.
pub async fn list_returns(
    tx: &mut Tx,
    order: Option<OrderId>,
    status: Option<&str>,
    page: &PageRequest,
) -> StoreResult<Page<ReturnView>> {
    let mut sql = Sql::new(RETURN);
    sql.push(" WHERE 1 = 1");
    tx.scope().filter_partner(&mut sql, "r.partner_id");
    if let Some(order) = order {
        sql.push_bind(" AND r.order_id = ", order);
    }
    if let Some(status) = status {
        sql.push_bind(" AND r.status = ", status);
    }
    page.apply(&mut sql, "r.requested_ms", "r.id");
    let rows = sql.fetch_all(tx.conn()).await?;
    let items = rows.iter().map(return_view).collect::<StoreResult<Vec<_>>>()?;
    let page = Page::from_rows(items, page.limit, |r| Cursor { created_ms: r.requested_ms, id: r.id.to_string() });
    Ok(Page { items: with_lines(tx, page.items).await?, next: page.next })
}

/// What a return's move records besides its new status.
#[derive(Debug, Clone, Copy)]
pub enum ReturnStep<'a> {
    /// A brand user decided (approved or rejected), with an optional note.
    Decided {
        /// Who.
        by: Option<UserId>,
        /// The note shown to the partner.
        note: Option<&'a str>,
    },
    /// The goods came back into this warehouse.
    Restocked(WarehouseId),
}

/// Moves a visible return from `from` to `to`, stamped with `now_ms`; `false` if someone else
/// moved it first.
pub async fn move_return(
    tx: &mut Tx,
    id: ReturnId,
    from: &str,
    to: &str,
    step: ReturnStep<'_>,
    now_ms: i64,
) -> StoreResult<bool> {
    let mut sql = Sql::new("UPDATE returns SET status = ");
    sql.bind(to).push(", version = version + 1");
    match step {
        ReturnStep::Restocked(warehouse) => {
            sql.push_bind(", warehouse_id = ", warehouse).push_bind(", restocked_ms = ", now_ms);
        }
        ReturnStep::Decided { by, note } => {
            sql.push_bind(", decided_by = ", by)
                .push_bind(", decided_ms = ", now_ms)
                .push_bind(", decision_note = ", note);
        }
    }
    sql.push_bind(" WHERE id = ", id).push_bind(" AND status = ", from);
    tx.scope().filter_partner(&mut sql, "partner_id");
    Ok(sql.execute(tx.conn()).await? == 1)
}
