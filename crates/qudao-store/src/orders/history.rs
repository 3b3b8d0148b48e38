//! Order history written in bulk: orders that already went through their lifecycle (approved,
//! shipped, signed for, completed, cancelled, returned) with the shipments, tracking events and
//! returns they left behind. For data brought in from elsewhere — the demo data set's two years,
//! or an ERP's history — where replaying every step through the use cases would take hours.
//!
//! Nothing here touches stock or money: the caller writes the matching stock moves and journal
//! entries (`stock::import`, `accounts::post_batch`) in the same transaction, so the invariants
//! the checks verify hold by construction.

use qudao_domain::ids::{ShipmentId, WarehouseId};

use super::write::{NewOrder, OrderRow, Stamps, insert_orders};
use crate::bulk::insert_rows;
use crate::{StoreResult, Tx, Value};

/// An order as it stands after its history: the placed order plus the stamps of every step it
/// took and what its lines shipped and returned.
#[derive(Debug, Clone)]
pub struct PastOrder {
    /// The order as placed (its `status` and `payment_status` are the current ones).
    pub order: NewOrder,
    /// When it had fully shipped.
    pub shipped_ms: Option<i64>,
    /// When it was signed for.
    pub received_ms: Option<i64>,
    /// When it was completed or cancelled.
    pub closed_ms: Option<i64>,
    /// What was refunded (returns), fen.
    pub refunded: i64,
    /// When it last changed.
    pub updated_ms: i64,
    /// Per line (same order as `order.lines`): base units shipped and returned.
    pub line_progress: Vec<(i64, i64)>,
}

/// A shipment as it stands: its lines and, once the carrier delivered it, when.
#[derive(Debug, Clone)]
pub struct PastShipment {
    /// The shipment.
    pub shipment: super::NewShipment,
    /// When it was delivered (`None`: still on its way).
    pub delivered_ms: Option<i64>,
}

/// A return that was approved, restocked and refunded.
#[derive(Debug, Clone)]
pub struct PastReturn {
    /// The request.
    pub request: super::NewReturn,
    /// When it was approved.
    pub decided_ms: i64,
    /// Who approved it.
    pub decided_by: Option<qudao_domain::ids::UserId>,
    /// When the goods were back on hand.
    pub restocked_ms: i64,
    /// Where they went.
    pub warehouse_id: WarehouseId,
}

/// Writes past orders with their stamps, their lines with what shipped and came back, the
/// reservations of the open ones and their promotion usage records: the rows as they stand,
/// each written once (no update afterwards, which on SQLite would scan the growing tables).
pub async fn insert_past_orders(tx: &mut Tx, past: &[PastOrder]) -> StoreResult<()> {
    let rows: Vec<OrderRow<'_>> = past
        .iter()
        .map(|p| OrderRow {
            order: &p.order,
            stamps: Stamps {
                shipped_ms: p.shipped_ms,
                received_ms: p.received_ms,
                closed_ms: p.closed_ms,
                refunded: p.refunded,
                updated_ms: p.updated_ms,
            },
            progress: &p.line_progress,
        })
        .collect();
    insert_orders(tx, &rows).await
}

/// Writes shipments with their lines and tracking events (`(shipment, at, status, location,
/// description)`), as the carrier reported them.
pub async fn insert_past_shipments(
    tx: &mut Tx,
    shipments: &[PastShipment],
    events: &[(ShipmentId, i64, &'static str, Option<String>, String)],
) -> StoreResult<()> {
    let heads: Vec<Vec<Value>> = shipments
        .iter()
        .map(|p| {
            let s = &p.shipment;
            vec![
                Value::from(s.id),
                Value::from(s.number.as_str()),
                Value::from(s.order_id),
                Value::from(s.partner_id),
                Value::from(s.warehouse_id),
                Value::from(s.carrier.as_str()),
                Value::from(s.tracking_no.as_str()),
                Value::from(if p.delivered_ms.is_some() { "delivered" } else { "shipped" }),
                Value::from(s.shipped_by),
                Value::from(s.shipped_ms),
                Value::from(p.delivered_ms),
            ]
        })
        .collect();
    insert_rows(
        tx,
        "INSERT INTO shipments (id, number, order_id, partner_id, warehouse_id, carrier, tracking_no, status, \
         shipped_by, shipped_ms, delivered_ms) VALUES",
        &heads,
        "",
    )
    .await?;
    let lines: Vec<Vec<Value>> = shipments
        .iter()
        .flat_map(|p| {
            let s = &p.shipment;
            s.lines.iter().map(move |(line_no, sku, quantity)| {
                vec![
                    Value::from(s.id),
                    Value::from(*line_no),
                    Value::from(s.partner_id),
                    Value::from(*sku),
                    Value::from(*quantity),
                ]
            })
        })
        .collect();
    insert_rows(
        tx,
        "INSERT INTO shipment_lines (shipment_id, line_no, partner_id, sku_id, quantity) VALUES",
        &lines,
        "",
    )
    .await?;
    let partner_of: std::collections::HashMap<ShipmentId, qudao_domain::ids::PartnerId> =
        shipments.iter().map(|p| (p.shipment.id, p.shipment.partner_id)).collect();
    let rows: Vec<Vec<Value>> = events
        .iter()
        .filter_map(|(shipment, at_ms, status, location, description)| {
            Some(vec![
                Value::from(qudao_domain::ids::EntryId::new().to_string()),
                Value::from(*shipment),
                Value::from(*partner_of.get(shipment)?),
                Value::from(*at_ms),
                Value::from(*status),
                Value::from(location.as_deref()),
                Value::from(description.as_str()),
                Value::from("api"),
            ])
        })
        .collect();
    insert_rows(
        tx,
        "INSERT INTO tracking_events (id, shipment_id, partner_id, at_ms, status, location, description, source) \
         VALUES",
        &rows,
        "",
    )
    .await?;
    Ok(())
}

/// Writes returns that were approved, restocked and refunded, with their lines.
pub async fn insert_past_returns(tx: &mut Tx, returns: &[PastReturn]) -> StoreResult<()> {
    let heads: Vec<Vec<Value>> = returns
        .iter()
        .map(|p| {
            let r = &p.request;
            vec![
                Value::from(r.id),
                Value::from(r.number.as_str()),
                Value::from(r.order_id),
                Value::from(r.partner_id),
                Value::from("refunded"),
                Value::from(r.reason.as_str()),
                Value::from(r.amount),
                Value::from(r.requested_by),
                Value::from(r.requested_ms),
                Value::from(p.decided_by),
                Value::from(p.decided_ms),
                Value::from(p.restocked_ms),
                Value::from(p.warehouse_id),
                Value::from(3_i64),
            ]
        })
        .collect();
    insert_rows(
        tx,
        "INSERT INTO returns (id, number, order_id, partner_id, status, reason, amount, requested_by, requested_ms, \
         decided_by, decided_ms, restocked_ms, warehouse_id, version) VALUES",
        &heads,
        "",
    )
    .await?;
    let lines: Vec<Vec<Value>> = returns
        .iter()
        .flat_map(|p| {
            let r = &p.request;
            r.lines.iter().map(move |(line_no, sku, quantity, amount)| {
                vec![
                    Value::from(r.id),
                    Value::from(*line_no),
                    Value::from(r.partner_id),
                    Value::from(*sku),
                    Value::from(*quantity),
                    Value::from(*amount),
                ]
            })
        })
        .collect();
    insert_rows(
        tx,
        "INSERT INTO return_lines (return_id, line_no, partner_id, sku_id, quantity, amount) VALUES",
        &lines,
        "",
    )
    .await?;
    Ok(())
}
