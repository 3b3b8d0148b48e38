//! Allocating a SKU's fair stock over the partners' demands when there is not enough of it, and
//! the per-partner explanation of the result.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::ids::PartnerId;
use crate::{FieldError, Invalid};

/// How a short SKU is shared out; chosen per fair by the brand and stored by name, so a closed
/// fair can always be recomputed with the rule it announced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AllocationRule {
    /// First come, first served (`fcfs`): rewards partners who commit early.
    #[serde(rename = "fcfs")]
    FirstCome,
    /// In proportion to capped demand (`pro_rata`): everyone is cut by the same ratio.
    #[serde(rename = "pro_rata")]
    ProRata,
    /// In proportion to demand × tier weight (`tier_weight`): better tiers are cut less.
    #[serde(rename = "tier_weight")]
    TierWeight,
}

impl AllocationRule {
    /// Every rule, for choice lists and tests.
    pub const ALL: [AllocationRule; 3] =
        [AllocationRule::FirstCome, AllocationRule::ProRata, AllocationRule::TierWeight];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            AllocationRule::FirstCome => "fcfs",
            AllocationRule::ProRata => "pro_rata",
            AllocationRule::TierWeight => "tier_weight",
        }
    }

    /// Parses a stored name; anything else is refused rather than guessed, since the rule decides
    /// who gets stock.
    pub fn parse(text: &str) -> Option<AllocationRule> {
        AllocationRule::ALL.into_iter().find(|rule| rule.as_str() == text)
    }
}

/// One partner's demand for one SKU at a fair, as recorded when the fair closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Demand {
    /// Who asked; at most one demand per partner and SKU (the fair sums a partner's lines).
    pub partner: PartnerId,
    /// The partner's tier code (`gold`…), looked up in the weights for [`AllocationRule::TierWeight`].
    pub tier: String,
    /// Base units asked for; never negative.
    pub quantity: i64,
    /// When the demand was (last) placed, in epoch milliseconds; the queue order for first come,
    /// first served and the tie-break everywhere else (then the partner id).
    pub placed_ms: i64,
    /// The most this partner may be given of this SKU at this fair, if the brand set one.
    pub quota: Option<i64>,
}

/// What one partner gets, in the order the demands were given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Allocation {
    /// Who.
    pub partner: PartnerId,
    /// The units asked for, before the quota.
    pub requested: i64,
    /// The units allocated: never negative, never above the request or the quota.
    pub allocated: i64,
    /// Why this number, for the partner's result page.
    pub explanation: Explanation,
}

/// Why a partner received what it did, in numbers a page can render in zh-CN or English.
///
/// It holds only this partner's own figures and totals over the SKU, never another partner's
/// identity or demand, so it can be shown to the partner as is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Explanation {
    /// The quota, present only when the request exceeded it: the units above it were never in
    /// play ("over quota").
    pub over_quota: Option<i64>,
    /// How the (capped) demand was met.
    #[serde(flatten)]
    pub basis: Basis,
}

/// The rule's part of an [`Explanation`]; `kind` names it in the serialized form.
///
/// `share_bp` values are basis points (1/10 000), rounded down, so a page can print a percentage
/// without floating point.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Basis {
    /// Stock covered every partner's capped demand, so no rule was needed.
    Full {
        /// Units the fair held for this SKU.
        stock: i64,
        /// Capped demand of all partners together.
        total_demand: i64,
    },
    /// First come, first served: the partner's place in the queue decided.
    FirstCome {
        /// 1-based place in the queue (by time placed, then partner id).
        position: usize,
        /// Capped units asked for by the partners ahead in the queue (may exceed the stock).
        ahead_units: i64,
        /// Units the fair held for this SKU.
        stock: i64,
    },
    /// Pro rata: the stock was split in proportion to capped demand.
    ProRata {
        /// Units the fair held for this SKU.
        stock: i64,
        /// Capped demand of all partners together.
        total_demand: i64,
        /// This partner's share of the demand, and so of the stock.
        share_bp: i64,
        /// Whether one leftover unit of the rounding came to this partner.
        remainder_unit: bool,
    },
    /// Tier weight: split in proportion to demand × weight, nobody above their demand.
    TierWeighted {
        /// The weight of the partner's tier (1 for a tier without one).
        weight: u32,
        /// Units being shared when this partner was settled: the stock, less what partners whose
        /// share already covered their whole demand took in earlier rounds.
        pool: i64,
        /// This partner's weighted share of that pool.
        share_bp: i64,
        /// Whether the share covered the whole demand, so the rest went to the others.
        capped_at_demand: bool,
        /// Whether one leftover unit of the rounding came to this partner.
        remainder_unit: bool,
    },
}

