//! Promotions as the brand defines them: what they give, to whom, on what, when, and how they
//! combine with others.

use serde::{Deserialize, Serialize};

use super::{Buyer, Date};
use crate::ids::{CategoryId, PartnerId, ProductId, PromotionId, SkuId, TierId};

/// What a promotion gives. Amounts are fen; percentages are basis points of the price taken off
/// (1000 = 10% off, i.e. 九折).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PromotionKind {
    /// 特价: the covered SKUs cost `price` per base unit.
    SpecialPrice {
        /// Price per base unit, fen.
        price: i64,
    },
    /// 单品折扣: the covered lines cost `percent_off_bp` less.
    ItemDiscount {
        /// Basis points off.
        percent_off_bp: i64,
    },
    /// 满减: spend `threshold` on covered lines, get `off` off; with `repeat`, per full `threshold`.
    SpendReduce {
        /// Spend needed, fen.
        threshold: i64,
        /// Amount off, fen.
        off: i64,
        /// Whether it applies once per full threshold (满1000减100, 满2000减200…).
        repeat: bool,
    },
    /// 满折: spend `threshold` on covered lines, get `percent_off_bp` off them.
    SpendPercent {
        /// Spend needed, fen.
        threshold: i64,
        /// Basis points off.
        percent_off_bp: i64,
    },
    /// 买赠: buy `buy_qty` of `buy`, get `gift_qty` of `gift` as a zero-priced line; with `repeat`,
    /// per full `buy_qty`.
    BuyGift {
        /// The SKU to buy.
        buy: SkuId,
        /// How many base units of it.
        buy_qty: i64,
        /// The gift SKU.
        gift: SkuId,
        /// How many base units of the gift.
        gift_qty: i64,
        /// Whether it applies once per full `buy_qty`.
        repeat: bool,
    },
    /// 组合: the set of `items` (SKU, base units) together costs `price`, per complete set.
    Bundle {
        /// The set's SKUs and quantities.
        items: Vec<(SkuId, i64)>,
        /// Price of one set, fen.
        price: i64,
    },
}

impl PromotionKind {
    /// The stable name of the kind, for explanations and i18n keys.
    pub fn code(&self) -> &'static str {
        match self {
            PromotionKind::SpecialPrice { .. } => "special_price",
            PromotionKind::ItemDiscount { .. } => "item_discount",
            PromotionKind::SpendReduce { .. } => "spend_reduce",
            PromotionKind::SpendPercent { .. } => "spend_percent",
            PromotionKind::BuyGift { .. } => "buy_gift",
            PromotionKind::Bundle { .. } => "bundle",
        }
    }
}

/// Who may benefit, and when. Empty lists mean "everyone".
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Eligibility {
    /// Only these tiers.
    pub tiers: Vec<TierId>,
    /// Only partners inside these regions (paths).
    pub regions: Vec<String>,
    /// Only these partners.
    pub partners: Vec<PartnerId>,
    /// First day.
    pub valid_from: Date,
    /// Last day, inclusive.
    pub valid_to: Date,
}

impl Eligibility {
    /// Why `buyer` cannot benefit on `date`, or `None` when it can.
    pub fn refusal(&self, buyer: &Buyer, date: Date) -> Option<&'static str> {
        if date < self.valid_from || date > self.valid_to {
            return Some("date");
        }
        if !self.tiers.is_empty() && !self.tiers.contains(&buyer.tier) {
            return Some("tier");
        }
        if !self.regions.is_empty() && !self.regions.iter().any(|r| buyer.region_path.starts_with(r.as_str())) {
            return Some("region");
        }
        if !self.partners.is_empty() && !self.partners.contains(&buyer.partner) {
            return Some("partner");
        }
        None
    }
}

/// Which cart items a promotion is about. Empty lists mean "every item"; otherwise an item is
/// covered when its SKU, its product or one of its categories is listed.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ItemScope {
    /// SKUs.
    pub skus: Vec<SkuId>,
    /// Products (all their SKUs).
    pub products: Vec<ProductId>,
    /// Categories (their products; a top category covers its subcategories when the item lists
    /// both).
    pub categories: Vec<CategoryId>,
}

impl ItemScope {
    /// Whether the scope names nothing, i.e. covers every item.
    pub fn is_everything(&self) -> bool {
        self.skus.is_empty() && self.products.is_empty() && self.categories.is_empty()
    }
}

/// How a promotion combines with others on the same lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stacking {
    /// Combines with promotions of other kinds.
    Stackable,
    /// Once applied, the lines it touches take no other promotion.
    Exclusive,
}

/// A promotion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Promotion {
    /// Id.
    pub id: PromotionId,
    /// Name shown in explanations (满1000减100).
    pub name: String,
    /// What it gives.
    pub kind: PromotionKind,
    /// Who, when.
    pub eligibility: Eligibility,
    /// On what. (Buy-gift and bundle promotions name their own SKUs and ignore this.)
    pub scope: ItemScope,
    /// Higher priority is considered first.
    pub priority: i32,
    /// How it combines.
    pub stacking: Stacking,
    /// 限购: the most base units (or sets, or gift units, or uses for spend promotions) one
    /// partner may get from it over its whole life.
    pub limit_per_partner: Option<i64>,
}
