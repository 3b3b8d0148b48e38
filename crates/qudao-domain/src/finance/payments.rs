//! Online payments (在线支付): what a provider's notification may do to a payment, and how much
//! of a payment can still be refunded.
//!
//! Providers (WeChat Pay, Alipay) share one shape: the merchant creates a payment and sends the
//! payer to a page or shows a QR code; the provider tells the merchant the outcome in a signed
//! asynchronous notification — possibly several times, possibly late, possibly never (then the
//! merchant asks, "query") — and refunds go back through the provider. These rules decide, from
//! the payment as stored and what the provider says, what happens; the app applies it in one
//! transaction.

use crate::FieldError;

/// A payment's life: created, then paid or closed (expired or abandoned). Paid is final; a
/// refund does not change it (the refunded amount is kept beside it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentState {
    /// Waiting for the payer.
    Created,
    /// The provider confirmed the money.
    Paid,
    /// Expired or closed without money.
    Closed,
}

impl PaymentState {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentState::Created => "created",
            PaymentState::Paid => "paid",
            PaymentState::Closed => "closed",
        }
    }

    /// Parses a stored name.
    pub fn parse(text: &str) -> Option<PaymentState> {
        [PaymentState::Created, PaymentState::Paid, PaymentState::Closed].into_iter().find(|s| s.as_str() == text)
    }
}

/// What the provider says happened, from a notification or a query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TradeState {
    /// The payer paid this amount, fen.
    Paid(i64),
    /// Not paid yet.
    Pending,
    /// Closed without payment.
    Closed,
}

/// What to do with what the provider said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Record the payment as paid and the order's money as arrived.
    ApplyPaid,
    /// Record the payment as closed.
    Close,
    /// Nothing to do (already applied, or still pending): answer the provider "received".
    Nothing,
    /// The provider says paid but not the amount asked: refuse, keep it for finance to see.
    AmountMismatch,
}

/// Decides what `said` does to a payment of `amount` fen in `state`. The same notification twice
/// decides `Nothing` the second time, so a repeat never counts money twice. Money paid after
/// Qudao closed the payment (the payer paid at the last moment) is still money received: it is
/// applied like any payment.
pub fn decide(state: PaymentState, amount: i64, said: TradeState) -> Decision {
    match (state, said) {
        (PaymentState::Created | PaymentState::Closed, TradeState::Paid(paid)) if paid == amount => Decision::ApplyPaid,
        (_, TradeState::Paid(paid)) if paid != amount => Decision::AmountMismatch,
        (PaymentState::Created, TradeState::Closed) => Decision::Close,
        _ => Decision::Nothing,
    }
}

/// Checks a refund of `wanted` fen of a paid payment of `amount` of which `refunded` went back.
pub fn check_refund(state: PaymentState, amount: i64, refunded: i64, wanted: i64) -> Result<(), FieldError> {
    if state != PaymentState::Paid {
        return Err(FieldError::new("payment", "not_paid"));
    }
    if wanted <= 0 {
        return Err(FieldError::new("amount", "must_be_positive"));
    }
    if wanted > amount - refunded {
        let left = crate::Money::new(amount - refunded, crate::Currency::CNY);
        return Err(FieldError::with_param("amount", "more_than_refundable", left.to_decimal_string()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_paid_notice_applies_once_and_only_for_the_amount_asked() {
        assert_eq!(decide(PaymentState::Created, 100, TradeState::Paid(100)), Decision::ApplyPaid);
        assert_eq!(decide(PaymentState::Paid, 100, TradeState::Paid(100)), Decision::Nothing, "a repeat");
        assert_eq!(decide(PaymentState::Created, 100, TradeState::Paid(99)), Decision::AmountMismatch);
        assert_eq!(
            decide(PaymentState::Closed, 100, TradeState::Paid(100)),
            Decision::ApplyPaid,
            "paid at the last moment"
        );
        assert_eq!(decide(PaymentState::Created, 100, TradeState::Pending), Decision::Nothing);
        assert_eq!(decide(PaymentState::Created, 100, TradeState::Closed), Decision::Close);
        assert_eq!(decide(PaymentState::Paid, 100, TradeState::Closed), Decision::Nothing, "paid is final");
    }

    #[test]
    fn refunds_stay_within_what_was_paid() {
        assert_eq!(check_refund(PaymentState::Paid, 100, 30, 70), Ok(()));
        assert_eq!(check_refund(PaymentState::Paid, 100, 30, 71).unwrap_err().code, "more_than_refundable");
        assert_eq!(check_refund(PaymentState::Created, 100, 0, 1).unwrap_err().code, "not_paid");
        assert_eq!(check_refund(PaymentState::Paid, 100, 0, 0).unwrap_err().code, "must_be_positive");
    }

    proptest! {
        #[test]
        fn any_sequence_of_notices_applies_paid_at_most_once(notices in proptest::collection::vec(0u8..4, 0..20)) {
            let amount = 500;
            let mut state = PaymentState::Created;
            let mut applied = 0;
            for n in notices {
                let said = match n { 0 => TradeState::Paid(amount), 1 => TradeState::Paid(amount + 1), 2 => TradeState::Pending, _ => TradeState::Closed };
                match decide(state, amount, said) {
                    Decision::ApplyPaid => { applied += 1; state = PaymentState::Paid; }
                    Decision::Close => state = PaymentState::Closed,
                    _ => {}
                }
            }
            prop_assert!(applied <= 1);
        }
    }
}
