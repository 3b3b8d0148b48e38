//! Approval flows as an administrator configures them: conditions that choose a flow or skip a
//! step, steps run in sequence, each holding one or more parallel branches of approvers, and the
//! checks that refuse a flow when it is saved rather than when an approval gets stuck.

use serde::{Deserialize, Serialize};

use crate::FieldError;
use crate::access::Role;
use crate::ids::UserId;

/// What an object under approval is, as conditions read it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    /// Its amount, fen.
    pub amount: i64,
    /// The partner's tier code.
    pub tier: String,
    /// The partner's region path (`/R-EAST/CN-SH/`).
    pub region_path: String,
    /// The product categories it touches.
    pub categories: Vec<String>,
    /// Its discount, basis points of the gross.
    pub discount_bp: i64,
}

/// A condition on the facts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "field", rename_all = "snake_case")]
pub enum Condition {
    /// The amount is above this many fen.
    AmountOver {
        /// Fen.
        value: i64,
    },
    /// The partner's tier is one of these.
    TierIn {
        /// Tier codes.
        values: Vec<String>,
    },
    /// The partner is in this region or below it.
    RegionUnder {
        /// A region path.
        value: String,
    },
    /// It touches one of these categories.
    CategoryIn {
        /// Category codes.
        values: Vec<String>,
    },
    /// The discount is above this many basis points.
    DiscountOver {
        /// Basis points.
        value: i64,
    },
}

impl Condition {
    /// Whether the facts meet it.
    pub fn holds(&self, facts: &Facts) -> bool {
        match self {
            Condition::AmountOver { value } => facts.amount > *value,
            Condition::TierIn { values } => values.contains(&facts.tier),
            Condition::RegionUnder { value } => facts.region_path.starts_with(value.as_str()),
            Condition::CategoryIn { values } => facts.categories.iter().any(|c| values.contains(c)),
            Condition::DiscountOver { value } => facts.discount_bp > *value,
        }
    }

    /// The fields a condition may test, for the editor and for refusing an unknown one.
    pub const FIELDS: [&'static str; 5] = ["amount_over", "tier_in", "region_under", "category_in", "discount_over"];
}

/// Who approves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Approver {
    /// Anyone with this role (within the object's scope).
    Role {
        /// The role.
        role: Role,
    },
    /// This person.
    User {
        /// The user.
        user: UserId,
    },
    /// The channel manager of the object's partner.
    ChannelManager,
    /// The manager of the object's region.
    RegionManager,
}

/// Whether one approver of a branch is enough, or all of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// The first approval completes the branch.
    Any,
    /// Every approver resolved when the step began must approve.
    All,
}

/// A branch of a step: its approvers and mode. A step's branches run in parallel; the step is
/// done when every branch is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Branch {
    /// Who.
    pub approvers: Vec<Approver>,
    /// One or all.
    pub mode: Mode,
}

/// One step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// Its name (`渠道经理审批`).
    pub name: String,
    /// Its parallel branches (at least one).
    pub branches: Vec<Branch>,
    /// The step runs only when this holds (skipped otherwise).
    #[serde(default)]
    pub only_if: Option<Condition>,
    /// After this long waiting, approvers are reminded and the step escalates, ms.
    #[serde(default)]
    pub escalate_after_ms: Option<i64>,
}

/// A flow for one kind of object, in one version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flow {
    /// `order`, `return`, `credit_line`, `partner_onboarding`, `adjustment`…
    pub object_kind: String,
    /// Its version; an object in flight keeps the version it started with.
    pub version: i64,
    /// The flow applies only when this holds (flows are tried in order; the last without a
    /// condition is the default).
    #[serde(default)]
    pub applies_if: Option<Condition>,
    /// The steps, in order.
    pub steps: Vec<Step>,
}

impl Flow {
    /// Whether a condition of the flow reads product categories (so the caller gathers them).
    pub fn reads_categories(&self) -> bool {
        let category = |c: &Option<Condition>| matches!(c, Some(Condition::CategoryIn { .. }));
        category(&self.applies_if) || self.steps.iter().any(|s| category(&s.only_if))
    }
}

/// Checks a flow before it is saved. `resolves` says whether an approver can name at least one
/// person who may see objects of the flow's kind (a role without access, a suspended user, no
/// channel manager at all…): a reachable step nobody can approve is refused here, never found
/// mid-approval.
pub fn check_flow(flow: &Flow, resolves: &dyn Fn(&Approver) -> bool) -> Result<(), Vec<FieldError>> {
    let mut errors = Vec::new();
    if super::Subject::parse(&flow.object_kind).is_none() {
        errors.push(FieldError::new("object_kind", "invalid_choice"));
    }
    if let Some(condition) = &flow.applies_if {
        condition_errors("applies_if", condition, &mut errors);
    }
    if flow.steps.is_empty() {
        errors.push(FieldError::new("steps", "required"));
    }
    for (s, step) in flow.steps.iter().enumerate() {
        if step.name.trim().is_empty() {
            errors.push(FieldError::new(format!("steps[{s}].name"), "required"));
        }
        if step.branches.is_empty() {
            errors.push(FieldError::new(format!("steps[{s}].branches"), "required"));
        }
        if let Some(condition) = &step.only_if {
            condition_errors(&format!("steps[{s}].only_if"), condition, &mut errors);
        }
        if step.escalate_after_ms.is_some_and(|ms| ms < 60_000) {
            errors.push(FieldError::new(format!("steps[{s}].escalate_after_ms"), "out_of_range"));
        }
        for (b, branch) in step.branches.iter().enumerate() {
            if branch.approvers.is_empty() {
                errors.push(FieldError::new(format!("steps[{s}].branches[{b}].approvers"), "no_approver"));
            }
            for (a, approver) in branch.approvers.iter().enumerate() {
                if !resolves(approver) {
                    errors.push(FieldError::new(
                        format!("steps[{s}].branches[{b}].approvers[{a}]"),
                        "approver_cannot_see",
                    ));
                }
            }
        }
    }
    if errors.is_empty() { Ok(()) } else { Err(errors) }
}

