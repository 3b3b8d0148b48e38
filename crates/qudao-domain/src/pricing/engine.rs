//! The promotions engine: from cart items with their list prices to priced lines with every
//! adjustment explained.
//!
//! The order of work, each step on what the previous one left:
//!
//! 1. **Bundles** (组合), by priority: complete sets are split off their lines and priced as a set;
//!    bundled units take no other item promotion.
//! 2. **Item promotions** (特价, 单品折扣): each line gets at most one — the highest priority, then
//!    the lowest resulting price. A purchase limit (限购) splits a line into the part that gets
//!    the promotion and the rest, which tries the next one.
//! 3. **Gifts** (买赠), by priority: each adds a zero-priced gift line.
//! 4. **Spend promotions** (满减, 满折): thresholds are measured on the covered lines after steps
//!    1–2; ranked by priority, then by the larger discount; each discount is spread over its lines
//!    in proportion to their amounts, exactly to the fen (largest remainder), and can never take a
//!    line below zero.
//!
//! An exclusive promotion keeps the lines it applied to for itself. Rounding of percentages is
//! half up to the fen on the line or covered amount. Promotions are considered in a fixed order
//! (priority, then id), so the result never depends on the order they were defined in, and the
//! cart is merged by SKU first, so pricing a priced cart again changes nothing.

use std::collections::BTreeMap;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::Date;
use super::explain::{Adjustment, LostReason, LostRule, Nudge, PricedCart, PricedLine};
use super::lists::{Buyer, PriceScope, PriceSource, ResolvedPrice};
use super::promotion::{Promotion, PromotionKind, Stacking};
use crate::ids::{CategoryId, ProductId, PromotionId, SkuId};
use crate::money::{allocate, round_half_up};

/// One cart item with its resolved list price.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CartItem {
    /// The SKU.
    pub sku: SkuId,
    /// Its product.
    pub product: ProductId,
    /// Its category and the category's parent.
    pub categories: Vec<CategoryId>,
    /// Base units.
    pub quantity: i64,
    /// Its list price and where it came from.
    pub price: ResolvedPrice,
}

/// Every live promotion, indexed by what it covers, in the order the engine considers them.
#[derive(Debug, Clone, Default)]
pub struct PromotionBook {
    promotions: Vec<Promotion>,
    by_sku: HashMap<SkuId, Vec<usize>>,
    by_product: HashMap<ProductId, Vec<usize>>,
    by_category: HashMap<CategoryId, Vec<usize>>,
    everything: Vec<usize>,
}

impl PromotionBook {
    /// Indexes `promotions` (built once per change of promotions, reused for every cart).
    pub fn new(mut promotions: Vec<Promotion>) -> PromotionBook {
        promotions.sort_by(|a, b| b.priority.cmp(&a.priority).then(a.id.cmp(&b.id)));
        let mut book = PromotionBook { promotions, ..PromotionBook::default() };
        for (index, promotion) in book.promotions.iter().enumerate() {
            let own_skus: Vec<SkuId> = match &promotion.kind {
                PromotionKind::BuyGift { buy, .. } => vec![*buy],
                PromotionKind::Bundle { items, .. } => items.iter().map(|(sku, _)| *sku).collect(),
                _ => Vec::new(),
            };
            if !own_skus.is_empty() {
                for sku in own_skus {
                    book.by_sku.entry(sku).or_default().push(index);
                }
                continue;
            }
            let scope = &promotion.scope;
            if scope.is_everything() {
                book.everything.push(index);
            }
            for sku in &scope.skus {
                book.by_sku.entry(*sku).or_default().push(index);
            }
            for product in &scope.products {
                book.by_product.entry(*product).or_default().push(index);
            }
            for category in &scope.categories {
                book.by_category.entry(*category).or_default().push(index);
            }
        }
        book
    }

    /// The promotion with this id.
    pub fn get(&self, id: PromotionId) -> Option<&Promotion> {
        self.promotions.iter().find(|p| p.id == id)
    }

    /// Every promotion, in the engine's order.
    pub fn promotions(&self) -> &[Promotion] {
        &self.promotions
    }

