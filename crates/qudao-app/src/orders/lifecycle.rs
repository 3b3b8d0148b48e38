//! The order lifecycle after placing: approval, cancellation, offline transfers, signing for
//! the goods, completion. Every transition is one transaction with its audit row.

use qudao_domain::Currency;
use qudao_domain::access::Permission;
use qudao_domain::approvals::Subject;
use qudao_domain::ids::{OrderId, PartnerId, PromotionId, UserId};
use qudao_domain::orders::{OrderStatus, PaymentSplit, PaymentStatus, order_postings};
use qudao_store::approvals::instances;
use qudao_store::orders::{self, OrderView};
use qudao_store::stock::{self, BatchReservation, Why};
use qudao_store::{Tx, audit};

use super::desk::Cancel;
use crate::accounts::{Movement, Refused, post};
use crate::approvals::Close;
use crate::{App, AppError, AppResult, Ctx};

/// The currency of a stored order (orders are only ever placed in known currencies).
pub(crate) fn currency_of(code: &str) -> Currency {
    Currency::parse(code).unwrap_or(Currency::CNY)
}

pub(crate) fn status_of(view: &OrderView) -> AppResult<OrderStatus> {
    OrderStatus::parse(&view.summary.status)
        .ok_or_else(|| AppError::Internal(format!("order status {}", view.summary.status)))
}

/// Reads a visible order for a change, or 404.
pub(crate) async fn load(tx: &mut Tx, id: OrderId) -> AppResult<OrderView> {
    orders::get(tx, id).await?.ok_or(AppError::NotFound)
}

/// The order again after a change, with its audit row and its outbox events written; `detail`
/// (a shipment, a return) rides in the row's "after" so the order's timeline can show it, and
/// in the event's data.
pub(crate) async fn finish(
    tx: &mut Tx,
    ctx: &Ctx,
    before: &OrderView,
    action: &'static str,
    detail: Option<serde_json::Value>,
    now: i64,
) -> AppResult<OrderView> {
    // The object id and partner are filled in by `finish_by`.
    let actor = |before: &serde_json::Value, after: &serde_json::Value| {
        ctx.audit(now, "order", "", action, None, Some(before), Some(after))
    };
    let after = finish_by(tx, &actor, before, action, detail, now).await?;
    tell_placer(tx, ctx, &after, action, now).await?;
    Ok(after)
}

/// Tells the person who placed an order what someone else just did to it, by their choice for
/// order events (in the app by default). Written with the change; shown on their next page.
async fn tell_placer(tx: &mut Tx, ctx: &Ctx, order: &OrderView, action: &str, now: i64) -> AppResult<()> {
    let what = match action {
        "approve" => "已审核通过",
        "confirm_transfer" => "的转账已确认",
        "ship" => "已发货",
        "cancel" => "已取消",
        "return_approve" => "的退货申请已同意",
        "return_reject" => "的退货申请被拒绝",
        "return_restock" => "的退货已入库并退款",
        _ => return Ok(()),
    };
    let Some(placer) = order.placed_by.filter(|p| *p != ctx.caller().user_id()) else { return Ok(()) };
    if matches!(action, "approve" | "cancel") {
        // An approval of the order that ended with this change already told them.
        let approvals = instances::of_object(tx, Subject::Order.as_str(), &order.summary.id.to_string()).await?;
        if approvals.iter().any(|a| a.ended_ms == Some(now)) {
            return Ok(());
        }
    }
    let note = crate::notifications::Note {
        topic: qudao_domain::notifications::Topic::OrderEvent,
        title: format!("订单 {} {what}", order.summary.number),
        body: format!(
            "{} · {}",
            order.summary.partner_name,
            qudao_domain::Money::new(order.summary.total, qudao_domain::Currency::CNY)
        ),
        object: Some(("order".into(), order.summary.id.to_string())),
        partner_id: Some(order.summary.partner_id),
    };
    crate::notifications::notify(tx, &[placer], &note, now).await?;
    Ok(())
}

