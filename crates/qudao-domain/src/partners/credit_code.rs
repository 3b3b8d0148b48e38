//! The unified social credit code (统一社会信用代码, GB 32100-2015).

use std::fmt;

use crate::FieldError;

/// The 31 characters a code may use: digits and upper-case letters without I, O, S, V and Z.
const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// The weight of each of the first 17 positions (3^i mod 31).
const WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/// A credit code whose check character is right; two partners with the same code are the same
/// legal entity.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, utoipa::ToSchema)]
#[serde(transparent)]
pub struct CreditCode(String);

impl CreditCode {
    /// Parses a code as typed: spaces and full-width characters are folded, letters upper-cased.
    pub fn parse(field: &str, input: &str) -> Result<CreditCode, FieldError> {
        let code: String = crate::text::clean(input, false)
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_uppercase();
        if code.len() != 18 || !code.is_ascii() {
            return Err(FieldError::new(field, "invalid_credit_code"));
        }
        let mut values = [0u32; 18];
        for (slot, byte) in values.iter_mut().zip(code.bytes()) {
            match ALPHABET.iter().position(|a| *a == byte) {
                Some(value) => *slot = value as u32,
                None => return Err(FieldError::new(field, "invalid_credit_code")),
            }
        }
        // Positions 3–8 are the administrative division code: digits only.
        if !code.as_bytes()[2..8].iter().all(u8::is_ascii_digit) {
            return Err(FieldError::new(field, "invalid_credit_code"));
        }
        if check_value(&values[..17]) != values[17] {
            return Err(FieldError::new(field, "invalid_credit_code"));
        }
        Ok(CreditCode(code))
    }

    /// Completes 17 characters with their check character; the demo data and tests make valid
    /// codes with it.
    pub fn with_check_char(first17: &str) -> Option<CreditCode> {
        if first17.len() != 17 {
            return None;
        }
        let mut values = Vec::with_capacity(17);
        for byte in first17.bytes() {
            values.push(ALPHABET.iter().position(|a| *a == byte)? as u32);
        }
        let check = ALPHABET[check_value(&values) as usize] as char;
        Some(CreditCode(format!("{first17}{check}")))
    }

    /// The code as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn check_value(values: &[u32]) -> u32 {
    let sum: u32 = values.iter().zip(WEIGHTS).map(|(v, w)| v * w).sum();
    (31 - sum % 31) % 31
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn published_codes_are_accepted() {
        // Codes printed on the public business licences of well-known companies.
        for code in ["914403001922038216", "91330100716105852F"] {
            assert!(CreditCode::parse("c", code).is_ok(), "{code}");
        }
    }

    #[test]
    fn codes_made_with_their_check_char_parse_and_a_changed_char_fails() {
        let code = CreditCode::with_check_char("91310115MA1K4LPQ2").unwrap();
        assert_eq!(CreditCode::parse("c", code.as_str()).unwrap(), code);
        assert_eq!(CreditCode::parse("c", &code.as_str().to_lowercase()).unwrap(), code);
        let mut broken = code.as_str().to_string();
        broken.replace_range(5..6, if &broken[5..6] == "1" { "2" } else { "1" });
        assert_eq!(CreditCode::parse("c", &broken).unwrap_err().code, "invalid_credit_code");
    }

    #[test]
    fn malformed_codes_are_refused() {
        for bad in ["", "123", "91310115MA1K4LPQ2I", "9131011SMA1K4LPQ21", "ＡＢＣ"] {
            assert!(CreditCode::parse("c", bad).is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn any_single_character_change_is_detected(
            body in "[0-9]{2}[0-9]{6}[0-9A-HJ-NP-RTUWXY]{9}",
            position in 0usize..18,
            replacement in 0usize..31,
        ) {
            let code = CreditCode::with_check_char(&body).unwrap();
            let mut bytes = code.as_str().as_bytes().to_vec();
            let new = ALPHABET[replacement];
            prop_assume!(bytes[position] != new);
            bytes[position] = new;
            let changed = String::from_utf8(bytes).unwrap();
            prop_assert!(CreditCode::parse("c", &changed).is_err());
        }
    }
}
