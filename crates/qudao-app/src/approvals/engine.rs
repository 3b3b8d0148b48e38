//! Running an object through its flow: choosing the flow, starting the instance with the first
//! step's approvers, acting on it, and closing it when its object is cancelled. Every change is a
//! guarded write of the instance with its open tasks and history, in the caller's transaction, so
//! an object and its approval never disagree.

use qudao_domain::approvals::resolve::{Pool, resolve_step};
use qudao_domain::approvals::{Action, Facts, Flow, Instance, Outcome, Step, Subject, act, start, steps_for};
use qudao_domain::ids::{ApprovalId, FlowId, PartnerId, UserId};
use qudao_domain::notifications::Topic;
use qudao_store::Tx;
use qudao_store::approvals::instances::{self, InstanceRow, InstanceState, NewAction, NewInstance};
use qudao_store::approvals::{self as store, people};
use qudao_store::settings;

use crate::events::Event;
use crate::notifications::Note;
use crate::{AppError, AppResult};

/// A flow an object may follow: a configured one, or the built-in default (no id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowChoice {
    /// The configured flow, none for the built-in default.
    pub id: Option<FlowId>,
    /// Its name.
    pub name: String,
    /// Its current version.
    pub flow: Flow,
}

/// The flows objects of `subject` are routed through, in the order they are tried: the active
/// configured ones, or when none is configured the built-in default (see
/// [`Subject::default_flow`]).
pub(crate) async fn flows_for(
    tx: &mut Tx,
    subject: Subject,
    settings: &settings::Snapshot,
) -> AppResult<Vec<FlowChoice>> {
    let rows = store::routing_flows(tx, subject.as_str()).await?;
    let mut flows = Vec::with_capacity(rows.len());
    for row in rows {
        let mut flow: Flow = serde_json::from_value(row.definition)
            .map_err(|e| AppError::Internal(format!("stored flow {}: {e}", row.id)))?;
        flow.version = row.version;
        flows.push(FlowChoice { id: Some(row.id), name: row.name, flow });
    }
    if flows.is_empty()
        && let Some(flow) = subject.default_flow(settings.number(settings::AUTO_APPROVE_MAX))
    {
        flows.push(FlowChoice { id: None, name: default_name(subject).into(), flow });
    }
    Ok(flows)
}

/// The name the built-in default flow is shown with.
pub(crate) fn default_name(subject: Subject) -> &'static str {
    match subject {
        Subject::Order => "默认订单审批",
        _ => "默认审批",
    }
}

/// An object's flow and the steps that run for it, or `None` when it needs no approval (no flow
/// applies, or every step of the chosen one is skipped).
#[derive(Debug, Clone)]
pub struct Plan {
    /// The flow.
    pub choice: FlowChoice,
    /// The flow's steps that run, in order.
    pub running: Vec<usize>,
}

/// Chooses the flow and its running steps for these facts.
pub fn plan(flows: &[FlowChoice], facts: &Facts) -> Option<Plan> {
    let choice = flows.iter().find(|f| f.flow.applies_if.as_ref().is_none_or(|c| c.holds(facts)))?;
    let running = steps_for(&choice.flow, facts);
    (!running.is_empty()).then(|| Plan { choice: choice.clone(), running })
}

/// One object submitted for approval.
#[derive(Debug, Clone)]
pub struct Submission {
    /// What it is.
    pub subject: Subject,
    /// Its id.
    pub object_id: String,
    /// Its partner.
    pub partner_id: PartnerId,
    /// What the queue shows (`SO-20261129-0001 · 某某商贸`).
    pub summary: String,
    /// Its amount, fen.
    pub amount: i64,
    /// Who submitted it.
    pub submitter: UserId,
    /// What it changes when approved, for a change that waits for its approval (a credit
    /// line, a partner's status); none for objects that are their own rows.
    pub payload: Option<serde_json::Value>,
}

