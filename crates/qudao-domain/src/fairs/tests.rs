//! Tests of fair allocation: a worked example per rule, quotas, refusals, and the properties
//! every allocation must have.

use std::collections::BTreeMap;

use proptest::prelude::*;

use super::allocation::mul_div;
use super::*;
use crate::ids::PartnerId;

/// A fixed partner id; ids sort by `n`.
fn partner(n: u8) -> PartnerId {
    let text = format!("0193a1b2-c3d4-7e5f-8a9b-{n:02x}0000000000");
    match text.parse() {
        Ok(id) => id,
        Err(_) => panic!("bad fixed id {text}"),
    }
}

fn demand(n: u8, tier: &str, quantity: i64, placed_ms: i64, quota: Option<i64>) -> Demand {
    Demand { partner: partner(n), tier: tier.to_string(), quantity, placed_ms, quota }
}

fn weights() -> BTreeMap<String, u32> {
    [("gold", 3), ("silver", 2), ("bronze", 1)].into_iter().map(|(tier, w)| (tier.to_string(), w)).collect()
}

fn run(rule: AllocationRule, stock: i64, demands: &[Demand], weights: &BTreeMap<String, u32>) -> Vec<Allocation> {
    match allocate(rule, stock, demands, weights) {
        Ok(allocations) => allocations,
        Err(invalid) => panic!("refused: {invalid}"),
    }
}

fn units(allocations: &[Allocation]) -> Vec<i64> {
    allocations.iter().map(|a| a.allocated).collect()
}

fn capped(d: &Demand) -> i64 {
    d.quantity.min(d.quota.unwrap_or(i64::MAX))
}

#[test]
fn rule_names_round_trip_and_unknown_names_are_refused() {
    for rule in AllocationRule::ALL {
        assert_eq!(AllocationRule::parse(rule.as_str()), Some(rule));
    }
    assert_eq!(AllocationRule::parse("pro-rata"), None);
    assert_eq!(AllocationRule::parse("FCFS"), None);
}

#[test]
fn first_come_fills_the_queue_in_order_and_cuts_the_one_that_straddles() {
    // 150 asked for 100: A (t=1) 60, B (t=2) 30, then C and D both at t=3, C first by id.
    let demands = [
        demand(4, "gold", 10, 3, None),
        demand(3, "gold", 50, 3, None),
        demand(2, "gold", 30, 2, None),
        demand(1, "gold", 60, 1, None),
    ];
    let result = run(AllocationRule::FirstCome, 100, &demands, &weights());
    assert_eq!(units(&result), vec![0, 10, 30, 60]);
    assert_eq!(result[0].explanation.basis, Basis::FirstCome { position: 4, ahead_units: 140, stock: 100 });
    assert_eq!(result[1].explanation.basis, Basis::FirstCome { position: 3, ahead_units: 90, stock: 100 });
    assert_eq!(result[3].explanation.basis, Basis::FirstCome { position: 1, ahead_units: 0, stock: 100 });
}

#[test]
fn pro_rata_gives_the_leftover_unit_to_the_largest_remainder() {
    // 10 units over 7, 5, 3 (of 15): exact 4.67, 3.33, 2.00, floors 4 + 3 + 2 = 9, A's ⅔ wins.
    let demands = [demand(1, "gold", 7, 5, None), demand(2, "gold", 5, 1, None), demand(3, "gold", 3, 1, None)];
    let result = run(AllocationRule::ProRata, 10, &demands, &weights());
    assert_eq!(units(&result), vec![5, 3, 2]);
    let expected = [(4666, true), (3333, false), (2000, false)];
    for (allocation, (share_bp, remainder_unit)) in result.iter().zip(expected) {
        assert_eq!(
            allocation.explanation.basis,
            Basis::ProRata { stock: 10, total_demand: 15, share_bp, remainder_unit }
        );
    }
}

#[test]
fn pro_rata_breaks_equal_remainders_by_time_then_partner() {
    let demands = [demand(1, "gold", 1, 2, None), demand(2, "gold", 1, 1, None), demand(3, "gold", 1, 1, None)];
    assert_eq!(units(&run(AllocationRule::ProRata, 1, &demands, &weights())), vec![0, 1, 0]);
    assert_eq!(units(&run(AllocationRule::ProRata, 2, &demands, &weights())), vec![0, 1, 1]);
}

