//! Manual adjustments (调账): the only way finance changes a balance by hand, and never by editing
//! it — an adjustment is asked for with a reason, approved by a second person, and then posted as
//! a new journal entry against the brand's adjustment account.

use crate::FieldError;
use crate::accounts::{AccountKind, Posting};

/// What an adjustment asks for, checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Request {
    /// The partner's account it changes.
    pub account: AccountKind,
    /// The change of the balance as people read it, fen (a rebate of +50000 grants ¥500; a
    /// receivable of −10000 writes ¥100 of debt off).
    pub amount: i64,
    /// Whether it names a credit order (required for the receivable).
    pub names_order: bool,
}

/// Checks an adjustment request: a partner account, a non-zero amount, and for the receivable
/// the order it belongs to — so what each order owes stays the sum of the entries that name it.
pub fn check(request: &Request) -> Result<(), FieldError> {
    if !request.account.is_partner() {
        return Err(FieldError::with_param("account", "not_one_of", "receivable, prepaid, rebate"));
    }
    if request.amount == 0 {
        return Err(FieldError::new("amount", "must_not_be_zero"));
    }
    if request.account == AccountKind::Receivable && !request.names_order {
        return Err(FieldError::new("order_id", "required_for_receivable"));
    }
    Ok(())
}

/// The postings of an approved adjustment: the partner's account moved by `amount` as people read
/// it, the brand's adjustment account taking the other side. They sum to zero.
pub fn postings(request: &Request) -> [Posting; 2] {
    // `shown` is the sum for debit-normal accounts and its negation for credit-normal ones, so
    // the posting that changes the shown balance by `amount` is `amount` or `-amount`.
    let partner_side = if request.account.shown(1) == 1 { request.amount } else { -request.amount };
    [
        Posting { account: request.account, amount: partner_side },
        Posting { account: AccountKind::Adjustment, amount: -partner_side },
    ]
}

/// Why a decision on an adjustment is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecisionError {
    /// Already approved or rejected.
    NotPending,
    /// The person who asked may not approve their own adjustment.
    OwnRequest,
}

/// Whether `decider` may approve or reject an adjustment `requester` asked for, in `status`.
/// Rejecting one's own request (withdrawing it) is allowed; approving it is not.
pub fn may_decide(status: &str, requester: &str, decider: &str, approve: bool) -> Result<(), DecisionError> {
    if status != "pending" {
        return Err(DecisionError::NotPending);
    }
    if approve && requester == decider {
        return Err(DecisionError::OwnRequest);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_adjustment_moves_the_balance_as_people_read_it() {
        let grant = Request { account: AccountKind::Rebate, amount: 50_000, names_order: false };
        let [partner, brand] = postings(&grant);
        assert_eq!(AccountKind::Rebate.shown(partner.amount), 50_000, "the rebate balance rises by ¥500");
        assert_eq!(partner.amount + brand.amount, 0);
        let write_off = Request { account: AccountKind::Receivable, amount: -10_000, names_order: true };
        let [partner, brand] = postings(&write_off);
        assert_eq!(AccountKind::Receivable.shown(partner.amount), -10_000, "the debt falls by ¥100");
        assert_eq!(AccountKind::Adjustment.shown(brand.amount), 10_000, "the brand bears it");
    }

    #[test]
    fn bad_requests_name_their_field() {
        let ok = Request { account: AccountKind::Prepaid, amount: -1, names_order: false };
        assert_eq!(check(&ok), Ok(()));
        assert_eq!(check(&Request { amount: 0, ..ok }).unwrap_err().field, "amount");
        assert_eq!(check(&Request { account: AccountKind::Sales, ..ok }).unwrap_err().field, "account");
        let debt = Request { account: AccountKind::Receivable, amount: 100, names_order: false };
        assert_eq!(check(&debt).unwrap_err().field, "order_id");
    }

    #[test]
    fn four_eyes_approve_and_a_decision_is_taken_once() {
        assert_eq!(may_decide("pending", "a", "b", true), Ok(()));
        assert_eq!(may_decide("pending", "a", "a", true), Err(DecisionError::OwnRequest));
        assert_eq!(may_decide("pending", "a", "a", false), Ok(()), "withdrawing one's own request");
        assert_eq!(may_decide("approved", "a", "b", false), Err(DecisionError::NotPending));
    }
}