    /// Indices of the promotions covering `item`, in the engine's order, without repeats.
    fn covering(&self, item: &CartItem, out: &mut Vec<usize>) {
        out.clear();
        out.extend_from_slice(&self.everything);
        if let Some(list) = self.by_sku.get(&item.sku) {
            out.extend_from_slice(list);
        }
        if let Some(list) = self.by_product.get(&item.product) {
            out.extend_from_slice(list);
        }
        for category in &item.categories {
            if let Some(list) = self.by_category.get(category) {
                out.extend_from_slice(list);
            }
        }
        out.sort_unstable();
        out.dedup();
    }
}

/// What the engine needs besides the cart: units the partner already took under limited
/// promotions, and whether to list promotions the partner may not use (the brand's preview).
#[derive(Debug, Clone, Default)]
pub struct PriceOptions {
    /// Base units (or sets, gift units, uses) already taken per limited promotion.
    pub used: HashMap<PromotionId, i64>,
    /// List promotions that cover a line but that the partner may not use.
    pub show_ineligible: bool,
}

/// A part of a cart line, or a gift line, while the engine works.
#[derive(Debug, Clone)]
struct Slot {
    /// Index of the merged item, `None` for gifts.
    item: Option<usize>,
    sku: SkuId,
    seq: usize,
    quantity: i64,
    unit: i64,
    /// Net after bundles and item promotions: what spend thresholds measure.
    before_spend: i64,
    net: i64,
    adjustments: Vec<Adjustment>,
    lost: Vec<LostRule>,
    /// Bit per promotion index already in `lost`, for an O(1) check without hashing.
    mentioned: Vec<u64>,
    /// The exclusive promotion that took this slot.
    holder: Option<PromotionId>,
    bundled: bool,
    item_done: bool,
    spend_applied: Option<PromotionId>,
}

impl Slot {
    /// Records why promotion `index` (`promotion`) did not apply here, once.
    fn lose(&mut self, index: usize, promotion: PromotionId, reason: LostReason) {
        let (word, bit) = (index / 64, 1u64 << (index % 64));
        if self.mentioned.len() <= word {
            self.mentioned.resize(word + 1, 0);
        }
        if self.mentioned[word] & bit != 0 || self.adjustments.iter().any(|a| a.promotion == promotion) {
            return;
        }
        self.mentioned[word] |= bit;
        self.lost.push(LostRule { promotion, reason });
    }

    /// Moves `quantity` units into a new slot (keeping prices per unit).
    fn split_off(&mut self, quantity: i64, seq: usize) -> Slot {
        let mut part = self.clone();
        part.seq = seq;
        part.quantity = quantity;
        part.net = self.unit * quantity;
        part.before_spend = part.net;
        part.lost = self.lost.clone();
        self.quantity -= quantity;
        self.net = self.unit * self.quantity;
        self.before_spend = self.net;
        part
    }
}

struct Run<'a> {
    book: &'a PromotionBook,
    /// The cart's items merged by SKU: the first item of each SKU (the merged quantity is in the
    /// slots).
    items: Vec<&'a CartItem>,
    /// Per promotion: not yet checked, eligible, or refused for a condition.
    refusals: Vec<Option<Option<&'static str>>>,
    buyer: &'a Buyer,
    date: Date,
    options: &'a PriceOptions,
    consumed: HashMap<PromotionId, i64>,
    slots: Vec<Slot>,
    next_seq: usize,
    applied: BTreeMap<usize, (PromotionId, i64)>,
    nudges: Vec<Nudge>,
    nudged: HashSet<PromotionId>,
    /// The covering promotions of each merged item, found once.
    covering: Vec<Option<Vec<usize>>>,
}

