//! The calendar the demo's order history follows: China business dates, the Spring Festival
//! (春节) that shapes the year of a food and beverage brand, and the seasonal weight of a day.

use super::timeline::DAY_MS;

/// China Standard Time is UTC+8 all year.
const CHINA_OFFSET_MS: i64 = 8 * 3_600_000;

/// 春节 (the first day of the lunar year) around the demo's history, `yyyymmdd`. Fixed by the
/// lunar calendar; listed instead of computed.
const SPRING_FESTIVALS: [u32; 8] = [20230122, 20240210, 20250129, 20260217, 20270206, 20280126, 20290213, 20300203];

/// Midnight of a China business date, in epoch milliseconds.
pub(crate) fn midnight_ms(date: u32) -> i64 {
    qudao_domain::dates::china_midnight_ms(date)
}

/// The China business date of an instant.
pub(crate) fn date_of(ms: i64) -> u32 {
    crate::clock::china_date(ms)
}

/// The month of an instant as `yyyymm`.
pub(crate) fn month_of(ms: i64) -> u32 {
    date_of(ms) / 100
}

/// The date `days` after (or before) `date`.
pub(crate) fn add_days(date: u32, days: i64) -> u32 {
    date_of(midnight_ms(date) + days * DAY_MS + DAY_MS / 2)
}

/// Days from the instant to the next Spring Festival, and since the last one (either may be
/// `None` outside the table).
fn festival_distance(ms: i64) -> (Option<i64>, Option<i64>) {
    let day = (ms + CHINA_OFFSET_MS).div_euclid(DAY_MS);
    let mut until = None;
    let mut since = None;
    for festival in SPRING_FESTIVALS {
        let f = (midnight_ms(festival) + CHINA_OFFSET_MS).div_euclid(DAY_MS);
        if f > day {
            until = until.or(Some(f - day));
        } else {
            since = Some(day - f);
        }
    }
    (until, since)
}

/// How busy ordering is on the day of `ms`, 1.0 being an ordinary day: partners stock up in
/// the four weeks before 春节 and in December, order little in the three weeks after it and
/// less than usual in the weeks that follow; summer (drinks) and the Mid-Autumn season are
/// busier.
pub(crate) fn season(ms: i64) -> f64 {
    const BY_MONTH: [f64; 12] = [1.3, 1.0, 0.85, 0.9, 1.0, 1.15, 1.25, 1.2, 1.1, 1.0, 1.0, 1.2];
    let month = (month_of(ms) % 100).clamp(1, 12) as usize;
    let mut weight = BY_MONTH[month - 1];
    match festival_distance(ms) {
        (Some(until), _) if until <= 28 => weight *= 1.5,
        (_, Some(since)) if since < 21 => weight *= 0.35,
        (_, Some(since)) if since < 42 => weight *= 0.75,
        _ => {}
    }
    weight
}

/// Whether beverages sell above the year's average in this month (June to August).
pub(crate) fn summer(ms: i64) -> bool {
    matches!(month_of(ms) % 100, 6..=8)
}

/// The Spring Festivals whose four weeks of stocking up lie between `from` and `to`.
pub(crate) fn festivals_between(from: u32, to: u32) -> Vec<u32> {
    SPRING_FESTIVALS.into_iter().filter(|f| add_days(*f, -28) >= from && *f <= to).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_in_china_time() {
        let ms = midnight_ms(20260217);
        assert_eq!(date_of(ms), 20260217);
        assert_eq!(date_of(ms - 1), 20260216);
        assert_eq!(add_days(20260228, 1), 20260301);
        assert_eq!(add_days(20240301, -1), 20240229);
        assert_eq!(month_of(ms), 202602);
    }

    #[test]
    fn the_weeks_before_the_festival_are_busiest_and_the_weeks_after_slowest() {
        let before = season(midnight_ms(20260201));
        let after = season(midnight_ms(20260225));
        let march = season(midnight_ms(20260320));
        let ordinary = season(midnight_ms(20261020));
        assert!(before >= 1.5 * ordinary, "{before} {ordinary}");
        assert!(after < 0.5 * ordinary, "{after}");
        assert!(march < ordinary, "{march}");
        assert!(summer(midnight_ms(20260715)) && !summer(midnight_ms(20261015)));
        assert_eq!(festivals_between(20241128, 20261128), vec![20250129, 20260217]);
    }
}
