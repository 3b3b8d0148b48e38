//! Amendment before approval (改单): a submitted order gets new lines (and optionally a new
//! address, date, remark or rebate) under the same number.
//!
//! Everything happens in one transaction, in the order a clerk would do it by hand: the old
//! reservations are released, the old payment reversed by a new journal entry and the old
//! promotion quotas given back; the new lines are priced today, reserved, paid with the same
//! method and written. If any step is refused (stock, credit, a limited promotion used up), the
//! transaction rolls back and the order stays exactly as it was.

use std::collections::HashMap;

use qudao_domain::access::Permission;
use qudao_domain::approvals::Subject;
use qudao_domain::ids::{AddressId, CategoryId, OrderId, SkuId};
use qudao_domain::orders::{OrderStatus, PaymentSplit, PaymentStatus, order_postings, review, split_payment};
use qudao_domain::stock::{Availability, allocate_warehouses};
use qudao_domain::{FieldError, Invalid};
use qudao_store::catalog::masters;
use qudao_store::orders::{self, Amendment, NewOrder, NewReservation, OrderView};
use qudao_store::stock::{self, BatchReservation};
use qudao_store::{Tx, partners, pricing, settings};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::approval::{OrderShape, plan_for};
use super::checkout::{OrderRequest, address_json, new_lines, parse_header};
use super::lifecycle::{currency_of, finish, load, release_all, status_of};
use crate::accounts::{Movement, Refused, post};
use crate::approvals::Close;
use crate::clock::china_date;
use crate::pricing::{LineRequest, quote, resolve_lines};
use crate::{App, AppError, AppResult, Ctx};

/// What changes in an amended order. Absent header fields keep their value.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AmendRequest {
    /// The order's new lines (all of them).
    pub lines: Vec<LineRequest>,
    /// Rebate to use, yuan; the old rebate when absent.
    #[serde(default)]
    pub rebate: Option<String>,
    /// A new delivery address.
    #[serde(default)]
    pub address_id: Option<AddressId>,
    /// A new requested date.
    #[serde(default)]
    pub requested_date: Option<String>,
    /// A new remark.
    #[serde(default)]
    pub remark: Option<String>,
}

