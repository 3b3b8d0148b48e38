//! From approval to the books closing: shipping (partial shipments, carriers, tracking events
//! pushed by API), signing for the goods (by the partner or automatically), completion, and
//! returns with approval, restocking and refund. Each step is one transaction with its audit row
//! on the order, which is what the order's timeline shows.

use qudao_domain::access::Permission;
use qudao_domain::ids::{OrderId, ReturnId, ShipmentId, SkuId, WarehouseId};
use qudao_domain::orders::{
    Held, LineQuantity, OrderStatus, PaymentStatus, ReturnStatus, ReturnableLine, plan_shipment, price_return,
    refund_split,
};
use qudao_domain::{Invalid, text};
use qudao_store::orders::{
    self, LineCounter, NewReturn, NewShipment, NewTrackingEvent, ReturnStep, ReturnView, ShipmentView,
};
use qudao_store::page::{Page, PageRequest};
use qudao_store::stock::{self, Why};
use qudao_store::{Scope, Tx, audit, counters};
use serde::Deserialize;
use utoipa::ToSchema;

use super::lifecycle::{finish, load, refund, status_of};
use crate::clock::china_date;
use crate::idempotency::{self, IdemKey};
use crate::{App, AppError, AppResult, Ctx};

/// A line quantity in a shipment or return request, in base units.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LineAmount {
    /// The order line (1, 2, 3…).
    pub line_no: i64,
    /// Base units.
    pub quantity: i64,
}

impl From<LineAmount> for LineQuantity {
    fn from(l: LineAmount) -> Self {
        LineQuantity { line_no: l.line_no, quantity: l.quantity }
    }
}

/// A shipment to record.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShipRequest {
    /// Warehouse code; may be left out when the order's stock is held in one warehouse.
    #[serde(default)]
    pub warehouse: Option<String>,
    /// The carrier (顺丰, 德邦, own truck…).
    pub carrier: String,
    /// The carrier's tracking number.
    pub tracking_no: String,
    /// What leaves; everything the order holds in the warehouse when left out.
    #[serde(default)]
    pub lines: Vec<LineAmount>,
}

/// A tracking event, typed in the console or pushed by a carrier or ERP.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TrackingRequest {
    /// `picked_up`, `in_transit`, `out_for_delivery`, `delivered` or `exception`.
    pub status: String,
    /// Where.
    #[serde(default)]
    pub location: Option<String>,
    /// What the carrier says.
    pub description: String,
    /// When it happened (epoch ms); now when left out.
    #[serde(default)]
    pub at_ms: Option<i64>,
}

/// The tracking statuses Qudao knows.
pub const TRACKING_STATUSES: [&str; 5] = ["picked_up", "in_transit", "out_for_delivery", "delivered", "exception"];

/// A return the partner asks for.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnRequest {
    /// Why (damaged, wrong goods, …).
    pub reason: String,
    /// What goes back.
    pub lines: Vec<LineAmount>,
}

fn new_number(prefix: &str, date: u32, sequence: u64) -> String {
    qudao_domain::docnum::format(prefix, date, sequence)
}

/// The warehouse named by an optional code (blank means none named).
async fn named_warehouse(tx: &mut Tx, code: Option<&str>) -> AppResult<Option<WarehouseId>> {
    match code.map(str::trim).filter(|c| !c.is_empty()) {
        Some(code) => Ok(Some(crate::stock::warehouse_by_code(tx, code).await?.id)),
        None => Ok(None),
    }
}

/// Ships goods of an approved order from one warehouse: the reservation becomes a deduction of
/// stock on hand, the lines count what left, and the order is partially shipped or shipped.
pub async fn ship_order(
    app: &App,
    ctx: &Ctx,
    id: OrderId,
    request: &ShipRequest,
    idem: Option<&IdemKey>,
) -> AppResult<ShipmentView> {
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    load(&mut tx, id).await?;
    ctx.require(Permission::OrdersShip)?;
    let view = ship_in(&mut tx, ctx, id, request, now).await?;
    idempotency::complete(&mut tx, idem, 201, &view).await?;
    tx.commit().await?;
    Ok(view)
}

