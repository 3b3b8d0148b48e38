//! Product and SKU input, parsed into checked drafts.

use super::TaxRate;
use crate::{Currency, FieldError, Invalid, Money, text};

/// Raw product fields from a form, API body or import row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProductInput {
    /// Product code.
    pub code: Option<String>,
    /// Chinese name.
    pub name_zh: Option<String>,
    /// English name.
    pub name_en: Option<String>,
    /// Category code.
    pub category: Option<String>,
    /// Brand code.
    pub brand: Option<String>,
    /// Base unit code (the smallest unit sold, e.g. `bottle`).
    pub base_unit: Option<String>,
    /// Tax rate as typed.
    pub tax_rate: Option<String>,
    /// Description.
    pub description: Option<String>,
}

/// A checked product; category, brand and unit codes are resolved by the use case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductDraft {
    /// Upper-case code.
    pub code: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Category code.
    pub category_code: String,
    /// Brand code.
    pub brand_code: String,
    /// Base unit code.
    pub base_unit_code: String,
    /// VAT rate.
    pub tax_rate: TaxRate,
    /// Description.
    pub description: Option<String>,
}

impl ProductDraft {
    /// Parses every field; both names are required because the UI is complete in both languages.
    pub fn parse(input: &ProductInput) -> Result<ProductDraft, Invalid> {
        let mut invalid = Invalid::new();
        let code = invalid.check(text::code("code", input.code.as_deref().unwrap_or(""), 40));
        let name_zh = invalid.check(text::required("name_zh", input.name_zh.as_deref().unwrap_or(""), 100));
        let name_en = invalid.check(text::required("name_en", input.name_en.as_deref().unwrap_or(""), 150));
        let category_code = invalid.check(text::code("category", input.category.as_deref().unwrap_or(""), 40));
        let brand_code = invalid.check(text::code("brand", input.brand.as_deref().unwrap_or(""), 40));
        let base_unit_code = invalid.check(text::code("base_unit", input.base_unit.as_deref().unwrap_or(""), 20));
        let tax_rate = match input.tax_rate.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => Some(TaxRate::STANDARD),
            Some(rate) => invalid.check(TaxRate::parse("tax_rate", rate)),
        };
        let description = invalid.check(text::optional_multiline("description", input.description.as_deref(), 4000));
        match (code, name_zh, name_en, category_code, brand_code, base_unit_code, tax_rate, description) {
            (
                Some(code),
                Some(name_zh),
                Some(name_en),
                Some(category_code),
                Some(brand_code),
                Some(base_unit_code),
                Some(tax_rate),
                Some(description),
            ) => Ok(ProductDraft {
                code,
                name_zh,
                name_en,
                category_code,
                brand_code,
                base_unit_code,
                tax_rate,
                description,
            }),
            _ => Err(invalid),
        }
    }
}

/// Raw SKU fields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SkuInput {
    /// SKU code.
    pub code: Option<String>,
    /// Attributes as "规格=500ml; 口味=原味".
    pub spec: Option<String>,
    /// EAN/UPC barcode.
    pub barcode: Option<String>,
    /// List price in yuan as typed.
    pub list_price: Option<String>,
    /// Currency code; CNY when empty.
    pub currency: Option<String>,
}

/// A checked SKU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkuDraft {
    /// Upper-case code.
    pub code: String,
    /// Attribute name/value pairs in the order given.
    pub spec: Vec<(String, String)>,
    /// Barcode digits.
    pub barcode: Option<String>,
    /// Base list price per base unit, tax included.
    pub list_price: Money,
}