/// Amends a submitted order (the partner's own, or any the brand user may approve).
pub async fn amend_order(app: &App, ctx: &Ctx, id: OrderId, request: &AmendRequest) -> AppResult<OrderView> {
    let now = app.now_ms();
    let today = china_date(now);
    let mut tx = app.write(ctx).await?;
    // Looked up first: an order the caller cannot see is missing, not forbidden. Locked, so a
    // payment provider's notification settling the order waits for the amendment or is seen.
    let before = load(&mut tx, id).await?;
    orders::lock(&mut tx, &[id]).await?;
    let before = if tx.dialect() == qudao_store::Dialect::Postgres { load(&mut tx, id).await? } else { before };
    if !(ctx.caller().may(Permission::OrdersPlace) || ctx.caller().may(Permission::OrdersApprove)) {
        return Err(AppError::Forbidden);
    }
    if status_of(&before)? != OrderStatus::Submitted || PaymentStatus::settled_outside(&before.summary.payment_status) {
        return Err(AppError::Conflict("not_amendable"));
    }
    // A payment under way was asked for the old amount: the order stays as it is while it runs.
    if before.summary.payment_status == PaymentStatus::AwaitingPayment.as_str()
        && !qudao_store::finance::payments::list(
            &mut tx,
            Some(id),
            Some("created"),
            &qudao_store::page::PageRequest::first(1),
        )
        .await?
        .items
        .is_empty()
    {
        return Err(AppError::Conflict("payment_in_progress"));
    }
    let mut header = parse_header(
        &OrderRequest {
            lines: request.lines.clone(),
            payment: before.summary.payment.clone(),
            rebate: request.rebate.clone(),
            address_id: request.address_id,
            requested_date: request.requested_date.clone(),
            remark: request.remark.clone(),
        },
        today,
    )?;
    if request.rebate.is_none() {
        header.rebate = before.paid.rebate;
    }
    let partner = partners::get(&mut tx, before.summary.partner_id).await?.ok_or(AppError::NotFound)?;
    let items = resolve_lines(&mut tx, &request.lines).await?;
    let settings = settings::snapshot(&mut tx).await?;

    // Undo what the order holds: stock, money, promotion quotas.
    release_all(&mut tx, ctx, &before, now).await?;
    let held_money = PaymentSplit {
        transfer: 0, // an unconfirmed transfer was never posted
        ..before.paid
    };
    move_money(&mut tx, ctx, &before, &held_money, true, now).await?;
    let usage = orders::promotion_usage_of(&mut tx, id).await?;
    if !usage.is_empty() {
        let back: Vec<_> = usage.iter().map(|(p, used)| (*p, before.summary.partner_id, -used)).collect();
        orders::add_promotion_usage(&mut tx, &back).await?;
    }

    // Price, reserve and pay the new lines.
    let quoted = quote(app, &mut tx, &partner, &items, today, false, &settings).await?;
    let share = settings.number(settings::REBATE_MAX_SHARE_BP).unwrap_or(0);
    let split = split_payment(quoted.total, header.method, header.rebate, share)?;
    let flows = crate::approvals::flows_for(&mut tx, Subject::Order, &settings).await?;
    let codes: HashMap<CategoryId, String> = if flows.iter().any(|f| f.flow.reads_categories()) {
        masters::categories(&mut tx).await?.into_iter().map(|c| (c.id, c.code)).collect()
    } else {
        HashMap::new()
    };
    let shape = OrderShape {
        partner: &partner,
        total: quoted.total,
        gross: quoted.gross,
        discount: quoted.discount,
        categories: items.iter().flat_map(|i| i.sellable.categories.iter().copied()).collect(),
    };
    // The order's submitter stays its submitter (brand staff may amend a partner's order).
    let submitter = before.placed_by.unwrap_or(ctx.caller().user_id());
    let approval = plan_for(&flows, &codes, &shape, submitter);
    let review_reason = review(header.method, approval.is_some());
    let address = match request.address_id {
        Some(wanted) => address_json(&mut tx, &partner, Some(wanted)).await?,
        None => before.address.as_ref().map(ToString::to_string),
    };
    let lines = new_lines(&quoted);
    let reservations = reserve(&mut tx, id, &lines, now).await?;
    if !quoted.consumed.is_empty() {
        let held = pricing::hold_usage(&mut tx, &[partner.id]).await?;
        if quoted
            .consumed
            .iter()
            .any(|(p, amount, limit)| held.get(&(*p, partner.id)).copied().unwrap_or(0) + amount > *limit)
        {
            return Err(AppError::Conflict("prices_changed"));
        }
    }
    let new_money = PaymentSplit { transfer: 0, ..split };
    move_money(&mut tx, ctx, &before, &new_money, false, now).await?;
    let order = NewOrder {
        id,
        number: before.summary.number.clone(),
        partner_id: partner.id,
        status: OrderStatus::Submitted.as_str(),
        payment: header.method.as_str(),
        payment_status: if before.summary.payment_status == PaymentStatus::AwaitingTransfer.as_str() {
            PaymentStatus::AwaitingTransfer.as_str()
        } else if before.summary.payment_status == PaymentStatus::AwaitingPayment.as_str() {
            PaymentStatus::AwaitingPayment.as_str()
        } else {
            PaymentStatus::Paid.as_str()
        },
        currency: quoted.currency.clone(),
        gross: quoted.gross,
        discount: quoted.discount,
        total: quoted.total,
        split,
        address_json: address,
        requested_date: header.requested_date.map(i64::from).or(before.requested_date),
        remark: header.remark.clone().or(before.remark.clone()),
        review_reason: review_reason.map(|r| r.as_str()),
        pricing_date: i64::from(today),
        placed_by: before.placed_by,
        placed_ms: before.summary.placed_ms,
        approved_ms: None,
        lines,
        reservations,
        promotion_usage: quoted.consumed.iter().map(|(p, amount, _)| (*p, *amount)).collect(),
    };
    if !orders::amend(&mut tx, &Amendment { order: &order, version: before.version, now_ms: now }).await? {
        return Err(AppError::Conflict("stale_version"));
    }
    if !order.promotion_usage.is_empty() {
        let used: Vec<_> = order.promotion_usage.iter().map(|(p, amount)| (*p, partner.id, *amount)).collect();
        orders::add_promotion_usage(&mut tx, &used).await?;
    }
    // The approval of the order as it was is over; the order as it is now starts its own.
    let by = ctx.caller().user_id();
    crate::approvals::close(&mut tx, Subject::Order, &id.to_string(), by, Close::Resubmitted, None, now).await?;
    if let Some(approval) = &approval {
        super::approval::begin(&mut tx, approval, &order, &before.summary.partner_name, now).await?;
    }
    if review_reason.is_none() {
        orders::transition(&mut tx, id, &["submitted"], "approved", Some("approved_ms"), now).await?;
    }
    let detail = serde_json::json!({
        "before_total": before.summary.total,
        "total": quoted.total,
        "lines": order.lines.len(),
    });
    let after = finish(&mut tx, ctx, &before, "amend", Some(detail), now).await?;
    tx.commit().await?;
    Ok(after)
}

