//! Credit terms (账期) and the credit hold: when a partner that has not paid what is overdue may
//! not order again.
//!
//! The hold is derived, never stored: it is on exactly while the partner's overdue amount is above
//! the brand's threshold, so a receipt that settles the overdue orders lifts it at once, and an
//! order falling due puts it on without any job having to run.

use crate::FieldError;
use crate::finance::Buckets;

/// The longest credit terms accepted, days (a year).
pub const MAX_TERMS_DAYS: i64 = 366;

/// Checks credit terms typed by finance.
pub fn check_terms(field: &str, days: i64) -> Result<i64, FieldError> {
    if (0..=MAX_TERMS_DAYS).contains(&days) {
        Ok(days)
    } else {
        Err(FieldError::with_param(field, "out_of_range", format!("0-{MAX_TERMS_DAYS}")))
    }
}

/// The brand's hold rule: a partner owing more than `overdue_above` fen past due is on hold;
/// `None` means the brand does not hold partners.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HoldPolicy {
    /// The overdue amount a partner may have without being held, fen (0: any overdue holds).
    pub overdue_above: Option<i64>,
}

/// A partner on hold, with what it must pay to be released.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hold {
    /// Everything past due, fen.
    pub overdue: i64,
    /// The least payment that lifts the hold (the overdue amount above the threshold), fen.
    pub to_release: i64,
}

impl HoldPolicy {
    /// Whether a partner owing `buckets` is on hold.
    pub fn hold(&self, buckets: &Buckets) -> Option<Hold> {
        let threshold = self.overdue_above?;
        let overdue = buckets.overdue();
        (overdue > threshold).then_some(Hold { overdue, to_release: overdue - threshold })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400_000;

    #[test]
    fn a_partner_is_held_only_while_overdue_is_above_the_threshold() {
        let now = 100 * DAY;
        let mut owes = Buckets::default();
        owes.add(50_000, now + DAY, now); // not yet due
        let policy = HoldPolicy { overdue_above: Some(0) };
        assert_eq!(policy.hold(&owes), None, "nothing overdue, no hold");
        owes.add(30_000, now - 5 * DAY, now);
        assert_eq!(policy.hold(&owes), Some(Hold { overdue: 30_000, to_release: 30_000 }));
        let lenient = HoldPolicy { overdue_above: Some(30_000) };
        assert_eq!(lenient.hold(&owes), None, "exactly at the threshold is allowed");
        let stricter = HoldPolicy { overdue_above: Some(10_000) };
        assert_eq!(stricter.hold(&owes), Some(Hold { overdue: 30_000, to_release: 20_000 }));
        assert_eq!(HoldPolicy::default().hold(&owes), None, "no policy, no hold");
    }

    #[test]
    fn terms_are_between_zero_days_and_a_year() {
        assert_eq!(check_terms("terms_days", 0), Ok(0));
        assert_eq!(check_terms("terms_days", 45), Ok(45));
        assert!(check_terms("terms_days", -1).is_err());
        assert!(check_terms("terms_days", 400).is_err());
    }
}
