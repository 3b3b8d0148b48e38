//! Price lists and which one applies.
//!
//! A SKU can have a price on the base list, on a tier's list, on a region's list and on a
//! partner's own list, each valid for a span of dates. **The most specific valid price wins**:
//!
//! 1. the partner's own list;
//! 2. a region's list — the deepest region containing the partner (city before province before
//!    大区);
//! 3. the partner's tier's list;
//! 4. the base list.
//!
//! Within one scope, lists for the same SKU may not overlap in time (saving one that does is
//! refused, see [`super::check_price_entries`]), so at most one entry of a scope is valid on a
//! date. Entries valid on the date but outranked are kept in the result, to explain the price.

use serde::Serialize;

use super::Date;
use crate::ids::{PartnerId, PriceListId, SkuId, TierId};

/// Who a price list is for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "scope", content = "target", rename_all = "snake_case")]
pub enum PriceScope {
    /// Everyone.
    Base,
    /// Partners of a tier.
    Tier(TierId),
    /// Partners in a region, by the region's path (`/R-EAST/CN-JS/`).
    Region(String),
    /// One partner.
    Partner(PartnerId),
}

impl PriceScope {
    /// How specific the scope is; a higher value wins. Regions rank by depth.
    pub fn rank(&self) -> (u8, usize) {
        match self {
            PriceScope::Partner(_) => (4, 0),
            PriceScope::Region(path) => (3, path.matches('/').count()),
            PriceScope::Tier(_) => (2, 0),
            PriceScope::Base => (1, 0),
        }
    }

    /// Whether the scope covers `buyer`.
    pub fn covers(&self, buyer: &Buyer) -> bool {
        match self {
            PriceScope::Base => true,
            PriceScope::Tier(tier) => *tier == buyer.tier,
            PriceScope::Region(path) => buyer.region_path.starts_with(path.as_str()),
            PriceScope::Partner(partner) => *partner == buyer.partner,
        }
    }
}

/// The partner a price is for: who it is, its tier and its region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Buyer {
    /// The partner.
    pub partner: PartnerId,
    /// Its tier.
    pub tier: TierId,
    /// Its region's path (`/R-EAST/CN-JS/CN-JS-NJ/`).
    pub region_path: String,
}

/// One SKU's price on one list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PriceEntry {
    /// The list.
    pub list: PriceListId,
    /// Who the list is for.
    pub scope: PriceScope,
    /// The SKU.
    pub sku: SkuId,
    /// Price per base unit, fen, tax included.
    pub price: i64,
    /// First valid day.
    pub valid_from: Date,
    /// Last valid day, inclusive; open-ended when `None`.
    pub valid_to: Option<Date>,
}

impl PriceEntry {
    /// Whether the entry is valid on `date`.
    pub fn valid_on(&self, date: Date) -> bool {
        self.valid_from <= date && self.valid_to.is_none_or(|to| date <= to)
    }
}

/// Where a line's list price came from. Names are looked up by whoever shows it, so pricing
/// copies no text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PriceSource {
    /// The winning list, `None` for the SKU's catalog list price (or a gift).
    pub list: Option<PriceListId>,
    /// Its scope.
    pub scope: PriceScope,
}

/// The price that applies, and the lists that were valid but lost to a more specific one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResolvedPrice {
    /// Price per base unit, fen.
    pub price: i64,
    /// Its source.
    pub source: PriceSource,
    /// Valid entries that a more specific one outranked: (list, scope, price).
    pub outranked: Vec<(PriceListId, PriceScope, i64)>,
}

/// The price of a SKU for `buyer` on `date`: the most specific valid entry among `entries` (all
/// of this SKU), else the catalog price.
pub fn resolve_price(entries: &[PriceEntry], catalog_price: i64, buyer: &Buyer, date: Date) -> ResolvedPrice {
    // Most specific first; equal specificity cannot overlap in time, but ties go to the lower
    // list id so the answer never depends on the order the entries were given in.
    let key = |e: &PriceEntry| (e.scope.rank(), std::cmp::Reverse(e.list));
    let valid = || entries.iter().filter(|e| e.valid_on(date) && e.scope.covers(buyer));
    let Some(winner) = valid().max_by_key(|e| key(e)) else {
        return ResolvedPrice {
            price: catalog_price,
            source: PriceSource { list: None, scope: PriceScope::Base },
            outranked: Vec::new(),
        };
    };
    let mut outranked: Vec<&PriceEntry> = valid().filter(|e| e.list != winner.list).collect();
    outranked.sort_by_key(|e| std::cmp::Reverse(key(e)));
    ResolvedPrice {
        price: winner.price,
        source: PriceSource { list: Some(winner.list), scope: winner.scope.clone() },
        outranked: outranked.into_iter().map(|e| (e.list, e.scope.clone(), e.price)).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(scope: PriceScope, price: i64, from: Date, to: Option<Date>) -> PriceEntry {
        PriceEntry { list: PriceListId::new(), scope, sku: SkuId::default(), price, valid_from: from, valid_to: to }
    }

    #[test]
    fn the_most_specific_valid_price_wins() {
        let buyer =
            Buyer { partner: PartnerId::new(), tier: TierId::new(), region_path: "/R-EAST/CN-JS/CN-JS-NJ/".into() };
        let entries = vec![
            entry(PriceScope::Base, 1000, 20260101, None),
            entry(PriceScope::Tier(buyer.tier), 950, 20260101, None),
            entry(PriceScope::Region("/R-EAST/".into()), 940, 20260101, None),
            entry(PriceScope::Region("/R-EAST/CN-JS/".into()), 930, 20260101, None),
            entry(PriceScope::Partner(buyer.partner), 900, 20261201, None),
            entry(PriceScope::Tier(TierId::new()), 800, 20260101, None),
        ];
        let resolved = resolve_price(&entries, 1200, &buyer, 20261127);
        assert_eq!(resolved.price, 930, "the province list beats the 大区 list, the tier and the base");
        assert_eq!(resolved.outranked.len(), 3, "the 大区, tier and base lists lost; the other tier never applied");
        let later = resolve_price(&entries, 1200, &buyer, 20261215);
        assert_eq!(later.price, 900, "the partner's own list once it is valid");
        let nothing = resolve_price(&[], 1200, &buyer, 20261127);
        assert_eq!((nothing.price, nothing.source.list), (1200, None));
    }

    #[test]
    fn validity_is_inclusive_and_order_of_entries_does_not_matter() {
        let buyer = Buyer { partner: PartnerId::new(), tier: TierId::new(), region_path: "/R-EAST/".into() };
        let mut entries = vec![
            entry(PriceScope::Base, 1000, 20260101, Some(20261130)),
            entry(PriceScope::Tier(buyer.tier), 950, 20261201, None),
        ];
        assert_eq!(resolve_price(&entries, 0, &buyer, 20261130).price, 1000);
        assert_eq!(resolve_price(&entries, 0, &buyer, 20261201).price, 950);
        entries.reverse();
        assert_eq!(resolve_price(&entries, 0, &buyer, 20261130).price, 1000);
    }
}
