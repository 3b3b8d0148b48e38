//! When each demo partner joined: the plan spreads the partners over two years, parents before
//! their sub-dealers and prospects mostly in the last months, and that order is also the order in
//! which they are written (and so of their codes).

use qudao_domain::partners::PartnerStatus;

use super::plan::PartnerPlan;
use super::rng::Rng;

/// The share of partners that already sold the brand's goods when it started using Qudao.
const EXISTING_CHANNEL_PERCENT: u64 = 80;

/// One day in milliseconds.
pub(crate) const DAY_MS: i64 = 86_400_000;

/// The time the partner history spans: two years.
pub(crate) const HISTORY_MS: i64 = 730 * DAY_MS;

/// Decides when each partner joined: most partners (the brand's existing channel) in the first
/// weeks, when the brand started using Qudao; the others at any time in the two years, so the
/// channel grows by some 15–20% a year; a sub-dealer after its parent, prospects mostly in the
/// last months. Returns the write order (oldest first) and sets every partner's creation offset,
/// strictly increasing.
pub(crate) fn creation_order(partners: &mut [PartnerPlan], rng: &mut Rng) -> Vec<usize> {
    const SPAN: u64 = 1 << 40;
    let mut keys = vec![0u64; partners.len()];
    for index in 0..partners.len() {
        let mut key = if partners[index].status == PartnerStatus::Prospect {
            SPAN - 1 - rng.below(SPAN / 8)
        } else if rng.percent(EXISTING_CHANNEL_PERCENT) {
            rng.below(SPAN / 32)
        } else {
            rng.below(SPAN)
        };
        // Parents precede their children in the plan, so their keys are already known.
        if let Some(parent) = partners[index].parent {
            let after = keys[parent] + 1;
            key = key.max(after + rng.below(SPAN.saturating_sub(after).max(1)));
        }
        keys[index] = key;
    }
    let mut order: Vec<usize> = (0..partners.len()).collect();
    order.sort_by_key(|i| (keys[*i], *i));
    // Offsets follow the keys (scaled to the history, the last day kept free) and stay strictly
    // increasing.
    let scale = (HISTORY_MS - DAY_MS) as f64 / SPAN as f64;
    let mut previous = -1_i64;
    for index in &order {
        let offset = ((keys[*index] as f64 * scale) as i64).max(previous + 1);
        partners[*index].created_offset_ms = offset;
        previous = offset;
    }
    order
}