/// [`finish`] for a change no signed-in person made (a payment provider's notification): `audit`
/// makes the audit row from the order's brief before and after.
pub(crate) async fn finish_by(
    tx: &mut Tx,
    audit_of: &(dyn Fn(&serde_json::Value, &serde_json::Value) -> qudao_store::audit::AuditRecord + Send + Sync),
    before: &OrderView,
    action: &'static str,
    detail: Option<serde_json::Value>,
    now: i64,
) -> AppResult<OrderView> {
    let after = load(tx, before.summary.id).await?;
    let events = crate::integration::events::order_events(action, before, &after, detail.as_ref(), now)?;
    crate::integration::events::emit(tx, &events).await?;
    let brief = |v: &OrderView| serde_json::json!({ "number": v.summary.number, "status": v.summary.status, "payment_status": v.summary.payment_status, "total": v.summary.total, "refunded": v.refunded });
    let mut after_brief = brief(&after);
    if let (Some(detail), Some(object)) = (detail, after_brief.as_object_mut()) {
        object.insert("detail".into(), detail);
    }
    let mut record = audit_of(&brief(before), &after_brief);
    record.object_id = before.summary.id.to_string();
    record.partner_id = Some(before.summary.partner_id);
    audit::insert(tx, &record).await?;
    Ok(after)
}

/// Approves a submitted order (brand users). An order under an approval flow is approved by
/// acting on its approval as the caller (who must be one the current step waits for); an order
/// without one (placed before flows, or by a rule that has no steps) is approved at once. Orders
/// paid by transfer are approved by confirming the transfer, so finance has seen the money first.
pub async fn approve_order(app: &App, ctx: &Ctx, id: OrderId) -> AppResult<OrderView> {
    ctx.require(Permission::OrdersApprove)?;
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    let before = load(&mut tx, id).await?;
    if status_of(&before)? != OrderStatus::Submitted {
        return Err(AppError::Conflict("status_transition"));
    }
    if let Some(running) = instances::running_of(&mut tx, Subject::Order.as_str(), &id.to_string()).await? {
        drop(tx);
        let input =
            crate::approvals::ActionInput { action: "approve".into(), comment: None, to_step: None, delegate_to: None };
        crate::approvals::act_on(app, ctx, running.id, &input).await?;
        let mut tx = app.read(ctx).await?;
        return load(&mut tx, id).await;
    }
    if PaymentStatus::awaits_money(&before.summary.payment_status) {
        return Err(AppError::Conflict("transfer_not_confirmed"));
    }
    if !orders::transition(&mut tx, id, &["submitted"], "approved", Some("approved_ms"), now).await? {
        return Err(AppError::Conflict("status_transition"));
    }
    orders::set_review_reason(&mut tx, id, None).await?;
    let after = finish(&mut tx, ctx, &before, "approve", None, now).await?;
    tx.commit().await?;
    Ok(after)
}

/// Confirms that an order's offline transfer arrived (finance): the money is posted (cash in,
/// sales) and the order is approved unless another rule still holds it.
pub async fn confirm_transfer(app: &App, ctx: &Ctx, id: OrderId) -> AppResult<OrderView> {
    ctx.require(Permission::FinanceManage)?;
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    // Locked before reading, so a cancellation in the order desk is either seen or waits.
    orders::lock(&mut tx, &[id]).await?;
    let before = load(&mut tx, id).await?;
    if before.summary.payment_status != PaymentStatus::AwaitingTransfer.as_str()
        || status_of(&before)? == OrderStatus::Cancelled
    {
        return Err(AppError::Conflict("status_transition"));
    }
    let amount = before.paid.transfer;
    if amount > 0 {
        let postings = vec![
            qudao_domain::accounts::Posting { account: qudao_domain::accounts::AccountKind::Cash, amount },
            qudao_domain::accounts::Posting { account: qudao_domain::accounts::AccountKind::Sales, amount: -amount },
        ];
        let movement = Movement {
            partner: before.summary.partner_id,
            template: "transfer_received",
            currency: currency_of(&before.summary.currency),
            postings,
            reference: Some(("order", id.to_string())),
            memo: None,
            at_ms: now,
        };
        match post(&mut tx, ctx, &movement).await {
            Ok(_) => {}
            Err(Refused::Overdraft(kind)) => return Err(crate::accounts::overdraft_error("payment", kind)),
            Err(Refused::Failed(error)) => return Err(error),
        }
    }
    orders::set_payment_status(&mut tx, id, PaymentStatus::TransferConfirmed.as_str(), false).await?;
    if status_of(&before)? == OrderStatus::Submitted {
        super::approval::after_money(&mut tx, id, now).await?;
    }
    let after = finish(&mut tx, ctx, &before, "confirm_transfer", None, now).await?;
    tx.commit().await?;
    Ok(after)
}