/// Ships in the caller's transaction, its permission already checked (a brand user's shipment,
/// or the ERP's pushed one, recorded with its document in the same transaction).
pub(crate) async fn ship_in(
    tx: &mut Tx,
    ctx: &Ctx,
    id: OrderId,
    request: &ShipRequest,
    now: i64,
) -> AppResult<ShipmentView> {
    let mut invalid = Invalid::new();
    let carrier = invalid.check(text::required("carrier", &request.carrier, 40));
    let tracking_no = invalid.check(text::required("tracking_no", &request.tracking_no, 60));
    invalid.into_result()?;
    let (Some(carrier), Some(tracking_no)) = (carrier, tracking_no) else {
        return Err(AppError::Internal("checked fields".into()));
    };
    let before = load(tx, id).await?;
    if !status_of(&before)?.shippable() {
        return Err(AppError::Conflict("status_transition"));
    }
    let warehouse = named_warehouse(tx, request.warehouse.as_deref()).await?;
    let held: Vec<Held> = orders::reservations_of(tx, id)
        .await?
        .into_iter()
        .map(|r| Held { line_no: r.line_no, warehouse: r.warehouse_id, quantity: r.quantity })
        .collect();
    let wanted: Vec<LineQuantity> = request.lines.iter().copied().map(LineQuantity::from).collect();
    let (warehouse, plan) = plan_shipment(&held, warehouse, &wanted)?;
    let shipment = ShipmentId::new();
    let shipment_text = shipment.to_string();
    let mut lines = Vec::new();
    for step in &plan {
        let line = before
            .lines
            .iter()
            .find(|l| l.line_no == step.line_no)
            .ok_or_else(|| AppError::Internal(format!("order line {}", step.line_no)))?;
        let why = Why {
            kind: "ship",
            reference: Some(("shipment", &shipment_text)),
            reason: None,
            by: Some(ctx.caller().user_id()),
            at_ms: now,
        };
        if !orders::take_from_reservation(tx, id, step.line_no, warehouse, step.quantity).await?
            || !stock::ship(tx, line.sku_id, warehouse, step.quantity, why).await?
            || !orders::add_to_line(tx, id, step.line_no, LineCounter::Shipped, step.quantity).await?
        {
            return Err(AppError::Conflict("status_transition"));
        }
        lines.push((step.line_no, line.sku_id, step.quantity));
    }
    let date = china_date(now);
    let number = new_number("SH", date, counters::next(tx, &format!("shipment:{date}")).await?);
    orders::insert_shipment(
        tx,
        &NewShipment {
            id: shipment,
            number: number.clone(),
            order_id: id,
            partner_id: before.summary.partner_id,
            warehouse_id: warehouse,
            carrier: carrier.clone(),
            tracking_no: tracking_no.clone(),
            shipped_by: Some(ctx.caller().user_id()),
            shipped_ms: now,
            lines,
        },
    )
    .await?;
    let shipped_all = before.lines.iter().all(|l| {
        let now_shipped: i64 = plan.iter().filter(|p| p.line_no == l.line_no).map(|p| p.quantity).sum();
        l.shipped + now_shipped >= l.base_quantity
    });
    let (to, stamp) =
        if shipped_all { (OrderStatus::Shipped, Some("shipped_ms")) } else { (OrderStatus::PartiallyShipped, None) };
    if !orders::transition(tx, id, &["approved", "partially_shipped"], to.as_str(), stamp, now).await? {
        return Err(AppError::Conflict("status_transition"));
    }
    let detail = serde_json::json!({ "shipment": number, "carrier": carrier, "tracking_no": tracking_no,
        "lines": plan.iter().map(|p| serde_json::json!({ "line_no": p.line_no, "quantity": p.quantity })).collect::<Vec<_>>() });
    finish(tx, ctx, &before, "ship", Some(detail), now).await?;
    let view = orders::shipments(tx, None, Some(shipment)).await?.pop().ok_or(AppError::NotFound)?;
    Ok(view)
}

