//! Approval flows (审批流): configured per kind of object by an administrator — steps in
//! sequence, parallel branches, one-or-all approvers, conditions that choose the flow or skip a
//! step — and the pure state machine one object follows through its flow. Persistence, the
//! approvers' resolution to people (roles within scope, channel and region managers, delegations)
//! and reminders live in the app layer; these rules decide. A branch that resolves to nobody at
//! run time (its approver left since the flow was saved) waits for the step's escalation.

pub mod flow;
pub mod instance;
pub mod resolve;
pub mod subject;

pub use flow::{Approver, Branch, Condition, Facts, Flow, Mode, Step, check_flow, choose, steps_for};
pub use instance::{ActError, Action, BranchState, Instance, Outcome, act, start};
pub use subject::Subject;
