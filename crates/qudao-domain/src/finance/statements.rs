//! Statements (对账单): a partner's position with the brand over a period, movement by movement.
//!
//! The position is what the partner owes on credit less the prepaid money the brand holds for it
//! (receivable plus prepaid postings): positive, the partner owes; negative, the brand holds its
//! money. Rebate is not money owed either way and has its own account view. A movement that raises
//! the position is a debit (an order on credit or from prepaid money), one that lowers it a credit
//! (a receipt, a prepayment, a refund). Closing = opening + debits − credits, always.

use serde::Serialize;

use crate::FieldError;

/// The longest period one statement covers, days (a year and a day, for leap years).
pub const MAX_PERIOD_DAYS: i64 = 366;

/// One journal entry's effect on the position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Movement<R> {
    /// When it was booked.
    pub at_ms: i64,
    /// What the caller knows of it (template, document…), carried through unchanged.
    pub about: R,
    /// Its net effect on the position, fen (positive raises what the partner owes).
    pub net: i64,
}

/// A statement line: a movement with its side and the running balance after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Line<R> {
    /// When it was booked.
    pub at_ms: i64,
    /// What it is.
    #[serde(flatten)]
    pub about: R,
    /// Raises the position, fen.
    pub debit: i64,
    /// Lowers it, fen.
    pub credit: i64,
    /// The position after it, fen.
    pub balance: i64,
}

/// The figures of a statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, utoipa::ToSchema)]
pub struct Totals {
    /// The position at the start of the period, fen.
    pub opening: i64,
    /// Everything that raised it, fen.
    pub debits: i64,
    /// Everything that lowered it, fen.
    pub credits: i64,
    /// The position at the end, fen.
    pub closing: i64,
    /// How many movements.
    pub movements: i64,
}

/// Builds the lines and totals from the opening position and the period's movements (in booking
/// order). Movements that net to zero (money moved between the partner's own accounts) stay, so
/// the statement lists every entry that touched the position.
pub fn build<R>(opening: i64, movements: Vec<Movement<R>>) -> (Vec<Line<R>>, Totals) {
    let mut totals = Totals { opening, closing: opening, ..Totals::default() };
    let mut lines = Vec::with_capacity(movements.len());
    for m in movements {
        let (debit, credit) = if m.net >= 0 { (m.net, 0) } else { (0, -m.net) };
        totals.debits += debit;
        totals.credits += credit;
        totals.closing += m.net;
        totals.movements += 1;
        lines.push(Line { at_ms: m.at_ms, about: m.about, debit, credit, balance: totals.closing });
    }
    (lines, totals)
}

/// Checks a period of China dates (`yyyymmdd`, both days included) for a statement issued on
/// `today`: it must have ended (a statement of an open period would change under the partner),
/// start no later than it ends, and span at most [`MAX_PERIOD_DAYS`].
pub fn check_period(from: u32, to: u32, today: u32) -> Result<(), FieldError> {
    if from > to {
        return Err(FieldError::new("period_to", "before_start"));
    }
    if to >= today {
        return Err(FieldError::new("period_to", "period_not_ended"));
    }
    if crate::dates::days_between(from, to) >= MAX_PERIOD_DAYS {
        return Err(FieldError::with_param("period_to", "period_too_long", MAX_PERIOD_DAYS));
    }
    Ok(())
}

/// A partner's answer to a statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// The figures are right (确认).
    Confirm,
    /// They are not (有异议); a comment says why.
    Dispute,
}

/// Why an answer is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnswerError {
    /// The statement was already confirmed, or is disputed and disputed again.
    AlreadyAnswered,
    /// A dispute without a comment: the brand could not act on it.
    NoReason(FieldError),
}

/// The status a statement in `status` takes on `answer`. An issued statement can be confirmed or
/// disputed; a disputed one can still be confirmed once the brand has explained; a confirmed one
/// is final.
pub fn answer(status: &str, answer: Answer, has_comment: bool) -> Result<&'static str, AnswerError> {
    match (status, answer) {
        ("issued" | "disputed", Answer::Confirm) => Ok("confirmed"),
        ("issued", Answer::Dispute) if has_comment => Ok("disputed"),
        ("issued", Answer::Dispute) => Err(AnswerError::NoReason(FieldError::new("comment", "required"))),
        _ => Err(AnswerError::AlreadyAnswered),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn lines_carry_a_running_balance_and_sides() {
        let moves = vec![
            Movement { at_ms: 1, about: "order", net: 10_000 },
            Movement { at_ms: 2, about: "receipt", net: -4_000 },
            Movement { at_ms: 3, about: "transfer", net: 0 },
        ];
        let (lines, totals) = build(2_500, moves);
        assert_eq!(lines[0].debit, 10_000);
        assert_eq!(lines[0].balance, 12_500);
        assert_eq!((lines[1].debit, lines[1].credit, lines[1].balance), (0, 4_000, 8_500));
        assert_eq!(lines[2].balance, 8_500);
        assert_eq!(totals, Totals { opening: 2_500, debits: 10_000, credits: 4_000, closing: 8_500, movements: 3 });
    }

    #[test]
    fn only_ended_periods_of_at_most_a_year() {
        assert_eq!(check_period(20_261_101, 20_261_130, 20_261_201), Ok(()));
        assert!(check_period(20_261_101, 20_261_201, 20_261_201).is_err(), "today has not ended");
        assert!(check_period(20_261_130, 20_261_101, 20_261_201).is_err());
        assert_eq!(check_period(20_250_101, 20_251_231, 20_261_201), Ok(()));
        assert!(check_period(20_240_101, 20_251_231, 20_261_201).is_err());
    }

    #[test]
    fn a_statement_is_confirmed_once_and_disputed_with_a_reason() {
        assert_eq!(answer("issued", Answer::Confirm, false), Ok("confirmed"));
        assert_eq!(answer("issued", Answer::Dispute, true), Ok("disputed"));
        assert!(matches!(answer("issued", Answer::Dispute, false), Err(AnswerError::NoReason(_))));
        assert_eq!(answer("disputed", Answer::Confirm, false), Ok("confirmed"));
        assert_eq!(answer("disputed", Answer::Dispute, true), Err(AnswerError::AlreadyAnswered));
        assert_eq!(answer("confirmed", Answer::Dispute, true), Err(AnswerError::AlreadyAnswered));
    }

    proptest! {
        #[test]
        fn closing_is_opening_plus_debits_less_credits(opening in -1_000_000i64..1_000_000, nets in proptest::collection::vec(-1_000_000i64..1_000_000, 0..50)) {
            let moves = nets.iter().enumerate().map(|(i, n)| Movement { at_ms: i as i64, about: (), net: *n }).collect();
            let (lines, totals) = build(opening, moves);
            prop_assert_eq!(totals.closing, totals.opening + totals.debits - totals.credits);
            prop_assert_eq!(lines.last().map_or(opening, |l| l.balance), totals.closing);
            prop_assert!(lines.iter().all(|l| (l.debit == 0 || l.credit == 0) && l.debit >= 0 && l.credit >= 0));
        }
    }
}