impl Run<'_> {
    /// Why the buyer may not use promotion `index` on the date, if it may not; checked once.
    fn refusal(&mut self, index: usize) -> Option<&'static str> {
        if let Some(known) = self.refusals[index] {
            return known;
        }
        let answer = self.book.promotions[index].eligibility.refusal(self.buyer, self.date);
        self.refusals[index] = Some(answer);
        answer
    }

    /// What is left of a promotion's purchase limit for this partner; `i64::MAX` if unlimited.
    fn remaining(&self, promotion: &Promotion) -> i64 {
        match promotion.limit_per_partner {
            None => i64::MAX,
            Some(limit) => {
                let used = self.options.used.get(&promotion.id).copied().unwrap_or(0);
                let here = self.consumed.get(&promotion.id).copied().unwrap_or(0);
                (limit - used - here).max(0)
            }
        }
    }

    fn consume(&mut self, promotion: PromotionId, amount: i64) {
        *self.consumed.entry(promotion).or_insert(0) += amount;
    }

    fn record(&mut self, index: usize, amount: i64) {
        let id = self.book.promotions[index].id;
        let entry = self.applied.entry(index).or_insert((id, 0));
        entry.1 += amount;
    }

    fn seq(&mut self) -> usize {
        self.next_seq += 1;
        self.next_seq
    }

    /// Covering promotions of an item, filtered by `want`, split into the eligible ones and the
    /// refused ones (with the failed condition), into reusable buffers.
    fn candidates(
        &mut self,
        item: usize,
        want: fn(&PromotionKind) -> bool,
        eligible: &mut Vec<usize>,
        refused: &mut Vec<(usize, &'static str)>,
    ) {
        eligible.clear();
        refused.clear();
        if self.covering[item].is_none() {
            let mut found = Vec::new();
            self.book.covering(self.items[item], &mut found);
            self.covering[item] = Some(found);
        }
        let found = self.covering[item].take().unwrap_or_default();
        for &index in &found {
            if !want(&self.book.promotions[index].kind) {
                continue;
            }
            match self.refusal(index) {
                None => eligible.push(index),
                Some(condition) => {
                    if self.options.show_ineligible {
                        refused.push((index, condition));
                    }
                }
            }
        }
        self.covering[item] = Some(found);
    }

    fn note_refused(&mut self, slot: usize, refused: &[(usize, &'static str)]) {
        if self.options.show_ineligible {
            for (index, condition) in refused {
                self.slots[slot].lose(*index, self.book.promotions[*index].id, LostReason::NotEligible { condition });
            }
        }
    }

    /// Indices of the promotions of one kind that name a SKU in the cart, in the engine's order.
    fn naming_cart_skus(&self, want: fn(&PromotionKind) -> bool) -> Vec<usize> {
        let mut found: Vec<usize> = Vec::new();
        for item in self.items.iter() {
            if let Some(list) = self.book.by_sku.get(&item.sku) {
                found.extend(list.iter().copied().filter(|&i| want(&self.book.promotions[i].kind)));
            }
        }
        found.sort_unstable();
        found.dedup();
        found
    }

    fn bundles(&mut self) {
        for index in self.naming_cart_skus(|k| matches!(k, PromotionKind::Bundle { .. })) {
            let PromotionKind::Bundle { items: listed, price } = &self.book.promotions[index].kind else { continue };
            let price = *price;
            // A SKU listed twice counts once with both quantities, so sets are measured right.
            let mut items: Vec<(SkuId, i64)> = Vec::new();
            for (sku, n) in listed {
                match items.iter_mut().find(|(s, _)| s == sku) {
                    Some(existing) => existing.1 += n,
                    None => items.push((*sku, *n)),
                }
            }
            let book = self.book;
            let promotion = &book.promotions[index];
            let in_cart: Vec<usize> =
                (0..self.slots.len()).filter(|&s| items.iter().any(|(sku, _)| *sku == self.slots[s].sku)).collect();
            if in_cart.is_empty() {
                continue;
            }
            if let Some(condition) = self.refusal(index) {
                if self.options.show_ineligible {
                    for &slot in &in_cart {
                        self.slots[slot].lose(index, promotion.id, LostReason::NotEligible { condition });
                    }
                }
                continue;
            }
            let free = |run: &Run, sku: SkuId| -> i64 {
                run.slots
                    .iter()
                    .filter(|s| s.sku == sku && s.item.is_some() && s.holder.is_none())
                    .map(|s| s.quantity)
                    .sum()
            };
            let mut sets =
                items.iter().map(|(sku, n)| if *n > 0 { free(self, *sku) / n } else { 0 }).min().unwrap_or(0);
            sets = sets.min(self.remaining(promotion));
            if sets == 0 {
                let shortfall = items.iter().map(|(sku, n)| (n - free(self, *sku)).max(0)).sum();
                let reason = if self.remaining(promotion) == 0 {
                    LostReason::LimitReached
                } else {
                    LostReason::ThresholdNotMet { shortfall }
                };
                for &slot in &in_cart {
                    self.slots[slot].lose(index, promotion.id, reason.clone());
                }
                continue;
            }
            let set_value: i64 = items
                .iter()
                .map(|(sku, n)| self.slots.iter().find(|s| s.sku == *sku).map(|s| s.unit * n).unwrap_or(0))
                .sum();
            let saving = (set_value - price) * sets;
            if saving <= 0 {
                for &slot in &in_cart {
                    self.slots[slot].lose(index, promotion.id, LostReason::NoSaving);
                }
                continue;
            }
            let mut parts = Vec::new();
            for (sku, n) in &items {
                let mut wanted = n * sets;
                while wanted > 0 {
                    let Some(source) =
                        self.slots.iter().position(|s| s.sku == *sku && s.item.is_some() && s.holder.is_none())
                    else {
                        break;
                    };
                    let take = wanted.min(self.slots[source].quantity);
                    let part = if take == self.slots[source].quantity {
                        source
                    } else {
                        let seq = self.seq();
                        let part = self.slots[source].split_off(take, seq);
                        self.slots.push(part);
                        self.slots.len() - 1
                    };
                    self.slots[part].holder = Some(promotion.id);
                    self.slots[part].bundled = true;
                    self.slots[part].item_done = true;
                    parts.push(part);
                    wanted -= take;
                }
            }
            let weights: Vec<i64> = parts.iter().map(|&p| self.slots[p].net).collect();
            let saving = saving.min(weights.iter().sum());
            for (&part, share) in parts.iter().zip(allocate(-saving, &weights)) {
                let slot = &mut self.slots[part];
                slot.adjustments.push(Adjustment { promotion: promotion.id, kind: "bundle", amount: share });
                slot.net += share;
                slot.before_spend = slot.net;
            }
            self.consume(promotion.id, sets);
            self.record(index, -saving);
        }
    }

    fn item_promotions(&mut self) {
        let (mut eligible, mut refused) = (Vec::new(), Vec::new());
        let mut cursor = 0;
        while cursor < self.slots.len() {
            let slot_index = cursor;
            cursor += 1;
            let Some(item) = self.slots[slot_index].item else { continue };
            if self.slots[slot_index].item_done {
                continue;
            }
            self.slots[slot_index].item_done = true;
            self.candidates(
                item,
                |k| matches!(k, PromotionKind::SpecialPrice { .. } | PromotionKind::ItemDiscount { .. }),
                &mut eligible,
                &mut refused,
            );
            self.note_refused(slot_index, &refused);
            let quantity = self.slots[slot_index].quantity;
            let gross = self.slots[slot_index].unit * quantity;
            let net_for = |promotion: &Promotion, quantity: i64, gross: i64| -> i64 {
                match promotion.kind {
                    PromotionKind::SpecialPrice { price } => price.max(0).saturating_mul(quantity),
                    PromotionKind::ItemDiscount { percent_off_bp } => {
                        let off =
                            round_half_up(i128::from(gross) * i128::from(percent_off_bp.clamp(0, 10_000)), 10_000);
                        gross - i64::try_from(off).unwrap_or(gross)
                    }
                    _ => gross,
                }
            };
            let mut ranked: Vec<(usize, i64)> =
                eligible.iter().map(|&i| (i, net_for(&self.book.promotions[i], quantity, gross))).collect();
            ranked.sort_by(|a, b| {
                let (pa, pb) = (&self.book.promotions[a.0], &self.book.promotions[b.0]);
                pb.priority.cmp(&pa.priority).then(a.1.cmp(&b.1)).then(pa.id.cmp(&pb.id))
            });
            let mut winner: Option<PromotionId> = None;
            let book = self.book;
            for (index, net) in ranked {
                let promotion = &book.promotions[index];
                if let Some(by) = winner {
                    self.slots[slot_index].lose(index, promotion.id, LostReason::Outranked { by });
                    continue;
                }
                if net >= gross {
                    self.slots[slot_index].lose(index, promotion.id, LostReason::NoSaving);
                    continue;
                }
                let remaining = self.remaining(promotion);
                if remaining == 0 {
                    self.slots[slot_index].lose(index, promotion.id, LostReason::LimitReached);
                    continue;
                }
                if remaining < self.slots[slot_index].quantity {
                    // The rest of the line goes on without this promotion (its limit is used up).
                    let rest = self.slots[slot_index].quantity - remaining;
                    let seq = self.seq();
                    let mut part = self.slots[slot_index].split_off(rest, seq);
                    part.item_done = false;
                    self.slots.push(part);
                }
                let slot = &mut self.slots[slot_index];
                let gross = slot.unit * slot.quantity;
                let net = net_for(promotion, slot.quantity, gross);
                let amount = net - gross;
                slot.adjustments.push(Adjustment { promotion: promotion.id, kind: promotion.kind.code(), amount });
                slot.net = net;
                slot.before_spend = net;
                if promotion.stacking == Stacking::Exclusive {
                    slot.holder = Some(promotion.id);
                }
                let units = slot.quantity;
                self.consume(promotion.id, units);
                self.record(index, amount);
                winner = Some(promotion.id);
            }
        }
    }

    fn gifts(&mut self) {
        let mut gifts = Vec::new();
        let mut exclusive_taken: HashSet<SkuId> = HashSet::default();
        let book = self.book;
        for index in self.naming_cart_skus(|k| matches!(k, PromotionKind::BuyGift { .. })) {
            let PromotionKind::BuyGift { buy, buy_qty, gift, gift_qty, repeat } = book.promotions[index].kind else {
                continue;
            };
            let promotion = &book.promotions[index];
            let buyers: Vec<usize> =
                (0..self.slots.len()).filter(|&s| self.slots[s].item.is_some() && self.slots[s].sku == buy).collect();
            if buyers.is_empty() || buy_qty <= 0 {
                continue;
            }
            if let Some(condition) = self.refusal(index) {
                if self.options.show_ineligible {
                    for &slot in &buyers {
                        self.slots[slot].lose(index, promotion.id, LostReason::NotEligible { condition });
                    }
                }
                continue;
            }
            if exclusive_taken.contains(&buy) {
                let by = self.slots[buyers[0]]
                    .adjustments
                    .iter()
                    .find(|a| a.kind == "buy_gift")
                    .map(|a| a.promotion)
                    .unwrap_or(promotion.id);
                for &slot in &buyers {
                    self.slots[slot].lose(index, promotion.id, LostReason::ExcludedBy { by });
                }
                continue;
            }
            let quantity: i64 = buyers
                .iter()
                .filter(|&&s| self.slots[s].holder.is_none_or(|h| h == promotion.id))
                .map(|&s| self.slots[s].quantity)
                .sum();
            let times = if repeat { quantity / buy_qty } else { i64::from(quantity >= buy_qty) };
            if times == 0 {
                let shortfall = buy_qty - quantity % buy_qty;
                for &slot in &buyers {
                    self.slots[slot].lose(index, promotion.id, LostReason::ThresholdNotMet { shortfall });
                }
                if quantity > 0 {
                    self.nudges.push(Nudge { promotion: promotion.id, shortfall, sku: buy, quantity: shortfall });
                }
                continue;
            }
            let units = times.saturating_mul(gift_qty).min(self.remaining(promotion));
            if units <= 0 {
                for &slot in &buyers {
                    self.slots[slot].lose(index, promotion.id, LostReason::LimitReached);
                }
                continue;
            }
            self.slots[buyers[0]].adjustments.push(Adjustment { promotion: promotion.id, kind: "buy_gift", amount: 0 });
            if promotion.stacking == Stacking::Exclusive {
                exclusive_taken.insert(buy);
            }
            let seq = self.seq();
            gifts.push(Slot {
                item: None,
                sku: gift,
                seq,
                quantity: units,
                unit: 0,
                before_spend: 0,
                net: 0,
                adjustments: vec![Adjustment { promotion: promotion.id, kind: "buy_gift", amount: 0 }],
                lost: Vec::new(),
                mentioned: Vec::new(),
                holder: Some(promotion.id),
                bundled: false,
                item_done: true,
                spend_applied: None,
            });
            self.consume(promotion.id, units);
            self.record(index, 0);
        }
        self.slots.extend(gifts);
    }

    fn spend_promotions(&mut self) {
        // Which slots each spend promotion covers, and which are refused or held.
        let mut covered: HashMap<usize, Vec<usize>> = HashMap::default();
        let (mut eligible, mut refused) = (Vec::new(), Vec::new());
        for slot_index in 0..self.slots.len() {
            let Some(item) = self.slots[slot_index].item else { continue };
            self.candidates(
                item,
                |k| matches!(k, PromotionKind::SpendReduce { .. } | PromotionKind::SpendPercent { .. }),
                &mut eligible,
                &mut refused,
            );
            self.note_refused(slot_index, &refused);
            for &index in &eligible {
                covered.entry(index).or_default().push(slot_index);
            }
        }
        // Rank: priority, then the larger discount on the amounts as they stand, then id.
        let mut ranked: Vec<(usize, i64)> = covered
            .iter()
            .map(|(&index, slots)| {
                let base: i64 = slots
                    .iter()
                    .filter(|&&s| self.slots[s].holder.is_none())
                    .map(|&s| self.slots[s].before_spend)
                    .sum();
                (index, self.spend_discount(index, base))
            })
            .collect();
        ranked.sort_by(|a, b| {
            let (pa, pb) = (&self.book.promotions[a.0], &self.book.promotions[b.0]);
            pb.priority.cmp(&pa.priority).then(b.1.cmp(&a.1)).then(pa.id.cmp(&pb.id))
        });
        let book = self.book;
        for (index, _) in ranked {
            let promotion = &book.promotions[index];
            let slots = covered.remove(&index).unwrap_or_default();
            let mut base_slots = Vec::new();
            for &s in &slots {
                match self.slots[s].holder {
                    Some(by) => self.slots[s].lose(index, promotion.id, LostReason::ExcludedBy { by }),
                    None => base_slots.push(s),
                }
            }
            if base_slots.is_empty() {
                continue;
            }
            let threshold = match promotion.kind {
                PromotionKind::SpendReduce { threshold, .. } | PromotionKind::SpendPercent { threshold, .. } => {
                    threshold
                }
                _ => continue,
            };
            let base: i64 = base_slots.iter().map(|&s| self.slots[s].before_spend).sum();
            if base < threshold {
                let shortfall = threshold - base;
                for &s in &base_slots {
                    self.slots[s].lose(index, promotion.id, LostReason::ThresholdNotMet { shortfall });
                }
                self.nudge_spend(promotion.id, shortfall, &base_slots);
                continue;
            }
            if self.remaining(promotion) == 0 {
                for &s in &base_slots {
                    self.slots[s].lose(index, promotion.id, LostReason::LimitReached);
                }
                continue;
            }
            if promotion.stacking == Stacking::Exclusive
                && let Some(by) = base_slots.iter().find_map(|&s| self.slots[s].spend_applied)
            {
                for &s in &base_slots {
                    self.slots[s].lose(index, promotion.id, LostReason::ExcludedBy { by });
                }
                continue;
            }
            let available: i64 = base_slots.iter().map(|&s| self.slots[s].net).sum();
            let discount = self.spend_discount(index, base).min(available);
            if discount <= 0 {
                for &s in &base_slots {
                    self.slots[s].lose(index, promotion.id, LostReason::NoSaving);
                }
                continue;
            }
            let weights: Vec<i64> = base_slots.iter().map(|&s| self.slots[s].net).collect();
            for (&s, share) in base_slots.iter().zip(allocate(-discount, &weights)) {
                let slot = &mut self.slots[s];
                slot.adjustments.push(Adjustment {
                    promotion: promotion.id,
                    kind: promotion.kind.code(),
                    amount: share,
                });
                slot.net += share;
                slot.spend_applied.get_or_insert(promotion.id);
                if promotion.stacking == Stacking::Exclusive {
                    slot.holder = Some(promotion.id);
                }
            }
            self.consume(promotion.id, 1);
            self.record(index, -discount);
        }
    }

    /// The discount a spend promotion gives on `base`, before any cap.
    fn spend_discount(&self, index: usize, base: i64) -> i64 {
        match self.book.promotions[index].kind {
            PromotionKind::SpendReduce { threshold, off, repeat } if threshold > 0 && base >= threshold => {
                if repeat {
                    (base / threshold).saturating_mul(off)
                } else {
                    off
                }
            }
            PromotionKind::SpendPercent { threshold, percent_off_bp } if base >= threshold => {
                let off = round_half_up(i128::from(base) * i128::from(percent_off_bp.clamp(0, 10_000)), 10_000);
                i64::try_from(off).unwrap_or(0)
            }
            _ => 0,
        }
    }

    /// Suggests more of the dearest covered SKU in the cart to reach a spend threshold.
    fn nudge_spend(&mut self, promotion: PromotionId, shortfall: i64, slots: &[usize]) {
        if !self.nudged.insert(promotion) {
            return;
        }
        let best = slots
            .iter()
            .map(|&s| &self.slots[s])
            .filter(|s| s.unit > 0)
            .max_by_key(|s| (s.unit, std::cmp::Reverse(s.seq)));
        if let Some(slot) = best {
            let quantity = (shortfall + slot.unit - 1) / slot.unit;
            self.nudges.push(Nudge { promotion, shortfall, sku: slot.sku, quantity });
        }
    }
}

/// Prices a cart for `buyer` on `date` with the live promotions in `book`.
pub fn price_cart(
    items: &[CartItem],
    buyer: &Buyer,
    date: Date,
    book: &PromotionBook,
    options: &PriceOptions,
) -> PricedCart {
    // Merge by SKU, in first-seen order; non-positive quantities are not lines.
    let mut merged: Vec<(&CartItem, i64)> = Vec::with_capacity(items.len());
    for item in items.iter().filter(|i| i.quantity > 0) {
        match merged.iter_mut().find(|(m, _)| m.sku == item.sku) {
            Some((_, quantity)) => *quantity = quantity.saturating_add(item.quantity),
            None => merged.push((item, item.quantity)),
        }
    }
    let refusals = vec![None; book.promotions.len()];
    let slots = merged
        .iter()
        .enumerate()
        .map(|(index, (item, quantity))| Slot {
            item: Some(index),
            sku: item.sku,
            seq: index,
            quantity: *quantity,
            unit: item.price.price,
            before_spend: item.price.price.saturating_mul(*quantity),
            net: item.price.price.saturating_mul(*quantity),
            adjustments: Vec::new(),
            lost: Vec::new(),
            mentioned: Vec::new(),
            holder: None,
            bundled: false,
            item_done: false,
            spend_applied: None,
        })
        .collect();
    let mut run = Run {
        book,
        next_seq: merged.len(),
        items: merged.iter().map(|(item, _)| *item).collect(),
        refusals,
        buyer,
        date,
        options,
        consumed: HashMap::default(),
        slots,
        applied: BTreeMap::new(),
        nudges: Vec::new(),
        nudged: HashSet::default(),
        covering: Vec::new(),
    };
    run.covering = vec![None; run.items.len()];
    run.bundles();
    run.item_promotions();
    run.gifts();
    run.spend_promotions();

    let Run { mut slots, items, applied, nudges, consumed, .. } = run;
    let mut consumed: Vec<(PromotionId, i64)> = consumed.into_iter().filter(|(_, used)| *used > 0).collect();
    consumed.sort_unstable();
    slots.sort_by_key(|s| (s.item.is_none(), s.item.unwrap_or(usize::MAX), s.seq));
    let gift_source = PriceSource { list: None, scope: PriceScope::Base };
    let lines: Vec<PricedLine> = slots
        .into_iter()
        .map(|slot| {
            let item = slot.item.map(|i| items[i]);
            let gross = slot.unit * slot.quantity;
            let net = gross + slot.adjustments.iter().map(|a| a.amount).sum::<i64>();
            PricedLine {
                sku: slot.sku,
                quantity: slot.quantity,
                list_price: slot.unit,
                price_source: item.map(|i| i.price.source.clone()).unwrap_or_else(|| gift_source.clone()),
                outranked_lists: item.map(|i| i.price.outranked.clone()).unwrap_or_default(),
                gross,
                adjustments: slot.adjustments,
                net,
                gift: slot.item.is_none(),
                lost: slot.lost,
            }
        })
        .collect();
    let gross: i64 = lines.iter().map(|l| l.gross).sum();
    let total: i64 = lines.iter().map(|l| l.net).sum();
    PricedCart {
        lines,
        gross,
        discount: total - gross,
        total,
        nudges,
        applied: applied.into_values().collect(),
        consumed,
    }
}