/// A condition whose value can never mean anything: a negative amount, a discount outside
/// 0–100 %, an empty list.
fn condition_errors(path: &str, condition: &Condition, errors: &mut Vec<FieldError>) {
    let bad = match condition {
        Condition::AmountOver { value } => (*value < 0).then_some("out_of_range"),
        Condition::DiscountOver { value } => (!(0..10_000).contains(value)).then_some("out_of_range"),
        Condition::TierIn { values } | Condition::CategoryIn { values } => {
            (values.is_empty() || values.iter().any(|v| v.trim().is_empty())).then_some("required")
        }
        Condition::RegionUnder { value } => {
            (!(value.starts_with('/') && value.ends_with('/') && value.len() > 2)).then_some("invalid_format")
        }
    };
    if let Some(code) = bad {
        errors.push(FieldError::new(format!("{path}.value"), code));
    }
}

/// The flow for an object: the first (in order) whose condition holds.
pub fn choose<'a>(flows: &'a [Flow], facts: &Facts) -> Option<&'a Flow> {
    flows.iter().find(|f| f.applies_if.as_ref().is_none_or(|c| c.holds(facts)))
}

/// The indexes of the steps that run for these facts (the others are skipped).
pub fn steps_for(flow: &Flow, facts: &Facts) -> Vec<usize> {
    flow.steps
        .iter()
        .enumerate()
        .filter(|(_, s)| s.only_if.as_ref().is_none_or(|c| c.holds(facts)))
        .map(|(i, _)| i)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(name: &str, approvers: Vec<Approver>, only_if: Option<Condition>) -> Step {
        Step {
            name: name.into(),
            branches: vec![Branch { approvers, mode: Mode::Any }],
            only_if,
            escalate_after_ms: None,
        }
    }

    #[test]
    fn conditions_choose_the_flow_and_skip_steps() {
        let big = Flow {
            object_kind: "order".into(),
            version: 1,
            applies_if: Some(Condition::AmountOver { value: 5_000_000 }),
            steps: vec![
                step("渠道经理", vec![Approver::ChannelManager], None),
                step(
                    "财务",
                    vec![Approver::Role { role: Role::Finance }],
                    Some(Condition::DiscountOver { value: 1_000 }),
                ),
            ],
        };
        let default = Flow { applies_if: None, version: 1, ..big.clone() };
        let flows = vec![big.clone(), default];
        let small = Facts { amount: 100, ..Facts::default() };
        assert_eq!(choose(&flows, &small).map(|f| f.applies_if.is_none()), Some(true));
        let large = Facts { amount: 6_000_000, discount_bp: 500, ..Facts::default() };
        assert_eq!(choose(&flows, &large), Some(&big));
        assert_eq!(steps_for(&big, &large), vec![0], "no discount over 10%: finance skipped");
        let discounted = Facts { discount_bp: 1_500, ..large };
        assert_eq!(steps_for(&big, &discounted), vec![0, 1]);
        let region = Condition::RegionUnder { value: "/R-EAST/".into() };
        assert!(region.holds(&Facts { region_path: "/R-EAST/CN-SH/".into(), ..Facts::default() }));
        let tier = Condition::TierIn { values: vec!["gold".into()] };
        assert!(!tier.holds(&Facts { tier: "silver".into(), ..Facts::default() }));
        let category = Condition::CategoryIn { values: vec!["DRINK".into()] };
        assert!(category.holds(&Facts { categories: vec!["SNACK".into(), "DRINK".into()], ..Facts::default() }));
    }

    #[test]
    fn a_flow_nobody_can_approve_is_refused_when_saved() {
        let flow = Flow {
            object_kind: "order".into(),
            version: 1,
            applies_if: None,
            steps: vec![step("空", vec![], None), step("营销", vec![Approver::Role { role: Role::Marketing }], None)],
        };
        let errors = check_flow(&flow, &|a| !matches!(a, Approver::Role { role: Role::Marketing })).unwrap_err();
        let codes: Vec<&str> = errors.iter().map(|e| e.code).collect();
        assert_eq!(codes, vec!["no_approver", "approver_cannot_see"]);
        assert!(check_flow(&Flow { steps: vec![], ..flow.clone() }, &|_| true).is_err());
        let odd = Flow {
            object_kind: "invoice".into(),
            applies_if: Some(Condition::DiscountOver { value: 12_000 }),
            steps: vec![step("x", vec![Approver::ChannelManager], Some(Condition::TierIn { values: vec![] }))],
            ..flow
        };
        let fields: Vec<String> = check_flow(&odd, &|_| true).unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, vec!["object_kind", "applies_if.value", "steps[0].only_if.value"]);
    }

    #[test]
    fn an_unknown_condition_field_does_not_parse() {
        let good: Condition = serde_json::from_str(r#"{"field":"amount_over","value":100}"#).unwrap();
        assert_eq!(good, Condition::AmountOver { value: 100 });
        assert!(serde_json::from_str::<Condition>(r#"{"field":"colour","value":"red"}"#).is_err());
    }
}
