//! Checks run when a price list or a promotion is saved, against the live ones, so overlaps and
//! contradictions are seen before they go live rather than discovered at order time.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use super::lists::PriceEntry;
use super::promotion::{Promotion, PromotionKind, Stacking};
use crate::ids::{PriceListId, PromotionId, SkuId};

/// A problem with price list entries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum PriceListProblem {
    /// Two lists of the same scope price the same SKU on overlapping dates: refused, since which
    /// price applies would be ambiguous.
    Overlap {
        /// The SKU.
        sku: SkuId,
        /// The list being saved.
        list: PriceListId,
        /// The live list it overlaps.
        other: PriceListId,
    },
    /// A price below zero.
    NegativePrice {
        /// The SKU.
        sku: SkuId,
    },
    /// The validity ends before it starts.
    EmptyValidity {
        /// The SKU.
        sku: SkuId,
    },
}

/// Checks `new` entries (one list being saved) against `live` entries of other lists.
pub fn check_price_entries(new: &[PriceEntry], live: &[PriceEntry]) -> Vec<PriceListProblem> {
    let mut problems = Vec::new();
    let mut by_key: HashMap<(SkuId, &super::PriceScope), Vec<&PriceEntry>> = HashMap::new();
    for entry in live {
        by_key.entry((entry.sku, &entry.scope)).or_default().push(entry);
    }
    for entry in new {
        if entry.price < 0 {
            problems.push(PriceListProblem::NegativePrice { sku: entry.sku });
        }
        if entry.valid_to.is_some_and(|to| to < entry.valid_from) {
            problems.push(PriceListProblem::EmptyValidity { sku: entry.sku });
        }
        for other in by_key.get(&(entry.sku, &entry.scope)).into_iter().flatten() {
            if other.list == entry.list {
                continue;
            }
            let starts_before_other_ends = other.valid_to.is_none_or(|to| entry.valid_from <= to);
            let other_starts_before_end = entry.valid_to.is_none_or(|to| other.valid_from <= to);
            if starts_before_other_ends && other_starts_before_end {
                problems.push(PriceListProblem::Overlap { sku: entry.sku, list: entry.list, other: other.list });
            }
        }
    }
    problems
}

/// A problem with a promotion. Contradictions are refused; overlaps are shown so the brand
/// decides knowingly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum PromotionProblem {
    /// The promotion contradicts itself (a discount over 100%, a reduction as large as its
    /// threshold, a zero quantity, dates in the wrong order, a bundle of one SKU…). Refused.
    Contradiction {
        /// Which promotion.
        promotion: PromotionId,
        /// A stable code for what is wrong (`percent_over_100`, `off_not_below_threshold`…).
        what: &'static str,
    },
    /// Gifts that would buy each other (A gives B, B gives A): refused, since the brand surely
    /// expects something the engine will not do (gifts never count towards conditions).
    GiftLoop {
        /// The promotions in the loop.
        promotions: Vec<PromotionId>,
    },
    /// Two promotions of the same kind, priority and dates cover the same items and at least one
    /// is exclusive: the engine decides by the better price, then by id — allowed, but shown.
    Overlap {
        /// The promotion being saved.
        promotion: PromotionId,
        /// The live one it overlaps.
        other: PromotionId,
    },
}

impl PromotionProblem {
    /// Whether the problem blocks saving.
    pub fn is_blocking(&self) -> bool {
        !matches!(self, PromotionProblem::Overlap { .. })
    }
}

fn contradictions(promotion: &Promotion) -> Vec<&'static str> {
    let mut what = Vec::new();
    if promotion.eligibility.valid_to < promotion.eligibility.valid_from {
        what.push("dates_reversed");
    }
    if promotion.limit_per_partner.is_some_and(|l| l <= 0) {
        what.push("limit_not_positive");
    }
    match &promotion.kind {
        PromotionKind::SpecialPrice { price } if *price < 0 => what.push("negative_price"),
        PromotionKind::ItemDiscount { percent_off_bp } | PromotionKind::SpendPercent { percent_off_bp, .. }
            if !(1..=10_000).contains(percent_off_bp) =>
        {
            what.push("percent_out_of_range")
        }
        PromotionKind::SpendReduce { threshold, off, .. } => {
            if *threshold <= 0 || *off <= 0 {
                what.push("amount_not_positive");
            } else if off >= threshold {
                what.push("off_not_below_threshold");
            }
        }
        PromotionKind::BuyGift { buy_qty, gift_qty, .. } if *buy_qty <= 0 || *gift_qty <= 0 => {
            what.push("quantity_not_positive")
        }
        PromotionKind::Bundle { items, price } => {
            let distinct: HashSet<SkuId> = items.iter().map(|(sku, _)| *sku).collect();
            if items.len() < 2 || distinct.len() != items.len() {
                what.push("bundle_needs_two_skus");
            }
            if items.iter().any(|(_, n)| *n <= 0) || *price < 0 {
                what.push("quantity_not_positive");
            }
        }
        _ => {}
    }
    what
}

fn covers_overlap(a: &Promotion, b: &Promotion) -> bool {
    if a.scope.is_everything() || b.scope.is_everything() {
        return true;
    }
    a.scope.skus.iter().any(|s| b.scope.skus.contains(s))
        || a.scope.products.iter().any(|p| b.scope.products.contains(p))
        || a.scope.categories.iter().any(|c| b.scope.categories.contains(c))
}

/// Checks `promotion` (being saved) against the `live` ones.
pub fn check_promotions(promotion: &Promotion, live: &[Promotion]) -> Vec<PromotionProblem> {
    let mut problems: Vec<PromotionProblem> = contradictions(promotion)
        .into_iter()
        .map(|what| PromotionProblem::Contradiction { promotion: promotion.id, what })
        .collect();
    // Gift loops: follow buy → gift edges through every live gift promotion and this one.
    let gifts: Vec<(PromotionId, SkuId, SkuId)> = live
        .iter()
        .filter(|p| p.id != promotion.id)
        .chain(std::iter::once(promotion))
        .filter_map(|p| match p.kind {
            PromotionKind::BuyGift { buy, gift, .. } => Some((p.id, buy, gift)),
            _ => None,
        })
        .collect();
    if let PromotionKind::BuyGift { buy, gift, .. } = promotion.kind {
        let mut path = vec![promotion.id];
        let mut current = gift;
        let mut seen = HashSet::new();
        while seen.insert(current) {
            if current == buy {
                problems.push(PromotionProblem::GiftLoop { promotions: path });
                break;
            }
            match gifts.iter().find(|(id, from, _)| *from == current && *id != promotion.id) {
                Some((id, _, to)) => {
                    path.push(*id);
                    current = *to;
                }
                None => break,
            }
        }
    }
    for other in live.iter().filter(|o| o.id != promotion.id) {
        let same_kind = std::mem::discriminant(&other.kind) == std::mem::discriminant(&promotion.kind);
        let dates_overlap = other.eligibility.valid_from <= promotion.eligibility.valid_to
            && promotion.eligibility.valid_from <= other.eligibility.valid_to;
        let exclusive = other.stacking == Stacking::Exclusive || promotion.stacking == Stacking::Exclusive;
        if same_kind
            && dates_overlap
            && exclusive
            && other.priority == promotion.priority
            && covers_overlap(promotion, other)
        {
            problems.push(PromotionProblem::Overlap { promotion: promotion.id, other: other.id });
        }
    }
    problems
}
