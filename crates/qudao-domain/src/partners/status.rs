//! The partner lifecycle (prospect → active → suspended → terminated) and partner kinds.

use crate::FieldError;

/// Where a partner is in its relationship with the brand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PartnerStatus {
    /// Being recruited: visible to the brand, cannot order yet.
    Prospect,
    /// Trading.
    Active,
    /// Temporarily blocked (overdue, compliance); can be reactivated.
    Suspended,
    /// The relationship has ended. Final: the record stays for history.
    Terminated,
}

impl PartnerStatus {
    /// Every status, in lifecycle order.
    pub const ALL: [PartnerStatus; 4] =
        [PartnerStatus::Prospect, PartnerStatus::Active, PartnerStatus::Suspended, PartnerStatus::Terminated];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            PartnerStatus::Prospect => "prospect",
            PartnerStatus::Active => "active",
            PartnerStatus::Suspended => "suspended",
            PartnerStatus::Terminated => "terminated",
        }
    }

    /// Parses a stored or submitted name.
    pub fn parse(field: &str, value: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == value.trim())
            .ok_or_else(|| FieldError::new(field, "invalid_choice"))
    }

    /// Whether a partner may move from this status to `next`. Terminated is final; a prospect can
    /// be dropped without ever trading; suspension is only for partners that traded.
    pub fn can_become(self, next: PartnerStatus) -> bool {
        use PartnerStatus::*;
        matches!(
            (self, next),
            (Prospect, Active)
                | (Prospect, Terminated)
                | (Active, Suspended)
                | (Active, Terminated)
                | (Suspended, Active)
                | (Suspended, Terminated)
        )
    }

    /// The statuses reachable from this one, for the buttons on a partner's page.
    pub fn next_statuses(self) -> Vec<PartnerStatus> {
        Self::ALL.into_iter().filter(|next| self.can_become(*next)).collect()
    }
}

/// The kind of company a partner is in the channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PartnerKind {
    /// 经销商: buys from the brand, sells to sub-dealers and retailers.
    Distributor,
    /// 分销商/二级经销: buys through a distributor (has a parent).
    SubDealer,
    /// 代理商: sells on commission.
    Agent,
    /// 门店: sells to end customers.
    Retailer,
}

impl PartnerKind {
    /// Every kind.
    pub const ALL: [PartnerKind; 4] =
        [PartnerKind::Distributor, PartnerKind::SubDealer, PartnerKind::Agent, PartnerKind::Retailer];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            PartnerKind::Distributor => "distributor",
            PartnerKind::SubDealer => "sub_dealer",
            PartnerKind::Agent => "agent",
            PartnerKind::Retailer => "retailer",
        }
    }

    /// Parses a stored or submitted name.
    pub fn parse(field: &str, value: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == value.trim())
            .ok_or_else(|| FieldError::new(field, "invalid_choice"))
    }
}

#[cfg(test)]
mod tests {
    use super::PartnerStatus::*;

    #[test]
    fn terminated_is_final() {
        assert!(Terminated.next_statuses().is_empty());
    }

    #[test]
    fn lifecycle_moves_are_the_documented_ones() {
        assert!(Prospect.can_become(Active));
        assert!(!Prospect.can_become(Suspended));
        assert!(Active.can_become(Suspended));
        assert!(Suspended.can_become(Active));
        assert!(!Active.can_become(Active));
        assert!(!Terminated.can_become(Active));
    }
}
