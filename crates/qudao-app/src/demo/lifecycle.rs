//! What happened to each demo order after it was placed, decided when it is placed: approval,
//! cancellation, one or two shipments and their delivery, signing for, completion and the
//! occasional return — each step at a plausible time, and only the steps that lie before now.

use super::rng::Rng;
use super::timeline::DAY_MS;

const HOUR_MS: i64 = 3_600_000;

/// How an order is paid, as far as its timeline is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pay {
    /// Credit or prepaid: approved at once unless it is over the automatic-approval limit.
    Account,
    /// Offline transfer: approved when finance confirms the money.
    Transfer,
}

/// The steps of one order, each `None` if it has not happened (yet, or ever).
#[derive(Debug, Clone, Default)]
pub(crate) struct Timeline {
    /// Approved (with the transfer confirmed, for transfers).
    pub approved_ms: Option<i64>,
    /// Cancelled (before anything shipped).
    pub cancelled_ms: Option<i64>,
    /// Shipments: when each left, when it was delivered, and the lines it carried (first
    /// `split` lines, or the rest).
    pub shipments: Vec<(i64, Option<i64>)>,
    /// Lines in the first shipment when there are two.
    pub split: Option<usize>,
    /// Signed for.
    pub received_ms: Option<i64>,
    /// Completed.
    pub completed_ms: Option<i64>,
    /// A return: (requested, approved, restocked).
    pub returned: Option<(i64, i64, i64)>,
}

impl Timeline {
    /// The status the order has now.
    pub(crate) fn status(&self, lines: usize) -> &'static str {
        if self.cancelled_ms.is_some() {
            return "cancelled";
        }
        if self.approved_ms.is_none() {
            return "submitted";
        }
        let planned = if self.split.is_some() { 2 } else { 1 };
        match self.shipments.len() {
            0 => "approved",
            n if n < planned && lines > 1 => "partially_shipped",
            _ if self.completed_ms.is_some() => "completed",
            _ if self.received_ms.is_some() => "received",
            _ => "shipped",
        }
    }

    /// Whether the order still holds stock.
    pub(crate) fn holds_stock(&self, lines: usize) -> bool {
        matches!(self.status(lines), "submitted" | "approved" | "partially_shipped")
    }
}

/// Decides an order's timeline. `review` is true when the total is over the automatic-approval
/// limit; `lines` the number of lines. Steps after `now_ms` are left out.
pub(crate) fn decide(placed_ms: i64, pay: Pay, review: bool, lines: usize, now_ms: i64, rng: &mut Rng) -> Timeline {
    let hours = |rng: &mut Rng, low: u64, high: u64| rng.between(low * 60, high * 60) as i64 * 60_000;
    let mut t = Timeline::default();
    let approved = match (pay, review) {
        (Pay::Transfer, _) => placed_ms + hours(rng, 2, 30),
        (Pay::Account, true) => placed_ms + hours(rng, 1, 6),
        (Pay::Account, false) => placed_ms,
    };
    let ship = approved + hours(rng, 18, 44);
    if rng.percent(3) {
        // Cancelled before anything shipped: by the partner, or rejected by the brand.
        let cancelled = (placed_ms + hours(rng, 1, 20)).min(ship - HOUR_MS);
        if cancelled <= now_ms {
            t.cancelled_ms = Some(cancelled);
            t.approved_ms = (approved <= cancelled).then_some(approved);
            return t;
        }
    }
    if approved > now_ms {
        return t;
    }
    t.approved_ms = Some(approved);
    let split = (lines >= 3 && rng.percent(20)).then_some(lines.div_ceil(2));
    let mut departures = vec![ship];
    if split.is_some() {
        departures.push(ship + hours(rng, 24, 72));
    }
    t.split = split;
    let mut last_delivery = None;
    for left in departures {
        if left > now_ms {
            break;
        }
        let delivered = left + hours(rng, 30, 96);
        let delivered = (delivered <= now_ms).then_some(delivered);
        last_delivery = delivered;
        t.shipments.push((left, delivered));
    }
    let planned = if split.is_some() { 2 } else { 1 };
    let Some(delivered) = last_delivery.filter(|_| t.shipments.len() == planned) else { return t };
    let received = delivered + hours(rng, 2, 30);
    if received > now_ms {
        return t;
    }
    t.received_ms = Some(received);
    let completed = received + 15 * DAY_MS;
    if rng.percent(2) {
        let requested = received + hours(rng, 24, 144);
        let decided = requested + hours(rng, 6, 30);
        let restocked = decided + hours(rng, 48, 120);
        if restocked <= now_ms {
            t.returned = Some((requested, decided, restocked));
        }
    }
    t.completed_ms = (completed <= now_ms).then_some(completed);
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_orders_are_closed_and_new_ones_open() {
        let now = 1_000 * DAY_MS;
        let mut rng = Rng::stream(1, 1);
        let mut closed = 0;
        for _ in 0..200 {
            let t = decide(now - 60 * DAY_MS, Pay::Account, false, 4, now, &mut rng);
            assert!(matches!(t.status(4), "completed" | "cancelled"), "{t:?}");
            closed += usize::from(t.status(4) == "completed");
            let fresh = decide(now - HOUR_MS, Pay::Transfer, false, 4, now, &mut rng);
            assert!(matches!(fresh.status(4), "submitted" | "cancelled"), "{fresh:?}");
            assert!(fresh.shipments.is_empty());
        }
        assert!(closed > 180, "{closed}");
        let shipping = decide(now - 3 * DAY_MS, Pay::Account, false, 1, now, &mut rng);
        assert!(matches!(shipping.status(1), "shipped" | "received" | "cancelled"), "{shipping:?}");
    }
}
