//! The promotion form: promotions as the editor types them (codes, yuan, dates), parsed into the
//! engine's [`Promotion`] with every bad field reported at once, and a stored promotion shown
//! back in the same shape, with partners outside the caller's territory left out.

use std::collections::HashMap;

use qudao_domain::dates::{format_date, parse_date};
use qudao_domain::ids::{CategoryId, PartnerId, ProductId, PromotionId, SkuId};
use qudao_domain::pricing::{Eligibility, ItemScope, Promotion, PromotionKind, Stacking};
use qudao_domain::{FieldError, Invalid, text};
use qudao_store::Tx;
use qudao_store::catalog::{self, SkuKeys, masters};
use qudao_store::partners::{self, regions, tiers};
use qudao_store::pricing::PromotionView;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::editor::{EditorNotice, SampleCart, fen, find_region, parse_status, yuan};
use crate::{AppError, AppResult};

/// What a promotion gives, as typed: like the engine's `PromotionKind`, with SKU codes for ids
/// and yuan strings (`"100.00"`) for fen. Percentages stay basis points off (1000 = 10% off).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum PromotionKindInput {
    /// 特价: the covered SKUs cost `price` per base unit.
    SpecialPrice {
        /// Yuan per base unit.
        price: String,
    },
    /// 单品折扣: the covered lines cost `percent_off_bp` less.
    ItemDiscount {
        /// Basis points off.
        percent_off_bp: i64,
    },
    /// 满减: spend `threshold`, get `off` off; with `repeat`, per full threshold.
    SpendReduce {
        /// Yuan to spend on covered lines.
        threshold: String,
        /// Yuan off.
        off: String,
        /// 满1000减100, 满2000减200…
        #[serde(default)]
        repeat: bool,
    },
    /// 满折: spend `threshold`, get `percent_off_bp` off the covered lines.
    SpendPercent {
        /// Yuan to spend.
        threshold: String,
        /// Basis points off.
        percent_off_bp: i64,
    },
    /// 买赠: buy `buy_qty` of `buy`, get `gift_qty` of `gift` free.
    BuyGift {
        /// SKU code to buy.
        buy: String,
        /// Base units of it.
        buy_qty: i64,
        /// Gift SKU code.
        gift: String,
        /// Base units of the gift.
        gift_qty: i64,
        /// Per full `buy_qty`.
        #[serde(default)]
        repeat: bool,
    },
    /// 组合: the set together costs `price`.
    Bundle {
        /// The set.
        items: Vec<BundleItemInput>,
        /// Yuan per complete set.
        price: String,
    },
}

/// One SKU of a bundle.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BundleItemInput {
    /// SKU code.
    pub sku: String,
    /// Base units in one set.
    pub quantity: i64,
}

/// Who may benefit, and when; empty lists mean everyone.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EligibilityInput {
    /// Tier codes (`gold`).
    #[serde(default)]
    pub tiers: Vec<String>,
    /// Region codes or paths; a region covers the regions inside it.
    #[serde(default)]
    pub regions: Vec<String>,
    /// Partner codes.
    #[serde(default)]
    pub partners: Vec<String>,
    /// First day (`2026-12-01`).
    pub valid_from: String,
    /// Last day, inclusive.
    pub valid_to: String,
}

/// Which items a promotion is about; all empty means every item. Buy-gift and bundle promotions
/// name their own SKUs and ignore this.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemScopeInput {
    /// SKU codes.
    #[serde(default)]
    pub skus: Vec<String>,
    /// Product codes (all their SKUs).
    #[serde(default)]
    pub products: Vec<String>,
    /// Category codes (a top category covers its subcategories).
    #[serde(default)]
    pub categories: Vec<String>,
}

fn stackable() -> String {
    "stackable".into()
}

