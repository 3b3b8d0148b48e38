//! Approval instances: one object's way through a flow, its open tasks and its history.

use qudao_domain::ids::{ApprovalActionId, ApprovalId, FlowId, PartnerId, UserId};
use serde::Serialize;
use utoipa::ToSchema;

use crate::page::{Cursor, Page, PageRequest};
use crate::{RowExt, Sql, StoreError, StoreResult, Tx};

/// An instance as stored.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct InstanceRow {
    /// Id.
    pub id: ApprovalId,
    /// `order`, `return`…
    pub object_kind: String,
    /// The object's id.
    pub object_id: String,
    /// The object's partner.
    pub partner_id: PartnerId,
    /// That partner's name.
    pub partner_name: String,
    /// The flow (none: the built-in default).
    pub flow_id: Option<FlowId>,
    /// The version it follows.
    pub flow_version: i64,
    /// The flow's name then.
    pub flow_name: String,
    /// The steps it follows (JSON of `Flow`).
    #[schema(value_type = Object)]
    pub definition: serde_json::Value,
    /// Its state (JSON of `Instance`).
    #[schema(value_type = Object)]
    pub state: serde_json::Value,
    /// `running`, `approved`, `rejected` or `withdrawn`.
    pub outcome: String,
    /// The current step's name, while running.
    pub step_name: Option<String>,
    /// Whether one approval finishes the current step (bulk approval allowed).
    pub simple: bool,
    /// What it is (`SO-20261129-0001 · 某某商贸`).
    pub summary: String,
    /// Its amount, fen.
    pub amount: i64,
    /// Who submitted it.
    pub submitted_by: UserId,
    /// When.
    pub submitted_ms: i64,
    /// When the current step began.
    pub step_started_ms: i64,
    /// When the current step's approvers are reminded.
    pub remind_at_ms: Option<i64>,
    /// When the current step escalates.
    pub escalate_at_ms: Option<i64>,
    /// When it ended.
    pub ended_ms: Option<i64>,
    /// Guards changes.
    pub revision: i64,
    /// What it changes when approved (a credit line, a partner's status), JSON.
    #[schema(value_type = Option<Object>)]
    pub payload: Option<serde_json::Value>,
}

/// The changing part of an instance, written by every action.
#[derive(Debug, Clone)]
pub struct InstanceState<'a> {
    /// State JSON.
    pub state: &'a str,
    /// Outcome.
    pub outcome: &'a str,
    /// Current step's name.
    pub step_name: Option<&'a str>,
    /// One approval finishes the step.
    pub simple: bool,
    /// When the current step began.
    pub step_started_ms: i64,
    /// Reminder due.
    pub remind_at_ms: Option<i64>,
    /// Escalation due.
    pub escalate_at_ms: Option<i64>,
    /// When it ended.
    pub ended_ms: Option<i64>,
}

/// A new instance.
#[derive(Debug, Clone)]
pub struct NewInstance<'a> {
    /// Id.
    pub id: ApprovalId,
    /// Kind.
    pub object_kind: &'a str,
    /// Object.
    pub object_id: String,
    /// Partner.
    pub partner_id: PartnerId,
    /// Flow (none: built-in).
    pub flow_id: Option<FlowId>,
    /// Version.
    pub flow_version: i64,
    /// Flow name.
    pub flow_name: &'a str,
    /// Definition JSON.
    pub definition: &'a str,
    /// Summary.
    pub summary: &'a str,
    /// Amount.
    pub amount: i64,
    /// Submitter.
    pub submitted_by: UserId,
    /// When.
    pub submitted_ms: i64,
    /// The state after starting.
    pub state: InstanceState<'a>,
    /// What it changes when approved, JSON.
    pub payload: Option<&'a str>,
}

