//! Manual adjustments (调账): one finance user asks with a reason, another approves, and only then
//! is a journal entry posted — against the brand's adjustment account, never by editing a
//! balance. A receivable adjustment names the credit order it changes and refers to it, so the
//! order's debt (and the aging, the hold and receipts' allocation) follows.

use qudao_domain::access::Permission;
use qudao_domain::accounts::AccountKind;
use qudao_domain::approvals::Subject;
use qudao_domain::finance::adjustments::{self as rules, DecisionError, Request};
use qudao_domain::ids::{AdjustmentId, OrderId, PartnerId};
use qudao_domain::money::{Currency, Money};
use qudao_domain::orders::approval_facts;
use qudao_domain::{FieldError, Invalid, docnum, text};
use qudao_store::approvals::instances;
use qudao_store::finance::adjustments::{self, AdjustmentView, NewAdjustment};
use qudao_store::finance::receipts;
use qudao_store::page::{Page, PageRequest};
use qudao_store::{Tx, accounts, audit, counters, orders, partners};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::accounts::{Movement, Refused, overdraft_error, post};
use crate::clock::china_date;
use crate::idempotency::{self, IdemKey};
use crate::{App, AppError, AppResult, Ctx};

/// An adjustment asked for.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdjustmentInput {
    /// `receivable`, `prepaid` or `rebate`.
    pub account: String,
    /// The change of the balance as people read it, yuan, signed (`"-100.00"` writes ¥100 of
    /// debt off when the account is the receivable; `"500.00"` grants ¥500 of rebate).
    pub amount: String,
    /// The credit order (required for the receivable).
    #[serde(default)]
    pub order_id: Option<OrderId>,
    /// Why (required; kept on the journal entry).
    pub reason: String,
}

/// A decision on an adjustment.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdjustmentDecision {
    /// A note.
    #[serde(default)]
    pub comment: Option<String>,
}

/// Asks for an adjustment of a visible partner's balance (brand finance). Nothing is posted yet.
pub async fn request_adjustment(
    app: &App,
    ctx: &Ctx,
    partner: PartnerId,
    input: &AdjustmentInput,
    idem: Option<&IdemKey>,
) -> AppResult<AdjustmentView> {
    ctx.require(Permission::FinanceManage)?;
    let mut invalid = Invalid::new();
    let account = match AccountKind::parse(input.account.trim()) {
        Some(kind) => Some(kind),
        None => {
            invalid.push(FieldError::with_param("account", "not_one_of", "receivable, prepaid, rebate"));
            None
        }
    };
    let amount = invalid.check(Money::parse_major("amount", &input.amount, Currency::CNY));
    let reason = invalid.check(text::required("reason", &input.reason, 200));
    if let (Some(account), Some(amount)) = (account, amount) {
        let request = Request { account, amount: amount.minor, names_order: input.order_id.is_some() };
        invalid.check(rules::check(&request));
    }
    invalid.into_result()?;
    let (Some(account), Some(amount), Some(reason)) = (account, amount, reason) else {
        return Err(AppError::Internal("checked adjustment".into()));
    };
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    partners::get(&mut tx, partner).await?.ok_or(AppError::NotFound)?;
    if account == AccountKind::Receivable {
        let order = match input.order_id {
            Some(id) => orders::get(&mut tx, id).await?,
            None => None,
        };
        if !order.is_some_and(|o| o.summary.partner_id == partner && o.paid.credit > 0) {
            return Err(AppError::field("order_id", "not_a_credit_order_of_partner"));
        }
    }
    let id = AdjustmentId::new();
    let date = china_date(now);
    let number = docnum::format("AJ", date, counters::next(&mut tx, &format!("adjustment:{date}")).await?);
    adjustments::insert(
        &mut tx,
        &NewAdjustment {
            id,
            number: &number,
            partner_id: partner,
            account_kind: account.as_str(),
            amount: amount.minor,
            currency: Currency::CNY.code(),
            order_id: if account == AccountKind::Receivable { input.order_id } else { None },
            reason: &reason,
            requested_by: ctx.caller().user_id(),
            requested_ms: now,
        },
    )
    .await?;
    let view = adjustments::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    audit::insert(&mut tx, &ctx.audit::<(), _>(now, "adjustment", id, "create", Some(partner), None, Some(&view)))
        .await?;
    let events = begin_approval(&mut tx, &view, now).await?;
    crate::events::announce(&mut tx, app.events(), &events).await?;
    idempotency::complete(&mut tx, idem, 201, &view).await?;
    tx.commit().await?;
    for event in events {
        app.events().publish(event);
    }
    Ok(view)
}

