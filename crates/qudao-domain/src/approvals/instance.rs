//! One object's way through its flow: who may act at the current step, and what each action does.
//!
//! An instance starts at the first step that runs for its facts; a step is done when all its
//! branches are (a branch of mode `Any` with one approval, `All` with every approver resolved when
//! the step began); the last step done approves the object. A rejection ends it; the submitter may
//! withdraw it while it runs; an approver may send it back to an earlier step. Once ended it never
//! changes: every instance ends in exactly one of approved, rejected or withdrawn.

use serde::{Deserialize, Serialize};

use crate::ids::UserId;

use super::flow::{Mode, Step};

/// Where an instance stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Waiting at a step.
    Running,
    /// Every step approved.
    Approved,
    /// Rejected at a step, back to the submitter.
    Rejected,
    /// Withdrawn by the submitter.
    Withdrawn,
}

impl Outcome {
    /// Whether it has ended.
    pub fn ended(self) -> bool {
        self != Outcome::Running
    }

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Running => "running",
            Outcome::Approved => "approved",
            Outcome::Rejected => "rejected",
            Outcome::Withdrawn => "withdrawn",
        }
    }
}

/// The state of one instance (stored as JSON beside the object's approval row).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instance {
    /// The flow version it follows (kept when the flow changes).
    pub version: i64,
    /// The indexes of the flow's steps that run for its facts, in order.
    pub steps: Vec<usize>,
    /// Position in `steps` of the current step.
    pub at: usize,
    /// Per branch of the current step: who may approve, and who has.
    pub branches: Vec<BranchState>,
    /// Where it stands.
    pub outcome: Outcome,
    /// Who submitted it.
    pub submitter: UserId,
}

impl Instance {
    /// Who may still act at the current step: eligible on a branch not yet done, not having
    /// approved it. Their open tasks ("waiting for me").
    pub fn waiting(&self) -> Vec<UserId> {
        let mut people: Vec<UserId> = Vec::new();
        if self.outcome.ended() {
            return people;
        }
        for branch in self.branches.iter().filter(|b| !b.done()) {
            for person in branch.eligible.iter().filter(|p| !branch.approved.contains(p)) {
                if !people.contains(person) {
                    people.push(*person);
                }
            }
        }
        people
    }

    /// Whether one approval finishes the current step (one branch, any approver): such steps
    /// may be approved in bulk from the queue.
    pub fn simple_step(&self) -> bool {
        self.branches.len() == 1 && self.branches.iter().all(|b| b.mode == Mode::Any)
    }

    /// The index in the flow of the current step, while running.
    pub fn current_step(&self) -> Option<usize> {
        (!self.outcome.ended()).then(|| self.steps.get(self.at).copied()).flatten()
    }
}

/// One branch of the current step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BranchState {
    /// `Any` or `All`.
    pub mode: Mode,
    /// Who may approve (resolved when the step began, delegations applied).
    pub eligible: Vec<UserId>,
    /// Who approved.
    pub approved: Vec<UserId>,
}

impl BranchState {
    fn done(&self) -> bool {
        match self.mode {
            Mode::Any => !self.approved.is_empty(),
            // Nobody to ask is never "everyone approved": the branch waits for escalation.
            Mode::All => !self.eligible.is_empty() && self.eligible.iter().all(|u| self.approved.contains(u)),
        }
    }
}

/// What someone does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Approve (on every branch of the current step where the person is eligible).
    Approve(UserId),
    /// Reject with a comment: back to the submitter, ended.
    Reject(UserId),
    /// Send back to an earlier step (a position in the running steps).
    ReturnTo(UserId, usize),
    /// The submitter takes it back.
    Withdraw(UserId),
    /// An eligible approver hands the current step to someone else while away.
    Delegate(UserId, UserId),
    /// The step waited too long: these people (the brand's administrators) may now approve
    /// every unfinished branch, any one of them enough.
    Escalate(Vec<UserId>),
}

/// Why an action is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActError {
    /// The instance has ended.
    Ended,
    /// The person may not act at this step.
    NotEligible,
    /// Approved already, on every branch they may.
    AlreadyApproved,
    /// Not an earlier step.
    NotEarlier,
    /// Handing over to oneself or to someone who approves this step already.
    BadDelegate,
}

impl ActError {
    /// The error code shown to the user.
    pub fn code(self) -> &'static str {
        match self {
            ActError::Ended => "approval_ended",
            ActError::NotEligible => "not_your_approval",
            ActError::AlreadyApproved => "already_approved",
            ActError::NotEarlier => "not_an_earlier_step",
            ActError::BadDelegate => "bad_delegate",
        }
    }
}

/// Resolves a step's approvers to people: for each branch, who may approve.
pub type Resolve<'a> = &'a dyn Fn(&Step) -> Vec<Vec<UserId>>;

fn enter(steps: &[Step], instance: &mut Instance, resolve: Resolve<'_>) {
    match instance.steps.get(instance.at) {
        Some(index) => {
            let step = &steps[*index];
            let people = resolve(step);
            instance.branches = step
                .branches
                .iter()
                .enumerate()
                .map(|(b, branch)| BranchState {
                    mode: branch.mode,
                    eligible: people.get(b).cloned().unwrap_or_default(),
                    approved: Vec::new(),
                })
                .collect();
        }
        None => {
            instance.branches.clear();
            instance.outcome = Outcome::Approved;
        }
    }
}

