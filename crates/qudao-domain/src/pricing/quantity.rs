//! Minimum order quantities and order multiples.

use serde::Serialize;

use crate::FieldError;

/// A SKU's ordering rule in one unit: at least `minimum`, and a multiple of `multiple`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct QuantityRule {
    /// Least quantity per order line, in the unit.
    pub minimum: i64,
    /// Quantities must be a multiple of this (1 = any).
    pub multiple: i64,
}

impl Default for QuantityRule {
    fn default() -> Self {
        Self { minimum: 1, multiple: 1 }
    }
}

/// Checks a quantity typed for one line against its rule.
pub fn check_quantity(field: &str, quantity: i64, rule: QuantityRule) -> Result<(), FieldError> {
    if quantity <= 0 {
        return Err(FieldError::new(field, "quantity_not_positive"));
    }
    if quantity < rule.minimum {
        return Err(FieldError::with_param(field, "below_minimum", rule.minimum));
    }
    if rule.multiple > 1 && quantity % rule.multiple != 0 {
        return Err(FieldError::with_param(field, "not_a_multiple", rule.multiple));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_respect_minimum_and_multiple() {
        let rule = QuantityRule { minimum: 6, multiple: 6 };
        assert!(check_quantity("q", 12, rule).is_ok());
        assert_eq!(check_quantity("q", 0, rule).unwrap_err().code, "quantity_not_positive");
        assert_eq!(check_quantity("q", -6, rule).unwrap_err().code, "quantity_not_positive");
        assert_eq!(check_quantity("q", 3, rule).unwrap_err().code, "below_minimum");
        assert_eq!(check_quantity("q", 8, rule).unwrap_err().code, "not_a_multiple");
        assert!(check_quantity("q", 1, QuantityRule::default()).is_ok());
    }
}