/// Allocates one SKU's `stock` over `demands` by `rule`, giving one [`Allocation`] per demand in
/// the same order.
///
/// Each demand is first capped at its quota. When the capped demands fit in the stock everyone
/// gets theirs; otherwise exactly `stock` units are handed out by the rule. The result does not
/// depend on the order of `demands`. `weights` maps tier codes to weights for
/// [`AllocationRule::TierWeight`]; a tier missing from it weighs 1, the same as the lowest
/// sensible tier, so a new tier is never shut out.
///
/// Refused (every problem listed): negative stock, quantity or quota, a partner listed twice, a
/// zero weight, or capped demands whose total does not fit in an `i64`.
pub fn allocate(
    rule: AllocationRule,
    stock: i64,
    demands: &[Demand],
    weights: &BTreeMap<String, u32>,
) -> Result<Vec<Allocation>, Invalid> {
    let capped = validate(stock, demands, weights)?;
    let total: i64 = capped.iter().sum(); // checked in `validate`
    let settled = if total <= stock {
        capped.iter().map(|&units| Settled { units, basis: Basis::Full { stock, total_demand: total } }).collect()
    } else {
        let rank = queue_rank(demands);
        match rule {
            AllocationRule::FirstCome => first_come(stock, &capped, &rank),
            AllocationRule::ProRata => pro_rata(stock, total, &capped, &rank),
            AllocationRule::TierWeight => tier_weight(stock, demands, &capped, weights, &rank),
        }
    };
    Ok(demands
        .iter()
        .zip(settled)
        .map(|(demand, settled)| Allocation {
            partner: demand.partner,
            requested: demand.quantity,
            allocated: settled.units,
            explanation: Explanation {
                over_quota: demand.quota.filter(|quota| *quota < demand.quantity),
                basis: settled.basis,
            },
        })
        .collect())
}

/// Checks the input and gives each demand capped at its quota.
fn validate(stock: i64, demands: &[Demand], weights: &BTreeMap<String, u32>) -> Result<Vec<i64>, Invalid> {
    let mut invalid = Invalid::new();
    if stock < 0 {
        invalid.push(FieldError::new("stock", "must_not_be_negative"));
    }
    for (tier, weight) in weights {
        if *weight == 0 {
            invalid.push(FieldError::new(format!("weights.{tier}"), "must_be_positive"));
        }
    }
    let mut seen = BTreeSet::new();
    let mut total: Option<i64> = Some(0);
    let mut capped = Vec::with_capacity(demands.len());
    for (index, demand) in demands.iter().enumerate() {
        if demand.quantity < 0 {
            invalid.push(FieldError::new(format!("demands[{index}].quantity"), "must_not_be_negative"));
        }
        if demand.quota.is_some_and(|quota| quota < 0) {
            invalid.push(FieldError::new(format!("demands[{index}].quota"), "must_not_be_negative"));
        }
        if !seen.insert(demand.partner) {
            invalid.push(FieldError::new(format!("demands[{index}].partner"), "duplicate_partner"));
        }
        let units = demand.quantity.min(demand.quota.unwrap_or(i64::MAX)).max(0);
        total = total.and_then(|total| total.checked_add(units));
        capped.push(units);
    }
    if total.is_none() {
        invalid.push(FieldError::new("demands", "total_too_large"));
    }
    invalid.into_result().map(|()| capped)
}