/// Stores a new instance at revision 1.
pub async fn insert(tx: &mut Tx, new: &NewInstance<'_>) -> StoreResult<()> {
    let s = &new.state;
    let mut sql = Sql::new(
        "INSERT INTO approval_instances (id, object_kind, object_id, partner_id, flow_id, flow_version, flow_name, \
         definition, state, outcome, step_name, simple, summary, amount, submitted_by, submitted_ms, \
         step_started_ms, remind_at_ms, escalate_at_ms, ended_ms, payload, revision) VALUES (",
    );
    sql.bind(new.id).push(", ").bind(new.object_kind).push(", ").bind(new.object_id.as_str());
    sql.push(", ").bind(new.partner_id).push(", ").bind(new.flow_id).push(", ").bind(new.flow_version);
    sql.push(", ").bind(new.flow_name).push(", ").bind(new.definition).push(", ").bind(s.state);
    sql.push(", ").bind(s.outcome).push(", ").bind(s.step_name).push(", ").bind(i64::from(s.simple));
    sql.push(", ").bind(new.summary).push(", ").bind(new.amount).push(", ").bind(new.submitted_by);
    sql.push(", ").bind(new.submitted_ms).push(", ").bind(s.step_started_ms).push(", ").bind(s.remind_at_ms);
    sql.push(", ").bind(s.escalate_at_ms).push(", ").bind(s.ended_ms).push(", ").bind(new.payload).push(", 1)");
    sql.execute(tx.conn()).await?;
    Ok(())
}

/// Writes an instance's new state if it is still at `revision`; false when someone else changed
/// it meanwhile (nothing written).
pub async fn update(tx: &mut Tx, id: ApprovalId, revision: i64, s: &InstanceState<'_>) -> StoreResult<bool> {
    let mut sql = Sql::new("UPDATE approval_instances SET state = ");
    sql.bind(s.state).push(", outcome = ").bind(s.outcome).push(", step_name = ").bind(s.step_name);
    sql.push(", simple = ").bind(i64::from(s.simple)).push(", step_started_ms = ").bind(s.step_started_ms);
    sql.push(", remind_at_ms = ").bind(s.remind_at_ms).push(", escalate_at_ms = ").bind(s.escalate_at_ms);
    sql.push(", ended_ms = ").bind(s.ended_ms).push(", revision = revision + 1 WHERE id = ").bind(id);
    sql.push_bind(" AND revision = ", revision);
    Ok(sql.execute(tx.conn()).await? == 1)
}

/// Ends an instance if it still runs, whatever its revision (its object was cancelled: that
/// decides, even against an approver acting at the same moment); false when it had ended.
pub async fn end_if_running(tx: &mut Tx, id: ApprovalId, s: &InstanceState<'_>) -> StoreResult<bool> {
    let mut sql = Sql::new("UPDATE approval_instances SET state = ");
    sql.bind(s.state).push(", outcome = ").bind(s.outcome).push(", step_name = NULL, remind_at_ms = NULL");
    sql.push(", escalate_at_ms = NULL, ended_ms = ").bind(s.ended_ms);
    sql.push(", revision = revision + 1 WHERE id = ").bind(id).push(" AND outcome = 'running'");
    Ok(sql.execute(tx.conn()).await? == 1)
}

/// Clears what is due on an instance's step (an escalation with nobody to escalate to).
pub async fn clear_due(tx: &mut Tx, id: ApprovalId, revision: i64) -> StoreResult<bool> {
    let mut sql = Sql::new(
        "UPDATE approval_instances SET remind_at_ms = NULL, escalate_at_ms = NULL, revision = revision + 1 WHERE id = ",
    );
    sql.bind(id).push_bind(" AND revision = ", revision);
    Ok(sql.execute(tx.conn()).await? == 1)
}

/// Clears a reminder once sent (guarded like an action).
pub async fn reminded(tx: &mut Tx, id: ApprovalId, revision: i64) -> StoreResult<bool> {
    let mut sql = Sql::new("UPDATE approval_instances SET remind_at_ms = NULL, revision = revision + 1 WHERE id = ");
    sql.bind(id).push_bind(" AND revision = ", revision);
    Ok(sql.execute(tx.conn()).await? == 1)
}

