//! Approvals as people see them: the steps with where the approval stands, who it waits for,
//! whether it is the caller's turn, and its history.

use qudao_domain::access::RoleSide;
use qudao_domain::approvals::resolve::people as named_by;
use qudao_domain::approvals::{Approver, Outcome};
use qudao_domain::ids::{ApprovalId, FlowId, PartnerId, UserId};
use qudao_store::Tx;
use qudao_store::access::users::{self, UserStatus};
use qudao_store::approvals::instances::{self, ActionRow, InstanceRow};
use qudao_store::approvals::people;
use serde::Serialize;
use utoipa::ToSchema;

use super::engine::Loaded;
use crate::{AppError, AppResult, Ctx};

/// A person on an approval.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct PersonRef {
    /// Id.
    pub id: UserId,
    /// Display name.
    pub name: String,
}

/// One step of the flow an approval follows.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct StepView {
    /// Its name.
    pub name: String,
    /// Its position among the steps that run (for `return`), none when skipped.
    pub position: Option<usize>,
    /// `done`, `current`, `pending`, `skipped`, or `stopped` (the approval ended here).
    pub status: String,
}

/// An approval as shown on the object's page and in the queue.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApprovalView {
    /// Id.
    pub id: ApprovalId,
    /// `order`, `return`…
    pub object_kind: String,
    /// The object.
    pub object_id: String,
    /// Its partner.
    pub partner_id: PartnerId,
    /// The partner's name.
    pub partner_name: String,
    /// The flow (none: the built-in default).
    pub flow_id: Option<FlowId>,
    /// Its name.
    pub flow_name: String,
    /// The version followed.
    pub flow_version: i64,
    /// `running`, `approved`, `rejected` or `withdrawn`.
    pub outcome: String,
    /// What it is.
    pub summary: String,
    /// Its amount, fen.
    pub amount: i64,
    /// Who submitted it (hidden from a partner when it was the brand's staff).
    pub submitted_by: Option<UserId>,
    /// When.
    pub submitted_ms: i64,
    /// When the current step began.
    pub step_started_ms: i64,
    /// When it ended.
    pub ended_ms: Option<i64>,
    /// The current step's name.
    pub current_step: Option<String>,
    /// Whether one approval finishes the current step (bulk approval allowed).
    pub simple: bool,
    /// Every step of the flow and where the approval stands.
    pub steps: Vec<StepView>,
    /// Who may act at the current step and has not yet (a partner sees its own people only).
    pub waiting_for: Vec<PersonRef>,
    /// Whether the current step waits for the brand's staff.
    pub waiting_on_brand: bool,
    /// Whether the caller may approve or reject now.
    pub my_turn: bool,
    /// Whether the caller may withdraw it (its submitter, while it runs).
    pub may_withdraw: bool,
    /// What happened, oldest first.
    pub history: Vec<ActionRow>,
}

/// The view of a loaded approval for the caller.
pub(crate) async fn view(tx: &mut Tx, ctx: &Ctx, loaded: Loaded) -> AppResult<ApprovalView> {
    let mut one = views(tx, ctx, vec![loaded]).await?;
    one.pop().ok_or(AppError::NotFound)
}

/// The views of several approvals (a page of the queue, an object's approvals) with two reads
/// for all of them — the people's names and the histories — rather than two per approval.
pub(crate) async fn views(tx: &mut Tx, ctx: &Ctx, loaded: Vec<Loaded>) -> AppResult<Vec<ApprovalView>> {
    let mut asked: Vec<UserId> = Vec::new();
    for one in &loaded {
        asked.extend(one.instance.waiting());
        asked.push(one.row.submitted_by);
    }
    asked.sort_unstable_by_key(ToString::to_string);
    asked.dedup();
    let names = people::names(tx, &asked).await?;
    let ids: Vec<ApprovalId> = loaded.iter().map(|l| l.row.id).collect();
    let mut histories: std::collections::HashMap<ApprovalId, Vec<ActionRow>> = std::collections::HashMap::new();
    for action in instances::actions_of(tx, &ids).await? {
        histories.entry(action.instance_id).or_default().push(action);
    }
    Ok(loaded
        .into_iter()
        .map(|one| {
            let history = histories.remove(&one.row.id).unwrap_or_default();
            build(ctx, one, &names, history)
        })
        .collect())
}