/// A promotion as the editor sends it (create, update, check) and as it is shown for editing.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PromotionInput {
    /// Code, unique; fixed once created (ignored on update).
    pub code: String,
    /// Name shown in explanations (满1000减100).
    pub name: String,
    /// What it gives.
    pub kind: PromotionKindInput,
    /// Who, when.
    pub eligibility: EligibilityInput,
    /// On what.
    #[serde(default)]
    pub scope: ItemScopeInput,
    /// 0 to 10000; higher is considered first.
    #[serde(default)]
    pub priority: i64,
    /// `stackable` (combines with other kinds) or `exclusive` (the lines it takes get nothing
    /// else).
    #[serde(default = "stackable")]
    pub stacking: String,
    /// 限购: the most one partner may get from it over its life.
    #[serde(default)]
    pub limit_per_partner: Option<i64>,
    /// `draft`, `active` or `ended`; only active promotions apply.
    pub status: String,
    /// The version that was read; required on update, where a stale one answers 409.
    #[serde(default)]
    pub version: Option<i64>,
}

/// A promotion in the editor's shape, with what its save noticed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PromotionDetail {
    /// Id.
    pub id: PromotionId,
    /// The promotion as the editor shows and sends it, version included.
    pub form: PromotionInput,
    /// Eligible partners left out of `form` because they are outside the caller's territory.
    pub hidden_partners: usize,
    /// What the save noticed without refusing (empty when read).
    pub notices: Vec<EditorNotice>,
}

/// A promotion to check without saving: the draft, the promotion it replaces (if any) and a
/// sample cart to price before and after.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PromotionCheck {
    /// The promotion being edited, when it already exists.
    #[serde(default)]
    pub id: Option<PromotionId>,
    /// The draft.
    pub promotion: PromotionInput,
    /// A cart to price with the live promotions and with the draft.
    #[serde(default)]
    pub sample: Option<SampleCart>,
}

/// Codes of the SKUs a promotion input names, upper case.
fn sku_codes(input: &PromotionInput) -> Vec<String> {
    let mut codes: Vec<String> = input.scope.skus.clone();
    match &input.kind {
        PromotionKindInput::BuyGift { buy, gift, .. } => codes.extend([buy.clone(), gift.clone()]),
        PromotionKindInput::Bundle { items, .. } => codes.extend(items.iter().map(|i| i.sku.clone())),
        _ => {}
    }
    codes.iter().map(|c| c.trim().to_uppercase()).collect()
}