/// The stored state of an instance after a change, with the times its step's reminder and
/// escalation fall due.
fn state_of<'a>(instance: &Instance, steps: &[Step], step_started_ms: i64, now_ms: i64) -> (String, InstanceState<'a>) {
    let json = serde_json::to_string(instance).unwrap_or_default();
    let step = instance.current_step().and_then(|i| steps.get(i));
    let escalate = step.and_then(|s| s.escalate_after_ms);
    let state = InstanceState {
        state: "",
        outcome: instance.outcome.as_str(),
        step_name: None,
        simple: instance.simple_step(),
        step_started_ms,
        // Reminded half-way to escalation.
        remind_at_ms: escalate.map(|after| step_started_ms + after / 2),
        escalate_at_ms: escalate.map(|after| step_started_ms + after),
        ended_ms: instance.outcome.ended().then_some(now_ms),
    };
    (json, state)
}

/// Starts an object's approval on its plan: the first running step's approvers resolved (with
/// hand-overs) and given tasks, the submission recorded. In the caller's transaction.
pub(crate) async fn begin(
    tx: &mut Tx,
    plan: &Plan,
    submission: &Submission,
    now_ms: i64,
) -> AppResult<(InstanceRow, Vec<Event>)> {
    let kind = submission.subject.as_str();
    let pool = people::pool(tx, submission.partner_id, kind, now_ms).await?;
    let steps = &plan.choice.flow.steps;
    let resolve = |step: &Step| resolve_step(&pool, step);
    let instance = start(plan.choice.flow.version, steps, plan.running.clone(), submission.submitter, &resolve);
    let (json, mut state) = state_of(&instance, steps, now_ms, now_ms);
    let step_name = instance.current_step().map(|i| steps[i].name.clone());
    state.state = &json;
    state.step_name = step_name.as_deref();
    let definition = serde_json::to_string(&plan.choice.flow).unwrap_or_default();
    let payload = submission.payload.as_ref().map(ToString::to_string);
    let new = NewInstance {
        id: ApprovalId::new(),
        object_kind: kind,
        object_id: submission.object_id.clone(),
        partner_id: submission.partner_id,
        flow_id: plan.choice.id,
        flow_version: plan.choice.flow.version,
        flow_name: &plan.choice.name,
        definition: &definition,
        summary: &submission.summary,
        amount: submission.amount,
        submitted_by: submission.submitter,
        submitted_ms: now_ms,
        state,
        payload: payload.as_deref(),
    };
    instances::insert(tx, &new).await?;
    instances::insert_tasks(tx, new.id, submission.partner_id, kind, &instance.waiting(), now_ms).await?;
    let mut history = vec![NewAction {
        instance_id: new.id,
        partner_id: submission.partner_id,
        at_ms: now_ms,
        actor_id: Some(submission.submitter),
        action: "submit",
        step_name: step_name.as_deref(),
        comment: None,
        target_id: None,
    }];
    if instance.outcome == Outcome::Approved {
        history.push(NewAction { action: "approved", actor_id: None, ..history[0].clone() });
    }
    instances::insert_actions(tx, &history).await?;
    let row = instances::get(tx, new.id).await?.ok_or(AppError::NotFound)?;
    let events = tell_waiting(tx, &row, &instance.waiting(), now_ms).await?;
    Ok((row, events))
}

/// Tells people an approval now waits for them.
async fn tell_waiting(tx: &mut Tx, row: &InstanceRow, people: &[UserId], now_ms: i64) -> AppResult<Vec<Event>> {
    if people.is_empty() {
        return Ok(Vec::new());
    }
    let note = Note {
        topic: Topic::ApprovalWaiting,
        title: format!("待您审批：{}", row.summary),
        body: format!("{} · {}", row.flow_name, row.step_name.as_deref().unwrap_or_default()),
        object: Some((row.object_kind.clone(), row.object_id.clone())),
        partner_id: Some(row.partner_id),
    };
    crate::notifications::notify(tx, people, &note, now_ms).await
}

/// Tells the submitter how their approval ended.
async fn tell_submitter(tx: &mut Tx, row: &InstanceRow, comment: Option<&str>, now_ms: i64) -> AppResult<Vec<Event>> {
    let verdict = match row.outcome.as_str() {
        "approved" => "审批通过",
        "rejected" => "审批驳回",
        _ => return Ok(Vec::new()),
    };
    let note = Note {
        topic: Topic::ApprovalDecided,
        title: format!("{verdict}：{}", row.summary),
        body: comment.unwrap_or(row.flow_name.as_str()).to_owned(),
        object: Some((row.object_kind.clone(), row.object_id.clone())),
        partner_id: Some(row.partner_id),
    };
    crate::notifications::notify(tx, &[row.submitted_by], &note, now_ms).await
}

