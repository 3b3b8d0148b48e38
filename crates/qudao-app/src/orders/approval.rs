//! Orders and their approval flows: which flow an order follows, what happens to the order when
//! its approval ends, and how money arriving and approval finishing meet. An order is approved
//! when both are done: its flow approved (or none needed) and its money received (credit,
//! prepaid, a confirmed transfer, an online payment).

use std::collections::HashMap;

use qudao_domain::approvals::Subject;
use qudao_domain::ids::{CategoryId, OrderId, UserId};
use qudao_domain::orders::{OrderStatus, PaymentStatus, ReviewReason, approval_facts};
use qudao_store::Tx;
use qudao_store::approvals::instances;
use qudao_store::catalog::masters;
use qudao_store::catalog::{SkuKeys, sellable};
use qudao_store::orders;
use qudao_store::partners::PartnerView;

use super::desk::Cancel;
use super::lifecycle::{finish, load, status_of};
use crate::approvals::{FlowChoice, Plan, Submission, plan};
use crate::{App, AppError, AppResult, Ctx};

/// An order's plan of approval, to start in the order's own transaction (the desk's batch, an
/// amendment): the flow and its steps, and the submission less its summary (the order's number
/// is given by the desk).
#[derive(Debug, Clone)]
pub(crate) struct OrderApproval {
    /// The flow and the steps that run.
    pub plan: Plan,
    /// Who submitted it.
    pub submitter: UserId,
}

/// What an order's approval plan reads.
pub(crate) struct OrderShape<'a> {
    /// The partner.
    pub partner: &'a PartnerView,
    /// Total, gross, discount, fen.
    pub total: i64,
    /// Before promotions.
    pub gross: i64,
    /// Promotions' discount.
    pub discount: i64,
    /// The categories of its lines (with their parents).
    pub categories: Vec<CategoryId>,
}

/// The flow an order follows, or `None` when it needs no approval.
pub(crate) fn plan_for(
    flows: &[FlowChoice],
    codes: &HashMap<CategoryId, String>,
    order: &OrderShape<'_>,
    submitter: UserId,
) -> Option<OrderApproval> {
    if flows.is_empty() {
        return None;
    }
    let mut categories: Vec<String> = order.categories.iter().filter_map(|c| codes.get(c).cloned()).collect();
    categories.sort_unstable();
    categories.dedup();
    let facts = approval_facts(
        order.total,
        order.gross,
        order.discount,
        &order.partner.tier.code,
        &order.partner.region.path,
        categories,
    );
    plan(flows, &facts).map(|plan| OrderApproval { plan, submitter })
}

/// Starts an order's approval in the order's transaction.
pub(crate) async fn begin(
    tx: &mut Tx,
    approval: &OrderApproval,
    order: &qudao_store::orders::NewOrder,
    partner_name: &str,
    now_ms: i64,
) -> AppResult<()> {
    let submission = Submission {
        subject: Subject::Order,
        object_id: order.id.to_string(),
        partner_id: order.partner_id,
        summary: format!("{} · {}", order.number, partner_name),
        amount: order.total,
        submitter: approval.submitter,
        payload: None,
    };
    // The notifications are written with the order; their live events are not sent (the
    // desk's batch commits later): the approvers see them on their next page.
    crate::approvals::begin(tx, &approval.plan, &submission, now_ms).await?;
    Ok(())
}

