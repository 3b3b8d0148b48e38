//! How an order is paid: the split over rebate and the chosen account, the journal postings, and
//! how a refund goes back.

use serde::{Deserialize, Serialize};

use crate::FieldError;
use crate::accounts::{AccountKind, Posting};
use crate::money::allocate;

/// What the partner chose to pay with (besides any rebate).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    /// On credit, within the credit line.
    Credit,
    /// From the prepaid balance.
    Prepaid,
    /// Offline bank transfer; finance confirms the receipt.
    Transfer,
    /// Online payment through a payment provider (WeChat Pay, Alipay…); the provider's signed
    /// notification confirms it. Like a transfer, the money is outside the partner's accounts.
    Online,
}

impl PaymentMethod {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentMethod::Credit => "credit",
            PaymentMethod::Prepaid => "prepaid",
            PaymentMethod::Transfer => "transfer",
            PaymentMethod::Online => "online",
        }
    }

    /// Parses a submitted or stored name.
    pub fn parse(field: &str, text: &str) -> Result<PaymentMethod, FieldError> {
        match text.trim() {
            "credit" => Ok(PaymentMethod::Credit),
            "prepaid" => Ok(PaymentMethod::Prepaid),
            "transfer" => Ok(PaymentMethod::Transfer),
            "online" => Ok(PaymentMethod::Online),
            _ => Err(FieldError::new(field, "invalid_choice")),
        }
    }
}

/// How much each source pays, fen. The parts add up to the order total.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, utoipa::ToSchema)]
pub struct PaymentSplit {
    /// On credit.
    pub credit: i64,
    /// From prepaid.
    pub prepaid: i64,
    /// From rebate.
    pub rebate: i64,
    /// Paid outside the partner's accounts — an offline transfer or an online payment — and not
    /// money in the ledger until confirmed (by finance, or by the provider's notification).
    pub transfer: i64,
}

impl PaymentSplit {
    /// The total paid.
    pub fn total(&self) -> i64 {
        self.credit + self.prepaid + self.rebate + self.transfer
    }
}

/// Splits `total`: first the rebate the partner asked to use, capped by the brand's share of the
/// order (`max_rebate_share_bp` of the total, rounded down to the fen), then the rest by `method`.
/// Balances are not checked here; the ledger refuses an overdraft in the same transaction.
pub fn split_payment(
    total: i64,
    method: PaymentMethod,
    rebate_wanted: i64,
    max_rebate_share_bp: i64,
) -> Result<PaymentSplit, FieldError> {
    if rebate_wanted < 0 {
        return Err(FieldError::new("rebate", "must_not_be_negative"));
    }
    let cap = i64::try_from(i128::from(total) * i128::from(max_rebate_share_bp.clamp(0, 10_000)) / 10_000).unwrap_or(0);
    if rebate_wanted > cap {
        return Err(FieldError::with_param(
            "rebate",
            "rebate_over_share",
            crate::Money::new(cap, crate::Currency::CNY),
        ));
    }
    let rest = total - rebate_wanted;
    let mut split = PaymentSplit { rebate: rebate_wanted, ..PaymentSplit::default() };
    match method {
        PaymentMethod::Credit => split.credit = rest,
        PaymentMethod::Prepaid => split.prepaid = rest,
        PaymentMethod::Transfer | PaymentMethod::Online => split.transfer = rest,
    }
    Ok(split)
}

/// The postings of paying `split` (reversed for a refund): each partner account is debited what
/// it pays, the brand's sales credited the sum. Transfers post nothing until confirmed. Zero
/// amounts make no posting; an all-zero split makes none at all.
pub fn order_postings(split: &PaymentSplit, reverse: bool) -> Vec<Posting> {
    let sign = if reverse { -1 } else { 1 };
    let mut postings: Vec<Posting> = [
        (AccountKind::Receivable, split.credit),
        (AccountKind::Prepaid, split.prepaid),
        (AccountKind::Rebate, split.rebate),
    ]
    .into_iter()
    .filter(|(_, amount)| *amount != 0)
    .map(|(account, amount)| Posting { account, amount: sign * amount })
    .collect();
    let paid: i64 = postings.iter().map(|p| p.amount).sum();
    if paid != 0 {
        postings.push(Posting { account: AccountKind::Sales, amount: -paid });
    }
    postings
}

/// How a refund of `amount` goes back, in proportion to how the order was paid (less what was
/// already refunded), exact to the fen. A confirmed transfer is refunded to the prepaid balance;
/// an unconfirmed one gives nothing back in money.
pub fn refund_split(paid: &PaymentSplit, transfer_confirmed: bool, already_refunded: i64, amount: i64) -> PaymentSplit {
    let transfer = if transfer_confirmed { paid.transfer } else { 0 };
    let weights = [paid.credit, paid.prepaid + transfer, paid.rebate];
    let refundable: i64 = weights.iter().sum::<i64>() - already_refunded;
    let amount = amount.clamp(0, refundable.max(0));
    let parts = allocate(amount, &weights);
    PaymentSplit { credit: parts[0], prepaid: parts[1], rebate: parts[2], transfer: 0 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rebate_is_capped_by_the_brand_share() {
        let split = split_payment(100_000, PaymentMethod::Credit, 10_000, 1_000).unwrap();
        assert_eq!(split, PaymentSplit { credit: 90_000, rebate: 10_000, ..Default::default() });
        assert_eq!(split_payment(100_000, PaymentMethod::Credit, 10_001, 1_000).unwrap_err().code, "rebate_over_share");
        assert_eq!(split_payment(100, PaymentMethod::Credit, -1, 1_000).unwrap_err().code, "must_not_be_negative");
    }

    #[test]
    fn transfers_post_nothing_until_confirmed() {
        let split = split_payment(5_000, PaymentMethod::Transfer, 0, 1_000).unwrap();
        assert!(order_postings(&split, false).is_empty());
    }

    proptest! {
        #[test]
        fn postings_balance_and_reverse(credit in 0i64..1_000_000, prepaid in 0i64..1_000_000, rebate in 0i64..100_000) {
            let split = PaymentSplit { credit, prepaid, rebate, transfer: 0 };
            let forward = order_postings(&split, false);
            let back = order_postings(&split, true);
            prop_assert_eq!(forward.iter().map(|p| p.amount).sum::<i64>(), 0);
            prop_assert_eq!(back.iter().map(|p| p.amount).sum::<i64>(), 0);
            for (f, b) in forward.iter().zip(&back) {
                prop_assert_eq!(f.amount, -b.amount);
            }
        }

        #[test]
        fn refunds_never_exceed_what_was_paid(
            credit in 0i64..1_000_000, prepaid in 0i64..1_000_000, rebate in 0i64..100_000,
            first in 0i64..3_000_000, second in 0i64..3_000_000,
        ) {
            let paid = PaymentSplit { credit, prepaid, rebate, transfer: 0 };
            let a = refund_split(&paid, false, 0, first);
            let b = refund_split(&paid, false, a.total(), second);
            prop_assert!(a.total() + b.total() <= paid.total());
            prop_assert!(a.credit >= 0 && a.prepaid >= 0 && a.rebate >= 0);
            prop_assert_eq!(a.total(), first.min(paid.total()));
        }
    }
}
