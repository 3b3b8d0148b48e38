//! Who orders what and when over the two years of demo history, decided day by day before any
//! price is looked up: each partner's habits (how often, how much, which SKUs), the seasons,
//! the channel's growth, and the partners that stop ordering. Pure and deterministic: the same
//! seed gives the same baskets in the same order.

use qudao_domain::partners::{PartnerKind, PartnerStatus};

use super::calendar;
use super::plan::{PartnerPlan, Showcase};
use super::rng::Rng;
use super::timeline::DAY_MS;

/// A SKU as the history chooses it.
#[derive(Debug, Clone)]
pub(crate) struct Choice {
    /// A drink (sells more in summer).
    pub beverage: bool,
    /// How popular it is (relative weight).
    pub popularity: u64,
}

/// One partner's ordering habits.
#[derive(Debug, Clone)]
pub(crate) struct Habit {
    /// Index of the partner in the plan.
    pub partner: usize,
    /// Orders in an ordinary month, before seasons and growth.
    monthly: f64,
    /// When it started ordering (its creation, a few days later).
    from_ms: i64,
    /// When it stopped ordering (churned), if it did.
    pub until_ms: Option<i64>,
    /// Lines per order: fewest and most.
    lines: (u64, u64),
    /// Cases per line: fewest and most.
    cases: (u64, u64),
    /// The SKUs it buys (indices into the choices), favourites first.
    portfolio: Vec<usize>,
    /// Pays from its prepaid balance (topped up monthly) rather than by transfer or credit.
    pub prepays: bool,
}

impl Habit {
    /// Whether the partner had started ordering by `ms`.
    pub(crate) fn started_by(&self, ms: i64) -> bool {
        self.from_ms <= ms
    }
}

/// A basket: a partner's order before pricing.
#[derive(Debug, Clone)]
pub(crate) struct Basket {
    /// Index of the habit (and so the partner).
    pub habit: usize,
    /// When it was placed.
    pub placed_ms: i64,
    /// (SKU choice index, cases).
    pub items: Vec<(usize, i64)>,
}

/// Scales the order rate of the whole history: 100 is the demo data set, tests use less.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Volume {
    /// Percent of the full order rate.
    pub percent: u64,
}

fn base_rate(kind: PartnerKind, tier: &str) -> f64 {
    let by_kind = match kind {
        PartnerKind::Distributor => 11.0,
        PartnerKind::Agent => 7.0,
        PartnerKind::SubDealer => 5.0,
        PartnerKind::Retailer => 4.5,
    };
    let by_tier = match tier {
        "platinum" => 1.6,
        "gold" => 1.25,
        "silver" => 1.0,
        _ => 0.7,
    };
    by_kind * by_tier
}

/// Every partner's habits: prospects never order; suspended and terminated partners, and a few
/// active ones, stop ordering some time before today (churn).
pub(crate) fn habits(
    partners: &[PartnerPlan],
    created_ms: &[i64],
    choices: &[Choice],
    favourites: &[usize],
    now_ms: i64,
    volume: Volume,
    rng: &mut Rng,
) -> Vec<Habit> {
    // Cumulative popularity, so a draw is a binary search (the large set has 5,000 SKUs).
    let mut cumulative: Vec<u64> = Vec::with_capacity(choices.len());
    let mut total = 0;
    for choice in choices {
        total += choice.popularity;
        cumulative.push(total);
    }
    let mut out = Vec::new();
    for (index, p) in partners.iter().enumerate() {
        if p.status == PartnerStatus::Prospect {
            continue;
        }
        let from_ms = created_ms[index] + rng.between(1, 10) as i64 * DAY_MS;
        let churns = match p.status {
            PartnerStatus::Suspended | PartnerStatus::Terminated => true,
            _ => p.showcase.is_none() && rng.percent(5),
        };
        let until_ms = if churns {
            let span = (now_ms - 75 * DAY_MS - from_ms).max(0);
            Some(from_ms + span * rng.between(25, 95) as i64 / 100)
        } else {
            None
        };
        let (lines, cases) = match p.tier {
            "platinum" => ((4, 12), (4, 30)),
            "gold" => ((3, 9), (3, 20)),
            "silver" => ((2, 6), (2, 12)),
            _ => ((1, 4), (1, 8)),
        };
        let size = rng.between(12, 40) as usize;
        let mut portfolio: Vec<usize> = Vec::with_capacity(size);
        if p.showcase.is_some() {
            portfolio.extend_from_slice(favourites);
        }
        for _ in 0..size * 20 {
            if portfolio.len() >= size || total == 0 {
                break;
            }
            let target = rng.below(total);
            let pick = cumulative.partition_point(|c| *c <= target);
            if pick < choices.len() && !portfolio.contains(&pick) {
                portfolio.push(pick);
            }
        }
        let jitter = rng.between(80, 120) as f64 / 100.0;
        out.push(Habit {
            partner: index,
            monthly: base_rate(p.kind, p.tier) * jitter * volume.percent as f64 / 100.0,
            from_ms,
            until_ms,
            lines,
            cases,
            portfolio,
            prepays: p.showcase != Some(Showcase::Distributor) && rng.percent(25),
        });
    }
    out
}

