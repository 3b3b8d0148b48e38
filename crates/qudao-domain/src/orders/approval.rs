//! When an order needs a person: the one seam the configurable approval flows (a later module)
//! will replace. Today an order is approved automatically unless one of these rules holds.

use serde::Serialize;

use super::PaymentMethod;

/// The brand's automatic-approval rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApprovalPolicy {
    /// Orders above this total (fen) wait for a brand user; `None` for no limit.
    pub auto_approve_max: Option<i64>,
}

/// Why an order waits for a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReviewReason {
    /// The total is above the automatic-approval limit.
    OverAutoApproveLimit,
    /// Paid by offline transfer: finance must confirm the money first.
    AwaitingTransfer,
    /// Paid online: the payment provider must confirm the money first.
    AwaitingPayment,
}

impl ReviewReason {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewReason::OverAutoApproveLimit => "over_auto_approve_limit",
            ReviewReason::AwaitingTransfer => "awaiting_transfer",
            ReviewReason::AwaitingPayment => "awaiting_payment",
        }
    }
}

/// Whether an order of `total` paid by `method` waits for review, and why; `None` approves it
/// at once. Orders over credit never get here: the ledger refuses them.
pub fn review(policy: &ApprovalPolicy, total: i64, method: PaymentMethod) -> Option<ReviewReason> {
    if method == PaymentMethod::Transfer {
        return Some(ReviewReason::AwaitingTransfer);
    }
    if method == PaymentMethod::Online {
        return Some(ReviewReason::AwaitingPayment);
    }
    if policy.auto_approve_max.is_some_and(|max| total > max) {
        return Some(ReviewReason::OverAutoApproveLimit);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn big_orders_and_transfers_wait_for_a_person() {
        let policy = ApprovalPolicy { auto_approve_max: Some(100_000) };
        assert_eq!(review(&policy, 100_000, PaymentMethod::Credit), None);
        assert_eq!(review(&policy, 100_001, PaymentMethod::Prepaid), Some(ReviewReason::OverAutoApproveLimit));
        assert_eq!(review(&policy, 1, PaymentMethod::Transfer), Some(ReviewReason::AwaitingTransfer));
        assert_eq!(review(&ApprovalPolicy { auto_approve_max: None }, i64::MAX, PaymentMethod::Credit), None);
    }
}