/// Starts the adjustment's approval flow when one of kind `adjustment` applies (its amount
/// either way, the partner's tier and region); without one, a second finance user decides it
/// directly, as before flows.
async fn begin_approval(tx: &mut Tx, view: &AdjustmentView, now: i64) -> AppResult<Vec<crate::events::Event>> {
    let settings = qudao_store::settings::snapshot(tx).await?;
    let flows = crate::approvals::flows_for(tx, Subject::Adjustment, &settings).await?;
    if flows.is_empty() {
        return Ok(Vec::new());
    }
    let partner = partners::get(tx, view.partner_id).await?.ok_or(AppError::NotFound)?;
    let amount = view.amount.abs();
    let facts = approval_facts(amount, amount, 0, &partner.tier.code, &partner.region.path, Vec::new());
    let Some(plan) = crate::approvals::plan(&flows, &facts) else { return Ok(Vec::new()) };
    let submission = crate::approvals::Submission {
        subject: Subject::Adjustment,
        object_id: view.id.to_string(),
        partner_id: view.partner_id,
        summary: format!("{} · {} · {}", view.number, partner.name, view.reason),
        amount,
        submitter: view.requested_by,
        payload: None,
    };
    let (_, events) = crate::approvals::begin(tx, &plan, &submission, now).await?;
    Ok(events)
}

/// Approves (posting the entry) or rejects a pending adjustment. The person who asked may reject
/// (withdraw) it but not approve it. A write-off larger than what the order still owes, or an
/// adjustment that would overdraw an account, is refused and the adjustment stays pending.
pub async fn decide_adjustment(
    app: &App,
    ctx: &Ctx,
    id: AdjustmentId,
    approve: bool,
    decision: &AdjustmentDecision,
) -> AppResult<AdjustmentView> {
    ctx.require(Permission::FinanceManage)?;
    let comment = text::optional("comment", decision.comment.as_deref(), 200).map_err(Invalid::from)?;
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    adjustments::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    if let Some(approval) = instances::running_of(&mut tx, Subject::Adjustment.as_str(), &id.to_string()).await? {
        // Under a flow the decision is the caller's action on it, at their step.
        drop(tx);
        let input = crate::approvals::ActionInput {
            action: if approve { "approve" } else { "reject" }.into(),
            comment: comment.or_else(|| (!approve).then(|| "驳回 rejected".to_string())),
            to_step: None,
            delegate_to: None,
        };
        crate::approvals::act_on(app, ctx, approval.id, &input).await?;
        let mut tx = app.read(ctx).await?;
        return adjustments::get(&mut tx, id).await?.ok_or(AppError::NotFound);
    }
    let after = settle(&mut tx, ctx, id, approve, comment.as_deref(), now).await?;
    tx.commit().await?;
    Ok(after)
}

