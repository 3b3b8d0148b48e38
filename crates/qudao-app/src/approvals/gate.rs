//! Changes that wait for their approval: a credit line change or a partner's onboarding is not
//! a row of its own, so what it would change is kept with its approval (`payload`) and made when
//! the flow approves it. Without a flow of its kind that applies, the change is made at once.

use qudao_domain::approvals::Subject;
use qudao_domain::ids::{ApprovalId, UserId};
use qudao_domain::orders::approval_facts;
use qudao_store::Tx;
use qudao_store::approvals::instances;
use qudao_store::partners::PartnerView;

use super::engine::{Submission, begin, flows_for, plan};
use crate::events::Event;
use crate::{AppError, AppResult};

/// What a change gated by an approval flow did: made at once, or submitted and waiting (the
/// object as it still is, and the approval it waits for).
#[derive(Debug, Clone)]
pub enum Gated<T> {
    /// No flow applied: changed.
    Applied(T),
    /// Waiting for this approval; unchanged until it is approved.
    Waiting(T, ApprovalId),
}

impl<T> Gated<T> {
    /// The object as it is now.
    pub fn into_inner(self) -> T {
        match self {
            Gated::Applied(t) | Gated::Waiting(t, _) => t,
        }
    }

    /// The approval it waits for, if any.
    pub fn approval(&self) -> Option<ApprovalId> {
        match self {
            Gated::Applied(_) => None,
            Gated::Waiting(_, id) => Some(*id),
        }
    }
}

/// One change asked for.
pub(crate) struct Change<'a> {
    /// Its kind.
    pub subject: Subject,
    /// The object it changes.
    pub object_id: String,
    /// The object's partner.
    pub partner: &'a PartnerView,
    /// The amount the flows' conditions read, fen.
    pub amount: i64,
    /// What the queue shows.
    pub summary: String,
    /// Who asked.
    pub submitter: UserId,
    /// What to change when approved.
    pub payload: serde_json::Value,
}

/// Starts the change's approval when a flow of its kind applies, in the caller's transaction;
/// `None` when the caller should make the change now. A second change of the same object while
/// one waits is refused (`approval_pending`): the first would be approved over the second.
pub(crate) async fn gate(tx: &mut Tx, change: Change<'_>, now_ms: i64) -> AppResult<Option<(ApprovalId, Vec<Event>)>> {
    if instances::running_of(tx, change.subject.as_str(), &change.object_id).await?.is_some() {
        return Err(AppError::Conflict("approval_pending"));
    }
    let settings = qudao_store::settings::snapshot(tx).await?;
    let flows = flows_for(tx, change.subject, &settings).await?;
    if flows.is_empty() {
        return Ok(None);
    }
    let partner = change.partner;
    let facts = approval_facts(change.amount, change.amount, 0, &partner.tier.code, &partner.region.path, Vec::new());
    let Some(plan) = plan(&flows, &facts) else { return Ok(None) };
    let submission = Submission {
        subject: change.subject,
        object_id: change.object_id,
        partner_id: partner.id,
        summary: change.summary,
        amount: change.amount,
        submitter: change.submitter,
        payload: Some(change.payload),
    };
    let (row, events) = begin(tx, &plan, &submission, now_ms).await?;
    Ok(Some((row.id, events)))
}