const VIEW: &str = "SELECT i.id, i.object_kind, i.object_id, i.partner_id, p.name AS partner_name, i.flow_id, \
                    i.flow_version, i.flow_name, i.definition, i.state, i.outcome, i.step_name, i.simple, i.summary, \
                    i.amount, i.submitted_by, i.submitted_ms, i.step_started_ms, i.remind_at_ms, i.escalate_at_ms, \
                    i.ended_ms, i.revision, i.payload FROM approval_instances i JOIN partners p ON p.id = i.partner_id";

fn json(row: &sqlx::any::AnyRow, column: &str) -> StoreResult<serde_json::Value> {
    serde_json::from_str(&row.text(column)?).map_err(|e| StoreError::Corrupt(format!("{column}: {e}")))
}

fn view(row: &sqlx::any::AnyRow) -> StoreResult<InstanceRow> {
    Ok(InstanceRow {
        id: row.parse("id")?,
        object_kind: row.text("object_kind")?,
        object_id: row.text("object_id")?,
        partner_id: row.parse("partner_id")?,
        partner_name: row.text("partner_name")?,
        flow_id: row.opt_parse("flow_id")?,
        flow_version: row.int("flow_version")?,
        flow_name: row.text("flow_name")?,
        definition: json(row, "definition")?,
        state: json(row, "state")?,
        outcome: row.text("outcome")?,
        step_name: row.opt_text("step_name")?,
        simple: row.flag("simple")?,
        summary: row.text("summary")?,
        amount: row.int("amount")?,
        submitted_by: row.parse("submitted_by")?,
        submitted_ms: row.int("submitted_ms")?,
        step_started_ms: row.int("step_started_ms")?,
        remind_at_ms: row.opt_int("remind_at_ms")?,
        escalate_at_ms: row.opt_int("escalate_at_ms")?,
        ended_ms: row.opt_int("ended_ms")?,
        revision: row.int("revision")?,
        payload: match row.opt_text("payload")? {
            Some(text) => Some(serde_json::from_str(&text).map_err(|e| StoreError::Corrupt(format!("payload: {e}")))?),
            None => None,
        },
    })
}

/// One visible instance.
pub async fn get(tx: &mut Tx, id: ApprovalId) -> StoreResult<Option<InstanceRow>> {
    let mut sql = Sql::new(VIEW);
    sql.push_bind(" WHERE i.id = ", id);
    tx.scope().filter_partner(&mut sql, "i.partner_id");
    sql.fetch_optional(tx.conn()).await?.as_ref().map(view).transpose()
}

/// Every visible instance of one object, oldest first (an object resubmitted has several).
pub async fn of_object(tx: &mut Tx, kind: &str, object_id: &str) -> StoreResult<Vec<InstanceRow>> {
    let mut sql = Sql::new(VIEW);
    sql.push_bind(" WHERE i.object_kind = ", kind).push_bind(" AND i.object_id = ", object_id);
    tx.scope().filter_partner(&mut sql, "i.partner_id");
    sql.push(" ORDER BY i.submitted_ms, i.id");
    sql.fetch_all(tx.conn()).await?.iter().map(view).collect()
}

/// The running instance of one object, if any.
pub async fn running_of(tx: &mut Tx, kind: &str, object_id: &str) -> StoreResult<Option<InstanceRow>> {
    let mut sql = Sql::new(VIEW);
    sql.push_bind(" WHERE i.object_kind = ", kind).push_bind(" AND i.object_id = ", object_id);
    sql.push(" AND i.outcome = 'running'");
    tx.scope().filter_partner(&mut sql, "i.partner_id");
    sql.fetch_optional(tx.conn()).await?.as_ref().map(view).transpose()
}

/// Running instances whose reminder or escalation is due, oldest first (the sweeper's work).
pub async fn due(tx: &mut Tx, now_ms: i64, limit: u32) -> StoreResult<Vec<InstanceRow>> {
    let mut sql = Sql::new(VIEW);
    sql.push(" WHERE i.outcome = 'running' AND (i.remind_at_ms <= ").bind(now_ms);
    sql.push(" OR i.escalate_at_ms <= ").bind(now_ms).push(")");
    tx.scope().filter_partner(&mut sql, "i.partner_id");
    sql.push(" ORDER BY i.step_started_ms LIMIT ").bind(i64::from(limit));
    sql.fetch_all(tx.conn()).await?.iter().map(view).collect()
}

