//! Phone numbers, e-mail addresses and address kinds as partners type them.

use crate::FieldError;

/// Normalises a phone number: a mainland mobile (11 digits starting 1[3-9], "+86" allowed) or a
/// landline with area code ("021-6888 8888"). Stored digits-and-dashes only.
pub fn parse_phone(field: &str, input: &str) -> Result<String, FieldError> {
    let cleaned = crate::text::clean(input, false);
    let mut digits: String = cleaned.chars().filter(|c| c.is_ascii_digit() || *c == '-').collect();
    let rest_is_noise = cleaned.chars().all(|c| c.is_ascii_digit() || " -+()".contains(c));
    if !rest_is_noise {
        return Err(FieldError::new(field, "invalid_phone"));
    }
    if cleaned.starts_with("+86") || cleaned.starts_with("0086") {
        digits = digits.trim_start_matches("00").trim_start_matches("86").to_string();
    }
    let plain: String = digits.chars().filter(char::is_ascii_digit).collect();
    let mobile = plain.len() == 11 && plain.starts_with('1') && matches!(plain.as_bytes()[1], b'3'..=b'9');
    if mobile {
        return Ok(plain);
    }
    let landline = plain.starts_with('0') && (10..=12).contains(&plain.len());
    if landline {
        // Keep the dash between area code and number if the user typed one.
        return Ok(digits.trim_matches('-').to_string());
    }
    Err(FieldError::new(field, "invalid_phone"))
}

/// Lower-cases and checks the shape of an e-mail address (one `@`, a dotted domain, no spaces).
pub fn parse_email(field: &str, input: &str) -> Result<String, FieldError> {
    let value = crate::text::clean(input, false).to_lowercase();
    let Some((local, domain)) = value.split_once('@') else {
        return Err(FieldError::new(field, "invalid_email"));
    };
    let ok = !local.is_empty()
        && local.len() <= 64
        && value.len() <= 254
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && !value.contains(char::is_whitespace)
        && !domain.contains('@')
        && domain.chars().all(|c| c.is_alphanumeric() || c == '.' || c == '-');
    if ok { Ok(value) } else { Err(FieldError::new(field, "invalid_email")) }
}

/// What an address is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AddressKind {
    /// 收货地址: where goods are delivered.
    Shipping,
    /// 开票地址: where invoices go.
    Billing,
    /// 办公地址: the office.
    Office,
}

impl AddressKind {
    /// Every kind.
    pub const ALL: [AddressKind; 3] = [AddressKind::Shipping, AddressKind::Billing, AddressKind::Office];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            AddressKind::Shipping => "shipping",
            AddressKind::Billing => "billing",
            AddressKind::Office => "office",
        }
    }

    /// Parses a stored or submitted name.
    pub fn parse(field: &str, value: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == value.trim())
            .ok_or_else(|| FieldError::new(field, "invalid_choice"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobiles_and_landlines_are_normalised() {
        assert_eq!(parse_phone("p", "138 0013 8000").unwrap(), "13800138000");
        assert_eq!(parse_phone("p", "+86 138-0013-8000").unwrap(), "13800138000");
        assert_eq!(parse_phone("p", "021-68888888").unwrap(), "021-68888888");
        assert_eq!(parse_phone("p", "１３８００１３８０００").unwrap(), "13800138000");
    }

    #[test]
    fn bad_phones_are_refused() {
        for bad in ["12345", "23800138000", "call me", "138001380001", ""] {
            assert_eq!(parse_phone("p", bad).unwrap_err().code, "invalid_phone", "{bad}");
        }
    }

    #[test]
    fn emails_are_checked_and_lower_cased() {
        assert_eq!(parse_email("e", " Li.Lei@Example.COM ").unwrap(), "li.lei@example.com");
        for bad in ["li", "li@", "@x.cn", "li@x", "li@@x.cn", "li lei@x.cn", "li@x..cn"] {
            assert!(parse_email("e", bad).is_err(), "{bad}");
        }
    }
}