/// Cancels an order before anything shipped: its stock is released, its payment reversed by a
/// new journal entry, its promotion quotas given back. A partner cancels its own orders; brand
/// users who approve orders may cancel (reject) them too. The order is checked here in the
/// caller's scope; the order desk does the change in its next batch (see `desk`).
pub async fn cancel_order(app: &App, ctx: &Ctx, id: OrderId, reason: Option<&str>) -> AppResult<OrderView> {
    let reason = qudao_domain::text::optional("reason", reason, 200)?;
    {
        let mut tx = app.read(ctx).await?;
        // Looked up first: an order the caller cannot see is missing, not forbidden.
        let before = load(&mut tx, id).await?;
        if !(ctx.caller().may(Permission::OrdersPlace) || ctx.caller().may(Permission::OrdersApprove)) {
            return Err(AppError::Forbidden);
        }
        if !status_of(&before)?.cancellable() {
            return Err(AppError::Conflict("not_cancellable"));
        }
    }
    app.desk().cancel(Cancel { ctx: ctx.clone(), id, reason, approval: Close::Cancelled }).await
}

/// A batch's cancellations once their own rows are written: each one's answer, and what is left
/// to do on the rows other orders share (see [`release_cancelled`]).
pub(super) struct CancelBatch<'a> {
    /// Per cancellation, in order: the order after it, or why it was refused.
    pub results: Vec<AppResult<OrderView>>,
    /// The reservations to give back to stock.
    pub releases: Vec<BatchReservation>,
    /// The payments to reverse, as journal movements.
    pub movements: Vec<(UserId, Movement<'a>)>,
    /// Promotion quotas to give back: (promotion, partner, negative amount).
    pub given_back: Vec<(PromotionId, PartnerId, i64)>,
}