impl SkuDraft {
    /// Parses every field.
    pub fn parse(input: &SkuInput) -> Result<SkuDraft, Invalid> {
        let mut invalid = Invalid::new();
        let code = invalid.check(text::code("code", input.code.as_deref().unwrap_or(""), 40));
        let spec = invalid.check(parse_spec("spec", input.spec.as_deref().unwrap_or("")));
        let barcode = match input.barcode.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(barcode) => {
                let digits = text::clean(barcode, false);
                if (8..=14).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit()) {
                    Some(digits)
                } else {
                    invalid.push(FieldError::new("barcode", "invalid_barcode"));
                    None
                }
            }
        };
        let currency = match input.currency.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => Some(Currency::CNY),
            Some(code) => {
                let parsed = Currency::parse(code);
                if parsed.is_none() {
                    invalid.push(FieldError::new("currency", "invalid_currency"));
                }
                parsed
            }
        };
        let list_price = match (input.list_price.as_deref(), currency) {
            (Some(price), Some(currency)) => {
                let price = invalid.check(Money::parse_major("list_price", price, currency));
                if price.is_some_and(|p| p.minor < 0) {
                    invalid.push(FieldError::new("list_price", "must_not_be_negative"));
                }
                price
            }
            (None, _) => {
                invalid.push(FieldError::new("list_price", "required"));
                None
            }
            _ => None,
        };
        match (code, spec, list_price) {
            (Some(code), Some(spec), Some(list_price)) if invalid.is_empty() => {
                Ok(SkuDraft { code, spec, barcode, list_price })
            }
            _ => Err(invalid),
        }
    }
}

/// Parses "规格=500ml; 口味=原味" (`;` or `；`, `=` or `：`/`:`) into ordered pairs.
pub fn parse_spec(field: &str, input: &str) -> Result<Vec<(String, String)>, FieldError> {
    let cleaned = text::clean(input, false);
    let mut pairs = Vec::new();
    for part in cleaned.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((name, value)) = part.split_once(['=', ':']) else {
            return Err(FieldError::new(field, "invalid_spec"));
        };
        let (name, value) = (name.trim(), value.trim());
        if name.is_empty() || value.is_empty() || name.chars().count() > 20 || value.chars().count() > 50 {
            return Err(FieldError::new(field, "invalid_spec"));
        }
        pairs.push((name.to_string(), value.to_string()));
    }
    if pairs.len() > 10 {
        return Err(FieldError::new(field, "invalid_spec"));
    }
    Ok(pairs)
}

/// How many base units one larger unit holds (箱 = 12 瓶). Must be at least 2, since a factor of 1
/// is the base unit itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnitConversion(u32);

impl UnitConversion {
    /// Parses a factor typed in a form.
    pub fn parse(field: &str, input: &str) -> Result<UnitConversion, FieldError> {
        let factor: u32 = text::clean(input, false).parse().map_err(|_| FieldError::new(field, "invalid_factor"))?;
        if !(2..=100_000).contains(&factor) {
            return Err(FieldError::new(field, "invalid_factor"));
        }
        Ok(UnitConversion(factor))
    }

    /// The factor.
    pub fn factor(self) -> i64 {
        i64::from(self.0)
    }

    /// Base units in `quantity` of the larger unit, checked.
    pub fn to_base(self, quantity: i64) -> Option<i64> {
        quantity.checked_mul(self.factor())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_accept_both_punctuations() {
        assert_eq!(
            parse_spec("s", "规格=500ml；口味：原味").unwrap(),
            vec![("规格".into(), "500ml".into()), ("口味".into(), "原味".into())]
        );
        assert_eq!(parse_spec("s", "").unwrap(), vec![]);
        assert!(parse_spec("s", "500ml").is_err());
    }

    #[test]
    fn skus_need_a_code_and_a_price() {
        let sku = SkuDraft::parse(&SkuInput {
            code: Some("cola-500".into()),
            list_price: Some("3.5".into()),
            ..SkuInput::default()
        })
        .unwrap();
        assert_eq!(sku.code, "COLA-500");
        assert_eq!(sku.list_price, Money::new(350, Currency::CNY));
        let errors =
            SkuDraft::parse(&SkuInput { list_price: Some("-1".into()), ..SkuInput::default() }).unwrap_err().errors;
        let codes: Vec<&str> = errors.iter().map(|e| e.code).collect();
        assert!(codes.contains(&"required"));
        assert!(codes.contains(&"must_not_be_negative"));
    }

    #[test]
    fn unit_conversions_are_whole_and_above_one() {
        let case = UnitConversion::parse("f", "12").unwrap();
        assert_eq!(case.to_base(3), Some(36));
        assert!(UnitConversion::parse("f", "1").is_err());
        assert!(UnitConversion::parse("f", "1.5").is_err());
        assert_eq!(case.to_base(i64::MAX), None);
    }
}