/// One demand's outcome before it is dressed as an [`Allocation`].
#[derive(Debug, Clone)]
struct Settled {
    units: i64,
    basis: Basis,
}

/// Each demand's 0-based place in the queue: by time placed, then partner id (unique, checked).
fn queue_rank(demands: &[Demand]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..demands.len()).collect();
    order.sort_by_key(|&i| (demands[i].placed_ms, demands[i].partner));
    let mut rank = vec![0; demands.len()];
    for (place, index) in order.into_iter().enumerate() {
        rank[index] = place;
    }
    rank
}

fn first_come(stock: i64, capped: &[i64], rank: &[usize]) -> Vec<Settled> {
    let mut order: Vec<usize> = (0..capped.len()).collect();
    order.sort_by_key(|&i| rank[i]);
    let mut ahead = vec![0; capped.len()];
    let mut claimed = 0i64; // at most the total, which fits
    for &index in &order {
        ahead[index] = claimed;
        claimed += capped[index];
    }
    (0..capped.len())
        .map(|i| Settled {
            units: (stock - ahead[i]).clamp(0, capped[i]),
            basis: Basis::FirstCome { position: rank[i] + 1, ahead_units: ahead[i], stock },
        })
        .collect()
}

fn pro_rata(stock: i64, total: i64, capped: &[i64], rank: &[usize]) -> Vec<Settled> {
    let members: Vec<usize> = (0..capped.len()).collect();
    let weight: Vec<u128> = capped.iter().map(|&units| wide(units)).collect();
    let shares = split(stock, &members, &weight, rank);
    (0..capped.len())
        .map(|i| Settled {
            units: shares[i].0,
            basis: Basis::ProRata {
                stock,
                total_demand: total,
                share_bp: basis_points(weight[i], wide(total)),
                remainder_unit: shares[i].1,
            },
        })
        .collect()
}

/// Tier weight: partners whose weighted share covers their demand are given it and leave, and the
/// rest of the stock is shared again among the others, until nobody's share covers their demand;
/// that last round is split exactly by largest remainder.
fn tier_weight(
    stock: i64,
    demands: &[Demand],
    capped: &[i64],
    weights: &BTreeMap<String, u32>,
    rank: &[usize],
) -> Vec<Settled> {
    let tier_weight: Vec<u32> = demands.iter().map(|d| weights.get(&d.tier).copied().unwrap_or(1)).collect();
    // Demand × weight: at most 2^63 · 2^32, and their sum at most 2^95 since the total fits an i64.
    let weighted: Vec<u128> = (0..demands.len()).map(|i| wide(capped[i]) * u128::from(tier_weight[i])).collect();
    let basis = |i: usize, pool: i64, share_bp: i64, capped_at_demand: bool, remainder_unit: bool| {
        Basis::TierWeighted { weight: tier_weight[i], pool, share_bp, capped_at_demand, remainder_unit }
    };
    let mut settled: Vec<Option<Settled>> = vec![None; demands.len()];
    let mut active: Vec<usize> = Vec::new();
    for i in 0..demands.len() {
        if capped[i] == 0 {
            settled[i] = Some(Settled { units: 0, basis: basis(i, stock, 0, true, false) });
        } else {
            active.push(i);
        }
    }
    let mut pool = stock;
    while !active.is_empty() {
        let round_total: u128 = active.iter().map(|&i| weighted[i]).sum();
        // pool · demand · weight / total ≥ demand  ⇔  pool · weight ≥ total.
        let (covered, short): (Vec<usize>, Vec<usize>) =
            active.iter().partition(|&&i| wide(pool) * u128::from(tier_weight[i]) >= round_total);
        if covered.is_empty() {
            let shares = split(pool, &active, &weighted, rank);
            for &i in &active {
                let share_bp = basis_points(weighted[i], round_total);
                settled[i] = Some(Settled { units: shares[i].0, basis: basis(i, pool, share_bp, false, shares[i].1) });
            }
            break;
        }
        for &i in &covered {
            let share_bp = basis_points(weighted[i], round_total);
            settled[i] = Some(Settled { units: capped[i], basis: basis(i, pool, share_bp, true, false) });
        }
        // The covered demands sum to at most their shares, so the pool stays non-negative.
        pool -= covered.iter().map(|&i| capped[i]).sum::<i64>();
        active = short;
    }
    // Every demand is settled above: zero demands first, the rest in some round.
    settled.into_iter().flatten().collect()
}

