//! The order lifecycle: submitted → approved → (partially) shipped → received → completed, with
//! cancellation before anything ships.

use serde::Serialize;

/// Where an order is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Placed; stock reserved and payment taken (or awaited), waiting for approval.
    Submitted,
    /// Approved; the warehouse may pick and ship it.
    Approved,
    /// Some lines, or part of them, have left the warehouse.
    PartiallyShipped,
    /// Everything has left the warehouse.
    Shipped,
    /// The partner signed for it (签收), or it was signed for automatically after the set days.
    Received,
    /// Closed: nothing more happens except returns within their window.
    Completed,
    /// Cancelled before shipment; stock, payment and promotion quotas were given back.
    Cancelled,
}

impl OrderStatus {
    /// Every status, in lifecycle order.
    pub const ALL: [OrderStatus; 7] = [
        OrderStatus::Submitted,
        OrderStatus::Approved,
        OrderStatus::PartiallyShipped,
        OrderStatus::Shipped,
        OrderStatus::Received,
        OrderStatus::Completed,
        OrderStatus::Cancelled,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Submitted => "submitted",
            OrderStatus::Approved => "approved",
            OrderStatus::PartiallyShipped => "partially_shipped",
            OrderStatus::Shipped => "shipped",
            OrderStatus::Received => "received",
            OrderStatus::Completed => "completed",
            OrderStatus::Cancelled => "cancelled",
        }
    }

    /// Parses a stored name.
    pub fn parse(text: &str) -> Option<OrderStatus> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Whether the order still holds reserved stock.
    pub fn holds_stock(self) -> bool {
        matches!(self, OrderStatus::Submitted | OrderStatus::Approved | OrderStatus::PartiallyShipped)
    }

    /// Whether the partner may still change its lines (only before approval).
    pub fn amendable(self) -> bool {
        self == OrderStatus::Submitted
    }

    /// Whether it may be cancelled: before anything shipped.
    pub fn cancellable(self) -> bool {
        matches!(self, OrderStatus::Submitted | OrderStatus::Approved)
    }

    /// Whether goods may be shipped against it.
    pub fn shippable(self) -> bool {
        matches!(self, OrderStatus::Approved | OrderStatus::PartiallyShipped)
    }

    /// Whether the partner may sign for it.
    pub fn receivable(self) -> bool {
        self == OrderStatus::Shipped
    }

    /// Whether goods may be returned against it: anything that has shipped, including the
    /// first parcel of a partly shipped order (a damaged case should not wait for the rest).
    pub fn returnable(self) -> bool {
        matches!(
            self,
            OrderStatus::PartiallyShipped | OrderStatus::Shipped | OrderStatus::Received | OrderStatus::Completed
        )
    }
}

/// Whether the order's money has arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatus {
    /// Paid from the partner's accounts at checkout.
    Paid,
    /// Offline transfer: waiting for the receipt or for finance to confirm it.
    AwaitingTransfer,
    /// Finance confirmed the transfer.
    TransferConfirmed,
    /// Online: waiting for the payment provider's confirmation.
    AwaitingPayment,
    /// The payment provider confirmed the online payment.
    PaidOnline,
    /// Given back (cancelled order).
    Refunded,
}

impl PaymentStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentStatus::Paid => "paid",
            PaymentStatus::AwaitingTransfer => "awaiting_transfer",
            PaymentStatus::TransferConfirmed => "transfer_confirmed",
            PaymentStatus::AwaitingPayment => "awaiting_payment",
            PaymentStatus::PaidOnline => "paid_online",
            PaymentStatus::Refunded => "refunded",
        }
    }

    /// Whether an order in stored payment status `status` still waits for money paid outside the
    /// partner's accounts (a transfer or an online payment): it is not approved before.
    pub fn awaits_money(status: &str) -> bool {
        status == PaymentStatus::AwaitingTransfer.as_str() || status == PaymentStatus::AwaitingPayment.as_str()
    }

    /// Whether money paid outside the partner's accounts arrived and is in the ledger (a
    /// confirmed transfer, a confirmed online payment): a refund gives it back as prepaid balance.
    pub fn settled_outside(status: &str) -> bool {
        status == PaymentStatus::TransferConfirmed.as_str() || status == PaymentStatus::PaidOnline.as_str()
    }

    /// Parses a stored name.
    pub fn parse(text: &str) -> Option<PaymentStatus> {
        [
            PaymentStatus::Paid,
            PaymentStatus::AwaitingTransfer,
            PaymentStatus::TransferConfirmed,
            PaymentStatus::AwaitingPayment,
            PaymentStatus::PaidOnline,
            PaymentStatus::Refunded,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_unshipped_orders_cancel_and_only_submitted_ones_amend() {
        for status in OrderStatus::ALL {
            assert_eq!(OrderStatus::parse(status.as_str()), Some(status));
            if status.cancellable() {
                assert!(status.holds_stock(), "{status:?} cancels, so it must hold stock to give back");
            }
        }
        assert!(OrderStatus::Submitted.amendable());
        assert!(!OrderStatus::Approved.amendable());
        assert!(!OrderStatus::PartiallyShipped.cancellable());
        assert!(!OrderStatus::Cancelled.holds_stock());
        assert!(OrderStatus::Shipped.receivable());
    }
}
