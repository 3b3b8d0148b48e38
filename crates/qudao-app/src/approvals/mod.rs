//! Approvals (审批): flows configured in the console, objects routed through them, the people
//! they wait for, and what happens to the object when its approval ends. The rules are
//! `qudao_domain::approvals`; this module reads and writes their state and ties them to the
//! objects: an order waits in `submitted` until its approval ends (see `orders::approval`), a
//! return in `requested`, an adjustment in `pending`; a credit line change and a partner's
//! onboarding wait as the approval's payload (see [`gate`]).

mod engine;
pub mod flows;
mod gate;
mod sweep;
mod views;

use qudao_domain::approvals::{Action, Facts, Subject};
use qudao_domain::ids::{ApprovalId, DelegationId, OrderId, PartnerId, UserId};
use qudao_store::approvals::delegations::{self, DelegationView};
use qudao_store::approvals::instances::{self, QueueFilter};
use qudao_store::page::{Page, PageRequest};
use serde::Deserialize;
use utoipa::ToSchema;

pub(crate) use engine::{Close, begin, close, flows_for};
pub use engine::{FlowChoice, Plan, Submission, plan};
pub use gate::Gated;
pub(crate) use gate::{Change, gate};
pub use sweep::{Swept, sweep};
pub use views::{ApprovalView, PersonRef, StepView};

use crate::{App, AppError, AppResult, Ctx};

/// What someone does to an approval.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ActionInput {
    /// `approve`, `reject`, `return`, `withdraw` or `delegate`.
    pub action: String,
    /// Why (required to reject or return).
    #[serde(default)]
    pub comment: Option<String>,
    /// For `return`: the step to go back to, its position among the steps that run (0 first).
    #[serde(default)]
    pub to_step: Option<usize>,
    /// For `delegate`: who takes this step over.
    #[serde(default)]
    pub delegate_to: Option<UserId>,
}

/// Routes one object through the flows of its kind, in a transaction of its own: the flow chosen
/// by its facts, its first step's approvers given tasks. `None` when it needs no approval. The
/// seam for objects whose own write does not start the approval in the same transaction (the
/// caller has checked the object and who submits it).
pub async fn submit(app: &App, submission: &Submission, facts: &Facts) -> AppResult<Option<ApprovalId>> {
    let now = app.now_ms();
    let scope = qudao_store::Scope::system("an object already checked in its caller's scope is routed");
    let mut tx = app.db().write(&scope).await?;
    let settings = qudao_store::settings::snapshot(&mut tx).await?;
    let flows = flows_for(&mut tx, submission.subject, &settings).await?;
    let Some(plan) = plan(&flows, facts) else { return Ok(None) };
    let (row, events) = begin(&mut tx, &plan, submission, now).await?;
    crate::events::announce(&mut tx, app.events(), &events).await?;
    tx.commit().await?;
    for event in events {
        app.events().publish(event);
    }
    Ok(Some(row.id))
}

/// One approval with its steps, who it waits for and its history.
pub async fn get(app: &App, ctx: &Ctx, id: ApprovalId) -> AppResult<ApprovalView> {
    let mut tx = app.read(ctx).await?;
    let loaded = engine::load(&mut tx, id).await?;
    views::view(&mut tx, ctx, loaded).await
}

/// Every approval of one object the caller can see, oldest first (an amended order has been
/// submitted more than once): the object's page shows them with the current step.
pub async fn of_object(app: &App, ctx: &Ctx, kind: &str, object_id: &str) -> AppResult<Vec<ApprovalView>> {
    let subject = Subject::parse(kind).ok_or_else(|| AppError::field("object_kind", "invalid_choice"))?;
    let mut tx = app.read(ctx).await?;
    let rows = instances::of_object(&mut tx, subject.as_str(), object_id).await?;
    let loaded = rows.into_iter().map(engine::loaded).collect::<AppResult<Vec<_>>>()?;
    views::views(&mut tx, ctx, loaded).await
}

/// Filters of the "waiting for me" queue.
#[derive(Debug, Clone, Default)]
pub struct QueueQuery {
    /// Only this kind.
    pub kind: Option<Subject>,
    /// Only this partner.
    pub partner: Option<PartnerId>,
    /// Only steps one approval finishes (those may be approved in bulk).
    pub simple_only: bool,
    /// Only amounts at least this, fen.
    pub min_amount: Option<i64>,
}