/// Starts a return's approval in the return's own transaction when a flow of kind `return`
/// applies to it (its amount, the partner's tier and region, the categories sent back);
/// answers the live events to publish once it commits. Without a flow the brand decides the
/// return directly, as before flows.
pub(crate) async fn begin_return(
    tx: &mut Tx,
    asked: &super::fulfilment::ReturnAsked<'_>,
    submitter: UserId,
    now_ms: i64,
) -> AppResult<Vec<crate::events::Event>> {
    let settings = qudao_store::settings::snapshot(tx).await?;
    let flows = crate::approvals::flows_for(tx, Subject::Return, &settings).await?;
    if flows.is_empty() {
        return Ok(Vec::new());
    }
    let partner_id = asked.order.summary.partner_id;
    let partner = qudao_store::partners::get(tx, partner_id).await?.ok_or(AppError::NotFound)?;
    let mut categories = Vec::new();
    if flows.iter().any(|f| f.flow.reads_categories()) {
        let codes: HashMap<CategoryId, String> =
            masters::categories(tx).await?.into_iter().map(|c| (c.id, c.code)).collect();
        let sold = sellable(tx, SkuKeys::Ids(asked.skus)).await?;
        categories = sold.values().flat_map(|s| s.categories.iter()).filter_map(|c| codes.get(c).cloned()).collect();
        categories.sort_unstable();
        categories.dedup();
    }
    let facts = approval_facts(asked.amount, asked.amount, 0, &partner.tier.code, &partner.region.path, categories);
    let Some(plan) = plan(&flows, &facts) else { return Ok(Vec::new()) };
    let submission = Submission {
        subject: Subject::Return,
        object_id: asked.id.to_string(),
        partner_id,
        summary: format!("{} · {} · {}", asked.number, asked.order.summary.number, partner.name),
        amount: asked.amount,
        submitter,
        payload: None,
    };
    let (_, events) = crate::approvals::begin(tx, &plan, &submission, now_ms).await?;
    Ok(events)
}

/// Whether an order's approval still runs.
pub(crate) async fn approval_running(tx: &mut Tx, id: OrderId) -> AppResult<bool> {
    Ok(instances::running_of(tx, Subject::Order.as_str(), &id.to_string()).await?.is_some())
}

/// The order's approval flow approved it: the order is approved now if its money is in; if not,
/// it waits for the money, which approves it when it comes ([`after_money`]).
pub(crate) async fn approval_approved(tx: &mut Tx, ctx: &Ctx, id: OrderId, now_ms: i64) -> AppResult<()> {
    orders::lock(tx, &[id]).await?;
    let before = load(tx, id).await?;
    if status_of(&before)? != OrderStatus::Submitted || PaymentStatus::awaits_money(&before.summary.payment_status) {
        return Ok(());
    }
    if orders::transition(tx, id, &["submitted"], "approved", Some("approved_ms"), now_ms).await? {
        orders::set_review_reason(tx, id, None).await?;
        finish(tx, ctx, &before, "approve", None, now_ms).await?;
    }
    Ok(())
}

/// An order's money arrived (a confirmed transfer, an online payment) while it was submitted:
/// approved now unless its approval flow still runs, in which case it now waits for that.
pub(crate) async fn after_money(tx: &mut Tx, id: OrderId, now_ms: i64) -> AppResult<()> {
    if approval_running(tx, id).await? {
        orders::set_review_reason(tx, id, Some(ReviewReason::Approval.as_str())).await?;
    } else {
        orders::transition(tx, id, &["submitted"], "approved", Some("approved_ms"), now_ms).await?;
        orders::set_review_reason(tx, id, None).await?;
    }
    Ok(())
}

/// An order's approval was rejected or withdrawn: the order is cancelled through the desk (its
/// stock, money and quotas given back), and the cancellation ends the approval in the same
/// transaction with the comment as the reason — if the approval is still at the revision the
/// approver acted on (`approval`), else nothing changes and the answer is `approval_changed`.
pub(crate) async fn cancel_for_approval(
    app: &App,
    ctx: &Ctx,
    id: OrderId,
    reason: Option<&str>,
    approval: crate::approvals::Close,
) -> AppResult<()> {
    {
        let mut tx = app.read(ctx).await?;
        let before = load(&mut tx, id).await?;
        if !status_of(&before)?.cancellable() {
            return Err(AppError::Conflict("not_cancellable"));
        }
    }
    app.desk().cancel(Cancel { ctx: ctx.clone(), id, reason: reason.map(str::to_owned), approval }).await?;
    Ok(())
}