/// An instance read back into the pure rules' terms.
pub(crate) struct Loaded {
    /// The row.
    pub row: InstanceRow,
    /// Its flow as it started.
    pub flow: Flow,
    /// Its state.
    pub instance: Instance,
}

/// Reads a visible instance.
pub(crate) async fn load(tx: &mut Tx, id: ApprovalId) -> AppResult<Loaded> {
    let row = instances::get(tx, id).await?.ok_or(AppError::NotFound)?;
    loaded(row)
}

pub(crate) fn loaded(row: InstanceRow) -> AppResult<Loaded> {
    let flow: Flow = serde_json::from_value(row.definition.clone())
        .map_err(|e| AppError::Internal(format!("approval {} definition: {e}", row.id)))?;
    let instance: Instance = serde_json::from_value(row.state.clone())
        .map_err(|e| AppError::Internal(format!("approval {} state: {e}", row.id)))?;
    Ok(Loaded { row, flow, instance })
}

/// What one action did, for the caller to settle the object.
#[derive(Debug, Clone)]
pub(crate) struct Applied {
    /// The instance after the action.
    pub row: InstanceRow,
    /// Whether this action ended it.
    pub ended: bool,
    /// The live events of the notifications it wrote, to publish once committed.
    pub events: Vec<Event>,
}

/// Applies `action` to a loaded instance and writes it (guarded by its revision): the new state,
/// the open tasks, the history entry (`label`, with the comment and the other person). A step
/// entered anew has its approvers resolved now, with the hand-overs in force now.
pub(crate) async fn apply(
    tx: &mut Tx,
    loaded: Loaded,
    action: &Action,
    history: (Option<UserId>, &str, Option<&str>, Option<UserId>),
    now_ms: i64,
) -> AppResult<Applied> {
    let Loaded { row, flow, mut instance } = loaded;
    let waiting_before = instance.waiting();
    let before_at = (instance.at, instance.steps.clone());
    let step_before = instance.current_step().map(|i| flow.steps[i].name.clone());
    let needs_pool = matches!(action, Action::Approve(_) | Action::ReturnTo(..));
    let pool =
        if needs_pool { people::pool(tx, row.partner_id, &row.object_kind, now_ms).await? } else { Pool::default() };
    let resolve = |step: &Step| resolve_step(&pool, step);
    act(&flow.steps, &mut instance, action, &resolve).map_err(|e| AppError::Conflict(e.code()))?;
    let moved = (instance.at, instance.steps.clone()) != before_at || matches!(action, Action::ReturnTo(..));
    let step_started = if moved { now_ms } else { row.step_started_ms };
    let (json, mut state) = state_of(&instance, &flow.steps, step_started, now_ms);
    if !moved && !matches!(action, Action::Escalate(_)) {
        // Same step: a reminder already sent stays sent, an escalation already done stays done.
        state.remind_at_ms = row.remind_at_ms;
        state.escalate_at_ms = row.escalate_at_ms;
    }
    if matches!(action, Action::Escalate(_)) {
        state.remind_at_ms = None;
        state.escalate_at_ms = None;
    }
    let step_name = instance.current_step().map(|i| flow.steps[i].name.clone());
    state.state = &json;
    state.step_name = step_name.as_deref();
    if !instances::update(tx, row.id, row.revision, &state).await? {
        return Err(AppError::Conflict("approval_changed"));
    }
    instances::replace_tasks(tx, &row, &instance.waiting(), now_ms).await?;
    let (actor, label, comment, target) = history;
    let entry = NewAction {
        instance_id: row.id,
        partner_id: row.partner_id,
        at_ms: now_ms,
        actor_id: actor,
        action: label,
        step_name: step_before.as_deref(),
        comment,
        target_id: target,
    };
    let mut entries = vec![entry.clone()];
    if instance.outcome == Outcome::Approved {
        entries.push(NewAction { action: "approved", actor_id: None, comment: None, target_id: None, ..entry });
    }
    instances::insert_actions(tx, &entries).await?;
    let row = instances::get(tx, row.id).await?.ok_or(AppError::NotFound)?;
    let newly: Vec<UserId> = instance.waiting().into_iter().filter(|p| moved || !waiting_before.contains(p)).collect();
    let mut events = tell_waiting(tx, &row, &newly, now_ms).await?;
    if instance.outcome.ended() {
        events.extend(tell_submitter(tx, &row, comment, now_ms).await?);
    }
    Ok(Applied { ended: instance.outcome.ended(), row, events })
}