/// A promotion input in the engine's terms: its code, its status and the rule; every bad field
/// is reported at once.
pub(crate) async fn parse_promotion(
    tx: &mut Tx,
    id: PromotionId,
    input: &PromotionInput,
) -> AppResult<(String, &'static str, Promotion)> {
    let mut invalid = Invalid::new();
    let code = invalid.check(text::code("code", &input.code, 40));
    let name = invalid.check(text::required("name", &input.name, 100));
    let codes = sku_codes(input);
    let found = if codes.is_empty() { HashMap::new() } else { catalog::sellable(tx, SkuKeys::Codes(&codes)).await? };
    let by_code: HashMap<String, SkuId> = found.values().map(|s| (s.code.clone(), s.sku_id)).collect();
    let sku = |invalid: &mut Invalid, field: String, code: &str| {
        let code = code.trim().to_uppercase();
        let id = by_code.get(&code).copied();
        if id.is_none() {
            invalid.push(FieldError::with_param(field, "unknown_sku", code));
        }
        id
    };
    let kind = match &input.kind {
        PromotionKindInput::SpecialPrice { price } => {
            invalid.check(fen("kind.price", price)).map(|price| PromotionKind::SpecialPrice { price })
        }
        PromotionKindInput::ItemDiscount { percent_off_bp } => {
            Some(PromotionKind::ItemDiscount { percent_off_bp: *percent_off_bp })
        }
        PromotionKindInput::SpendReduce { threshold, off, repeat } => {
            let threshold = invalid.check(fen("kind.threshold", threshold));
            let off = invalid.check(fen("kind.off", off));
            threshold.zip(off).map(|(threshold, off)| PromotionKind::SpendReduce { threshold, off, repeat: *repeat })
        }
        PromotionKindInput::SpendPercent { threshold, percent_off_bp } => invalid
            .check(fen("kind.threshold", threshold))
            .map(|threshold| PromotionKind::SpendPercent { threshold, percent_off_bp: *percent_off_bp }),
        PromotionKindInput::BuyGift { buy, buy_qty, gift, gift_qty, repeat } => {
            let buy = sku(&mut invalid, "kind.buy".into(), buy);
            let gift = sku(&mut invalid, "kind.gift".into(), gift);
            buy.zip(gift).map(|(buy, gift)| PromotionKind::BuyGift {
                buy,
                buy_qty: *buy_qty,
                gift,
                gift_qty: *gift_qty,
                repeat: *repeat,
            })
        }
        PromotionKindInput::Bundle { items, price } => {
            let price = invalid.check(fen("kind.price", price));
            let mut set = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                if let Some(id) = sku(&mut invalid, format!("kind.items[{i}].sku"), &item.sku) {
                    set.push((id, item.quantity));
                }
            }
            price.map(|price| PromotionKind::Bundle { items: set, price })
        }
    };
    let mut scope = ItemScope::default();
    for (i, code) in input.scope.skus.iter().enumerate() {
        if let Some(id) = sku(&mut invalid, format!("scope.skus[{i}]"), code) {
            scope.skus.push(id);
        }
    }
    for (i, code) in input.scope.products.iter().enumerate() {
        match catalog::get_by_code(tx, &code.trim().to_uppercase()).await? {
            Some(product) => scope.products.push(product.summary.id),
            None => invalid.push(FieldError::new(format!("scope.products[{i}]"), "unknown_product")),
        }
    }
    let categories = masters::categories(tx).await?;
    for (i, code) in input.scope.categories.iter().enumerate() {
        match categories.iter().find(|c| c.code.eq_ignore_ascii_case(code.trim())) {
            Some(category) => scope.categories.push(category.id),
            None => invalid.push(FieldError::new(format!("scope.categories[{i}]"), "unknown_category")),
        }
    }
    let wanted = &input.eligibility;
    let mut eligibility = Eligibility::default();
    let all_tiers = tiers::all(tx).await?;
    for (i, code) in wanted.tiers.iter().enumerate() {
        match all_tiers.iter().find(|t| t.code.eq_ignore_ascii_case(code.trim())) {
            Some(tier) => eligibility.tiers.push(tier.id),
            None => invalid.push(FieldError::new(format!("eligibility.tiers[{i}]"), "unknown_tier")),
        }
    }
    let all_regions = regions::all(tx).await?;
    for (i, code) in wanted.regions.iter().enumerate() {
        match find_region(&all_regions, code) {
            Some(region) => eligibility.regions.push(region.path.clone()),
            None => invalid.push(FieldError::new(format!("eligibility.regions[{i}]"), "unknown_region")),
        }
    }
    for (i, code) in wanted.partners.iter().enumerate() {
        match partners::get_by_code(tx, &code.trim().to_uppercase()).await? {
            Some(partner) if !eligibility.partners.contains(&partner.id) => eligibility.partners.push(partner.id),
            Some(_) => invalid.push(FieldError::new(format!("eligibility.partners[{i}]"), "duplicate_partner")),
            None => invalid.push(FieldError::new(format!("eligibility.partners[{i}]"), "unknown_partner")),
        }
    }
    let valid_from = invalid.check(parse_date("eligibility.valid_from", &wanted.valid_from));
    let valid_to = invalid.check(parse_date("eligibility.valid_to", &wanted.valid_to));
    let priority = i32::try_from(input.priority).ok().filter(|p| (0..=10_000).contains(p));
    if priority.is_none() {
        invalid.push(FieldError::new("priority", "invalid_priority"));
    }
    let stacking = match input.stacking.trim() {
        "stackable" => Some(Stacking::Stackable),
        "exclusive" => Some(Stacking::Exclusive),
        _ => {
            invalid.push(FieldError::with_param("stacking", "not_one_of", "stackable, exclusive"));
            None
        }
    };
    let status = invalid.check(parse_status(&input.status, "ended"));
    invalid.into_result()?;
    let (
        Some(code),
        Some(name),
        Some(kind),
        Some(valid_from),
        Some(valid_to),
        Some(priority),
        Some(stacking),
        Some(status),
    ) = (code, name, kind, valid_from, valid_to, priority, stacking, status)
    else {
        return Err(AppError::Internal("checked promotion lost a field".into()));
    };
    eligibility.valid_from = valid_from;
    eligibility.valid_to = valid_to;
    let promotion = Promotion {
        id,
        name,
        kind,
        eligibility,
        scope,
        priority,
        stacking,
        limit_per_partner: input.limit_per_partner,
    };
    Ok((code, status, promotion))
}

