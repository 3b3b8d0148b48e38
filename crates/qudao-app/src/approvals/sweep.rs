//! Reminders and escalation: a step that waits half its escalation time reminds its approvers; a
//! step that waits its whole escalation time goes to the brand's administrators as well (any one
//! of them enough), which also rescues a step whose approvers all left. Safe on every instance
//! at once: each change is guarded by the approval's revision.

use qudao_domain::approvals::Action;
use qudao_store::Scope;
use qudao_store::approvals::instances::{self, NewAction};
use qudao_store::approvals::people;

use qudao_domain::notifications::Topic;

use super::engine;
use crate::notifications::Note;
use crate::{App, AppError, AppResult};

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swept {
    /// Steps whose approvers were reminded.
    pub reminded: u64,
    /// Steps escalated to the administrators.
    pub escalated: u64,
}

/// The most approvals one pass handles (the next pass takes the rest).
const PER_PASS: u32 = 500;

/// Runs one pass over the approvals whose reminder or escalation is due.
pub async fn sweep(app: &App) -> AppResult<Swept> {
    let now = app.now_ms();
    let scope = Scope::system("approval reminders and escalation run for every partner");
    let mut tx = app.db().write(&scope).await?;
    let due = instances::due(&mut tx, now, PER_PASS).await?;
    let mut swept = Swept::default();
    if due.is_empty() {
        return Ok(swept);
    }
    let admins = people::administrators(&mut tx).await?;
    let mut events = Vec::new();
    for row in due {
        if row.escalate_at_ms.is_some_and(|at| at <= now) {
            let (id, revision) = (row.id, row.revision);
            let loaded = engine::loaded(row)?;
            match engine::apply(&mut tx, loaded, &Action::Escalate(admins.clone()), (None, "escalate", None, None), now)
                .await
            {
                Ok(applied) => {
                    swept.escalated += 1;
                    events.extend(applied.events);
                }
                // Nobody to escalate to, or acted on meanwhile: not due again for this step.
                Err(AppError::Conflict(_)) => {
                    instances::clear_due(&mut tx, id, revision).await?;
                }
                Err(other) => return Err(other),
            }
        } else if instances::reminded(&mut tx, row.id, row.revision).await? {
            let entry = NewAction {
                instance_id: row.id,
                partner_id: row.partner_id,
                at_ms: now,
                actor_id: None,
                action: "remind",
                step_name: row.step_name.as_deref(),
                comment: None,
                target_id: None,
            };
            instances::insert_actions(&mut tx, &[entry]).await?;
            let state: qudao_domain::approvals::Instance = serde_json::from_value(row.state.clone())
                .map_err(|e| AppError::Internal(format!("approval {} state: {e}", row.id)))?;
            let note = Note {
                topic: Topic::ApprovalWaiting,
                title: format!("提醒：{} 仍在等待您审批", row.summary),
                body: format!("{} · {}", row.flow_name, row.step_name.as_deref().unwrap_or_default()),
                object: Some((row.object_kind.clone(), row.object_id.clone())),
                partner_id: Some(row.partner_id),
            };
            events.extend(crate::notifications::notify(&mut tx, &state.waiting(), &note, now).await?);
            swept.reminded += 1;
        }
    }
    crate::events::announce(&mut tx, app.events(), &events).await?;
    tx.commit().await?;
    for event in events {
        app.events().publish(event);
    }
    Ok(swept)
}