/// Starts an instance on the steps that run (`steps_for`); with none it is approved at once.
pub fn start(version: i64, steps: &[Step], running: Vec<usize>, submitter: UserId, resolve: Resolve<'_>) -> Instance {
    let mut instance =
        Instance { version, steps: running, at: 0, branches: Vec::new(), outcome: Outcome::Running, submitter };
    enter(steps, &mut instance, resolve);
    instance
}

/// Applies an action; the instance changes only when it is accepted.
pub fn act(steps: &[Step], instance: &mut Instance, action: &Action, resolve: Resolve<'_>) -> Result<(), ActError> {
    if instance.outcome.ended() {
        return Err(ActError::Ended);
    }
    let eligible = |who: &UserId| instance.branches.iter().any(|b| b.eligible.contains(who));
    match action {
        Action::Approve(who) => {
            if !eligible(who) {
                return Err(ActError::NotEligible);
            }
            let mut counted = false;
            for branch in &mut instance.branches {
                if branch.eligible.contains(who) && !branch.approved.contains(who) && !branch.done() {
                    branch.approved.push(*who);
                    counted = true;
                }
            }
            if !counted {
                return Err(ActError::AlreadyApproved);
            }
            if instance.branches.iter().all(BranchState::done) {
                instance.at += 1;
                enter(steps, instance, resolve);
            }
        }
        Action::Reject(who) => {
            if !eligible(who) {
                return Err(ActError::NotEligible);
            }
            instance.outcome = Outcome::Rejected;
        }
        Action::ReturnTo(who, position) => {
            if !eligible(who) {
                return Err(ActError::NotEligible);
            }
            if *position >= instance.at {
                return Err(ActError::NotEarlier);
            }
            instance.at = *position;
            enter(steps, instance, resolve);
        }
        Action::Withdraw(who) => {
            if *who != instance.submitter {
                return Err(ActError::NotEligible);
            }
            instance.outcome = Outcome::Withdrawn;
        }
        Action::Escalate(people) => {
            if people.is_empty() {
                return Err(ActError::NotEligible);
            }
            for branch in instance.branches.iter_mut().filter(|b| !b.done()) {
                branch.mode = Mode::Any;
                for person in people {
                    if !branch.eligible.contains(person) {
                        branch.eligible.push(*person);
                    }
                }
            }
        }
        Action::Delegate(from, to) => {
            if !eligible(from) {
                return Err(ActError::NotEligible);
            }
            if from == to || eligible(to) {
                return Err(ActError::BadDelegate);
            }
            for branch in &mut instance.branches {
                if let Some(slot) = branch.eligible.iter_mut().find(|u| **u == *from) {
                    *slot = *to;
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::approvals::flow::{Approver, Branch};
    use proptest::prelude::*;

    fn users(n: usize) -> Vec<UserId> {
        (0..n).map(|_| UserId::new()).collect()
    }

    /// Two steps: a channel manager (any of two), then finance and legal in parallel (all).
    fn flow(people: &[UserId]) -> (Vec<Step>, impl Fn(&Step) -> Vec<Vec<UserId>> + '_) {
        let any = Branch { approvers: vec![Approver::ChannelManager], mode: Mode::Any };
        let all = Branch { approvers: vec![Approver::RegionManager], mode: Mode::All };
        let steps = vec![
            Step { name: "cm".into(), branches: vec![any.clone()], only_if: None, escalate_after_ms: None },
            Step { name: "fin".into(), branches: vec![any, all], only_if: None, escalate_after_ms: None },
        ];
        let resolve = move |step: &Step| {
            if step.name == "cm" {
                vec![vec![people[0], people[1]]]
            } else {
                vec![vec![people[2]], vec![people[3], people[4]]]
            }
        };
        (steps, resolve)
    }

    #[test]
    fn parallel_branches_all_must_finish_and_all_means_everyone() {
        let p = users(6);
        let (steps, resolve) = flow(&p);
        let mut i = start(1, &steps, vec![0, 1], p[5], &resolve);
        assert_eq!(
            act(&steps, &mut i, &Action::Approve(p[2]), &resolve),
            Err(ActError::NotEligible),
            "not yet their step"
        );
        act(&steps, &mut i, &Action::Approve(p[1]), &resolve).unwrap();
        assert_eq!(i.at, 1, "one channel manager is enough");
        act(&steps, &mut i, &Action::Approve(p[3]), &resolve).unwrap();
        act(&steps, &mut i, &Action::Approve(p[2]), &resolve).unwrap();
        assert_eq!(i.outcome, Outcome::Running, "the all-branch still waits for one");
        assert_eq!(act(&steps, &mut i, &Action::Approve(p[3]), &resolve), Err(ActError::AlreadyApproved));
        act(&steps, &mut i, &Action::Approve(p[4]), &resolve).unwrap();
        assert_eq!(i.outcome, Outcome::Approved);
        assert_eq!(act(&steps, &mut i, &Action::Reject(p[4]), &resolve), Err(ActError::Ended), "ended is final");
    }

    #[test]
    fn return_delegate_withdraw_and_skipped_flows() {
        let p = users(7);
        let (steps, resolve) = flow(&p);
        let mut i = start(1, &steps, vec![0, 1], p[5], &resolve);
        act(&steps, &mut i, &Action::Approve(p[0]), &resolve).unwrap();
        assert_eq!(act(&steps, &mut i, &Action::ReturnTo(p[2], 1), &resolve), Err(ActError::NotEarlier));
        act(&steps, &mut i, &Action::ReturnTo(p[2], 0), &resolve).unwrap();
        assert_eq!((i.at, i.branches[0].approved.len()), (0, 0), "back at the first step, approvals cleared");
        act(&steps, &mut i, &Action::Delegate(p[0], p[6]), &resolve).unwrap();
        act(&steps, &mut i, &Action::Approve(p[6]), &resolve).unwrap();
        assert_eq!(i.at, 1, "the delegate approved");
        assert_eq!(
            act(&steps, &mut i, &Action::Withdraw(p[2]), &resolve),
            Err(ActError::NotEligible),
            "only the submitter"
        );
        act(&steps, &mut i, &Action::Withdraw(p[5]), &resolve).unwrap();
        assert_eq!(i.outcome, Outcome::Withdrawn);
        let nothing = start(1, &steps, Vec::new(), p[5], &resolve);
        assert_eq!(nothing.outcome, Outcome::Approved, "every step skipped: approved at once");
    }

    #[test]
    fn nobody_to_ask_waits_for_escalation_and_escalation_lets_admins_finish() {
        let p = users(4);
        let steps = vec![Step {
            name: "legal".into(),
            branches: vec![Branch { approvers: vec![Approver::RegionManager], mode: Mode::All }],
            only_if: None,
            escalate_after_ms: Some(3_600_000),
        }];
        let nobody = |_: &Step| vec![Vec::new()];
        let mut i = start(1, &steps, vec![0], p[0], &nobody);
        assert_eq!(i.outcome, Outcome::Running, "an empty all-branch is not approved by nobody");
        assert!(i.waiting().is_empty());
        assert_eq!(act(&steps, &mut i, &Action::Escalate(vec![]), &nobody), Err(ActError::NotEligible));
        act(&steps, &mut i, &Action::Escalate(vec![p[1], p[2]]), &nobody).unwrap();
        assert_eq!(i.waiting(), vec![p[1], p[2]]);
        assert!(i.simple_step());
        act(&steps, &mut i, &Action::Approve(p[2]), &nobody).unwrap();
        assert_eq!(i.outcome, Outcome::Approved, "after escalation any one administrator is enough");
        assert_eq!(i.current_step(), None);
    }

    #[test]
    fn delegation_to_oneself_or_a_fellow_approver_is_refused() {
        let p = users(7);
        let (steps, resolve) = flow(&p);
        let mut i = start(1, &steps, vec![0, 1], p[5], &resolve);
        assert_eq!(act(&steps, &mut i, &Action::Delegate(p[0], p[0]), &resolve), Err(ActError::BadDelegate));
        assert_eq!(act(&steps, &mut i, &Action::Delegate(p[0], p[1]), &resolve), Err(ActError::BadDelegate));
        assert_eq!(i.waiting(), vec![p[0], p[1]]);
        let stored = serde_json::to_string(&i).unwrap();
        assert_eq!(serde_json::from_str::<Instance>(&stored).unwrap(), i, "the state survives storage");
    }

    proptest! {
        #[test]
        fn an_instance_ends_in_exactly_one_outcome_and_never_leaves_it(script in proptest::collection::vec((0u8..6, 0usize..7, 0usize..2), 0..40)) {
            let p = users(7);
            let (steps, resolve) = flow(&p);
            let mut i = start(1, &steps, vec![0, 1], p[5], &resolve);
            let mut ended: Option<Outcome> = None;
            for (kind, who, target) in script {
                let action = match kind {
                    0 | 1 => Action::Approve(p[who]),
                    2 => Action::Reject(p[who]),
                    3 => Action::ReturnTo(p[who], target),
                    4 if target == 0 => Action::Delegate(p[who], p[(who + 1) % 7]),
                    4 => Action::Escalate(vec![p[who]]),
                    _ => Action::Withdraw(p[who]),
                };
                let result = act(&steps, &mut i, &action, &resolve);
                if let Some(outcome) = ended {
                    prop_assert_eq!(result, Err(ActError::Ended));
                    prop_assert_eq!(i.outcome, outcome, "an ended instance never changes");
                } else if i.outcome.ended() {
                    ended = Some(i.outcome);
                }
            }
            let terminal = [Outcome::Approved, Outcome::Rejected, Outcome::Withdrawn].iter().filter(|o| **o == i.outcome).count();
            prop_assert!(terminal <= 1);
            prop_assert!(i.outcome == Outcome::Running || terminal == 1);
        }
    }
}