/// Where a contradiction the domain found belongs in the form, and its message code.
pub(crate) fn contradiction_field(promotion: &Promotion, what: &'static str) -> FieldError {
    match (what, &promotion.kind) {
        ("dates_reversed", _) => FieldError::new("eligibility.valid_to", "ends_before_start"),
        ("limit_not_positive", _) => FieldError::new("limit_per_partner", "must_be_positive"),
        ("negative_price", _) => FieldError::new("kind.price", "must_not_be_negative"),
        ("percent_out_of_range", _) => FieldError::new("kind.percent_off_bp", "percent_out_of_range"),
        ("amount_not_positive", PromotionKind::SpendReduce { threshold, .. }) if *threshold <= 0 => {
            FieldError::new("kind.threshold", "must_be_positive")
        }
        ("amount_not_positive", _) => FieldError::new("kind.off", "must_be_positive"),
        ("off_not_below_threshold", _) => FieldError::new("kind.off", "off_not_below_threshold"),
        ("bundle_needs_two_skus", _) => FieldError::new("kind.items", "bundle_needs_two_skus"),
        ("quantity_not_positive", _) => FieldError::new("kind", "quantity_not_positive"),
        _ => FieldError::new("kind", "out_of_range"),
    }
}

/// Codes for the ids promotions name, looked up once per request; partners through the caller's
/// scope, so those outside it stay unnamed.
pub(crate) struct Names {
    tiers: Vec<tiers::Tier>,
    regions: Vec<regions::Region>,
    categories: Vec<masters::Category>,
    skus: HashMap<SkuId, String>,
    products: HashMap<ProductId, Option<String>>,
    partners: HashMap<PartnerId, Option<String>>,
}

impl Names {
    pub(crate) async fn load(tx: &mut Tx, promotions: &[&Promotion]) -> AppResult<Names> {
        let mut skus: Vec<SkuId> = Vec::new();
        for p in promotions {
            skus.extend(&p.scope.skus);
            match &p.kind {
                PromotionKind::BuyGift { buy, gift, .. } => skus.extend([*buy, *gift]),
                PromotionKind::Bundle { items, .. } => skus.extend(items.iter().map(|(s, _)| *s)),
                _ => {}
            }
        }
        skus.sort_unstable();
        skus.dedup();
        let skus = if skus.is_empty() { HashMap::new() } else { catalog::sellable(tx, SkuKeys::Ids(&skus)).await? };
        Ok(Names {
            tiers: tiers::all(tx).await?,
            regions: regions::all(tx).await?,
            categories: masters::categories(tx).await?,
            skus: skus.into_iter().map(|(id, s)| (id, s.code)).collect(),
            products: HashMap::new(),
            partners: HashMap::new(),
        })
    }

    fn sku(&self, id: &SkuId) -> String {
        self.skus.get(id).cloned().unwrap_or_else(|| id.to_string())
    }

