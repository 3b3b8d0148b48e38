//! Channel inventory (渠道进销存): what partners hold and sell, as they report it, and what the
//! brand reads from it — estimated stock, days of cover, safety stock.
//!
//! A partner reports its stock on a day (a count) and its sell-out per day; Qudao knows its
//! sell-in from its own shipments. Between counts, stock is estimated as the last count plus what
//! was shipped to the partner since, less what it reported selling since. Pure rules; the store
//! reads the numbers, the app applies these.

use crate::FieldError;

/// The days of sell-out averaged for cover and automatic safety stock.
pub const AVERAGE_DAYS: i64 = 30;

/// The most a report line may carry, base units.
pub const MAX_QUANTITY: i64 = 100_000_000;

/// What a partner reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportKind {
    /// Its stock on the report day (库存).
    Stock,
    /// What it sold on the report day (销量).
    SellOut,
}

impl ReportKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            ReportKind::Stock => "stock",
            ReportKind::SellOut => "sell_out",
        }
    }

    /// Parses a submitted name.
    pub fn parse(field: &str, text: &str) -> Result<ReportKind, FieldError> {
        match text.trim() {
            "stock" => Ok(ReportKind::Stock),
            "sell_out" => Ok(ReportKind::SellOut),
            _ => Err(FieldError::with_param(field, "not_one_of", "stock, sell_out")),
        }
    }
}

/// One partner × SKU as the brand reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Position {
    /// The last reported stock.
    pub reported: i64,
    /// Shipped to the partner since that count.
    pub sell_in_since: i64,
    /// Reported sold since that count.
    pub sold_since: i64,
    /// Reported sold over the last [`AVERAGE_DAYS`] days.
    pub sold_recently: i64,
}

impl Position {
    /// The stock now, estimated: last count, plus sell-in, less sell-out since (never below 0).
    pub fn estimated(&self) -> i64 {
        (self.reported + self.sell_in_since - self.sold_since).max(0)
    }

    /// Average daily sell-out, base units per day, in hundredths (exact integers all the way).
    pub fn daily_sell_out_centi(&self) -> i64 {
        self.sold_recently * 100 / AVERAGE_DAYS
    }

    /// Days the estimated stock lasts at the average sell-out; `None` when nothing sells.
    pub fn days_of_cover(&self) -> Option<i64> {
        let daily = self.daily_sell_out_centi();
        (daily > 0).then(|| self.estimated() * 100 / daily)
    }

    /// Safety stock covering `days` of the average sell-out, rounded up.
    pub fn safety_for(&self, days: i64) -> i64 {
        (self.sold_recently * days + AVERAGE_DAYS - 1) / AVERAGE_DAYS
    }

    /// Whether the estimated stock is below `safety`.
    pub fn under(&self, safety: Option<i64>) -> bool {
        safety.is_some_and(|s| self.estimated() < s)
    }
}

/// Checks a reported quantity.
pub fn check_quantity(field: &str, quantity: i64) -> Result<i64, FieldError> {
    if (0..=MAX_QUANTITY).contains(&quantity) { Ok(quantity) } else { Err(FieldError::new(field, "invalid_quantity")) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stock_is_the_last_count_plus_sell_in_less_sell_out() {
        let p = Position { reported: 100, sell_in_since: 50, sold_since: 30, sold_recently: 60 };
        assert_eq!(p.estimated(), 120);
        assert_eq!(p.daily_sell_out_centi(), 200, "2 a day");
        assert_eq!(p.days_of_cover(), Some(60));
        assert_eq!(p.safety_for(14), 28);
        assert!(p.under(Some(121)) && !p.under(Some(120)) && !p.under(None));
        let idle = Position { reported: 5, ..Position::default() };
        assert_eq!(idle.days_of_cover(), None, "nothing sells: no cover figure");
        let oversold = Position { reported: 1, sold_since: 9, ..Position::default() };
        assert_eq!(oversold.estimated(), 0);
    }

    #[test]
    fn reports_name_their_kind_and_quantities_are_whole_and_bounded() {
        assert_eq!(ReportKind::parse("kind", "sell_out"), Ok(ReportKind::SellOut));
        assert!(ReportKind::parse("kind", "sales").is_err());
        assert!(check_quantity("q", -1).is_err());
        assert_eq!(check_quantity("q", 0), Ok(0));
    }
}
