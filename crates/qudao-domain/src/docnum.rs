//! Human-readable document numbers such as `SO-20261127-0001`.
//!
//! Partners read numbers aloud on the phone and type them into their own books, so documents get a
//! short prefix, the business date and a daily sequence. The sequence itself comes from a counter
//! row in the store; this module only decides the shape.

/// Formats `PREFIX-YYYYMMDD-NNNN`; the sequence widens past 9999 rather than wrapping.
pub fn format(prefix: &str, yyyymmdd: u32, sequence: u64) -> String {
    format!("{prefix}-{yyyymmdd:08}-{sequence:04}")
}

/// Formats a dateless master-data code such as `P-000123` for partners.
pub fn format_code(prefix: &str, sequence: u64) -> String {
    format!("{prefix}-{sequence:06}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn numbers_read_like_the_spec() {
        assert_eq!(super::format("SO", 20261127, 1), "SO-20261127-0001");
        assert_eq!(super::format("SO", 20261127, 12345), "SO-20261127-12345");
        assert_eq!(super::format_code("P", 42), "P-000042");
    }
}