/// How an object's running approval is closed from outside the flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Close {
    /// The object was cancelled: withdrawn when its submitter or a colleague at the partner did
    /// it, rejected when the brand did.
    Cancelled,
    /// The object was changed and submitted again (an amended order): this approval is
    /// withdrawn, a new one starts.
    Resubmitted,
    /// An approver rejected it (the object is cancelled for that reason), if the approval is
    /// still at this revision.
    Rejected(i64),
    /// Its submitter withdrew it, if the approval is still at this revision.
    Withdrawn(i64),
}

/// Ends the running approval of an object, if one runs: see [`Close`]. A cancellation or
/// resubmission decides even against an approver acting at the same moment; a rejection or
/// withdrawal acted on the approval as it was at its revision, and is refused with
/// `approval_changed` if it moved since (another approver was faster). The history says who and
/// why.
pub(crate) async fn close(
    tx: &mut Tx,
    subject: Subject,
    object_id: &str,
    by: UserId,
    how: Close,
    reason: Option<&str>,
    now_ms: i64,
) -> AppResult<()> {
    let running = instances::running_of(tx, subject.as_str(), object_id).await?;
    let Some(row) = running else {
        return match how {
            Close::Rejected(_) | Close::Withdrawn(_) => Err(AppError::Conflict("approval_changed")),
            Close::Cancelled | Close::Resubmitted => Ok(()),
        };
    };
    let Loaded { row, flow, mut instance } = loaded(row)?;
    let by_brand = people::names(tx, &[by]).await?.get(&by).is_none_or(|n| n.brand);
    let (outcome, label, guard) = match how {
        Close::Resubmitted => (Outcome::Withdrawn, "resubmit", None),
        Close::Cancelled if instance.submitter == by || !by_brand => (Outcome::Withdrawn, "withdraw", None),
        Close::Cancelled => (Outcome::Rejected, "reject", None),
        Close::Rejected(revision) => (Outcome::Rejected, "reject", Some(revision)),
        Close::Withdrawn(revision) => (Outcome::Withdrawn, "withdraw", Some(revision)),
    };
    instance.outcome = outcome;
    instance.branches.clear();
    let (json, mut state) = state_of(&instance, &flow.steps, row.step_started_ms, now_ms);
    state.state = &json;
    let ended = match guard {
        Some(revision) => {
            state.step_name = None;
            state.remind_at_ms = None;
            state.escalate_at_ms = None;
            instances::update(tx, row.id, revision, &state).await?
        }
        None => instances::end_if_running(tx, row.id, &state).await?,
    };
    if !ended {
        return match guard {
            Some(_) => Err(AppError::Conflict("approval_changed")),
            None => Ok(()),
        };
    }
    instances::replace_tasks(tx, &row, &[], now_ms).await?;
    let entry = NewAction {
        instance_id: row.id,
        partner_id: row.partner_id,
        at_ms: now_ms,
        actor_id: Some(by),
        action: label,
        step_name: row.step_name.as_deref(),
        comment: reason,
        target_id: None,
    };
    instances::insert_actions(tx, &[entry]).await?;
    if outcome == Outcome::Rejected {
        let row = instances::get(tx, row.id).await?.ok_or(AppError::NotFound)?;
        // Written with the cancellation; no live event (the desk's batch commits later).
        tell_submitter(tx, &row, reason, now_ms).await?;
    }
    Ok(())
}
