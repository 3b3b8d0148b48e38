//! Formatting for pages: times in China Standard Time.

/// `YYYY-MM-DD HH:MM` in UTC+8 (the same form documents and exports use).
pub fn datetime(ms: i64) -> String {
    qudao_app::clock::china_datetime(ms)
}

#[cfg(test)]
mod tests {
    #[test]
    fn times_are_shown_in_china_time() {
        assert_eq!(super::datetime(1_795_795_199_000), "2026-11-27 23:59");
    }
}