/// Decides a pending adjustment in the caller's transaction: approved, its entry is posted;
/// rejected, nothing is. Decided directly by a second finance user, or by the end of its flow.
pub(crate) async fn settle(
    tx: &mut Tx,
    ctx: &Ctx,
    id: AdjustmentId,
    approve: bool,
    comment: Option<&str>,
    now: i64,
) -> AppResult<AdjustmentView> {
    let me = ctx.caller().user_id();
    let before = adjustments::get(tx, id).await?.ok_or(AppError::NotFound)?;
    match rules::may_decide(&before.status, &before.requested_by.to_string(), &me.to_string(), approve) {
        Ok(()) => {}
        Err(DecisionError::NotPending) => return Err(AppError::Conflict("status_transition")),
        Err(DecisionError::OwnRequest) => return Err(AppError::Conflict("own_adjustment")),
    }
    let entry = if approve {
        let account = AccountKind::parse(&before.account_kind)
            .ok_or_else(|| AppError::Internal(format!("adjustment account {}", before.account_kind)))?;
        let request = Request { account, amount: before.amount, names_order: before.order_id.is_some() };
        let partner = before.partner_id;
        // The partner's accounts first, as receipts do: the order's debt cannot change under us.
        accounts::ensure_partner_accounts(tx, partner, &before.currency, now).await?;
        accounts::hold(tx, &[partner]).await?;
        let reference = match before.order_id {
            Some(order) => {
                if before.amount < 0 {
                    let owing: i64 = receipts::owing(tx, Some(partner))
                        .await?
                        .iter()
                        .filter(|o| o.order_id == order)
                        .map(|o| o.owing)
                        .sum();
                    if -before.amount > owing {
                        return Err(AppError::Invalid(Invalid::from(FieldError::with_param(
                            "amount",
                            "more_than_order_owes",
                            Money::new(owing, Currency::CNY).to_decimal_string(),
                        ))));
                    }
                }
                ("order", order.to_string())
            }
            None => ("adjustment", id.to_string()),
        };
        let memo = format!("{} {}", before.number, before.reason);
        let movement = Movement {
            partner,
            template: "adjustment",
            currency: Currency::CNY,
            postings: rules::postings(&request).to_vec(),
            reference: Some((reference.0, reference.1)),
            memo: Some(&memo),
            at_ms: now,
        };
        match post(tx, ctx, &movement).await {
            Ok(entry) => Some(entry),
            Err(Refused::Overdraft(kind)) => return Err(overdraft_error("amount", kind)),
            Err(Refused::Failed(error)) => return Err(error),
        }
    } else {
        None
    };
    let status = if approve { "approved" } else { "rejected" };
    if !adjustments::decide(tx, id, status, me, now, comment, entry).await? {
        return Err(AppError::Conflict("stale_version"));
    }
    let after = adjustments::get(tx, id).await?.ok_or(AppError::NotFound)?;
    let action = if approve { "approve" } else { "reject" };
    audit::insert(tx, &ctx.audit(now, "adjustment", id, action, Some(after.partner_id), Some(&before), Some(&after)))
        .await?;
    Ok(after)
}

/// Adjustments are the brand's internal bookkeeping until approved, and an approved one reaches
/// the partner as a line of its statement: partner users may not list them, and one asked for by
/// id is, to them, not there.
fn brand_only(ctx: &Ctx, missing: AppError) -> AppResult<()> {
    if ctx.caller().partner_id().is_some() { Err(missing) } else { Ok(()) }
}

/// A visible adjustment.
pub async fn get_adjustment(app: &App, ctx: &Ctx, id: AdjustmentId) -> AppResult<AdjustmentView> {
    ctx.require(Permission::AccountsRead)?;
    brand_only(ctx, AppError::NotFound)?;
    let mut tx = app.read(ctx).await?;
    adjustments::get(&mut tx, id).await?.ok_or(AppError::NotFound)
}

/// Visible adjustments, newest first, for one partner or all, optionally in one status.
pub async fn list_adjustments(
    app: &App,
    ctx: &Ctx,
    partner: Option<PartnerId>,
    status: Option<&str>,
    page: &PageRequest,
) -> AppResult<Page<AdjustmentView>> {
    ctx.require(Permission::AccountsRead)?;
    brand_only(ctx, AppError::Forbidden)?;
    let mut tx = app.read(ctx).await?;
    Ok(adjustments::list(&mut tx, partner, status, page).await?)
}