/// Replaces an instance's open tasks with these people's.
pub async fn replace_tasks(tx: &mut Tx, instance: &InstanceRow, people: &[UserId], now_ms: i64) -> StoreResult<()> {
    let mut sql = Sql::new("DELETE FROM approval_tasks WHERE instance_id = ");
    sql.bind(instance.id);
    sql.execute(tx.conn()).await?;
    insert_tasks(tx, instance.id, instance.partner_id, &instance.object_kind, people, now_ms).await
}

/// Adds open tasks (a new instance's first step).
pub async fn insert_tasks(
    tx: &mut Tx,
    id: ApprovalId,
    partner: PartnerId,
    kind: &str,
    people: &[UserId],
    now_ms: i64,
) -> StoreResult<()> {
    if people.is_empty() {
        return Ok(());
    }
    let mut sql =
        Sql::new("INSERT INTO approval_tasks (instance_id, user_id, partner_id, object_kind, created_ms) VALUES ");
    for (n, person) in people.iter().enumerate() {
        sql.push(if n == 0 { "(" } else { ", (" });
        sql.bind(id).push(", ").bind(*person).push(", ").bind(partner).push(", ").bind(kind);
        sql.push(", ").bind(now_ms).push(")");
    }
    sql.execute(tx.conn()).await?;
    Ok(())
}

/// What waits for one person, with filters: the queue.
#[derive(Debug, Clone, Default)]
pub struct QueueFilter<'a> {
    /// Only this kind.
    pub kind: Option<&'a str>,
    /// Only this partner.
    pub partner: Option<PartnerId>,
    /// Only steps one approval finishes.
    pub simple_only: bool,
    /// Only amounts at least this, fen.
    pub min_amount: Option<i64>,
}

/// The running instances waiting for `user`, oldest step first.
pub async fn waiting_for(
    tx: &mut Tx,
    user: UserId,
    filter: &QueueFilter<'_>,
    page: &PageRequest,
) -> StoreResult<Page<InstanceRow>> {
    let mut sql = Sql::new(VIEW);
    sql.push(" JOIN approval_tasks t ON t.instance_id = i.id WHERE t.user_id = ").bind(user);
    sql.push(" AND i.outcome = 'running'");
    if let Some(kind) = filter.kind {
        sql.push_bind(" AND i.object_kind = ", kind);
    }
    if let Some(partner) = filter.partner {
        sql.push_bind(" AND i.partner_id = ", partner);
    }
    if filter.simple_only {
        sql.push(" AND i.simple = 1");
    }
    if let Some(min) = filter.min_amount {
        sql.push_bind(" AND i.amount >= ", min);
    }
    tx.scope().filter_partner(&mut sql, "i.partner_id");
    page.apply(&mut sql, "i.submitted_ms", "i.id");
    let rows = sql.fetch_all(tx.conn()).await?.iter().map(view).collect::<StoreResult<Vec<_>>>()?;
    Ok(Page::from_rows(rows, page.limit, |v| Cursor { created_ms: v.submitted_ms, id: v.id.to_string() }))
}

/// How many instances wait for `user` (the header's badge).
pub async fn count_waiting(tx: &mut Tx, user: UserId) -> StoreResult<i64> {
    let mut sql = Sql::new("SELECT COUNT(*) FROM approval_tasks t WHERE t.user_id = ");
    sql.bind(user);
    tx.scope().filter_partner(&mut sql, "t.partner_id");
    sql.fetch_i64(tx.conn()).await
}