/// What waits for the caller, newest first.
pub async fn waiting(app: &App, ctx: &Ctx, query: &QueueQuery, page: &PageRequest) -> AppResult<Page<ApprovalView>> {
    let mut tx = app.read(ctx).await?;
    let filter = QueueFilter {
        kind: query.kind.map(Subject::as_str),
        partner: query.partner,
        simple_only: query.simple_only,
        min_amount: query.min_amount,
    };
    let rows = instances::waiting_for(&mut tx, ctx.caller().user_id(), &filter, page).await?;
    let loaded = rows.items.into_iter().map(engine::loaded).collect::<AppResult<Vec<_>>>()?;
    Ok(Page { items: views::views(&mut tx, ctx, loaded).await?, next: rows.next })
}

/// How many approvals wait for the caller (the header's badge).
pub async fn waiting_count(app: &App, ctx: &Ctx) -> AppResult<i64> {
    let mut tx = app.read(ctx).await?;
    Ok(instances::count_waiting(&mut tx, ctx.caller().user_id()).await?)
}

fn comment_of(input: &ActionInput, required: bool) -> AppResult<Option<String>> {
    let comment = qudao_domain::text::optional("comment", input.comment.as_deref(), 500)?;
    if required && comment.is_none() {
        return Err(AppError::field("comment", "required"));
    }
    Ok(comment)
}

/// Acts on an approval as the caller: approve, reject (back to the submitter with a comment),
/// return to an earlier step, withdraw (the submitter), or hand the step to someone else. The
/// object follows in the same transaction — an order approved at the last step becomes
/// approved — except that rejecting or withdrawing an order cancels it through the order desk,
/// which ends the approval in the cancellation's own transaction.
pub async fn act_on(app: &App, ctx: &Ctx, id: ApprovalId, input: &ActionInput) -> AppResult<ApprovalView> {
    act(app, ctx, id, input, false).await
}