/// Reserves the lines' stock, preferred warehouses first, under the rows' locks.
async fn reserve(tx: &mut Tx, id: OrderId, lines: &[orders::NewLine], now: i64) -> AppResult<Vec<NewReservation>> {
    let mut skus: Vec<SkuId> = lines.iter().map(|l| l.sku_id).collect();
    skus.sort_unstable();
    skus.dedup();
    let warehouses: Vec<_> = stock::warehouses(tx).await?.into_iter().filter(|w| w.active).map(|w| w.id).collect();
    let mut available: std::collections::HashMap<_, i64> = stock::hold(tx, &skus)
        .await?
        .into_iter()
        .map(|s| ((s.sku_id, s.warehouse_id), s.on_hand - s.reserved))
        .collect();
    let mut invalid = Invalid::new();
    let mut reservations = Vec::new();
    for line in lines {
        let options: Vec<Availability> = warehouses
            .iter()
            .map(|w| Availability { warehouse: *w, available: available.get(&(line.sku_id, *w)).copied().unwrap_or(0) })
            .collect();
        let Some(parts) = allocate_warehouses(line.base_quantity, &options) else {
            let left: i64 = options.iter().map(|o| o.available.max(0)).sum();
            invalid.push(FieldError::with_param("lines", "insufficient_stock", format!("{}: {left}", line.sku_code)));
            continue;
        };
        for (warehouse, quantity) in parts {
            *available.entry((line.sku_id, warehouse)).or_insert(0) -= quantity;
            reservations.push(NewReservation {
                line_no: line.line_no,
                sku_id: line.sku_id,
                warehouse_id: warehouse,
                quantity,
            });
        }
    }
    invalid.into_result()?;
    let batch: Vec<BatchReservation> = reservations
        .iter()
        .map(|r| BatchReservation {
            sku_id: r.sku_id,
            warehouse_id: r.warehouse_id,
            quantity: r.quantity,
            order_id: id.to_string(),
            by: None,
        })
        .collect();
    if !stock::reserve_batch(tx, &batch, now).await? {
        return Err(AppError::Internal("stock moved under its lock".into()));
    }
    Ok(reservations)
}

/// Posts an order's payment (or, with `reverse`, gives it back) as one journal entry.
async fn move_money(
    tx: &mut Tx,
    ctx: &Ctx,
    order: &OrderView,
    split: &PaymentSplit,
    reverse: bool,
    now: i64,
) -> AppResult<()> {
    let postings = order_postings(split, reverse);
    if postings.is_empty() {
        return Ok(());
    }
    let movement = Movement {
        partner: order.summary.partner_id,
        template: if reverse { "order_amend_reversal" } else { "order_payment" },
        currency: currency_of(&order.summary.currency),
        postings,
        reference: Some(("order", order.summary.id.to_string())),
        memo: None,
        at_ms: now,
    };
    match post(tx, ctx, &movement).await {
        Ok(_) => Ok(()),
        Err(Refused::Overdraft(kind)) => Err(crate::accounts::overdraft_error("payment", kind)),
        Err(Refused::Failed(error)) => Err(error),
    }
}