/// The desk's cancellations, all in its batch transaction, first half: each order is locked,
/// re-read and moved to cancelled by a guarded status change (one no longer cancellable is
/// refused alone, having written nothing); its reservations are emptied, its refund and payment
/// status set and its audit row written. The shared rows — stock, accounts, promotion usage — are
/// left to [`release_cancelled`], so a batch holds their locks for less time. A few statements in
/// all instead of some thirty per order. `Err` means the transaction must not commit.
pub(super) async fn cancel_batch<'a>(tx: &mut Tx, cancels: &[&'a Cancel], now: i64) -> AppResult<CancelBatch<'a>> {
    let mut results: Vec<Option<AppResult<OrderView>>> = Vec::with_capacity(cancels.len());
    let mut going: Vec<(&Cancel, OrderView)> = Vec::new();
    let mut ids: Vec<OrderId> = cancels.iter().map(|c| c.id).collect();
    ids.sort_unstable();
    ids.dedup();
    orders::lock(tx, &ids).await?;
    for cancel in cancels {
        let before = match load(tx, cancel.id).await {
            Ok(before) => before,
            Err(error) => {
                results.push(Some(Err(error)));
                continue;
            }
        };
        if cancel.approval != Close::Cancelled {
            // An approver's rejection or the submitter's withdrawal: its approval ends first, as
            // it was when they acted, or nothing is written (another approver was faster).
            let by = cancel.ctx.caller().user_id();
            let reason = cancel.reason.as_deref();
            let id = cancel.id.to_string();
            match crate::approvals::close(tx, Subject::Order, &id, by, cancel.approval, reason, now).await {
                Ok(()) => {}
                Err(AppError::Conflict(code)) => {
                    results.push(Some(Err(AppError::Conflict(code))));
                    continue;
                }
                Err(other) => return Err(other),
            }
            if before.summary.status != OrderStatus::Submitted.as_str() {
                return Err(AppError::Internal("an order under approval was not submitted".into()));
            }
        }
        if !orders::transition(tx, cancel.id, &["submitted", "approved"], "cancelled", Some("closed_ms"), now).await? {
            results.push(Some(Err(AppError::Conflict("not_cancellable"))));
            continue;
        }
        results.push(None);
        going.push((cancel, before));
    }
    if going.is_empty() {
        let results = results.into_iter().flatten().collect();
        return Ok(CancelBatch { results, releases: Vec::new(), movements: Vec::new(), given_back: Vec::new() });
    }

    // First what only touches the cancelled orders' own rows; then, last, the shared rows —
    // stock, accounts, promotion usage — whose locks the batch then holds the shortest time.
    let mut releases = Vec::new();
    for (cancel, before) in &going {
        for held in orders::reservations_of(tx, before.summary.id).await? {
            releases.push(BatchReservation {
                sku_id: held.sku_id,
                warehouse_id: held.warehouse_id,
                quantity: held.quantity,
                order_id: before.summary.id.to_string(),
                by: Some(cancel.ctx.caller().user_id()),
            });
        }
    }
    let ids: Vec<OrderId> = going.iter().map(|(_, before)| before.summary.id).collect();
    orders::clear_reservations(tx, &ids).await?;

    let backs: Vec<PaymentSplit> = going.iter().map(|(_, before)| refund_split(&paid_before_cancel(before))).collect();
    let mut given_back = Vec::new();
    let mut done = Vec::with_capacity(going.len());
    for ((cancel, before), back) in going.iter().zip(&backs) {
        let id = before.summary.id;
        if back.total() > 0 {
            orders::add_refunded(tx, id, back.total()).await?;
        }
        let usage = orders::promotion_usage_of(tx, id).await?;
        given_back.extend(usage.iter().map(|(p, used)| (*p, before.summary.partner_id, -used)));
        let status =
            if back.total() > 0 { PaymentStatus::Refunded.as_str() } else { before.summary.payment_status.as_str() };
        orders::set_payment_status(tx, id, status, true).await?;
        let detail = cancel.reason.as_ref().map(|r| serde_json::json!({ "reason": r }));
        let canceller = cancel.ctx.caller().user_id();
        let reason = cancel.reason.as_deref();
        if cancel.approval == Close::Cancelled {
            crate::approvals::close(tx, Subject::Order, &id.to_string(), canceller, Close::Cancelled, reason, now)
                .await?;
        }
        done.push(finish(tx, &cancel.ctx, before, "cancel", detail, now).await?);
    }

    let movements: Vec<(UserId, Movement<'_>)> = going
        .iter()
        .zip(&backs)
        .filter_map(|((cancel, before), back)| {
            let postings = order_postings(back, true);
            (!postings.is_empty()).then(|| {
                (
                    cancel.ctx.caller().user_id(),
                    Movement {
                        partner: before.summary.partner_id,
                        template: "order_cancel",
                        currency: currency_of(&before.summary.currency),
                        postings,
                        reference: Some(("order", before.summary.id.to_string())),
                        memo: cancel.reason.as_deref(),
                        at_ms: now,
                    },
                )
            })
        })
        .collect();
    let mut done = done.into_iter();
    let results = results
        .into_iter()
        .map(|result| result.unwrap_or_else(|| done.next().ok_or_else(|| AppError::Internal("no cancellation".into()))))
        .collect();
    Ok(CancelBatch { results, releases, movements, given_back })
}

/// The desk's cancellations, second half: the stock released, the payments reversed by new
/// entries and the promotion quotas given back, for all of them together.
pub(super) async fn release_cancelled(tx: &mut Tx, batch: &CancelBatch<'_>, now: i64) -> AppResult<()> {
    if !stock::release_batch(tx, &batch.releases, now).await? {
        return Err(AppError::Internal("cancelled orders' reservations out of step with stock".into()));
    }
    crate::accounts::post_many(tx, &batch.movements).await?;
    if !batch.given_back.is_empty() {
        orders::add_promotion_usage(tx, &batch.given_back).await?;
    }
    Ok(())
}

