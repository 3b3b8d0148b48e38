//! Tests of the promotions engine: each kind, how they combine, the explanation, and the
//! properties every result must have.

use proptest::prelude::*;

use super::*;
use crate::ids::{CategoryId, ProductId, PromotionId, SkuId, TierId};

struct World {
    buyer: Buyer,
    skus: Vec<(SkuId, ProductId, CategoryId, i64)>,
}

/// A fixed id, so property tests can name the same SKUs in their strategies.
fn fixed<T: std::str::FromStr>(kind: u8, n: u8) -> T {
    let text = format!("0193a1b2-c3d4-7e5f-8a9b-{kind:02x}{n:02x}00000000");
    match text.parse() {
        Ok(id) => id,
        Err(_) => panic!("bad fixed id {text}"),
    }
}

fn world() -> World {
    let skus = (0..6u8).map(|n| (fixed(1, n), fixed(2, n), fixed(3, n), 100 * (i64::from(n) + 1))).collect();
    World { buyer: Buyer { partner: fixed(4, 0), tier: fixed(5, 0), region_path: "/R-EAST/CN-SH/".into() }, skus }
}

fn item(world: &World, n: usize, quantity: i64) -> CartItem {
    let (sku, product, category, price) = world.skus[n];
    CartItem {
        sku,
        product,
        categories: vec![category],
        quantity,
        price: resolve_price(&[], price, &world.buyer, 20261127),
    }
}

fn promo(kind: PromotionKind) -> Promotion {
    Promotion {
        id: PromotionId::new(),
        name: kind.code().into(),
        kind,
        eligibility: Eligibility { valid_from: 20260101, valid_to: 20261231, ..Eligibility::default() },
        scope: ItemScope::default(),
        priority: 0,
        stacking: Stacking::Stackable,
        limit_per_partner: None,
    }
}

fn price(world: &World, items: &[CartItem], promotions: Vec<Promotion>) -> PricedCart {
    price_cart(items, &world.buyer, 20261127, &PromotionBook::new(promotions), &PriceOptions::default())
}

#[test]
fn spend_reduce_repeats_per_threshold_and_is_spread_exactly() {
    let w = world();
    // 3 × 100 + 7 × 300 = 2,400 fen.
    let items = [item(&w, 0, 3), item(&w, 2, 7)];
    let once = price(&w, &items, vec![promo(PromotionKind::SpendReduce { threshold: 1000, off: 100, repeat: false })]);
    assert_eq!((once.gross, once.total), (2400, 2300));
    let repeat = price(&w, &items, vec![promo(PromotionKind::SpendReduce { threshold: 1000, off: 100, repeat: true })]);
    assert_eq!(repeat.total, 2200, "满1000减100, twice");
    assert_eq!(repeat.lines.iter().map(|l| l.net).sum::<i64>(), repeat.total);
    // The 200 off is spread 300:2100 → 25 and 175.
    assert_eq!(repeat.lines[0].adjustments[0].amount, -25);
    assert_eq!(repeat.lines[1].adjustments[0].amount, -175);
}

#[test]
fn percentages_round_half_up_to_the_fen() {
    let w = world();
    let items = [item(&w, 0, 1), item(&w, 0, 0)];
    // 100 fen at 12.5% off: 12.5 → 13.
    let result = price(&w, &items, vec![promo(PromotionKind::ItemDiscount { percent_off_bp: 1250 })]);
    assert_eq!(result.total, 87);
    let spend =
        price(&w, &[item(&w, 0, 3)], vec![promo(PromotionKind::SpendPercent { threshold: 300, percent_off_bp: 50 })]);
    assert_eq!(spend.total, 298, "300 × 0.5% = 1.5 → 2");
}

#[test]
fn the_best_item_promotion_wins_and_the_loser_says_why() {
    let w = world();
    let mut special = promo(PromotionKind::SpecialPrice { price: 80 });
    let discount = promo(PromotionKind::ItemDiscount { percent_off_bp: 1000 });
    special.scope.skus = vec![w.skus[0].0];
    let result = price(&w, &[item(&w, 0, 10)], vec![discount.clone(), special.clone()]);
    assert_eq!(result.total, 800);
    let line = &result.lines[0];
    assert_eq!(line.adjustments[0].promotion, special.id);
    assert_eq!(line.lost, vec![LostRule { promotion: discount.id, reason: LostReason::Outranked { by: special.id } }]);
    // A higher priority wins even with a worse price.
    let mut urgent = discount.clone();
    urgent.priority = 5;
    let result = price(&w, &[item(&w, 0, 10)], vec![urgent.clone(), special]);
    assert_eq!(result.total, 900);
    assert_eq!(result.lines[0].adjustments[0].promotion, urgent.id);
}

