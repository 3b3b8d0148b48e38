//! The priced cart and the explanation of every line ("why this price").

use serde::Serialize;

use super::{PriceScope, PriceSource};
use crate::ids::{PromotionId, SkuId};

/// One promotion's effect on a line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Adjustment {
    /// The promotion.
    pub promotion: PromotionId,
    /// Its kind (`spend_reduce`…).
    pub kind: &'static str,
    /// Fen added to the line (negative for a discount; zero for a gift or the line that earned it).
    pub amount: i64,
}

/// Why a promotion that covers a line did not apply to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum LostReason {
    /// Another promotion of the same kind ranked higher or gave a better price.
    Outranked {
        /// The promotion that won.
        by: PromotionId,
    },
    /// It would not have lowered the price.
    NoSaving,
    /// The partner's purchase limit (限购) is used up.
    LimitReached,
    /// The spend or quantity needed is not reached.
    ThresholdNotMet {
        /// What is missing: fen for spend promotions, base units for buy-gift ones.
        shortfall: i64,
    },
    /// An exclusive promotion took the line.
    ExcludedBy {
        /// That promotion.
        by: PromotionId,
    },
    /// The partner may not use it (`tier`, `region`, `partner` or `date`); only listed when the
    /// caller asks for ineligible promotions (the brand's preview).
    NotEligible {
        /// Which condition failed.
        condition: &'static str,
    },
}

/// A promotion that covered the line but did not apply, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LostRule {
    /// The promotion.
    pub promotion: PromotionId,
    /// Why.
    #[serde(flatten)]
    pub reason: LostReason,
}

/// One priced line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PricedLine {
    /// The SKU.
    pub sku: SkuId,
    /// Base units.
    pub quantity: i64,
    /// List price per base unit, fen (0 for gifts).
    pub list_price: i64,
    /// Where the list price came from.
    pub price_source: PriceSource,
    /// Lists that were valid but less specific: (list, scope, price).
    pub outranked_lists: Vec<(crate::ids::PriceListId, PriceScope, i64)>,
    /// `list_price × quantity`.
    pub gross: i64,
    /// What each promotion did to the line.
    pub adjustments: Vec<Adjustment>,
    /// What the line costs: `gross` plus the adjustments. Never negative.
    pub net: i64,
    /// A zero-priced gift from a buy-gift promotion.
    pub gift: bool,
    /// Promotions that covered the line but did not apply, and why.
    pub lost: Vec<LostRule>,
}

/// A hint shown in the cart: buy a little more to earn a promotion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Nudge {
    /// The promotion within reach.
    pub promotion: PromotionId,
    /// What is missing: fen for spend promotions, base units for buy-gift ones.
    pub shortfall: i64,
    /// A SKU already in the cart to add more of.
    pub sku: SkuId,
    /// How many more base units of it reach the promotion.
    pub quantity: i64,
}

/// A priced cart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PricedCart {
    /// The lines, in the cart's order (a line split by a bundle or a purchase limit stays
    /// together), gifts last.
    pub lines: Vec<PricedLine>,
    /// Sum of the lines' gross amounts.
    pub gross: i64,
    /// Sum of all adjustments (negative or zero).
    pub discount: i64,
    /// What the order costs: the sum of the lines' net amounts, exactly.
    pub total: i64,
    /// Promotions within reach.
    pub nudges: Vec<Nudge>,
    /// Each applied promotion and its total effect, in the order they were applied.
    pub applied: Vec<(PromotionId, i64)>,
    /// What the cart takes of each limited promotion (units, sets or uses), by promotion id: the
    /// checkout adds it to the partner's usage in the order's transaction.
    pub consumed: Vec<(PromotionId, i64)>,
}