/// What a cancelled order had been paid: money paid outside the accounts counts once confirmed.
fn paid_before_cancel(before: &OrderView) -> PaymentSplit {
    PaymentSplit {
        transfer: if PaymentStatus::settled_outside(&before.summary.payment_status) { before.paid.transfer } else { 0 },
        ..before.paid
    }
}

/// Where `paid` goes back to: a confirmed transfer becomes prepaid balance.
fn refund_split(paid: &PaymentSplit) -> PaymentSplit {
    PaymentSplit { credit: paid.credit, prepaid: paid.prepaid + paid.transfer, rebate: paid.rebate, transfer: 0 }
}

/// Releases every reservation an order still holds.
pub(super) async fn release_all(tx: &mut Tx, ctx: &Ctx, order: &OrderView, now: i64) -> AppResult<()> {
    let id = order.summary.id.to_string();
    // In (SKU, warehouse) order, the one global order of stock rows every writer keeps.
    for held in orders::reservations_of(tx, order.summary.id).await? {
        let why = Why {
            kind: "release",
            reference: Some(("order", &id)),
            reason: None,
            by: Some(ctx.caller().user_id()),
            at_ms: now,
        };
        if !stock::release(tx, held.sku_id, held.warehouse_id, held.quantity, why).await?
            || !orders::take_from_reservation(tx, order.summary.id, held.line_no, held.warehouse_id, held.quantity)
                .await?
        {
            return Err(AppError::Internal(format!("reservation of order {id} out of step with stock")));
        }
    }
    Ok(())
}

/// Gives `paid` back to the accounts it came from, by a reversing entry.
pub(crate) async fn refund(
    tx: &mut Tx,
    ctx: &Ctx,
    order: &OrderView,
    paid: &PaymentSplit,
    template: &str,
    memo: Option<&str>,
    now: i64,
) -> AppResult<()> {
    let back = refund_split(paid);
    let postings = order_postings(&back, true);
    if postings.is_empty() {
        return Ok(());
    }
    let movement = Movement {
        partner: order.summary.partner_id,
        template,
        currency: currency_of(&order.summary.currency),
        postings,
        reference: Some(("order", order.summary.id.to_string())),
        memo,
        at_ms: now,
    };
    match post(tx, ctx, &movement).await {
        Ok(_) => {}
        Err(Refused::Overdraft(kind)) => return Err(crate::accounts::overdraft_error("payment", kind)),
        Err(Refused::Failed(error)) => return Err(error),
    }
    orders::add_refunded(tx, order.summary.id, back.total()).await?;
    Ok(())
}

/// Attaches the partner's proof of an offline transfer (a photo or screenshot of the bank slip:
/// PNG, JPEG or WebP, checked by content) to an order still waiting for the transfer, so finance
/// can compare it with the bank before confirming. A new upload replaces the previous one; the
/// audit log keeps both.
pub async fn attach_transfer_receipt(
    app: &App,
    ctx: &Ctx,
    id: OrderId,
    filename: &str,
    bytes: Vec<u8>,
) -> AppResult<OrderView> {
    ctx.require(Permission::OrdersPlace)?;
    let before = {
        let mut tx = app.read(ctx).await?;
        load(&mut tx, id).await?
    };
    if before.summary.payment_status != PaymentStatus::AwaitingTransfer.as_str() {
        return Err(AppError::Conflict("status_transition"));
    }
    let partner = Some(before.summary.partner_id);
    let purpose = qudao_store::files::Purpose::TransferReceipt;
    let record = crate::files::store_picture(app, ctx, "receipts", purpose, partner, filename, bytes).await?;
    let (file, now) = (record.id, record.created_ms);
    let mut tx = app.write(ctx).await?;
    qudao_store::files::insert(&mut tx, &record).await?;
    orders::set_receipt_file(&mut tx, id, file).await?;
    let detail = serde_json::json!({ "file_id": file, "filename": record.filename });
    let after = finish(&mut tx, ctx, &before, "transfer_receipt", Some(detail), now).await?;
    tx.commit().await?;
    Ok(after)
}
