//! What can go through approval, who may be named as its approver, and the flow each kind follows
//! when the brand has configured none (the behaviour Qudao had before flows could be configured).

use serde::{Deserialize, Serialize};

use super::flow::{Approver, Branch, Condition, Flow, Mode, Step};
use crate::access::{Permission, Role, RoleSide};

/// A kind of object an approval flow is configured for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Subject {
    /// A partner's order.
    Order,
    /// A return against an order.
    Return,
    /// A change of a partner's credit line or terms.
    CreditLine,
    /// A new partner becoming active.
    PartnerOnboarding,
    /// A manual adjustment (调账) of a partner's balance.
    Adjustment,
}

impl Subject {
    /// Every kind, for the editor and the checks.
    pub const ALL: [Subject; 5] =
        [Subject::Order, Subject::Return, Subject::CreditLine, Subject::PartnerOnboarding, Subject::Adjustment];

    /// The stored name (also the thread and event name of the object).
    pub fn as_str(self) -> &'static str {
        match self {
            Subject::Order => "order",
            Subject::Return => "return",
            Subject::CreditLine => "credit_line",
            Subject::PartnerOnboarding => "partner_onboarding",
            Subject::Adjustment => "adjustment",
        }
    }

    /// The kind a stored name stands for.
    pub fn parse(s: &str) -> Option<Subject> {
        Subject::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether a user of `role` can see objects of this kind at all, so may be named an approver:
    /// orders and returns are seen by every role (a partner's own administrator may approve its
    /// staff's orders); balances by brand roles that read accounts; onboarding by brand roles.
    pub fn visible_to(self, role: Role) -> bool {
        match self {
            Subject::Order | Subject::Return => role.permits(Permission::OrdersRead),
            Subject::CreditLine | Subject::Adjustment => {
                role.side() == RoleSide::Brand && role.permits(Permission::AccountsRead)
            }
            Subject::PartnerOnboarding => role.side() == RoleSide::Brand,
        }
    }

    /// The flow followed when the brand has configured none of its own: for orders, one brand
    /// user who may approve orders, for totals above the automatic-approval limit (the
    /// `orders.auto_approve_max` setting; none set, no order waits). Other kinds keep their own
    /// built-in decision (returns and adjustments are decided on their own pages) until a flow is
    /// configured.
    pub fn default_flow(self, auto_approve_max: Option<i64>) -> Option<Flow> {
        match self {
            Subject::Order => auto_approve_max.map(|max| Flow {
                object_kind: self.as_str().into(),
                version: 0,
                applies_if: Some(Condition::AmountOver { value: max }),
                steps: vec![Step {
                    name: "订单审批".into(),
                    branches: vec![Branch {
                        approvers: [Role::BrandAdmin, Role::ChannelManager, Role::Finance]
                            .into_iter()
                            .map(|role| Approver::Role { role })
                            .collect(),
                        mode: Mode::Any,
                    }],
                    only_if: None,
                    escalate_after_ms: None,
                }],
            }),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::approvals::{Facts, choose};

    #[test]
    fn names_round_trip_and_visibility_follows_the_roles() {
        for kind in Subject::ALL {
            assert_eq!(Subject::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(Subject::parse("invoice"), None);
        assert!(Subject::Order.visible_to(Role::PartnerAdmin));
        assert!(!Subject::Adjustment.visible_to(Role::PartnerFinance));
        assert!(!Subject::Adjustment.visible_to(Role::Warehouse));
        assert!(Subject::CreditLine.visible_to(Role::Finance));
        assert!(!Subject::PartnerOnboarding.visible_to(Role::PartnerAdmin));
    }

    #[test]
    fn the_default_order_flow_is_the_old_automatic_approval_limit() {
        assert_eq!(Subject::Order.default_flow(None), None, "no limit: nothing waits");
        let flow = Subject::Order.default_flow(Some(100_000)).unwrap();
        let flows = [flow];
        assert!(choose(&flows, &Facts { amount: 100_000, ..Facts::default() }).is_none(), "at the limit: automatic");
        assert!(choose(&flows, &Facts { amount: 100_001, ..Facts::default() }).is_some());
        assert_eq!(Subject::Return.default_flow(Some(1)), None);
    }
}
