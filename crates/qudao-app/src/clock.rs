//! The clock, injected so tests can move time (session timeouts, token expiry) without sleeping.

use std::sync::atomic::{AtomicI64, Ordering};

/// A source of the current time in epoch milliseconds.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Now, in milliseconds since the Unix epoch, UTC.
    fn now_ms(&self) -> i64;
}

/// The real clock.
#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        i64::try_from(now.as_millis()).unwrap_or(i64::MAX)
    }
}

/// The real clock plus an offset that tests advance.
#[derive(Debug, Default)]
pub struct ShiftedClock {
    offset_ms: AtomicI64,
}

impl ShiftedClock {
    /// Moves time forward.
    pub fn advance(&self, ms: i64) {
        self.offset_ms.fetch_add(ms, Ordering::SeqCst);
    }
}

impl Clock for ShiftedClock {
    fn now_ms(&self) -> i64 {
        SystemClock.now_ms() + self.offset_ms.load(Ordering::SeqCst)
    }
}

/// The business date `yyyymmdd` of an instant in China Standard Time (UTC+8, no daylight saving),
/// for document numbers and daily counters.
pub fn china_date(now_ms: i64) -> u32 {
    let days = (now_ms + 8 * 3_600_000).div_euclid(86_400_000);
    let (y, m, d) = civil_from_days(days);
    (y * 10_000 + m * 100 + d) as u32
}

/// An instant as RFC 3339 in UTC with milliseconds (`2026-11-29T08:00:00.000Z`), the form
/// webhook bodies carry.
pub fn rfc3339(ms: i64) -> String {
    let (y, m, d) = civil_from_days(ms.div_euclid(86_400_000));
    let in_day = ms.rem_euclid(86_400_000);
    let (h, min, s, milli) = (in_day / 3_600_000, in_day / 60_000 % 60, in_day / 1_000 % 60, in_day % 1_000);
    format!("{y:04}-{m:02}-{d:02}T{h:02}:{min:02}:{s:02}.{milli:03}Z")
}

/// An instant as people in China read it (`2026-11-29 16:05`, UTC+8), for documents.
pub fn china_datetime(ms: i64) -> String {
    let local = ms + 8 * 3_600_000;
    let (y, m, d) = civil_from_days(local.div_euclid(86_400_000));
    let in_day = local.rem_euclid(86_400_000);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}", in_day / 3_600_000, in_day / 60_000 % 60)
}

/// Days since 1970-01-01 to a (year, month, day) in the proleptic Gregorian calendar
/// (Howard Hinnant's published algorithm).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn business_dates_are_in_china_time() {
        // 2026-11-27T15:59:59Z is 23:59:59 in Beijing; one second later it is the 28th there.
        assert_eq!(china_date(1_795_795_199_000), 20261127);
        assert_eq!(china_date(1_795_795_200_000), 20261128);
        assert_eq!(china_date(0), 19700101);
        assert_eq!(china_date(951_782_400_000), 20000229);
    }

    #[test]
    fn instants_print_as_rfc_3339_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(1_795_795_199_123), "2026-11-27T15:59:59.123Z");
        assert_eq!(rfc3339(951_782_400_000 + 86_399_999), "2000-02-29T23:59:59.999Z");
    }

    #[test]
    fn the_shifted_clock_moves_forward() {
        let clock = ShiftedClock::default();
        let before = clock.now_ms();
        clock.advance(3_600_000);
        assert!(clock.now_ms() >= before + 3_600_000);
    }
}
