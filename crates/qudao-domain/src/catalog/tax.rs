//! VAT rates (增值税税率) in basis points.

use std::fmt;

use crate::FieldError;

/// A tax rate in basis points (1300 = 13%). China's VAT rates are 13%, 9%, 6%, 3% and 0%; the type
/// allows any rate from 0 to 100% so other markets fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(transparent)]
pub struct TaxRate(u16);

impl TaxRate {
    /// The standard rate for goods in mainland China.
    pub const STANDARD: TaxRate = TaxRate(1300);

    /// A rate from basis points; `None` above 100%.
    pub fn from_basis_points(bp: i64) -> Option<TaxRate> {
        u16::try_from(bp).ok().filter(|bp| *bp <= 10_000).map(TaxRate)
    }

    /// Parses "13", "13%" or "0.13" as typed in a form or sheet.
    pub fn parse(field: &str, input: &str) -> Result<TaxRate, FieldError> {
        let cleaned = crate::text::clean(input, false).trim_end_matches('%').trim().to_string();
        let percent: f64 = cleaned.parse().map_err(|_| FieldError::new(field, "invalid_tax_rate"))?;
        let percent =
            if percent > 0.0 && percent < 1.0 && cleaned.starts_with("0.") { percent * 100.0 } else { percent };
        let bp = (percent * 100.0).round();
        if !(0.0..=10_000.0).contains(&bp) {
            return Err(FieldError::new(field, "invalid_tax_rate"));
        }
        Ok(TaxRate(bp as u16))
    }

    /// The rate in basis points, as stored.
    pub fn basis_points(self) -> i64 {
        i64::from(self.0)
    }
}

impl fmt::Display for TaxRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_multiple_of(100) {
            write!(f, "{}%", self.0 / 100)
        } else {
            write!(f, "{}.{:02}%", self.0 / 100, self.0 % 100)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_parse_as_typed() {
        assert_eq!(TaxRate::parse("t", "13").unwrap(), TaxRate::STANDARD);
        assert_eq!(TaxRate::parse("t", "13%").unwrap(), TaxRate::STANDARD);
        assert_eq!(TaxRate::parse("t", "0.13").unwrap(), TaxRate::STANDARD);
        assert_eq!(TaxRate::parse("t", "0").unwrap().basis_points(), 0);
        assert_eq!(TaxRate::parse("t", "6.5").unwrap().to_string(), "6.50%");
        assert!(TaxRate::parse("t", "101").is_err());
        assert!(TaxRate::parse("t", "-1").is_err());
        assert!(TaxRate::parse("t", "abc").is_err());
    }
}
