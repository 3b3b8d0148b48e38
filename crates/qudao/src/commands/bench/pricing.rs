//! `qudao bench pricing`: price a large cart against many promotions and tiered price lists.

use std::collections::HashMap;
use std::io::Write;
use std::time::Instant;

use qudao_domain::ids::{CategoryId, PartnerId, PriceListId, ProductId, PromotionId, SkuId, TierId};
use qudao_domain::pricing::{
    Buyer, CartItem, Eligibility, ItemScope, PriceEntry, PriceOptions, PriceScope, Promotion, PromotionBook,
    PromotionKind, Stacking, price_cart, resolve_price,
};

use super::SplitMix;

/// Prices `iterations` carts of `lines` lines against `promotion_count` promotions; prints the
/// median as the last line, `cart_us_median=N`.
pub fn pricing(lines: usize, promotion_count: usize, iterations: usize) -> anyhow::Result<()> {
    let mut rng = SplitMix(42);
    let date = 20261127;
    let tiers: Vec<TierId> = (0..4).map(|_| TierId::new()).collect();
    let regions = ["/R-EAST/", "/R-EAST/CN-JS/", "/R-EAST/CN-JS/CN-JS-NJ/", "/R-SOUTH/", "/R-SOUTH/CN-GD/"];
    let buyer = Buyer { partner: PartnerId::new(), tier: tiers[1], region_path: regions[2].into() };
    // A catalog of 5,000 SKUs in 1,000 products and 40 categories; the cart takes `lines` of them.
    let categories: Vec<CategoryId> = (0..40).map(|_| CategoryId::new()).collect();
    let products: Vec<(ProductId, CategoryId)> =
        (0..1000).map(|n| (ProductId::new(), categories[n % categories.len()])).collect();
    let skus: Vec<(SkuId, usize, i64)> =
        (0..5000).map(|n| (SkuId::new(), n % products.len(), 200 + (rng.next() % 20_000) as i64)).collect();
    // Tiered price lists: a base list, one per tier, per region and a partner's own, for every SKU.
    let lists: Vec<(PriceListId, PriceScope)> = std::iter::once(PriceScope::Base)
        .chain(tiers.iter().map(|t| PriceScope::Tier(*t)))
        .chain(regions.iter().map(|r| PriceScope::Region((*r).into())))
        .chain(std::iter::once(PriceScope::Partner(buyer.partner)))
        .map(|scope| (PriceListId::new(), scope))
        .collect();
    let mut entries: HashMap<SkuId, Vec<PriceEntry>> = HashMap::new();
    for (sku, _, price) in &skus {
        for (n, (list, scope)) in lists.iter().enumerate() {
            if n > 0 && rng.below(3) != 0 {
                continue;
            }
            entries.entry(*sku).or_default().push(PriceEntry {
                list: *list,
                scope: scope.clone(),
                sku: *sku,
                price: price - (n as i64) * 5,
                valid_from: 20260101,
                valid_to: None,
            });
        }
    }
    let cart_skus: Vec<usize> = (0..lines).map(|_| rng.below(skus.len())).collect();
    // A brand's live promotions, in the proportions brands run them: mostly specials and item
    // discounts on particular SKUs, products or categories, some gifts and bundles, a few spend
    // promotions (one 满减 per order usually: most are exclusive). Half of them touch the cart's
    // SKUs, their products or categories, so the engine has real work; the rest are elsewhere.
    let mut promotions = Vec::with_capacity(promotion_count);
    for n in 0..promotion_count {
        let anchor = if n % 2 == 0 { cart_skus[rng.below(cart_skus.len())] } else { rng.below(skus.len()) };
        let (sku, product_index, price) = skus[anchor];
        let (product, category) = products[product_index];
        let other = skus[rng.below(skus.len())].0;
        let roll = rng.below(100);
        let (kind, scope, exclusive) = match roll {
            0..50 => (
                PromotionKind::SpecialPrice { price: price * (80 + rng.below(15) as i64) / 100 },
                ItemScope { skus: vec![sku], ..ItemScope::default() },
                false,
            ),
            50..70 => (
                PromotionKind::ItemDiscount { percent_off_bp: 500 + rng.below(2000) as i64 },
                if roll.is_multiple_of(2) {
                    ItemScope { products: vec![product], ..ItemScope::default() }
                } else {
                    ItemScope { categories: vec![category], ..ItemScope::default() }
                },
                roll.is_multiple_of(5),
            ),
            70..80 => (
                PromotionKind::BuyGift { buy: sku, buy_qty: 12, gift: other, gift_qty: 1, repeat: true },
                ItemScope::default(),
                false,
            ),
            80..85 => (PromotionKind::Bundle { items: vec![(sku, 1), (other, 1)], price }, ItemScope::default(), true),
            85..95 => (
                PromotionKind::SpendReduce {
                    threshold: 50_000 * (1 + rng.below(8) as i64),
                    off: 2_000 + rng.below(8_000) as i64,
                    repeat: roll.is_multiple_of(2),
                },
                ItemScope { categories: vec![category], ..ItemScope::default() },
                !roll.is_multiple_of(3),
            ),
            95..99 => (
                PromotionKind::SpendPercent { threshold: 100_000, percent_off_bp: 200 + rng.below(500) as i64 },
                ItemScope { categories: vec![category], ..ItemScope::default() },
                true,
            ),
            // A few order-wide promotions (满折 on everything).
            _ => (PromotionKind::SpendPercent { threshold: 300_000, percent_off_bp: 300 }, ItemScope::default(), true),
        };
        promotions.push(Promotion {
            id: PromotionId::new(),
            name: format!("promotion {n}"),
            kind,
            eligibility: Eligibility {
                tiers: if n % 5 == 0 { vec![tiers[rng.below(tiers.len())]] } else { Vec::new() },
                regions: if n % 7 == 0 { vec![regions[rng.below(regions.len())].into()] } else { Vec::new() },
                partners: Vec::new(),
                valid_from: 20260101,
                valid_to: 20261231,
            },
            scope,
            priority: (n % 4) as i32,
            stacking: if exclusive { Stacking::Exclusive } else { Stacking::Stackable },
            limit_per_partner: if n % 11 == 0 { Some(100) } else { None },
        });
    }
    let book = PromotionBook::new(promotions);
    let options = PriceOptions::default();
    let empty = Vec::new();
    let price_one = || {
        let items: Vec<CartItem> = cart_skus
            .iter()
            .enumerate()
            .map(|(line, &index)| {
                let (sku, product_index, catalog_price) = skus[index];
                let (product, category) = products[product_index];
                let resolved = resolve_price(entries.get(&sku).unwrap_or(&empty), catalog_price, &buyer, date);
                CartItem {
                    sku,
                    product,
                    categories: vec![category],
                    quantity: 6 + (line as i64 % 7) * 6,
                    price: resolved,
                }
            })
            .collect();
        price_cart(&items, &buyer, date, &book, &options)
    };
    for _ in 0..iterations.min(200) {
        std::hint::black_box(price_one());
    }
    let mut micros = Vec::with_capacity(iterations);
    let mut applied = 0;
    let mut line_count = 0;
    for _ in 0..iterations.max(1) {
        let started = Instant::now();
        let cart = std::hint::black_box(price_one());
        micros.push(started.elapsed().as_secs_f64() * 1e6);
        applied = cart.applied.len();
        line_count = cart.lines.len();
    }
    micros.sort_by(f64::total_cmp);
    let median = micros[micros.len() / 2];
    let p99 = micros[(micros.len() * 99 / 100).min(micros.len() - 1)];
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "pricing: {lines}-line cart, {promotion_count} promotions, {} price lists, {iterations} carts",
        lists.len()
    )?;
    writeln!(out, "promotions applied per cart: {applied}; lines after gifts and splits: {line_count}")?;
    writeln!(out, "cart_us_p99={p99:.1}")?;
    writeln!(out, "cart_us_median={median:.1}")?;
    Ok(())
}