#[test]
fn a_purchase_limit_splits_the_line() {
    let w = world();
    let mut special = promo(PromotionKind::SpecialPrice { price: 50 });
    special.limit_per_partner = Some(10);
    let mut options = PriceOptions::default();
    options.used.insert(special.id, 6);
    let result =
        price_cart(&[item(&w, 0, 10)], &w.buyer, 20261127, &PromotionBook::new(vec![special.clone()]), &options);
    assert_eq!(result.lines.len(), 2);
    assert_eq!((result.lines[0].quantity, result.lines[0].net), (4, 200), "4 left of the limit of 10");
    assert_eq!((result.lines[1].quantity, result.lines[1].net), (6, 600));
    assert_eq!(result.lines[1].lost[0].reason, LostReason::LimitReached);
}

#[test]
fn buy_gift_adds_a_zero_priced_line_and_nudges_when_short() {
    let w = world();
    let gift =
        promo(PromotionKind::BuyGift { buy: w.skus[0].0, buy_qty: 12, gift: w.skus[5].0, gift_qty: 1, repeat: true });
    let result = price(&w, &[item(&w, 0, 30)], vec![gift.clone()]);
    let gift_line = result.lines.last().unwrap();
    assert!(gift_line.gift);
    assert_eq!((gift_line.sku, gift_line.quantity, gift_line.net), (w.skus[5].0, 2, 0));
    assert_eq!(result.total, 3000);
    let short = price(&w, &[item(&w, 0, 10)], vec![gift.clone()]);
    assert_eq!(short.lines.len(), 1);
    assert_eq!(short.nudges, vec![Nudge { promotion: gift.id, shortfall: 2, sku: w.skus[0].0, quantity: 2 }]);
}

#[test]
fn bundles_price_complete_sets_and_leave_the_rest() {
    let w = world();
    // A (100) + B (200) together for 250.
    let bundle = promo(PromotionKind::Bundle { items: vec![(w.skus[0].0, 1), (w.skus[1].0, 1)], price: 250 });
    let result = price(&w, &[item(&w, 0, 3), item(&w, 1, 2)], vec![bundle]);
    assert_eq!(result.total, 300 + 400 - 100, "two sets save 50 each");
    assert_eq!(result.lines.len(), 3, "one A is left outside the sets");
}

#[test]
fn exclusive_item_promotions_keep_their_lines_from_spend_promotions() {
    let w = world();
    let mut exclusive = promo(PromotionKind::ItemDiscount { percent_off_bp: 2000 });
    exclusive.stacking = Stacking::Exclusive;
    exclusive.scope.skus = vec![w.skus[0].0];
    let spend = promo(PromotionKind::SpendReduce { threshold: 500, off: 50, repeat: false });
    let result = price(&w, &[item(&w, 0, 5), item(&w, 1, 3)], vec![exclusive.clone(), spend.clone()]);
    assert_eq!(result.lines[0].net, 400, "20% off only");
    assert!(
        result.lines[0]
            .lost
            .iter()
            .any(|l| l.promotion == spend.id && l.reason == LostReason::ExcludedBy { by: exclusive.id })
    );
    assert_eq!(result.lines[1].net, 550, "the spend promotion measured the other line alone: 600 ≥ 500");
}

#[test]
fn ineligible_promotions_are_listed_only_when_asked() {
    let w = world();
    let mut tiered = promo(PromotionKind::ItemDiscount { percent_off_bp: 1000 });
    tiered.eligibility.tiers = vec![TierId::new()];
    let book = PromotionBook::new(vec![tiered.clone()]);
    let quiet = price_cart(&[item(&w, 0, 1)], &w.buyer, 20261127, &book, &PriceOptions::default());
    assert!(quiet.lines[0].lost.is_empty());
    let preview = price_cart(
        &[item(&w, 0, 1)],
        &w.buyer,
        20261127,
        &book,
        &PriceOptions { show_ineligible: true, ..Default::default() },
    );
    assert_eq!(preview.lines[0].lost[0].reason, LostReason::NotEligible { condition: "tier" });
    let expired = price_cart(
        &[item(&w, 0, 1)],
        &w.buyer,
        20270101,
        &PromotionBook::new(vec![promo(PromotionKind::ItemDiscount { percent_off_bp: 1000 })]),
        &PriceOptions::default(),
    );
    assert_eq!(expired.total, 100, "outside its dates");
}

#[test]
fn spend_nudges_name_a_sku_and_quantity() {
    let w = world();
    let spend = promo(PromotionKind::SpendReduce { threshold: 1000, off: 100, repeat: false });
    let result = price(&w, &[item(&w, 2, 2)], vec![spend.clone()]);
    assert_eq!(result.nudges, vec![Nudge { promotion: spend.id, shortfall: 400, sku: w.skus[2].0, quantity: 2 }]);
}

