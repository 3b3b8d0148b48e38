//! When a webhook is delivered again, and what an endpoint's answer means.
//!
//! An ERP may be down over a weekend: deliveries are retried with exponential backoff and jitter
//! for at least 72 hours before an event is dead-lettered. The schedule is a pure function of the
//! attempt number and a jitter draw in `[0, 1)` supplied by the caller, so it is tested without
//! randomness and without a clock.

/// The first retry waits this long.
const FIRST_DELAY_MS: i64 = 5_000;

/// No wait between two attempts is longer than this, so a recovered endpoint is reached within
/// the hour.
const MAX_DELAY_MS: i64 = 60 * 60 * 1_000;

/// How long an event keeps being retried after its first attempt: 72 hours and a margin.
pub const MAX_RETRY_WINDOW_MS: i64 = 75 * 60 * 60 * 1_000;

/// The wait before attempt `attempt + 1`, after `attempt` failed attempts (1 = the first failed):
/// 5 s doubling per attempt up to an hour, then an hour, each shortened by up to a fifth by
/// `jitter` (in `[0, 1)`) so that endpoints that failed together are not all retried at the same
/// moment. A `Retry-After` the endpoint sent is honoured when it asks for longer, up to a day.
pub fn retry_delay_ms(attempt: u32, jitter: f64, retry_after_ms: Option<i64>) -> i64 {
    let doublings = attempt.saturating_sub(1).min(20);
    let base = FIRST_DELAY_MS.saturating_mul(1_i64 << doublings).min(MAX_DELAY_MS);
    let jitter = if jitter.is_finite() { jitter.clamp(0.0, 1.0) } else { 0.0 };
    // Truncation is intended: a delay is whole milliseconds.
    let shortened = base - ((base as f64) * 0.2 * jitter) as i64;
    match retry_after_ms {
        Some(asked) if asked > shortened => asked.min(24 * 60 * 60 * 1_000),
        _ => shortened,
    }
}

/// What to do after an endpoint answered (or did not).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    /// A 2xx: delivered.
    Delivered,
    /// 410 Gone: the endpoint asks never to be called again; it is disabled.
    DisableEndpoint,
    /// Anything else — another status, a timeout, a refused connection: try again later, until
    /// the retry window is over.
    Retry,
    /// The retry window is over: the event is dead-lettered for an admin to replay.
    DeadLetter,
}

/// What an answer means for an event first tried at `first_attempt_ms`, now `now_ms`. `status`
/// is `None` when no answer came.
pub fn disposition(status: Option<u16>, first_attempt_ms: i64, now_ms: i64) -> Disposition {
    match status {
        Some(200..=299) => Disposition::Delivered,
        Some(410) => Disposition::DisableEndpoint,
        _ if now_ms.saturating_sub(first_attempt_ms) >= MAX_RETRY_WINDOW_MS => Disposition::DeadLetter,
        _ => Disposition::Retry,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: i64 = 60 * 60 * 1_000;

    #[test]
    fn delays_double_from_five_seconds_up_to_an_hour() {
        let delays: Vec<i64> = (1..=12).map(|n| retry_delay_ms(n, 0.0, None)).collect();
        assert_eq!(&delays[..4], &[5_000, 10_000, 20_000, 40_000]);
        assert!(delays.windows(2).all(|w| w[1] >= w[0]), "{delays:?}");
        assert_eq!(retry_delay_ms(40, 0.0, None), HOUR);
        assert_eq!(retry_delay_ms(u32::MAX, 0.0, None), HOUR);
    }

    #[test]
    fn jitter_shortens_by_at_most_a_fifth() {
        for attempt in 1..30 {
            let full = retry_delay_ms(attempt, 0.0, None);
            let most = retry_delay_ms(attempt, 0.999_999, None);
            assert!(most <= full && most >= full - full / 5 - 1, "{attempt}: {most} vs {full}");
        }
        assert_eq!(retry_delay_ms(3, f64::NAN, None), 20_000, "a broken draw means no jitter");
    }

    #[test]
    fn retry_after_is_honoured_when_longer_up_to_a_day() {
        assert_eq!(retry_delay_ms(1, 0.0, Some(120_000)), 120_000);
        assert_eq!(retry_delay_ms(10, 0.0, Some(1_000)), retry_delay_ms(10, 0.0, None));
        assert_eq!(retry_delay_ms(1, 0.0, Some(7 * 24 * HOUR)), 24 * HOUR);
    }

    #[test]
    fn the_schedule_keeps_trying_for_at_least_seventy_two_hours() {
        // Even with the most jitter, the attempts inside the window span past 72 hours.
        let (mut elapsed, mut attempt) = (0_i64, 1_u32);
        while disposition(None, 0, elapsed) == Disposition::Retry {
            elapsed += retry_delay_ms(attempt, 0.999, None);
            attempt += 1;
        }
        assert!(elapsed >= 72 * HOUR, "gave up after {elapsed} ms");
        assert!(attempt < 200, "{attempt} attempts is too many for one event");
    }

    #[test]
    fn answers_are_read_by_status() {
        assert_eq!(disposition(Some(200), 0, 1), Disposition::Delivered);
        assert_eq!(disposition(Some(204), 0, 1), Disposition::Delivered);
        assert_eq!(disposition(Some(410), 0, 1), Disposition::DisableEndpoint);
        assert_eq!(disposition(Some(500), 0, 1), Disposition::Retry);
        assert_eq!(disposition(Some(429), 0, 1), Disposition::Retry);
        assert_eq!(disposition(Some(301), 0, 1), Disposition::Retry, "redirects are not followed");
        assert_eq!(disposition(None, 0, MAX_RETRY_WINDOW_MS), Disposition::DeadLetter);
        assert_eq!(disposition(Some(200), 0, MAX_RETRY_WINDOW_MS), Disposition::Delivered);
    }
}