/// The baskets of one day (the day starting at `day_ms`, China time), in the order placed.
/// Growth: each partner orders some 5% more each year it has been with the brand.
pub(crate) fn baskets_on(habits: &[Habit], choices: &[Choice], day_ms: i64, now_ms: i64, rng: &mut Rng) -> Vec<Basket> {
    let season = calendar::season(day_ms + DAY_MS / 2);
    let summer = calendar::summer(day_ms + DAY_MS / 2);
    let mut out = Vec::new();
    for (index, habit) in habits.iter().enumerate() {
        if day_ms + DAY_MS <= habit.from_ms || habit.until_ms.is_some_and(|until| day_ms > until) {
            continue;
        }
        let years = (day_ms - habit.from_ms).max(0) as f64 / (365.0 * DAY_MS as f64);
        let expected = habit.monthly / 30.4 * season * (1.0 + 0.05 * years);
        // At most two orders a day: the chance of one, and of a second.
        let mut count = 0;
        let threshold = (expected.min(1.9) * 1_000_000.0) as u64;
        if rng.below(1_000_000) < threshold.min(1_000_000) {
            count += 1;
        }
        if threshold > 1_000_000 && rng.below(1_000_000) < threshold - 1_000_000 {
            count += 1;
        }
        for _ in 0..count {
            // Between 08:00 and 21:00.
            let placed_ms = day_ms + 8 * 3_600_000 + rng.below(13 * 3_600_000) as i64;
            if placed_ms >= now_ms || placed_ms < habit.from_ms {
                continue;
            }
            let items = basket(habit, choices, summer, rng);
            if !items.is_empty() {
                out.push(Basket { habit: index, placed_ms, items });
            }
        }
    }
    out.sort_by_key(|b| (b.placed_ms, b.habit));
    out
}

/// The lines of one basket: favourites more often, drinks more often and in larger amounts in
/// summer.
fn basket(habit: &Habit, choices: &[Choice], summer: bool, rng: &mut Rng) -> Vec<(usize, i64)> {
    let wanted = rng.between(habit.lines.0, habit.lines.1) as usize;
    let weights: Vec<u64> = habit
        .portfolio
        .iter()
        .enumerate()
        .map(|(rank, choice)| {
            let base = 1_000 / (rank as u64 + 2);
            if summer && choices[*choice].beverage { base * 2 } else { base }
        })
        .collect();
    let mut items: Vec<(usize, i64)> = Vec::with_capacity(wanted);
    for _ in 0..wanted * 2 {
        if items.len() >= wanted {
            break;
        }
        let Some(pick) = rng.weighted(&weights).and_then(|i| habit.portfolio.get(i)).copied() else { break };
        if items.iter().any(|(c, _)| *c == pick) {
            continue;
        }
        let mut cases = rng.between(habit.cases.0, habit.cases.1) as i64;
        if summer && choices[pick].beverage {
            cases += cases * 3 / 10;
        }
        items.push((pick, cases.max(1)));
    }
    items
}