/// One approval's view from what [`views`] read.
fn build(
    ctx: &Ctx,
    loaded: Loaded,
    names: &std::collections::HashMap<UserId, people::Named>,
    mut history: Vec<ActionRow>,
) -> ApprovalView {
    let Loaded { row, flow, instance } = loaded;
    let me = ctx.caller().user_id();
    let waiting = instance.waiting();
    // A partner is shown its own people by name and the brand's staff only as "the brand".
    let partner_view = ctx.caller().role().side() == RoleSide::Partner;
    let is_brand = |id: &UserId| names.get(id).is_none_or(|n| n.brand);
    let waiting_on_brand = waiting.iter().any(is_brand);
    let waiting_for = waiting
        .iter()
        .filter(|id| !(partner_view && is_brand(id)))
        .map(|id| PersonRef { id: *id, name: names.get(id).map(|n| n.name.clone()).unwrap_or_default() })
        .collect();
    let steps = flow
        .steps
        .iter()
        .enumerate()
        .map(|(index, step)| {
            let position = instance.steps.iter().position(|s| *s == index);
            let status = match position {
                None => "skipped",
                Some(p) if p < instance.at => "done",
                Some(p) if p == instance.at && instance.outcome == Outcome::Running => "current",
                Some(p) if p == instance.at && instance.outcome != Outcome::Approved => "stopped",
                Some(_) if instance.outcome == Outcome::Approved => "done",
                Some(_) => "pending",
            };
            StepView { name: step.name.clone(), position, status: status.into() }
        })
        .collect();
    if partner_view {
        for entry in history.iter_mut().filter(|e| e.actor_side == "brand") {
            entry.actor_id = None;
            entry.actor_name = None;
        }
        for entry in history.iter_mut() {
            if entry.target_id.is_some_and(|t| is_brand(&t)) {
                entry.target_id = None;
                entry.target_name = None;
            }
        }
    }
    ApprovalView {
        my_turn: waiting.contains(&me),
        may_withdraw: instance.outcome == Outcome::Running && instance.submitter == me,
        id: row.id,
        object_kind: row.object_kind,
        object_id: row.object_id,
        partner_id: row.partner_id,
        partner_name: row.partner_name,
        flow_id: row.flow_id,
        flow_name: row.flow_name,
        flow_version: row.flow_version,
        outcome: row.outcome,
        summary: row.summary,
        amount: row.amount,
        submitted_by: (!(partner_view && is_brand(&row.submitted_by))).then_some(row.submitted_by),
        submitted_ms: row.submitted_ms,
        step_started_ms: row.step_started_ms,
        ended_ms: row.ended_ms,
        current_step: row.step_name,
        simple: row.simple,
        steps,
        waiting_for,
        waiting_on_brand,
        history,
    }
}

/// A step may be handed only to someone who can see the object (the same people the flow's
/// approvers are drawn from: brand staff, the partner's own users, its channel managers).
pub(crate) async fn check_delegate(tx: &mut Tx, row: &InstanceRow, to: UserId, now_ms: i64) -> AppResult<()> {
    let pool = people::pool(tx, row.partner_id, &row.object_kind, now_ms).await?;
    if named_by(&pool, &Approver::User { user: to }).is_empty() {
        return Err(AppError::field("delegate_to", "approver_cannot_see"));
    }
    Ok(())
}

/// A standing hand-over goes to an active colleague on the caller's own side.
pub(crate) async fn check_colleague(tx: &mut Tx, ctx: &Ctx, user: UserId) -> AppResult<()> {
    let found = users::get(tx, user).await?.ok_or_else(|| AppError::field("delegate_id", "not_found"))?;
    let same_side = match ctx.caller().role().side() {
        RoleSide::Brand => found.role.side() == RoleSide::Brand,
        RoleSide::Partner => found.partner.as_ref().map(|p| p.id) == ctx.caller().partner_id(),
    };
    if !same_side || found.status != UserStatus::Active {
        return Err(AppError::field("delegate_id", "bad_delegate"));
    }
    Ok(())
}