    fn category(&self, id: &CategoryId) -> String {
        self.categories.iter().find(|c| c.id == *id).map(|c| c.code.clone()).unwrap_or_else(|| id.to_string())
    }

    async fn product(&mut self, tx: &mut Tx, id: ProductId) -> AppResult<Option<String>> {
        if let Some(code) = self.products.get(&id) {
            return Ok(code.clone());
        }
        let code = catalog::get(tx, id).await?.map(|p| p.summary.code);
        self.products.insert(id, code.clone());
        Ok(code)
    }

    async fn partner(&mut self, tx: &mut Tx, id: PartnerId) -> AppResult<Option<String>> {
        if let Some(code) = self.partners.get(&id) {
            return Ok(code.clone());
        }
        let code = partners::get(tx, id).await?.map(|p| p.code);
        self.partners.insert(id, code.clone());
        Ok(code)
    }

    /// The promotion in the editor's shape, and how many eligible partners were left out.
    pub(crate) async fn form(
        &mut self,
        tx: &mut Tx,
        view: &PromotionView,
        p: &Promotion,
    ) -> AppResult<(PromotionInput, usize)> {
        let kind = match &p.kind {
            PromotionKind::SpecialPrice { price } => PromotionKindInput::SpecialPrice { price: yuan(*price) },
            PromotionKind::ItemDiscount { percent_off_bp } => {
                PromotionKindInput::ItemDiscount { percent_off_bp: *percent_off_bp }
            }
            PromotionKind::SpendReduce { threshold, off, repeat } => {
                PromotionKindInput::SpendReduce { threshold: yuan(*threshold), off: yuan(*off), repeat: *repeat }
            }
            PromotionKind::SpendPercent { threshold, percent_off_bp } => {
                PromotionKindInput::SpendPercent { threshold: yuan(*threshold), percent_off_bp: *percent_off_bp }
            }
            PromotionKind::BuyGift { buy, buy_qty, gift, gift_qty, repeat } => PromotionKindInput::BuyGift {
                buy: self.sku(buy),
                buy_qty: *buy_qty,
                gift: self.sku(gift),
                gift_qty: *gift_qty,
                repeat: *repeat,
            },
            PromotionKind::Bundle { items, price } => PromotionKindInput::Bundle {
                items: items.iter().map(|(s, q)| BundleItemInput { sku: self.sku(s), quantity: *q }).collect(),
                price: yuan(*price),
            },
        };
        let mut partners = Vec::new();
        let mut hidden = 0;
        for id in &p.eligibility.partners {
            match self.partner(tx, *id).await? {
                Some(code) => partners.push(code),
                None => hidden += 1,
            }
        }
        let mut products = Vec::new();
        for id in &p.scope.products {
            products.push(self.product(tx, *id).await?.unwrap_or_else(|| id.to_string()));
        }
        let eligibility = EligibilityInput {
            tiers: p
                .eligibility
                .tiers
                .iter()
                .map(|id| self.tiers.iter().find(|t| t.id == *id).map(|t| t.code.clone()).unwrap_or_default())
                .collect(),
            regions: p
                .eligibility
                .regions
                .iter()
                .map(|path| find_region(&self.regions, path).map(|r| r.code.clone()).unwrap_or_else(|| path.clone()))
                .collect(),
            partners,
            valid_from: format_date(p.eligibility.valid_from),
            valid_to: format_date(p.eligibility.valid_to),
        };
        let form = PromotionInput {
            code: view.code.clone(),
            name: p.name.clone(),
            kind,
            eligibility,
            scope: ItemScopeInput {
                skus: p.scope.skus.iter().map(|s| self.sku(s)).collect(),
                products,
                categories: p.scope.categories.iter().map(|c| self.category(c)).collect(),
            },
            priority: i64::from(p.priority),
            stacking: view.stacking.clone(),
            limit_per_partner: p.limit_per_partner,
            status: view.status.clone(),
            version: Some(view.version),
        };
        Ok((form, hidden))
    }
}
