//! Aging: what partners owe, by how long it has been overdue (账龄).

use serde::Serialize;

/// One day, in milliseconds.
const DAY_MS: i64 = 86_400_000;

/// Amounts owed by how far past their due date, fen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Buckets {
    /// Not yet due.
    pub current: i64,
    /// 1–30 days overdue (a day counts once it has fully passed).
    pub days_1_30: i64,
    /// 31–60 days overdue.
    pub days_31_60: i64,
    /// 61–90 days overdue.
    pub days_61_90: i64,
    /// More than 90 days overdue.
    pub over_90: i64,
}

impl Buckets {
    /// Everything owed.
    pub fn total(&self) -> i64 {
        self.current + self.overdue()
    }

    /// Everything past its due date.
    pub fn overdue(&self) -> i64 {
        self.days_1_30 + self.days_31_60 + self.days_61_90 + self.over_90
    }

    /// Adds `amount` due at `due_ms`, seen at `now_ms`.
    pub fn add(&mut self, amount: i64, due_ms: i64, now_ms: i64) {
        let late = now_ms - due_ms;
        if late <= 0 {
            self.current += amount;
            return;
        }
        // An order due yesterday at this time is one day overdue; one due an hour ago, too.
        let days = (late + DAY_MS - 1) / DAY_MS;
        match days {
            1..=30 => self.days_1_30 += amount,
            31..=60 => self.days_31_60 += amount,
            61..=90 => self.days_61_90 += amount,
            _ => self.over_90 += amount,
        }
    }

    /// The sum of two.
    pub fn plus(&self, other: &Buckets) -> Buckets {
        Buckets {
            current: self.current + other.current,
            days_1_30: self.days_1_30 + other.days_1_30,
            days_31_60: self.days_31_60 + other.days_31_60,
            days_61_90: self.days_61_90 + other.days_61_90,
            over_90: self.over_90 + other.over_90,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_fall_into_their_bucket_by_days_past_due() {
        let now = 1_000 * DAY_MS;
        let mut b = Buckets::default();
        b.add(1, now + 1, now);
        b.add(10, now, now);
        b.add(100, now - 1, now);
        b.add(1_000, now - 30 * DAY_MS, now);
        b.add(10_000, now - 30 * DAY_MS - 1, now);
        b.add(100_000, now - 60 * DAY_MS, now);
        b.add(1_000_000, now - 61 * DAY_MS, now);
        b.add(10_000_000, now - 90 * DAY_MS - 1, now);
        assert_eq!(
            b,
            Buckets { current: 11, days_1_30: 1_100, days_31_60: 110_000, days_61_90: 1_000_000, over_90: 10_000_000 }
        );
        assert_eq!(b.total(), 11_111_111);
        assert_eq!(b.overdue(), 11_111_100);
        assert_eq!(b.plus(&b).total(), 22_222_222);
    }
}