/// [`act_on`]; with `only_simple`, a step that is not simple (several people, or a careful
/// look) is refused with `not_simple`, checked in the action's own transaction so a step that
/// changed since the queue was read is never bulk-approved.
async fn act(app: &App, ctx: &Ctx, id: ApprovalId, input: &ActionInput, only_simple: bool) -> AppResult<ApprovalView> {
    let me = ctx.caller().user_id();
    let (action, label, comment, target) = match input.action.as_str() {
        "approve" => (Action::Approve(me), "approve", comment_of(input, false)?, None),
        "reject" => (Action::Reject(me), "reject", comment_of(input, true)?, None),
        "return" => {
            let to = input.to_step.ok_or_else(|| AppError::field("to_step", "required"))?;
            (Action::ReturnTo(me, to), "return", comment_of(input, true)?, None)
        }
        "withdraw" => (Action::Withdraw(me), "withdraw", comment_of(input, false)?, None),
        "delegate" => {
            let to = input.delegate_to.ok_or_else(|| AppError::field("delegate_to", "required"))?;
            (Action::Delegate(me, to), "delegate", comment_of(input, false)?, Some(to))
        }
        _ => return Err(AppError::field("action", "invalid_choice")),
    };
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    let loaded = engine::load(&mut tx, id).await?;
    if only_simple && !loaded.row.simple {
        return Err(AppError::Conflict("not_simple"));
    }
    if let Action::Delegate(_, to) = action {
        views::check_delegate(&mut tx, &loaded.row, to, now).await?;
    }
    let subject = Subject::parse(&loaded.row.object_kind);
    if subject == Some(Subject::Adjustment) && matches!(action, Action::Approve(_)) && loaded.instance.submitter == me {
        // Four eyes: who asked for an adjustment never approves it, at any step.
        return Err(AppError::Conflict("own_adjustment"));
    }
    let ends_object = matches!(action, Action::Reject(_) | Action::Withdraw(_));
    if subject == Some(Subject::Order) && ends_object {
        // Checked here, decided by the desk: the order's cancellation closes the approval.
        let mut probe = loaded.instance.clone();
        qudao_domain::approvals::act(&loaded.flow.steps, &mut probe, &action, &|_| Vec::new())
            .map_err(|e| AppError::Conflict(e.code()))?;
        let order: OrderId = loaded.row.object_id.parse().map_err(|_| AppError::NotFound)?;
        let close = match action {
            Action::Reject(_) => Close::Rejected(loaded.row.revision),
            _ => Close::Withdrawn(loaded.row.revision),
        };
        drop(tx);
        crate::orders::cancel_for_approval(app, ctx, order, comment.as_deref(), close).await?;
        return get(app, ctx, id).await;
    }
    if subject == Some(Subject::Order) {
        // The order before its approval, as the desk's cancellations and amendments lock them:
        // the same order on both sides, never a deadlock.
        let order: OrderId = loaded.row.object_id.parse().map_err(|_| AppError::NotFound)?;
        qudao_store::orders::lock(&mut tx, &[order]).await?;
    }
    let applied = engine::apply(&mut tx, loaded, &action, (Some(me), label, comment.as_deref(), target), now).await?;
    if applied.ended && applied.row.outcome == "approved" && subject == Some(Subject::Order) {
        let order: OrderId = applied.row.object_id.parse().map_err(|_| AppError::NotFound)?;
        crate::orders::approval::approval_approved(&mut tx, ctx, order, now).await?;
    }
    if applied.ended && subject == Some(Subject::Return) {
        // Approved: the partner may send the goods back; rejected or withdrawn: refused, with
        // the comment (or the withdrawal) as its note.
        let id: qudao_domain::ids::ReturnId = applied.row.object_id.parse().map_err(|_| AppError::NotFound)?;
        let approved = applied.row.outcome == "approved";
        let note = match (approved, comment.as_deref(), label) {
            (true, _, _) => None,
            (false, _, "withdraw") => Some("撤回 withdrawn"),
            (false, comment, _) => comment,
        };
        crate::orders::fulfilment::return_decided(&mut tx, ctx, id, approved, note, now).await?;
    }
    if applied.ended && applied.row.outcome == "approved" {
        // A change kept with its approval is made now, as the last approver.
        match (subject, &applied.row.payload) {
            (Some(Subject::CreditLine), Some(payload)) => {
                crate::accounts::apply_credit_payload(&mut tx, ctx, applied.row.partner_id, payload, now).await?;
            }
            (Some(Subject::PartnerOnboarding), Some(payload)) => {
                crate::partners::apply_status_payload(&mut tx, ctx, applied.row.partner_id, payload, now).await?;
            }
            _ => {}
        }
    }
    if applied.ended && subject == Some(Subject::Adjustment) {
        // Approved: the entry is posted now (refused, e.g. an overdraft, and nothing changes);
        // rejected or withdrawn: nothing is posted.
        let id: qudao_domain::ids::AdjustmentId = applied.row.object_id.parse().map_err(|_| AppError::NotFound)?;
        let approved = applied.row.outcome == "approved";
        crate::finance::adjustments::settle(&mut tx, ctx, id, approved, comment.as_deref(), now).await?;
    }
    let audit = ctx.audit(
        now,
        "approval",
        id,
        "act",
        Some(applied.row.partner_id),
        None::<&()>,
        Some(&serde_json::json!({ "action": label, "object_kind": applied.row.object_kind,
            "object_id": applied.row.object_id, "outcome": applied.row.outcome, "step": applied.row.step_name })),
    );
    qudao_store::audit::insert(&mut tx, &audit).await?;
    crate::events::announce(&mut tx, app.events(), &applied.events).await?;
    tx.commit().await?;
    for event in applied.events {
        app.events().publish(event);
    }
    if subject == Some(Subject::PartnerOnboarding) {
        // A partner's status decides what its people may do.
        app.callers().forget_all();
    }
    get(app, ctx, id).await
}

/// The result of a bulk approval: which went through and which did not, and why.
#[derive(Debug, Clone, serde::Serialize, ToSchema)]
pub struct BulkResult {
    /// Approved (their step, or the whole approval).
    pub approved: Vec<ApprovalId>,
    /// Refused, with the error code (a step that is not simple, someone else was faster…).
    pub refused: Vec<(ApprovalId, String)>,
}