#[test]
fn tier_weight_serves_covered_partners_then_reshares_the_rest() {
    // 100 units. Weighted: A gold 10×3 = 30, B silver 60×2 = 120, C bronze 80×1 = 80; total 230.
    // A's share 100·30/230 ≈ 13 covers its 10; the other 90 go 120:80 to B and C: 54 and 36.
    let demands = [demand(1, "gold", 10, 1, None), demand(2, "silver", 60, 1, None), demand(3, "bronze", 80, 1, None)];
    let result = run(AllocationRule::TierWeight, 100, &demands, &weights());
    assert_eq!(units(&result), vec![10, 54, 36]);
    let basis = |weight, pool, share_bp, capped_at_demand| Basis::TierWeighted {
        weight,
        pool,
        share_bp,
        capped_at_demand,
        remainder_unit: false,
    };
    assert_eq!(result[0].explanation.basis, basis(3, 100, 1304, true));
    assert_eq!(result[1].explanation.basis, basis(2, 90, 6000, false));
    assert_eq!(result[2].explanation.basis, basis(1, 90, 4000, false));
}

#[test]
fn tier_weight_rounds_by_largest_remainder_and_unknown_tiers_weigh_one() {
    // 10 units, gold 10×3 = 30 and an unlisted tier 10×1 = 10: exact 7.5 and 2.5, equal
    // remainders, so the earlier placer (B) gets the odd unit.
    let demands = [demand(1, "gold", 10, 2, None), demand(2, "diamond", 10, 1, None)];
    let result = run(AllocationRule::TierWeight, 10, &demands, &weights());
    assert_eq!(units(&result), vec![7, 3]);
    assert!(matches!(result[1].explanation.basis, Basis::TierWeighted { weight: 1, remainder_unit: true, .. }));
}

#[test]
fn quota_caps_the_demand_and_is_explained_even_when_stock_suffices() {
    let demands = [demand(1, "gold", 50, 1, Some(20)), demand(2, "gold", 30, 2, Some(30))];
    for rule in AllocationRule::ALL {
        let result = run(rule, 100, &demands, &weights());
        assert_eq!(units(&result), vec![20, 30]);
        assert_eq!(result[0].requested, 50);
        assert_eq!(result[0].explanation.over_quota, Some(20));
        assert_eq!(result[1].explanation.over_quota, None, "a quota equal to the request cuts nothing");
        assert_eq!(result[0].explanation.basis, Basis::Full { stock: 100, total_demand: 50 });
    }
}

#[test]
fn bad_input_is_refused_with_every_field_named() {
    let mut weights = weights();
    weights.insert("lead".to_string(), 0);
    let demands = [demand(1, "gold", -1, 1, Some(-2)), demand(1, "gold", 5, 1, None)];
    let errors = match allocate(AllocationRule::ProRata, -3, &demands, &weights) {
        Ok(result) => panic!("accepted {result:?}"),
        Err(invalid) => invalid.errors,
    };
    let found: Vec<(String, &str)> = errors.into_iter().map(|e| (e.field, e.code)).collect();
    let expected = [
        ("stock", "must_not_be_negative"),
        ("weights.lead", "must_be_positive"),
        ("demands[0].quantity", "must_not_be_negative"),
        ("demands[0].quota", "must_not_be_negative"),
        ("demands[1].partner", "duplicate_partner"),
    ];
    assert_eq!(found, expected.map(|(field, code)| (field.to_string(), code)).to_vec());
}

#[test]
fn a_total_demand_beyond_i64_is_refused_not_wrapped() {
    let demands = [demand(1, "gold", i64::MAX, 1, None), demand(2, "gold", 1, 1, None)];
    let Err(invalid) = allocate(AllocationRule::FirstCome, 5, &demands, &weights()) else {
        panic!("accepted an overflowing total");
    };
    assert_eq!(invalid.errors, vec![crate::FieldError::new("demands", "total_too_large")]);
}

#[test]
fn mul_div_is_exact_beyond_128_bits() {
    let a = (1u128 << 63) - 1;
    assert_eq!(mul_div(a, (1 << 95) + 12_345, (1 << 95) + 12_345), (a, 0));
    // a · 3·2^94 / 2^95 = 1.5 a = 3·2^62 − 1.5.
    assert_eq!(mul_div(a, 3 << 94, 1 << 95), ((3 << 62) - 2, 1 << 94));
}

/// Up to 11 partners with small numbers, so ties in time, shortages and quotas are common.
fn demands(max_quantity: i64) -> impl Strategy<Value = Vec<Demand>> {
    let tiers = ["gold", "silver", "bronze", "unlisted"];
    let one = (0..tiers.len(), 0..=max_quantity, 0i64..4, proptest::option::of(0..=max_quantity + 5));
    proptest::collection::vec(one, 0..12).prop_map(move |rows| {
        rows.into_iter()
            .enumerate()
            .map(|(n, (tier, quantity, placed_ms, quota))| demand(n as u8, tiers[tier], quantity, placed_ms, quota))
            .collect()
    })
}

fn rules() -> impl Strategy<Value = AllocationRule> {
    proptest::sample::select(AllocationRule::ALL.to_vec())
}

