//! Pricing: which list price applies to a partner, quantity rules, and the promotions engine.
//!
//! Everything here is a pure function of its inputs (the business date included), so a price can
//! always be explained and recomputed: the cart, the order and the brand's preview of a sample cart
//! all call the same [`price_cart`].

mod engine;
mod explain;
mod lists;
mod promotion;
mod quantity;
mod validate;

#[cfg(test)]
mod tests;

pub use engine::{CartItem, PriceOptions, PromotionBook, price_cart};
pub use explain::{Adjustment, LostReason, LostRule, Nudge, PricedCart, PricedLine};
pub use lists::{Buyer, PriceEntry, PriceScope, PriceSource, ResolvedPrice, resolve_price};
pub use promotion::{Eligibility, ItemScope, Promotion, PromotionKind, Stacking};
pub use quantity::{QuantityRule, check_quantity};
pub use validate::{PriceListProblem, PromotionProblem, check_price_entries, check_promotions};

/// A business date as `yyyymmdd` (China time), comparable as a number.
pub type Date = u32;