/// Splits `pool` exactly over `members` in proportion to `weight`: each gets the floor of its
/// exact share, then the units left go one each to the largest remainders (ties: earlier in the
/// queue). Gives (units, got a leftover unit) for every index, zero outside `members`.
fn split(pool: i64, members: &[usize], weight: &[u128], rank: &[usize]) -> Vec<(i64, bool)> {
    let mut shares = vec![(0i64, false); weight.len()];
    let total: u128 = members.iter().map(|&i| weight[i]).sum();
    if total == 0 {
        return shares;
    }
    let mut remainders = Vec::with_capacity(members.len());
    let mut given = 0i64;
    for &i in members {
        let (floor, remainder) = mul_div(wide(pool), weight[i], total);
        shares[i].0 = narrow(floor);
        given += shares[i].0;
        remainders.push((remainder, i));
    }
    // Remainders share the denominator `total`, so comparing them compares the fractions.
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(rank[a.1].cmp(&rank[b.1])));
    for &(_, i) in remainders.iter().take(usize::try_from(pool - given).unwrap_or(usize::MAX)) {
        shares[i] = (shares[i].0 + 1, true);
    }
    shares
}

/// `part / total` in basis points, rounded down; `part ≤ total < 2^96`.
fn basis_points(part: u128, total: u128) -> i64 {
    (part * 10_000).checked_div(total).map_or(0, narrow)
}

/// A non-negative `i64` (every value here is validated to be one) widened for exact arithmetic.
fn wide(units: i64) -> u128 {
    u128::try_from(units).unwrap_or(0)
}

/// Back to `i64`; only ever called on values bounded by the stock, so it never saturates.
fn narrow(value: u128) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// `(a · b / c, a · b % c)` exactly, even when `a · b` needs 256 bits.
///
/// Needs `0 < c < 2^127` and a quotient that fits in 128 bits; here `a` is a stock (< 2^63), and
/// `b ≤ c < 2^96` are weighted demands, whose product can exceed `u128`.
pub(super) fn mul_div(a: u128, b: u128, c: u128) -> (u128, u128) {
    if let Some(product) = a.checked_mul(b) {
        return (product / c, product % c);
    }
    const LOW: u128 = u64::MAX as u128;
    let (a1, a0) = (a >> 64, a & LOW);
    let (b1, b0) = (b >> 64, b & LOW);
    let (p00, p01, p10, p11) = (a0 * b0, a0 * b1, a1 * b0, a1 * b1);
    let middle = (p00 >> 64) + (p01 & LOW) + (p10 & LOW);
    let low = (p00 & LOW) | (middle << 64);
    let high = p11 + (p01 >> 64) + (p10 >> 64) + (middle >> 64);
    // Schoolbook long division, one bit at a time; the remainder stays below c < 2^127, so
    // shifting it left never loses a bit.
    let (mut quotient, mut remainder) = (0u128, 0u128);
    for bit in (0..256u32).rev() {
        let next = if bit >= 128 { (high >> (bit - 128)) & 1 } else { (low >> bit) & 1 };
        remainder = (remainder << 1) | next;
        quotient <<= 1;
        if remainder >= c {
            remainder -= c;
            quotient |= 1;
        }
    }
    (quotient, remainder)
}