/// Adds a tracking event to a visible shipment (brand warehouse users, or an integration's API
/// key with the `orders:ship` scope); `delivered` stamps the shipment.
pub async fn add_tracking_event(
    app: &App,
    ctx: &Ctx,
    shipment: ShipmentId,
    request: &TrackingRequest,
    idem: Option<&IdemKey>,
) -> AppResult<ShipmentView> {
    let mut invalid = Invalid::new();
    let status = request.status.trim().to_lowercase();
    if !TRACKING_STATUSES.contains(&status.as_str()) {
        invalid.push(qudao_domain::FieldError::with_param("status", "not_one_of", TRACKING_STATUSES.join(", ")));
    }
    let description = invalid.check(text::required("description", &request.description, 200));
    let location = invalid.check(text::optional("location", request.location.as_deref(), 100));
    let now = app.now_ms();
    let at_ms = request.at_ms.unwrap_or(now);
    if at_ms <= 0 || at_ms > now + 86_400_000 {
        invalid.push(qudao_domain::FieldError::new("at_ms", "out_of_range"));
    }
    invalid.into_result()?;
    let mut tx = app.write(ctx).await?;
    let found = orders::shipments(&mut tx, None, Some(shipment)).await?.pop().ok_or(AppError::NotFound)?;
    ctx.require(Permission::OrdersShip)?;
    orders::insert_tracking_event(
        &mut tx,
        &NewTrackingEvent {
            shipment_id: shipment,
            partner_id: found.partner_id,
            at_ms,
            status,
            location: location.flatten(),
            description: description.unwrap_or_default(),
            source: if matches!(ctx.caller().auth(), qudao_store::CallerAuth::ApiKey { .. }) {
                "api"
            } else {
                "console"
            },
        },
    )
    .await?;
    let view = orders::shipments(&mut tx, None, Some(shipment)).await?.pop().ok_or(AppError::NotFound)?;
    let event = view.events.last();
    audit::insert(
        &mut tx,
        &ctx.audit::<(), _>(now, "shipment", shipment, "track", Some(found.partner_id), None, event),
    )
    .await?;
    idempotency::complete(&mut tx, idem, 201, &view).await?;
    tx.commit().await?;
    Ok(view)
}

/// The shipments of a visible order, with their tracking.
pub async fn shipments_of(app: &App, ctx: &Ctx, id: OrderId) -> AppResult<Vec<ShipmentView>> {
    ctx.require(Permission::OrdersRead)?;
    let mut tx = app.read(ctx).await?;
    load(&mut tx, id).await?;
    Ok(orders::shipments(&mut tx, Some(id), None).await?)
}

/// The partner signs for a fully shipped order (签收). Brand warehouse users may record it on the
/// partner's behalf (a signed delivery note came back).
pub async fn receive_order(app: &App, ctx: &Ctx, id: OrderId) -> AppResult<qudao_store::orders::OrderView> {
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    let before = load(&mut tx, id).await?;
    if !(ctx.caller().may(Permission::OrdersPlace) || ctx.caller().may(Permission::OrdersShip)) {
        return Err(AppError::Forbidden);
    }
    if !status_of(&before)?.receivable()
        || !orders::transition(&mut tx, id, &["shipped"], "received", Some("received_ms"), now).await?
    {
        return Err(AppError::Conflict("status_transition"));
    }
    let after = finish(&mut tx, ctx, &before, "receive", None, now).await?;
    tx.commit().await?;
    Ok(after)
}

