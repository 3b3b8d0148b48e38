//! Formatting for pages: times in China Standard Time.

/// `YYYY-MM-DD HH:MM` in UTC+8.
pub fn datetime(ms: i64) -> String {
    let date = qudao_app::clock::china_date(ms);
    let minutes_of_day = (ms + 8 * 3_600_000).rem_euclid(86_400_000) / 60_000;
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        date / 10_000,
        date / 100 % 100,
        date % 100,
        minutes_of_day / 60,
        minutes_of_day % 60
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn times_are_shown_in_china_time() {
        assert_eq!(super::datetime(1_795_795_199_000), "2026-11-27 23:59");
    }
}