/// Approves many waiting approvals at once, each in its own transaction; only steps one
/// approval finishes (one branch, any approver) — a step that needs several people or a
/// careful look is refused with `not_simple` and stays in the queue.
pub async fn bulk_approve(app: &App, ctx: &Ctx, ids: &[ApprovalId], comment: Option<&str>) -> AppResult<BulkResult> {
    if ids.is_empty() || ids.len() > 200 {
        return Err(AppError::field("ids", "out_of_range"));
    }
    let mut result = BulkResult { approved: Vec::new(), refused: Vec::new() };
    for id in ids {
        let input = ActionInput {
            action: "approve".into(),
            comment: comment.map(str::to_owned),
            to_step: None,
            delegate_to: None,
        };
        match act(app, ctx, *id, &input, true).await {
            Ok(_) => result.approved.push(*id),
            Err(AppError::Conflict(code)) => result.refused.push((*id, code.into())),
            Err(AppError::NotFound) => result.refused.push((*id, "not_found".into())),
            Err(other) => return Err(other),
        }
    }
    // The request itself, beside each approval's own row: who approved what in one go.
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    let record =
        ctx.audit(now, "approval", "bulk", "bulk_approve", ctx.caller().partner_id(), None::<&()>, Some(&result));
    qudao_store::audit::insert(&mut tx, &record).await?;
    tx.commit().await?;
    Ok(result)
}

/// A hand-over asked for.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct DelegationInput {
    /// Who stands in.
    pub delegate_id: UserId,
    /// Only approvals of this kind (none: all).
    #[serde(default)]
    pub object_kind: Option<String>,
    /// From (ms; none: now).
    #[serde(default)]
    pub from_ms: Option<i64>,
    /// Until (ms).
    pub until_ms: i64,
}

/// The caller's hand-overs.
pub async fn my_delegations(app: &App, ctx: &Ctx) -> AppResult<Vec<DelegationView>> {
    let mut tx = app.read(ctx).await?;
    Ok(delegations::of_user(&mut tx, ctx.caller().user_id()).await?)
}

/// Hands the caller's approvals to someone else for a while (for steps that begin meanwhile;
/// a step already waiting is handed over with the `delegate` action). The stand-in must be
/// active and on the caller's side (a partner's user to a colleague of the same company).
pub async fn delegate(
    app: &App,
    ctx: &Ctx,
    input: &DelegationInput,
    idem: Option<&crate::idempotency::IdemKey>,
) -> AppResult<DelegationView> {
    let now = app.now_ms();
    let me = ctx.caller().user_id();
    let kind = match input.object_kind.as_deref() {
        None | Some("") => None,
        Some(kind) => Some(Subject::parse(kind).ok_or_else(|| AppError::field("object_kind", "invalid_choice"))?),
    };
    let from = input.from_ms.unwrap_or(now);
    if input.until_ms <= from.max(now) || input.until_ms - from > 366 * 86_400_000 {
        return Err(AppError::field("until_ms", "out_of_range"));
    }
    if input.delegate_id == me {
        return Err(AppError::field("delegate_id", "bad_delegate"));
    }
    let mut tx = app.write(ctx).await?;
    views::check_colleague(&mut tx, ctx, input.delegate_id).await?;
    let view = DelegationView {
        id: DelegationId::new(),
        user_id: me,
        delegate_id: input.delegate_id,
        delegate_name: String::new(),
        object_kind: kind.map(|k| k.as_str().to_owned()),
        from_ms: from,
        until_ms: input.until_ms,
        revoked_ms: None,
    };
    delegations::insert(&mut tx, &view, now).await?;
    let audit = ctx.audit(now, "delegation", view.id, "create", ctx.caller().partner_id(), None::<&()>, Some(&view));
    qudao_store::audit::insert(&mut tx, &audit).await?;
    let saved =
        delegations::of_user(&mut tx, me).await?.into_iter().find(|d| d.id == view.id).ok_or(AppError::NotFound)?;
    crate::idempotency::complete(&mut tx, idem, 201, &saved).await?;
    tx.commit().await?;
    Ok(saved)
}

/// Ends one of the caller's hand-overs.
pub async fn revoke_delegation(app: &App, ctx: &Ctx, id: DelegationId) -> AppResult<()> {
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    if !delegations::revoke(&mut tx, id, ctx.caller().user_id(), now).await? {
        return Err(AppError::NotFound);
    }
    let audit = ctx.audit::<(), ()>(now, "delegation", id, "revoke", ctx.caller().partner_id(), None, None);
    qudao_store::audit::insert(&mut tx, &audit).await?;
    tx.commit().await?;
    Ok(())
}