/// Closes a received order (brand users who approve orders); the sweeper does it by itself after
/// the set days.
pub async fn complete_order(app: &App, ctx: &Ctx, id: OrderId) -> AppResult<qudao_store::orders::OrderView> {
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    let before = load(&mut tx, id).await?;
    ctx.require(Permission::OrdersApprove)?;
    if !orders::transition(&mut tx, id, &["received"], "completed", Some("closed_ms"), now).await? {
        return Err(AppError::Conflict("status_transition"));
    }
    let after = finish(&mut tx, ctx, &before, "complete", None, now).await?;
    tx.commit().await?;
    Ok(after)
}

/// What one sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swept {
    /// Orders signed for automatically.
    pub received: u64,
    /// Orders completed automatically.
    pub completed: u64,
}

/// Signs for orders shipped more than `orders.auto_receive_days` ago and completes orders
/// received more than `orders.auto_complete_days` ago. Each order moves in its own guarded
/// update, so several instances sweeping at once move each order once.
pub async fn sweep_orders(app: &App) -> AppResult<Swept> {
    let now = app.now_ms();
    let scope = Scope::system("the order sweeper signs for and completes orders after the set days");
    let mut tx = app.db().write(&scope).await?;
    let receive_days = qudao_store::settings::number(&mut tx, qudao_store::settings::AUTO_RECEIVE_DAYS).await?;
    let complete_days = qudao_store::settings::number(&mut tx, qudao_store::settings::AUTO_COMPLETE_DAYS).await?;
    let mut swept = Swept::default();
    for (from, to, stamp, days, action) in [
        ("shipped", "received", "received_ms", receive_days, "auto_receive"),
        ("received", "completed", "closed_ms", complete_days, "auto_complete"),
    ] {
        let Some(days) = days.filter(|d| *d > 0) else { continue };
        let since = if from == "shipped" { "shipped_ms" } else { "received_ms" };
        for id in orders::due(&mut tx, from, since, now - days * 86_400_000, 500).await? {
            let Some(before) = orders::get(&mut tx, id).await? else { continue };
            if !orders::transition(&mut tx, id, &[from], to, Some(stamp), now).await? {
                continue;
            }
            let record = audit::AuditRecord {
                actor_id: None,
                actor_label: "system".into(),
                partner_id: Some(before.summary.partner_id),
                object_kind: "order",
                object_id: id.to_string(),
                action,
                before: Some(serde_json::json!({ "status": from }).to_string()),
                after: Some(serde_json::json!({ "status": to, "after_days": days }).to_string()),
                request_id: None,
                ip: None,
                at_ms: now,
            };
            audit::insert(&mut tx, &record).await?;
            if to == "received" { swept.received += 1 } else { swept.completed += 1 }
        }
    }
    tx.commit().await?;
    Ok(swept)
}