/// The properties every allocation must have, whatever the rule.
fn check_invariants(stock: i64, demands: &[Demand], result: &[Allocation]) -> Result<(), TestCaseError> {
    prop_assert_eq!(result.len(), demands.len());
    let total: i128 = demands.iter().map(|d| i128::from(capped(d))).sum();
    let given: i128 = result.iter().map(|a| i128::from(a.allocated)).sum();
    prop_assert_eq!(given, total.min(i128::from(stock)));
    for (d, a) in demands.iter().zip(result) {
        prop_assert_eq!(a.partner, d.partner);
        prop_assert!(a.allocated >= 0 && a.allocated <= capped(d), "{} of {:?}", a.allocated, d);
        prop_assert_eq!(a.explanation.over_quota.is_some(), d.quota.is_some_and(|q| q < d.quantity));
        prop_assert_eq!(matches!(a.explanation.basis, Basis::Full { .. }), total <= i128::from(stock));
    }
    Ok(())
}

proptest! {
    #[test]
    fn allocations_add_up_and_stay_within_demand_and_quota(rule in rules(), stock in 0i64..300, demands in demands(50)) {
        let result = run(rule, stock, &demands, &weights());
        check_invariants(stock, &demands, &result)?;
    }

    #[test]
    fn huge_numbers_neither_overflow_nor_lose_units(
        rule in rules(),
        stock in 0i64..=i64::MAX,
        demands in demands(i64::MAX / 16).prop_map(|mut d| { d.truncate(7); d }),
        gold in 1u32..=u32::MAX,
        silver in 1u32..=u32::MAX,
    ) {
        let weights = [("gold", gold), ("silver", silver)].into_iter().map(|(t, w)| (t.to_string(), w)).collect();
        let result = run(rule, stock, &demands, &weights);
        check_invariants(stock, &demands, &result)?;
    }

    #[test]
    fn the_order_of_the_demands_does_not_matter(
        rule in rules(),
        stock in 0i64..300,
        (demands, shuffled) in demands(50).prop_flat_map(|d| (Just(d.clone()), Just(d).prop_shuffle())),
    ) {
        let by_partner = |result: Vec<Allocation>| {
            result.into_iter().map(|a| (a.partner, (a.allocated, a.explanation))).collect::<BTreeMap<_, _>>()
        };
        let original = by_partner(run(rule, stock, &demands, &weights()));
        prop_assert_eq!(original, by_partner(run(rule, stock, &shuffled, &weights())));
    }

    #[test]
    fn first_come_never_fills_a_later_placer_better(stock in 0i64..300, demands in demands(50)) {
        let result = run(AllocationRule::FirstCome, stock, &demands, &weights());
        for (d1, a1) in demands.iter().zip(&result) {
            for (d2, a2) in demands.iter().zip(&result) {
                let earlier = (d1.placed_ms, d1.partner) < (d2.placed_ms, d2.partner);
                if earlier && capped(d1) > 0 && capped(d2) > 0 {
                    // a1 / c1 ≥ a2 / c2, cross-multiplied.
                    prop_assert!(i128::from(a1.allocated) * i128::from(capped(d2))
                        >= i128::from(a2.allocated) * i128::from(capped(d1)));
                }
            }
        }
    }

    #[test]
    fn pro_rata_is_within_one_unit_of_the_exact_share(stock in 0i64..300, demands in demands(50)) {
        let result = run(AllocationRule::ProRata, stock, &demands, &weights());
        let total: i128 = demands.iter().map(|d| i128::from(capped(d))).sum();
        if total > i128::from(stock) {
            for (d, a) in demands.iter().zip(&result) {
                // |allocated − stock · c / total| < 1, scaled by total.
                let gap = i128::from(a.allocated) * total - i128::from(stock) * i128::from(capped(d));
                prop_assert!(gap.abs() < total, "{} for {:?}", a.allocated, d);
            }
        }
    }

    #[test]
    fn a_heavier_tier_with_equal_demand_never_gets_less(stock in 0i64..40, demands in demands(6)) {
        let weights = weights();
        let weight = |d: &Demand| weights.get(&d.tier).copied().unwrap_or(1);
        let result = run(AllocationRule::TierWeight, stock, &demands, &weights);
        for (d1, a1) in demands.iter().zip(&result) {
            for (d2, a2) in demands.iter().zip(&result) {
                if capped(d1) == capped(d2) && weight(d1) > weight(d2) {
                    prop_assert!(a1.allocated >= a2.allocated, "{:?} {} < {:?} {}", d1, a1.allocated, d2, a2.allocated);
                }
            }
        }
    }

    #[test]
    fn mul_div_agrees_with_plain_arithmetic(a in 0u128..1 << 63, b in 0u128..1 << 64, c in 1u128..1 << 64) {
        let exact = (a * b / c, a * b % c);
        prop_assert_eq!(mul_div(a, b, c), exact);
        // Scaling b and c by 2^32 pushes a · b past 128 bits without changing the quotient.
        prop_assert_eq!(mul_div(a, b << 32, c << 32), (exact.0, exact.1 << 32));
    }
}
