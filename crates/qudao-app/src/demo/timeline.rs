//! When each demo partner joined: the plan spreads the partners over two years, parents before
//! their sub-dealers and prospects mostly in the last months, and that order is also the order in
//! which they are written (and so of their codes).

use qudao_domain::partners::PartnerStatus;

use super::plan::PartnerPlan;
use super::rng::Rng;

/// One day in milliseconds.
pub(crate) const DAY_MS: i64 = 86_400_000;

/// The time the partner history spans: two years.
pub(crate) const HISTORY_MS: i64 = 730 * DAY_MS;

/// Decides when each partner joined: distributors, agents and most retailers at any time in the
/// two years, a sub-dealer after its parent, prospects mostly in the last months. Returns the
/// write order (oldest first) and sets every partner's creation offset, strictly increasing.
pub(crate) fn creation_order(partners: &mut [PartnerPlan], rng: &mut Rng) -> Vec<usize> {
    const SPAN: u64 = 1 << 40;
    let mut keys = vec![0u64; partners.len()];
    for index in 0..partners.len() {
        let mut key = if partners[index].status == PartnerStatus::Prospect {
            SPAN - 1 - rng.below(SPAN / 8)
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
    let step = (HISTORY_MS / (partners.len().max(1) as i64)).max(2);
    for (position, index) in (0_i64..).zip(&order) {
        let jitter = rng.below((step / 2) as u64) as i64;
        partners[*index].created_offset_ms = position * step + jitter;
    }
    order
}