/// The partner asks to return shipped goods: each line priced at what it cost after promotions,
/// so a full return gives back exactly the line's net.
pub async fn request_return(
    app: &App,
    ctx: &Ctx,
    id: OrderId,
    request: &ReturnRequest,
    idem: Option<&IdemKey>,
) -> AppResult<ReturnView> {
    let reason = text::required("reason", &request.reason, 200)?;
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    let before = load(&mut tx, id).await?;
    ctx.require(Permission::OrdersPlace)?;
    if !status_of(&before)?.returnable() {
        return Err(AppError::Conflict("status_transition"));
    }
    let claimed = orders::claimed(&mut tx, id).await?;
    let lines: Vec<ReturnableLine> = before
        .lines
        .iter()
        .map(|l| {
            let (quantity, amount) = claimed.iter().find(|c| c.0 == l.line_no).map(|c| (c.1, c.2)).unwrap_or((0, 0));
            ReturnableLine {
                line_no: l.line_no,
                base_quantity: l.base_quantity,
                shipped: l.shipped,
                net: l.net,
                claimed: quantity,
                claimed_amount: amount,
            }
        })
        .collect();
    let wanted: Vec<LineQuantity> = request.lines.iter().copied().map(LineQuantity::from).collect();
    let priced = price_return(&lines, &wanted)?;
    let date = china_date(now);
    let number = new_number("RT", date, counters::next(&mut tx, &format!("return:{date}")).await?);
    let return_id = ReturnId::new();
    let sku_of = |line_no: i64| before.lines.iter().find(|l| l.line_no == line_no).map(|l| l.sku_id);
    let mut rows = Vec::new();
    for (line_no, quantity, amount) in &priced {
        let sku = sku_of(*line_no).ok_or_else(|| AppError::Internal(format!("order line {line_no}")))?;
        rows.push((*line_no, sku, *quantity, *amount));
    }
    let amount: i64 = priced.iter().map(|p| p.2).sum();
    let skus: Vec<SkuId> = rows.iter().map(|r| r.1).collect();
    orders::insert_return(
        &mut tx,
        &NewReturn {
            id: return_id,
            number: number.clone(),
            order_id: id,
            partner_id: before.summary.partner_id,
            reason: reason.clone(),
            amount,
            requested_by: Some(ctx.caller().user_id()),
            requested_ms: now,
            lines: rows,
        },
    )
    .await?;
    let detail = serde_json::json!({ "return": number, "return_id": return_id, "amount": amount, "reason": reason });
    finish(&mut tx, ctx, &before, "return_request", Some(detail), now).await?;
    let asked = ReturnAsked { id: return_id, number: &number, order: &before, amount, skus: &skus };
    let events = super::approval::begin_return(&mut tx, &asked, ctx.caller().user_id(), now).await?;
    crate::events::announce(&mut tx, app.events(), &events).await?;
    let view = orders::get_return(&mut tx, return_id).await?.ok_or(AppError::NotFound)?;
    idempotency::complete(&mut tx, idem, 201, &view).await?;
    tx.commit().await?;
    for event in events {
        app.events().publish(event);
    }
    Ok(view)
}

/// A return just asked for, as its approval reads it.
pub(crate) struct ReturnAsked<'a> {
    /// The return.
    pub id: ReturnId,
    /// Its number.
    pub number: &'a str,
    /// Its order.
    pub order: &'a qudao_store::orders::OrderView,
    /// What it refunds, fen.
    pub amount: i64,
    /// The SKUs sent back.
    pub skus: &'a [SkuId],
}

