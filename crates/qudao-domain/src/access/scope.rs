//! The data a caller may see, as a value.

use crate::ids::{PartnerId, UserId};

/// Which partners' data a caller may see. Built from the signed-in user only (never from request
/// input); the store turns it into a SQL predicate and, on PostgreSQL, into row-level-security
/// settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataScope {
    /// Every partner: brand administrators, finance, marketing, warehouse, executives.
    AllPartners,
    /// Partners a channel manager is assigned to, directly or through a region (a 大区 covers its
    /// provinces and cities).
    Assigned {
        /// The channel manager whose assignments apply.
        user_id: UserId,
    },
    /// One partner company, and its direct sub-dealers when the brand allows distributors to see
    /// them.
    Partner {
        /// The caller's own company.
        partner_id: PartnerId,
        /// Whether the company's sub-dealers are visible too.
        with_sub_dealers: bool,
    },
}

impl DataScope {
    /// Whether the caller is brand staff, who also see brand-only records (brand users, settings).
    pub fn is_brand(&self) -> bool {
        !matches!(self, DataScope::Partner { .. })
    }

    /// The caller's own company, for partner users.
    pub fn own_partner(&self) -> Option<PartnerId> {
        match self {
            DataScope::Partner { partner_id, .. } => Some(*partner_id),
            _ => None,
        }
    }
}
