//! Calendar dates as people type them, held as `yyyymmdd` numbers (comparable, portable).

use crate::FieldError;

/// Parses `2026-12-01` (or `2026/12/01`, `20261201`) into `20261201`, checking the day exists.
pub fn parse_date(field: &str, text: &str) -> Result<u32, FieldError> {
    let digits: String = text.trim().chars().filter(|c| c.is_ascii_digit()).collect();
    let separators_ok = text.trim().chars().all(|c| c.is_ascii_digit() || c == '-' || c == '/');
    let bad = || FieldError::new(field, "invalid_date");
    if !separators_ok {
        return Err(bad());
    }
    let parts: Vec<&str> = text.trim().split(['-', '/']).collect();
    let (y, m, d) = match parts.as_slice() {
        [all] if all.len() == 8 => (&digits[0..4], &digits[4..6], &digits[6..8]),
        [y, m, d] if y.len() == 4 && (1..=2).contains(&m.len()) && (1..=2).contains(&d.len()) => (*y, *m, *d),
        _ => return Err(bad()),
    };
    let (y, m, d): (u32, u32, u32) =
        (y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?, d.parse().map_err(|_| bad())?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return Err(bad()),
    };
    if !(2000..=2999).contains(&y) || d == 0 || d > days {
        return Err(bad());
    }
    Ok(y * 10_000 + m * 100 + d)
}

/// `20261201` as `2026-12-01`.
pub fn format_date(yyyymmdd: u32) -> String {
    format!("{:04}-{:02}-{:02}", yyyymmdd / 10_000, yyyymmdd / 100 % 100, yyyymmdd % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_in_the_usual_spellings_and_only_real_days() {
        assert_eq!(parse_date("d", "2026-12-01").unwrap(), 20_261_201);
        assert_eq!(parse_date("d", "2026/2/9").unwrap(), 20_260_209);
        assert_eq!(parse_date("d", "20280229").unwrap(), 20_280_229);
        assert!(parse_date("d", "2026-02-29").is_err());
        assert!(parse_date("d", "2026-13-01").is_err());
        assert!(parse_date("d", "tomorrow").is_err());
        assert_eq!(format_date(20_261_201), "2026-12-01");
    }
}