/// A brand user approves (the partner may send the goods back) or rejects (with a note) a
/// requested return. A return under an approval flow is decided through its flow, as the
/// caller: their approval of their step (the return is approved when the flow is), or their
/// rejection with the note as its comment.
pub async fn decide_return(
    app: &App,
    ctx: &Ctx,
    id: ReturnId,
    approve: bool,
    note: Option<&str>,
) -> AppResult<ReturnView> {
    let note = text::optional("note", note, 200)?;
    if !approve && note.is_none() {
        return Err(AppError::field("note", "required"));
    }
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    orders::get_return(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let running = qudao_store::approvals::instances::running_of(&mut tx, "return", &id.to_string()).await?;
    if let Some(approval) = running {
        drop(tx);
        let input = crate::approvals::ActionInput {
            action: if approve { "approve" } else { "reject" }.into(),
            comment: note,
            to_step: None,
            delegate_to: None,
        };
        crate::approvals::act_on(app, ctx, approval.id, &input).await?;
        let mut tx = app.read(ctx).await?;
        return orders::get_return(&mut tx, id).await?.ok_or(AppError::NotFound);
    }
    ctx.require(Permission::OrdersApprove)?;
    return_decided(&mut tx, ctx, id, approve, note.as_deref(), now).await?;
    let view = orders::get_return(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(view)
}

/// Moves a requested return to approved or rejected with the decider's note, in the caller's
/// transaction: decided by a brand user directly, or by the end of its approval flow.
pub(crate) async fn return_decided(
    tx: &mut Tx,
    ctx: &Ctx,
    id: ReturnId,
    approve: bool,
    note: Option<&str>,
    now: i64,
) -> AppResult<()> {
    let found = orders::get_return(tx, id).await?.ok_or(AppError::NotFound)?;
    let to = if approve { ReturnStatus::Approved } else { ReturnStatus::Rejected };
    if !orders::move_return(
        tx,
        id,
        ReturnStatus::Requested.as_str(),
        to.as_str(),
        ReturnStep::Decided { by: Some(ctx.caller().user_id()), note },
        now,
    )
    .await?
    {
        return Err(AppError::Conflict("status_transition"));
    }
    let order = load(tx, found.order_id).await?;
    let action = if approve { "return_approve" } else { "return_reject" };
    let detail = serde_json::json!({ "return": found.number, "return_id": id, "note": note });
    finish(tx, ctx, &order, action, Some(detail), now).await?;
    Ok(())
}

/// The returned goods arrived: they go back on hand in the warehouse (by default the one the
/// order shipped from), the lines count them as returned, and the return's amount is refunded
/// to the accounts that paid, in proportion, by a new journal entry.
pub async fn restock_return(app: &App, ctx: &Ctx, id: ReturnId, warehouse: Option<&str>) -> AppResult<ReturnView> {
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    let found = orders::get_return(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    ctx.require(Permission::OrdersShip)?;
    if found.status != ReturnStatus::Approved.as_str() {
        return Err(AppError::Conflict("status_transition"));
    }
    let order = load(&mut tx, found.order_id).await?;
    let warehouse = match named_warehouse(&mut tx, warehouse).await? {
        Some(w) => w,
        None => {
            let shipped = orders::shipments(&mut tx, Some(order.summary.id), None).await?;
            let code =
                shipped.first().map(|s| s.warehouse.clone()).ok_or_else(|| AppError::field("warehouse", "required"))?;
            crate::stock::warehouse_by_code(&mut tx, &code).await?.id
        }
    };
    let reference = id.to_string();
    for line in &found.lines {
        let why = Why {
            kind: "return",
            reference: Some(("return", &reference)),
            reason: None,
            by: Some(ctx.caller().user_id()),
            at_ms: now,
        };
        if !stock::adjust(&mut tx, line.sku_id, warehouse, line.quantity, why).await?
            || !orders::add_to_line(&mut tx, order.summary.id, line.line_no, LineCounter::Returned, line.quantity)
                .await?
        {
            return Err(AppError::Conflict("status_transition"));
        }
    }
    let confirmed = PaymentStatus::settled_outside(&order.summary.payment_status);
    let back = refund_split(&order.paid, confirmed, order.refunded, found.amount);
    refund(&mut tx, ctx, &order, &back, "order_return", Some(&found.number), now).await?;
    if !orders::move_return(
        &mut tx,
        id,
        ReturnStatus::Approved.as_str(),
        ReturnStatus::Refunded.as_str(),
        ReturnStep::Restocked(warehouse),
        now,
    )
    .await?
    {
        return Err(AppError::Conflict("status_transition"));
    }
    let detail = serde_json::json!({ "return": found.number, "return_id": id, "refund": back.total() });
    finish(&mut tx, ctx, &order, "return_restock", Some(detail), now).await?;
    let view = orders::get_return(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(view)
}

/// One visible return.
pub async fn get_return(app: &App, ctx: &Ctx, id: ReturnId) -> AppResult<ReturnView> {
    ctx.require(Permission::OrdersRead)?;
    let mut tx = app.read(ctx).await?;
    orders::get_return(&mut tx, id).await?.ok_or(AppError::NotFound)
}

/// Visible returns (the brand's returns queue with `status = requested`), newest first.
pub async fn list_returns(
    app: &App,
    ctx: &Ctx,
    order: Option<OrderId>,
    status: Option<&str>,
    page: &PageRequest,
) -> AppResult<Page<ReturnView>> {
    ctx.require(Permission::OrdersRead)?;
    if let Some(status) = status
        && ReturnStatus::parse(status).is_none()
    {
        return Err(AppError::field("status", "unknown_status"));
    }
    let mut tx = app.read(ctx).await?;
    Ok(orders::list_returns(&mut tx, order, status, page).await?)
}
