//! Stock: what partners are shown of it, and which warehouses an order line is served from.
//!
//! Reservations themselves are guarded single statements in the store
//! (`… SET reserved = reserved + q WHERE reserved + q <= on_hand`), so stock is never oversold
//! even when orders race; this module decides only what to ask for.

pub mod count;

use serde::Serialize;

use crate::ids::WarehouseId;

/// What the brand lets partners see of stock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StockVisibility {
    /// The available quantity.
    Exact,
    /// In stock, low, or out.
    Bucketed,
    /// Nothing.
    Hidden,
}

impl StockVisibility {
    /// Parses a stored setting; unknown values hide stock, the safe choice.
    pub fn parse(text: &str) -> StockVisibility {
        match text {
            "exact" => StockVisibility::Exact,
            "bucketed" => StockVisibility::Bucketed,
            _ => StockVisibility::Hidden,
        }
    }

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            StockVisibility::Exact => "exact",
            StockVisibility::Bucketed => "bucketed",
            StockVisibility::Hidden => "hidden",
        }
    }
}

/// Stock as a partner sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "level", content = "quantity", rename_all = "snake_case")]
pub enum ShownStock {
    /// The available quantity, in base units.
    Exactly(i64),
    /// Enough.
    InStock,
    /// At or below the low threshold.
    Low,
    /// None available.
    Out,
    /// The brand does not show stock.
    Hidden,
}

/// What a partner is shown of `available` base units, with `low` as the low-stock threshold.
pub fn shown(visibility: StockVisibility, available: i64, low: i64) -> ShownStock {
    match visibility {
        StockVisibility::Exact => ShownStock::Exactly(available.max(0)),
        StockVisibility::Hidden => ShownStock::Hidden,
        StockVisibility::Bucketed if available <= 0 => ShownStock::Out,
        StockVisibility::Bucketed if available <= low => ShownStock::Low,
        StockVisibility::Bucketed => ShownStock::InStock,
    }
}

/// Available stock of one SKU in one warehouse, in the order warehouses are preferred.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Availability {
    /// The warehouse.
    pub warehouse: WarehouseId,
    /// On hand minus reserved.
    pub available: i64,
}

/// Splits `quantity` over warehouses in order of preference: from the first warehouse that has
/// it all if there is one (one parcel), else from each in turn. `None` when the warehouses
/// together do not have enough.
pub fn allocate_warehouses(quantity: i64, warehouses: &[Availability]) -> Option<Vec<(WarehouseId, i64)>> {
    if quantity <= 0 {
        return Some(Vec::new());
    }
    if let Some(whole) = warehouses.iter().find(|w| w.available >= quantity) {
        return Some(vec![(whole.warehouse, quantity)]);
    }
    let mut left = quantity;
    let mut parts = Vec::new();
    for warehouse in warehouses.iter().filter(|w| w.available > 0) {
        let take = left.min(warehouse.available);
        parts.push((warehouse.warehouse, take));
        left -= take;
        if left == 0 {
            return Some(parts);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn partners_see_what_the_brand_allows() {
        assert_eq!(shown(StockVisibility::Exact, 42, 10), ShownStock::Exactly(42));
        assert_eq!(shown(StockVisibility::Exact, -3, 10), ShownStock::Exactly(0));
        assert_eq!(shown(StockVisibility::Bucketed, 42, 10), ShownStock::InStock);
        assert_eq!(shown(StockVisibility::Bucketed, 10, 10), ShownStock::Low);
        assert_eq!(shown(StockVisibility::Bucketed, 0, 10), ShownStock::Out);
        assert_eq!(shown(StockVisibility::Hidden, 42, 10), ShownStock::Hidden);
        assert_eq!(StockVisibility::parse("nonsense"), StockVisibility::Hidden);
    }

    #[test]
    fn one_warehouse_is_preferred_when_it_has_everything() {
        let (a, b) = (WarehouseId::new(), WarehouseId::new());
        let stock = [Availability { warehouse: a, available: 5 }, Availability { warehouse: b, available: 20 }];
        assert_eq!(allocate_warehouses(12, &stock), Some(vec![(b, 12)]));
        assert_eq!(allocate_warehouses(22, &stock), Some(vec![(a, 5), (b, 17)]));
        assert_eq!(allocate_warehouses(26, &stock), None);
    }

    proptest! {
        #[test]
        fn allocations_take_exactly_the_quantity_and_never_more_than_available(
            quantity in 0..200i64,
            available in prop::collection::vec(-5..80i64, 0..5),
        ) {
            let warehouses: Vec<Availability> =
                available.iter().map(|a| Availability { warehouse: WarehouseId::new(), available: *a }).collect();
            let total: i64 = available.iter().filter(|a| **a > 0).sum();
            match allocate_warehouses(quantity, &warehouses) {
                Some(parts) => {
                    prop_assert_eq!(parts.iter().map(|p| p.1).sum::<i64>(), quantity);
                    for (warehouse, take) in parts {
                        let have = warehouses.iter().find(|w| w.warehouse == warehouse).unwrap().available;
                        prop_assert!(take > 0 && take <= have);
                    }
                }
                None => prop_assert!(quantity > total),
            }
        }
    }
}
