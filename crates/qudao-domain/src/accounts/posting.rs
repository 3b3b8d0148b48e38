//! Account kinds, the postings of each business movement, and the rules they obey.

use serde::Serialize;

use crate::Money;

/// The kinds of ledger account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountKind {
    /// A partner's debt on credit (debit-normal).
    Receivable,
    /// A partner's prepaid money (credit-normal).
    Prepaid,
    /// A partner's rebate balance (credit-normal).
    Rebate,
    /// The brand's revenue (credit-normal).
    Sales,
    /// The brand's cash (debit-normal).
    Cash,
    /// The brand's counterpart of manual adjustments: write-offs, goodwill, corrections
    /// (debit-normal, like an expense).
    Adjustment,
}

impl AccountKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            AccountKind::Receivable => "receivable",
            AccountKind::Prepaid => "prepaid",
            AccountKind::Rebate => "rebate",
            AccountKind::Sales => "sales",
            AccountKind::Cash => "cash",
            AccountKind::Adjustment => "adjustment",
        }
    }

    /// Parses a stored name.
    pub fn parse(text: &str) -> Option<AccountKind> {
        [
            AccountKind::Receivable,
            AccountKind::Prepaid,
            AccountKind::Rebate,
            AccountKind::Sales,
            AccountKind::Cash,
            AccountKind::Adjustment,
        ]
        .into_iter()
        .find(|k| k.as_str() == text)
    }

    /// Whether the account belongs to a partner (else to the brand).
    pub fn is_partner(self) -> bool {
        matches!(self, AccountKind::Receivable | AccountKind::Prepaid | AccountKind::Rebate)
    }

    /// The balance as people read it, from the sum of postings: debit-normal accounts show the
    /// sum, credit-normal ones its negation (a prepaid balance of ¥100 is a sum of −10000).
    pub fn shown(self, sum_of_postings: i64) -> i64 {
        match self {
            AccountKind::Receivable | AccountKind::Cash | AccountKind::Adjustment => sum_of_postings,
            AccountKind::Prepaid | AccountKind::Rebate | AccountKind::Sales => -sum_of_postings,
        }
    }

    /// The highest the sum of postings may go after a movement, given the partner's credit line:
    /// receivable up to the credit line, prepaid and rebate up to zero (never overdrawn); brand
    /// accounts are unbounded.
    pub fn ceiling(self, credit_line: i64) -> Option<i64> {
        match self {
            AccountKind::Receivable => Some(credit_line),
            AccountKind::Prepaid | AccountKind::Rebate => Some(0),
            AccountKind::Sales | AccountKind::Cash | AccountKind::Adjustment => None,
        }
    }
}

/// One posting of a journal entry: an account kind (of the entry's partner, or the brand's) and
/// a signed amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Posting {
    /// Which account.
    pub account: AccountKind,
    /// Positive debit, negative credit, minor units.
    pub amount: i64,
}

/// The business movements the ledger knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Template {
    /// An order paid on credit: the partner owes more.
    PayOnCredit,
    /// An order paid from prepaid money.
    PayFromPrepaid,
    /// An order paid from rebate.
    PayFromRebate,
    /// The partner paid money in advance.
    Prepayment,
}

impl Template {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Template::PayOnCredit => "pay_on_credit",
            Template::PayFromPrepaid => "pay_from_prepaid",
            Template::PayFromRebate => "pay_from_rebate",
            Template::Prepayment => "prepayment",
        }
    }
}

/// Why a movement cannot be posted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PostingError {
    /// Amounts must be positive; reversals are their own entries.
    #[error("amount must be positive")]
    NotPositive,
}

/// The postings of `template` for `amount`; reversed (a cancellation or refund) when `reverse`.
/// The postings always sum to zero.
pub fn postings(template: Template, amount: Money, reverse: bool) -> Result<Vec<Posting>, PostingError> {
    if amount.minor <= 0 {
        return Err(PostingError::NotPositive);
    }
    let a = if reverse { -amount.minor } else { amount.minor };
    let (debit, credit) = match template {
        Template::PayOnCredit => (AccountKind::Receivable, AccountKind::Sales),
        Template::PayFromPrepaid => (AccountKind::Prepaid, AccountKind::Sales),
        Template::PayFromRebate => (AccountKind::Rebate, AccountKind::Sales),
        Template::Prepayment => (AccountKind::Cash, AccountKind::Prepaid),
    };
    Ok(vec![Posting { account: debit, amount: a }, Posting { account: credit, amount: -a }])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Currency;
    use proptest::prelude::*;

    #[test]
    fn paying_on_credit_raises_the_receivable_and_the_sales() {
        let p = postings(Template::PayOnCredit, Money::new(10_000, Currency::CNY), false).unwrap();
        assert_eq!(p[0], Posting { account: AccountKind::Receivable, amount: 10_000 });
        assert_eq!(AccountKind::Sales.shown(p[1].amount), 10_000);
        assert_eq!(
            postings(Template::PayOnCredit, Money::new(0, Currency::CNY), false),
            Err(PostingError::NotPositive)
        );
    }

    #[test]
    fn prepaid_money_reads_positive_and_may_not_be_overdrawn() {
        let paid_in = postings(Template::Prepayment, Money::new(5_000, Currency::CNY), false).unwrap();
        let prepaid_sum: i64 = paid_in.iter().filter(|p| p.account == AccountKind::Prepaid).map(|p| p.amount).sum();
        assert_eq!(AccountKind::Prepaid.shown(prepaid_sum), 5_000);
        let spend = postings(Template::PayFromPrepaid, Money::new(6_000, Currency::CNY), false).unwrap();
        let after = prepaid_sum + spend[0].amount;
        let ceiling = AccountKind::Prepaid.ceiling(0).unwrap();
        assert!(after > ceiling, "spending 60 of 50 must be refused");
    }

    proptest! {
        #[test]
        fn every_movement_and_its_reversal_sum_to_zero(amount in 1..10_000_000_000i64, kind in 0..4u8) {
            let template = [Template::PayOnCredit, Template::PayFromPrepaid, Template::PayFromRebate, Template::Prepayment][kind as usize];
            let forward = postings(template, Money::new(amount, Currency::CNY), false).unwrap();
            let back = postings(template, Money::new(amount, Currency::CNY), true).unwrap();
            prop_assert_eq!(forward.iter().map(|p| p.amount).sum::<i64>(), 0);
            for (f, b) in forward.iter().zip(&back) {
                prop_assert_eq!(f.account, b.account);
                prop_assert_eq!(f.amount, -b.amount);
            }
        }
    }
}