#[test]
fn saving_checks_find_contradictions_loops_and_overlaps() {
    let w = world();
    let bad = promo(PromotionKind::SpendReduce { threshold: 100, off: 100, repeat: false });
    assert!(check_promotions(&bad, &[]).iter().any(|p| p.is_blocking()));
    let a_to_b =
        promo(PromotionKind::BuyGift { buy: w.skus[0].0, buy_qty: 1, gift: w.skus[1].0, gift_qty: 1, repeat: false });
    let b_to_a =
        promo(PromotionKind::BuyGift { buy: w.skus[1].0, buy_qty: 1, gift: w.skus[0].0, gift_qty: 1, repeat: false });
    assert!(matches!(check_promotions(&b_to_a, &[a_to_b]).as_slice(), [PromotionProblem::GiftLoop { .. }]));
    let mut one = promo(PromotionKind::ItemDiscount { percent_off_bp: 1000 });
    one.stacking = Stacking::Exclusive;
    let two = promo(PromotionKind::ItemDiscount { percent_off_bp: 1500 });
    let problems = check_promotions(&two, &[one]);
    assert!(matches!(problems.as_slice(), [PromotionProblem::Overlap { .. }]));
    assert!(!problems[0].is_blocking());

    let list = |id, from, to| PriceEntry {
        list: id,
        scope: PriceScope::Base,
        sku: w.skus[0].0,
        price: 100,
        valid_from: from,
        valid_to: to,
    };
    let (old, new) = (crate::ids::PriceListId::new(), crate::ids::PriceListId::new());
    assert_eq!(check_price_entries(&[list(new, 20261201, None)], &[list(old, 20260101, Some(20261130))]), vec![]);
    assert_eq!(check_price_entries(&[list(new, 20261130, None)], &[list(old, 20260101, Some(20261130))]).len(), 1);
}

fn arbitrary_promotion(skus: Vec<SkuId>) -> impl Strategy<Value = Promotion> {
    let pick = prop::sample::select(skus);
    (
        0..6u8,
        pick.clone(),
        pick,
        1..5000i64,
        1..10_000i64,
        1..20i64,
        -2..3i32,
        any::<bool>(),
        any::<bool>(),
        prop::option::of(1..30i64),
    )
        .prop_map(|(kind, a, b, amount, bp, qty, priority, exclusive, scoped, limit)| {
            let kind = match kind {
                0 => PromotionKind::SpecialPrice { price: amount % 700 },
                1 => PromotionKind::ItemDiscount { percent_off_bp: bp },
                2 => PromotionKind::SpendReduce { threshold: amount + 1, off: (amount / 3).max(1), repeat: exclusive },
                3 => PromotionKind::SpendPercent { threshold: amount, percent_off_bp: bp },
                4 => PromotionKind::BuyGift { buy: a, buy_qty: qty, gift: b, gift_qty: (qty % 3) + 1, repeat: scoped },
                _ => PromotionKind::Bundle { items: vec![(a, 1), (b, qty % 3 + 1)], price: amount % 900 },
            };
            let mut promotion = promo(kind);
            promotion.priority = priority;
            promotion.stacking = if exclusive { Stacking::Exclusive } else { Stacking::Stackable };
            if scoped {
                promotion.scope.skus = vec![a];
            }
            promotion.limit_per_partner = limit;
            promotion
        })
}

proptest! {
    #[test]
    fn every_priced_cart_is_consistent_and_independent_of_rule_order_and_idempotent(
        quantities in prop::collection::vec(0..40i64, 6),
        promotions in prop::collection::vec(arbitrary_promotion((0..6u8).map(|n| fixed(1, n)).collect()), 0..12),
        shuffle in any::<u64>(),
    ) {
        let w = world();
        let items: Vec<CartItem> = quantities.iter().enumerate().map(|(n, q)| item(&w, n, *q)).collect();
        let result = price(&w, &items, promotions.clone());

        // Totals never negative; every line never negative; lines sum to the total exactly.
        prop_assert!(result.total >= 0);
        prop_assert!(result.lines.iter().all(|l| l.net >= 0));
        prop_assert_eq!(result.lines.iter().map(|l| l.net).sum::<i64>(), result.total);
        prop_assert_eq!(result.gross + result.discount, result.total);
        for line in &result.lines {
            prop_assert_eq!(line.gross + line.adjustments.iter().map(|a| a.amount).sum::<i64>(), line.net);
        }

        // The order in which rules were defined does not matter.
        let mut reordered = promotions.clone();
        let len = reordered.len().max(1);
        reordered.rotate_left((shuffle as usize) % len);
        reordered.reverse();
        prop_assert_eq!(&price(&w, &items, reordered), &result);

        // Pricing the priced cart again changes nothing.
        let again_items: Vec<CartItem> = {
            let mut merged: Vec<CartItem> = Vec::new();
            for line in result.lines.iter().filter(|l| !l.gift) {
                let n = w.skus.iter().position(|s| s.0 == line.sku).unwrap();
                match merged.iter_mut().find(|m| m.sku == line.sku) {
                    Some(existing) => existing.quantity += line.quantity,
                    None => merged.push(item(&w, n, line.quantity)),
                }
            }
            merged
        };
        prop_assert_eq!(&price(&w, &again_items, promotions), &result);
    }
}