/// One entry of an instance's history.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct ActionRow {
    /// Id.
    pub id: ApprovalActionId,
    /// The instance.
    pub instance_id: ApprovalId,
    /// When.
    pub at_ms: i64,
    /// Who (none: the system).
    pub actor_id: Option<UserId>,
    /// Their display name.
    pub actor_name: Option<String>,
    /// `brand`, `partner` or `system`.
    pub actor_side: String,
    /// `submit`, `approve`, `reject`, `return`, `withdraw`, `delegate`, `remind`, `escalate`,
    /// `approved`.
    pub action: String,
    /// The step it happened at.
    pub step_name: Option<String>,
    /// The comment.
    pub comment: Option<String>,
    /// The other person (a delegate).
    pub target_id: Option<UserId>,
    /// Their display name.
    pub target_name: Option<String>,
}

/// A history entry to add.
#[derive(Debug, Clone)]
pub struct NewAction<'a> {
    /// The instance.
    pub instance_id: ApprovalId,
    /// Its partner.
    pub partner_id: PartnerId,
    /// When.
    pub at_ms: i64,
    /// Who.
    pub actor_id: Option<UserId>,
    /// What.
    pub action: &'a str,
    /// At which step.
    pub step_name: Option<&'a str>,
    /// Comment.
    pub comment: Option<&'a str>,
    /// Other person.
    pub target_id: Option<UserId>,
}

/// Appends history entries.
pub async fn insert_actions(tx: &mut Tx, actions: &[NewAction<'_>]) -> StoreResult<()> {
    if actions.is_empty() {
        return Ok(());
    }
    let mut sql = Sql::new(
        "INSERT INTO approval_actions (id, instance_id, partner_id, at_ms, actor_id, action, step_name, comment, \
         target_id) VALUES ",
    );
    for (n, a) in actions.iter().enumerate() {
        sql.push(if n == 0 { "(" } else { ", (" });
        sql.bind(ApprovalActionId::new()).push(", ").bind(a.instance_id).push(", ").bind(a.partner_id);
        sql.push(", ").bind(a.at_ms).push(", ").bind(a.actor_id).push(", ").bind(a.action);
        sql.push(", ").bind(a.step_name).push(", ").bind(a.comment).push(", ").bind(a.target_id).push(")");
    }
    sql.execute(tx.conn()).await?;
    Ok(())
}

/// The history of visible instances, oldest first.
pub async fn actions_of(tx: &mut Tx, ids: &[ApprovalId]) -> StoreResult<Vec<ActionRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    // Names of people are read past a partner's scope only for those on its own approvals.
    let mut sql = Sql::new(
        "SELECT a.id, a.instance_id, a.at_ms, a.actor_id, a.action, a.step_name, a.comment, a.target_id \
         FROM approval_actions a WHERE a.instance_id IN ",
    );
    sql.bind_list(ids.iter().copied());
    tx.scope().filter_partner(&mut sql, "a.partner_id");
    sql.push(" ORDER BY a.at_ms, a.id");
    let rows = sql.fetch_all(tx.conn()).await?;
    let mut actions = rows
        .iter()
        .map(|row| {
            Ok(ActionRow {
                id: row.parse("id")?,
                instance_id: row.parse("instance_id")?,
                at_ms: row.int("at_ms")?,
                actor_id: row.opt_parse("actor_id")?,
                actor_name: None,
                actor_side: "system".into(),
                action: row.text("action")?,
                step_name: row.opt_text("step_name")?,
                comment: row.opt_text("comment")?,
                target_id: row.opt_parse("target_id")?,
                target_name: None,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    let mut people: Vec<UserId> = actions.iter().flat_map(|a| [a.actor_id, a.target_id]).flatten().collect();
    people.sort_unstable();
    people.dedup();
    let names = super::people::names(tx, &people).await?;
    for action in &mut actions {
        let actor = action.actor_id.and_then(|u| names.get(&u));
        action.actor_name = actor.map(|n| n.name.clone());
        if let Some(actor) = actor {
            action.actor_side = if actor.brand { "brand" } else { "partner" }.into();
        }
        action.target_name = action.target_id.and_then(|u| names.get(&u)).map(|n| n.name.clone());
    }
    Ok(actions)
}
