//! Why an order waits before it is approved, and the facts the brand's approval flows read from
//! it. Whether an order needs people at all is the flows' decision (`crate::approvals`; with
//! none configured the built-in default keeps the old automatic-approval limit); money not yet
//! received holds an order too, whatever the flows say.

use serde::Serialize;

use super::PaymentMethod;
use crate::approvals::Facts;

/// Why an order waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReviewReason {
    /// Its approval flow runs.
    Approval,
    /// Paid by offline transfer: finance must confirm the money first.
    AwaitingTransfer,
    /// Paid online: the payment provider must confirm the money first.
    AwaitingPayment,
}

impl ReviewReason {
    /// The stored name. Orders placed before approval flows existed may carry
    /// `over_auto_approve_limit`, which reads like `approval`.
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewReason::Approval => "approval",
            ReviewReason::AwaitingTransfer => "awaiting_transfer",
            ReviewReason::AwaitingPayment => "awaiting_payment",
        }
    }
}

/// Whether an order paid by `method` waits, and why, given whether its approval flow runs;
/// `None` approves it at once. Money comes first: an order awaiting its transfer shows that,
/// while its approval may run meanwhile. Orders over credit never get here: the ledger refuses
/// them.
pub fn review(method: PaymentMethod, needs_approval: bool) -> Option<ReviewReason> {
    match method {
        PaymentMethod::Transfer => Some(ReviewReason::AwaitingTransfer),
        PaymentMethod::Online => Some(ReviewReason::AwaitingPayment),
        PaymentMethod::Credit | PaymentMethod::Prepaid => needs_approval.then_some(ReviewReason::Approval),
    }
}

/// What an order is, as approval conditions read it: its total, its discount in basis points of
/// the gross, the partner's tier and region, the categories of its lines.
pub fn facts(total: i64, gross: i64, discount: i64, tier: &str, region_path: &str, categories: Vec<String>) -> Facts {
    let discount_bp =
        if gross > 0 { i64::try_from(i128::from(discount) * 10_000 / i128::from(gross)).unwrap_or(0) } else { 0 };
    Facts { amount: total, tier: tier.into(), region_path: region_path.into(), categories, discount_bp }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_first_then_the_flow() {
        assert_eq!(review(PaymentMethod::Credit, false), None);
        assert_eq!(review(PaymentMethod::Prepaid, true), Some(ReviewReason::Approval));
        assert_eq!(review(PaymentMethod::Transfer, false), Some(ReviewReason::AwaitingTransfer));
        assert_eq!(review(PaymentMethod::Online, true), Some(ReviewReason::AwaitingPayment));
    }

    #[test]
    fn the_discount_is_read_in_basis_points_of_the_gross() {
        let f = facts(90_000, 100_000, 10_000, "gold", "/R-EAST/", vec!["DRINK".into()]);
        assert_eq!((f.amount, f.discount_bp, f.tier.as_str()), (90_000, 1_000, "gold"));
        assert_eq!(facts(0, 0, 0, "", "", Vec::new()).discount_bp, 0);
    }
}
