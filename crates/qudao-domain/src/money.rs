//! Money as integer minor units.
//!
//! Amounts are `i64` fen (or cents) with their currency; there is no floating point anywhere money
//! is added, and every operation that could overflow is checked. Allocation of a total over parts
//! is exact (largest remainder), so lines always add up to their order's total.

use std::fmt;

use crate::FieldError;

/// An ISO 4217 currency Qudao can hold; each knows how many minor units make a major one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub enum Currency {
    /// Renminbi, 2 decimals (fen).
    CNY,
    /// Hong Kong dollar, 2 decimals.
    HKD,
    /// US dollar, 2 decimals.
    USD,
}

impl Currency {
    /// The three-letter code, as stored.
    pub fn code(self) -> &'static str {
        match self {
            Currency::CNY => "CNY",
            Currency::HKD => "HKD",
            Currency::USD => "USD",
        }
    }

    /// Parses a three-letter code; anything else is refused rather than guessed.
    pub fn parse(code: &str) -> Option<Currency> {
        match code.trim().to_ascii_uppercase().as_str() {
            "CNY" | "RMB" => Some(Currency::CNY),
            "HKD" => Some(Currency::HKD),
            "USD" => Some(Currency::USD),
            _ => None,
        }
    }

    fn symbol(self) -> &'static str {
        match self {
            Currency::CNY => "¥",
            Currency::HKD => "HK$",
            Currency::USD => "US$",
        }
    }
}

/// An amount in minor units (fen) with its currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Money {
    /// Minor units: 1234 CNY means ¥12.34.
    pub minor: i64,
    /// The currency of the amount.
    pub currency: Currency,
}

/// Arithmetic between two currencies, or past `i64`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// The two amounts are in different currencies.
    #[error("currencies differ")]
    CurrencyMismatch,
    /// The result does not fit in 64 bits.
    #[error("amount overflow")]
    Overflow,
}

impl Money {
    /// An amount in minor units.
    pub const fn new(minor: i64, currency: Currency) -> Self {
        Self { minor, currency }
    }

    /// Zero in `currency`.
    pub const fn zero(currency: Currency) -> Self {
        Self { minor: 0, currency }
    }

    /// Checked addition in one currency.
    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        if self.currency != other.currency {
            return Err(MoneyError::CurrencyMismatch);
        }
        let minor = self.minor.checked_add(other.minor).ok_or(MoneyError::Overflow)?;
        Ok(Money::new(minor, self.currency))
    }

    /// Checked subtraction in one currency.
    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyError> {
        if self.currency != other.currency {
            return Err(MoneyError::CurrencyMismatch);
        }
        let minor = self.minor.checked_sub(other.minor).ok_or(MoneyError::Overflow)?;
        Ok(Money::new(minor, self.currency))
    }

    /// Checked multiplication by a whole quantity.
    pub fn checked_mul(self, quantity: i64) -> Result<Money, MoneyError> {
        let minor = self.minor.checked_mul(quantity).ok_or(MoneyError::Overflow)?;
        Ok(Money::new(minor, self.currency))
    }

    /// Parses a decimal amount as people type it ("12", "12.5", "1,234.56", "¥12.30") into minor
    /// units; more than two decimals are refused rather than silently rounded.
    pub fn parse_major(field: &str, input: &str, currency: Currency) -> Result<Money, FieldError> {
        let cleaned: String =
            crate::text::clean(input, false).chars().filter(|c| !matches!(c, ',' | '¥' | '￥' | ' ' | '$')).collect();
        let (negative, digits) = match cleaned.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, cleaned.as_str()),
        };
        let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
        let valid =
            !whole.is_empty() && whole.chars().all(|c| c.is_ascii_digit()) && frac.chars().all(|c| c.is_ascii_digit());
        if !valid {
            return Err(FieldError::new(field, "invalid_amount"));
        }
        if frac.len() > 2 {
            return Err(FieldError::new(field, "too_many_decimals"));
        }
        let whole: i64 = whole.parse().map_err(|_| FieldError::new(field, "invalid_amount"))?;
        let mut frac_minor: i64 = frac.parse().unwrap_or(0);
        if frac.len() == 1 {
            frac_minor *= 10;
        }
        let minor = whole
            .checked_mul(100)
            .and_then(|w| w.checked_add(frac_minor))
            .ok_or_else(|| FieldError::new(field, "invalid_amount"))?;
        Ok(Money::new(if negative { -minor } else { minor }, currency))
    }

    /// The amount as a plain decimal ("1234.50"), for exports and form values.
    pub fn to_decimal_string(self) -> String {
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        format!("{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

impl fmt::Display for Money {
    /// "¥1,234.50": the currency symbol and thousands separators, for pages.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        let whole = (abs / 100).to_string();
        let mut grouped = String::new();
        for (i, ch) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(ch);
        }
        write!(f, "{sign}{}{grouped}.{:02}", self.currency.symbol(), abs % 100)
    }
}

