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

/// Days since 1970-01-01 of a `yyyymmdd` date (Howard Hinnant's published algorithm).
pub fn days_from_civil(yyyymmdd: u32) -> i64 {
    let (y, m, d) = (i64::from(yyyymmdd / 10_000), i64::from(yyyymmdd / 100 % 100), i64::from(yyyymmdd % 100));
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Whole days from `from` to `to` (`yyyymmdd`; negative when `to` is earlier).
pub fn days_between(from: u32, to: u32) -> i64 {
    days_from_civil(to) - days_from_civil(from)
}

/// The instant a China date begins (00:00 UTC+8), epoch ms: the boundary periods of dates are cut
/// at.
pub fn china_midnight_ms(yyyymmdd: u32) -> i64 {
    days_from_civil(yyyymmdd) * 86_400_000 - 8 * 3_600_000
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

    #[test]
    fn china_dates_begin_at_sixteen_hundred_utc_the_day_before() {
        assert_eq!(days_from_civil(19_700_101), 0);
        assert_eq!(days_between(20_240_228, 20_240_301), 2, "a leap year's February");
        assert_eq!(days_between(20_250_228, 20_250_301), 1);
        // 2026-11-29T00:00+08:00 is 2026-11-28T16:00Z = 1_795_881_600_000.
        assert_eq!(china_midnight_ms(20_261_129), 1_795_881_600_000);
    }
}