/// Divides `numerator / denominator` rounding half away from zero: the rounding rule Chinese
/// invoices use (四舍五入). `denominator` must be positive.
pub fn round_half_up(numerator: i128, denominator: i128) -> i128 {
    debug_assert!(denominator > 0);
    let quotient = numerator / denominator;
    let remainder = numerator % denominator;
    if remainder.abs() * 2 >= denominator { quotient + numerator.signum() } else { quotient }
}

/// Splits `total` over parts in proportion to `weights` so that the parts add up to exactly
/// `total`: each part gets its floor share, and the fen left over go one by one to the parts with
/// the largest remainders (ties to the earlier part). All-zero weights split evenly.
pub fn allocate(total: i64, weights: &[i64]) -> Vec<i64> {
    if weights.is_empty() {
        return Vec::new();
    }
    let weights: Vec<i128> = if weights.iter().all(|w| *w <= 0) {
        vec![1; weights.len()]
    } else {
        weights.iter().map(|w| i128::from((*w).max(0))).collect()
    };
    let sum: i128 = weights.iter().sum();
    let total_wide = i128::from(total);
    let magnitude = total_wide.abs();
    let mut shares: Vec<i128> = Vec::with_capacity(weights.len());
    let mut remainders: Vec<(i128, usize)> = Vec::with_capacity(weights.len());
    for (index, weight) in weights.iter().enumerate() {
        let product = magnitude * weight;
        shares.push(product / sum);
        remainders.push((product % sum, index));
    }
    let mut left = magnitude - shares.iter().sum::<i128>();
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, index) in remainders {
        if left == 0 {
            break;
        }
        shares[index] += 1;
        left -= 1;
    }
    let sign = if total < 0 { -1 } else { 1 };
    // Each share is at most |total|, so it fits back into i64.
    shares.into_iter().map(|s| (s * sign) as i64).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn display_groups_thousands_with_the_symbol() {
        assert_eq!(Money::new(123_456_789, Currency::CNY).to_string(), "¥1,234,567.89");
        assert_eq!(Money::new(-5, Currency::CNY).to_string(), "-¥0.05");
        assert_eq!(Money::new(100, Currency::USD).to_string(), "US$1.00");
    }

    #[test]
    fn parse_major_reads_what_people_type() {
        let cny = Currency::CNY;
        assert_eq!(Money::parse_major("p", "12", cny).unwrap().minor, 1200);
        assert_eq!(Money::parse_major("p", "12.5", cny).unwrap().minor, 1250);
        assert_eq!(Money::parse_major("p", "¥1,234.56", cny).unwrap().minor, 123_456);
        assert_eq!(Money::parse_major("p", "１２.３", cny).unwrap().minor, 1230);
        assert_eq!(Money::parse_major("p", "1.234", cny).unwrap_err().code, "too_many_decimals");
        assert_eq!(Money::parse_major("p", "abc", cny).unwrap_err().code, "invalid_amount");
        assert_eq!(Money::parse_major("p", "", cny).unwrap_err().code, "invalid_amount");
        assert_eq!(Money::parse_major("p", "99999999999999999999", cny).unwrap_err().code, "invalid_amount");
    }

    #[test]
    fn arithmetic_refuses_mixed_currencies_and_overflow() {
        let a = Money::new(1, Currency::CNY);
        assert_eq!(a.checked_add(Money::new(1, Currency::USD)), Err(MoneyError::CurrencyMismatch));
        assert_eq!(Money::new(i64::MAX, Currency::CNY).checked_add(a), Err(MoneyError::Overflow));
        assert_eq!(a.checked_mul(3).unwrap().minor, 3);
    }

    #[test]
    fn rounding_is_half_up_away_from_zero() {
        assert_eq!(round_half_up(5, 10), 1);
        assert_eq!(round_half_up(4, 10), 0);
        assert_eq!(round_half_up(-5, 10), -1);
        assert_eq!(round_half_up(15, 10), 2);
    }

    #[test]
    fn allocation_gives_leftover_fen_to_largest_remainders() {
        assert_eq!(allocate(100, &[1, 1, 1]), vec![34, 33, 33]);
        assert_eq!(allocate(-100, &[1, 1, 1]), vec![-34, -33, -33]);
        assert_eq!(allocate(10, &[0, 0]), vec![5, 5]);
        assert_eq!(allocate(1000, &[700, 300]), vec![700, 300]);
    }

    proptest! {
        #[test]
        fn allocation_always_adds_up(total in -1_000_000_000i64..1_000_000_000,
                                     weights in proptest::collection::vec(0i64..1_000_000, 1..20)) {
            let parts = allocate(total, &weights);
            prop_assert_eq!(parts.len(), weights.len());
            prop_assert_eq!(parts.iter().sum::<i64>(), total);
            for part in parts {
                prop_assert!(part.signum() == 0 || part.signum() == total.signum());
            }
        }
    }
}
