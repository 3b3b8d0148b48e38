//! Quoting a cart: typed lines in, priced lines with their explanations out. The cart, checkout,
//! quick order, the sheet import and the brand's preview all quote through here, so a partner sees
//! in the cart exactly the price the order will get.

use std::collections::HashMap;
use std::sync::Arc;

use qudao_domain::ids::{PriceListId, PromotionId, SkuId};
use qudao_domain::pricing::{
    Buyer, CartItem, Date, LostReason, PriceEntry, PriceOptions, PriceScope, PricedCart, PricedLine, Promotion,
    PromotionBook, check_quantity, price_cart, resolve_price,
};
use qudao_domain::{FieldError, Invalid};
use qudao_store::Tx;
use qudao_store::catalog::{self, Sellable, SkuKeys};
use qudao_store::partners::PartnerView;
use qudao_store::pricing;
use qudao_store::settings::Snapshot;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{App, AppError, AppResult, Ctx};

/// One line as a partner typed it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LineRequest {
    /// SKU code.
    pub sku: String,
    /// Quantity in `unit`.
    pub quantity: i64,
    /// Unit code; the SKU's base unit when absent.
    #[serde(default)]
    pub unit: Option<String>,
}

/// A line ready to order: what, in which unit, how many base units.
#[derive(Debug, Clone)]
pub struct QuotedItem {
    /// The SKU.
    pub sellable: Sellable,
    /// Unit code.
    pub unit_code: String,
    /// Base units per unit.
    pub unit_factor: i64,
    /// In the unit.
    pub quantity: i64,
    /// In base units.
    pub base_quantity: i64,
}

/// Why a line costs what it costs, with the names it had then.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Explanation {
    /// List price per base unit, fen.
    pub list_price: i64,
    /// Where it came from.
    pub price_source: PriceSourceView,
    /// Lists that also priced the SKU but were less specific: (list, price).
    pub outranked: Vec<PriceSourceView>,
    /// Each promotion that changed the line.
    pub adjustments: Vec<AdjustmentView>,
    /// Promotions that covered the line but did not apply, and why.
    pub lost: Vec<LostView>,
    /// A gift line.
    pub gift: bool,
}

/// A price's source.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PriceSourceView {
    /// `catalog`, `base`, `tier`, `region` or `partner`.
    pub scope: String,
    /// The list's code.
    pub list_code: Option<String>,
    /// The list's name.
    pub list_name: Option<String>,
    /// Its price, for outranked lists.
    pub price: Option<i64>,
}

/// A promotion's effect on a line.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AdjustmentView {
    /// The promotion.
    pub promotion_id: PromotionId,
    /// Its name.
    pub name: String,
    /// Its kind.
    pub kind: String,
    /// Fen (negative: off).
    pub amount: i64,
}

/// A promotion that lost.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LostView {
    /// The promotion.
    pub promotion_id: PromotionId,
    /// Its name.
    pub name: String,
    /// `outranked`, `no_saving`, `limit_reached`, `threshold_not_met`, `excluded_by`, `not_eligible`.
    pub reason: String,
    /// The winner's name (outranked, excluded).
    pub by: Option<String>,
    /// What is missing (threshold not met): fen or base units.
    pub shortfall: Option<i64>,
    /// The failed condition (not eligible).
    pub condition: Option<String>,
}

/// A priced line with what it is.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QuotedLine {
    /// SKU.
    pub sku_id: SkuId,
    /// Its code.
    pub sku: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Unit ordered in.
    pub unit: String,
    /// Base units per unit.
    pub unit_factor: i64,
    /// Quantity in the unit.
    pub quantity: i64,
    /// Base units.
    pub base_quantity: i64,
    /// List price per base unit.
    pub list_price: i64,
    /// Before promotions.
    pub gross: i64,
    /// After promotions.
    pub net: i64,
    /// A gift line.
    pub gift: bool,
    /// Why this price.
    pub explanation: Explanation,
}

/// A nudge: "add 2 more of X to reach 满1000减100".
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NudgeView {
    /// The promotion within reach.
    pub promotion_id: PromotionId,
    /// Its name.
    pub name: String,
    /// What is missing: fen for spend promotions, base units for buy-gift ones.
    pub shortfall: i64,
    /// A SKU to add.
    pub sku: String,
    /// How many base units of it.
    pub quantity: i64,
}

/// A priced cart.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Quote {
    /// The lines, gifts last.
    pub lines: Vec<QuotedLine>,
    /// Before promotions.
    pub gross: i64,
    /// Promotions (negative).
    pub discount: i64,
    /// To pay.
    pub total: i64,
    /// Currency.
    pub currency: String,
    /// Promotions within reach.
    pub nudges: Vec<NudgeView>,
    /// What the cart takes of limited promotions: (promotion, amount, the partner's limit).
    #[serde(skip)]
    pub consumed: Vec<(PromotionId, i64, i64)>,
}

/// Where pricing reads what its caller did not hand it (the promotions after a change, a
/// partner's promotion usage, gift SKUs): a transaction already open, or one opened only when
/// needed, so checkout from the ordering snapshot usually reads nothing at all.
pub(crate) enum Reads<'a> {
    /// The caller's transaction.
    Open(&'a mut Tx),
    /// A read transaction in the caller's scope, begun on first use.
    Lazy {
        /// The application.
        app: &'a App,
        /// The caller.
        ctx: &'a Ctx,
        /// Begun yet?
        tx: Option<Tx>,
    },
}

impl Reads<'_> {
    /// The transaction to read in.
    pub(crate) async fn tx(&mut self) -> AppResult<&mut Tx> {
        match self {
            Reads::Open(tx) => Ok(&mut **tx),
            Reads::Lazy { app, ctx, tx } => {
                if tx.is_none() {
                    *tx = Some(app.read(ctx).await?);
                }
                tx.as_mut().ok_or_else(|| AppError::Internal("read transaction".into()))
            }
        }
    }
}

/// The buyer a partner is for pricing.
pub fn buyer_of(partner: &PartnerView) -> Buyer {
    Buyer { partner: partner.id, tier: partner.tier.id, region_path: partner.region.path.clone() }
}

/// Checks typed lines against the catalog: known, orderable SKUs, known units, quantities that
/// meet the minimum and multiple. Lines of the same SKU and unit are merged. Every bad line is
/// reported at once, by its index.
pub async fn resolve_lines(tx: &mut Tx, lines: &[LineRequest]) -> AppResult<Vec<QuotedItem>> {
    let codes = line_codes(lines)?;
    let found = catalog::sellable(tx, SkuKeys::Codes(&codes)).await?;
    resolve_found(lines, &codes, found.values())
}

/// The SKU codes of typed lines, as looked up (trimmed, upper case); refuses an empty or
/// oversized order before anything is read.
pub(crate) fn line_codes(lines: &[LineRequest]) -> AppResult<Vec<String>> {
    if lines.is_empty() {
        return Err(AppError::field("lines", "required"));
    }
    if lines.len() > 500 {
        return Err(AppError::field("lines", "too_many_lines"));
    }
    Ok(lines.iter().map(|l| l.sku.trim().to_uppercase()).collect())
}

/// `resolve_lines` with the SKUs already found (`codes` from `line_codes`).
pub(crate) fn resolve_found<'a>(
    lines: &[LineRequest],
    codes: &[String],
    found: impl Iterator<Item = &'a Sellable>,
) -> AppResult<Vec<QuotedItem>> {
    let mut invalid = Invalid::new();
    let by_code: HashMap<&str, &Sellable> = found.map(|s| (s.code.as_str(), s)).collect();
    let mut items: Vec<QuotedItem> = Vec::with_capacity(lines.len());
    for (index, (line, code)) in lines.iter().zip(codes).enumerate() {
        let Some(sellable) = by_code.get(code.as_str()) else {
            invalid.push(FieldError::with_param(format!("lines[{index}].sku"), "unknown_sku", code));
            continue;
        };
        if !sellable.active {
            invalid.push(FieldError::with_param(format!("lines[{index}].sku"), "sku_not_orderable", code));
            continue;
        }
        let Some(unit) = sellable.unit(line.unit.as_deref().map(str::trim)) else {
            invalid.push(FieldError::new(format!("lines[{index}].unit"), "unknown_unit"));
            continue;
        };
        if let Err(error) = check_quantity(&format!("lines[{index}].quantity"), line.quantity, unit.rule) {
            invalid.push(error);
            continue;
        }
        let Some(base_quantity) = line.quantity.checked_mul(unit.factor).filter(|q| *q <= 10_000_000) else {
            invalid.push(FieldError::new(format!("lines[{index}].quantity"), "quantity_too_large"));
            continue;
        };
        if let Some(same) = items.iter_mut().find(|i| i.sellable.sku_id == sellable.sku_id) {
            if same.unit_code != unit.code {
                invalid.push(FieldError::with_param(format!("lines[{index}].sku"), "duplicate_line", code));
                continue;
            }
            same.quantity += line.quantity;
            same.base_quantity += base_quantity;
            continue;
        }
        items.push(QuotedItem {
            sellable: (*sellable).clone(),
            unit_code: unit.code.clone(),
            unit_factor: unit.factor,
            quantity: line.quantity,
            base_quantity,
        });
    }
    invalid.into_result()?;
    Ok(items)
}

/// Prices resolved items for a partner on `date`; `settings` were read in `tx`.
pub async fn quote(
    app: &App,
    tx: &mut Tx,
    partner: &PartnerView,
    items: &[QuotedItem],
    date: Date,
    show_ineligible: bool,
    settings: &Snapshot,
) -> AppResult<Quote> {
    let version = settings.number(pricing::PRICING_VERSION).unwrap_or(0);
    let book = super::cache::book(app, tx, version, date).await?;
    price(tx, partner, items, date, show_ineligible, book, None).await
}

/// A price list that is not live (or not in this shape yet), to price with as if it were: the
/// editors' before/after preview.
#[derive(Debug, Clone)]
pub struct DraftList {
    /// Its id; a live list with the same id is replaced by this one.
    pub id: PriceListId,
    /// Code, for explanations.
    pub code: String,
    /// Name, for explanations.
    pub name: String,
    /// Its entries.
    pub entries: Vec<PriceEntry>,
}

/// A price list or promotion being edited, to be priced with as if it were live.
#[derive(Debug, Clone, Default)]
pub struct Draft {
    /// A draft price list, replacing the live one of the same id.
    pub price_list: Option<DraftList>,
    /// A draft promotion, replacing the live one of the same id.
    pub promotion: Option<Promotion>,
}

/// Prices resolved items for the brand's preview: with the live rules, and `draft` applied on top
/// as if it were live. Promotions the partner may not use are listed with why, and the shared
/// promotion cache is left alone (the preview may be for another day, or with a rule that is not
/// live).
pub async fn quote_preview(
    tx: &mut Tx,
    partner: &PartnerView,
    items: &[QuotedItem],
    date: Date,
    draft: &Draft,
) -> AppResult<Quote> {
    let mut promotions = pricing::live_promotions(tx, date).await?;
    if let Some(promotion) = &draft.promotion {
        promotions.retain(|p| p.id != promotion.id);
        promotions.push(promotion.clone());
    }
    let book = Arc::new(PromotionBook::new(promotions));
    price(tx, partner, items, date, true, book, draft.price_list.as_ref()).await
}

/// The one place carts meet the engine: list prices resolved from the live entries (with a draft
/// list in place of its live self), then `price_cart` with `book`.
async fn price(
    tx: &mut Tx,
    partner: &PartnerView,
    items: &[QuotedItem],
    date: Date,
    show_ineligible: bool,
    book: Arc<PromotionBook>,
    draft_list: Option<&DraftList>,
) -> AppResult<Quote> {
    let skus: Vec<SkuId> = items.iter().map(|i| i.sellable.sku_id).collect();
    let (mut entries, mut lists) = pricing::live_entries(tx, Some(&skus)).await?;
    if let Some(draft) = draft_list {
        entries.retain(|e| e.list != draft.id);
        entries.extend(draft.entries.iter().filter(|e| skus.contains(&e.sku)).cloned());
        lists.insert(draft.id, (draft.code.clone(), draft.name.clone()));
    }
    price_with(&mut Reads::Open(tx), partner, items, date, show_ineligible, book, &entries, &lists).await
}

/// Prices checked items for checkout from price entries the caller already holds (the ordering
/// snapshot's): the same as `quote` without reading the entries again.
pub(crate) async fn quote_with_entries(
    app: &App,
    reads: &mut Reads<'_>,
    partner: &PartnerView,
    items: &[QuotedItem],
    date: Date,
    settings: &Snapshot,
    (entries, lists): (&[PriceEntry], &pricing::ListNames),
) -> AppResult<Quote> {
    let version = settings.number(pricing::PRICING_VERSION).unwrap_or(0);
    let book = match super::cache::cached_book(app, version, date) {
        Some(book) => book,
        None => super::cache::book(app, reads.tx().await?, version, date).await?,
    };
    price_with(reads, partner, items, date, false, book, entries, lists).await
}

#[expect(clippy::too_many_arguments, reason = "the engine's inputs, each from a different source")]
async fn price_with(
    reads: &mut Reads<'_>,
    partner: &PartnerView,
    items: &[QuotedItem],
    date: Date,
    show_ineligible: bool,
    book: Arc<PromotionBook>,
    entries: &[PriceEntry],
    lists: &pricing::ListNames,
) -> AppResult<Quote> {
    let buyer = buyer_of(partner);
    let cart: Vec<CartItem> = items
        .iter()
        .map(|item| {
            let own: Vec<_> = entries.iter().filter(|e| e.sku == item.sellable.sku_id).cloned().collect();
            CartItem {
                sku: item.sellable.sku_id,
                product: item.sellable.product_id,
                categories: item.sellable.categories.clone(),
                quantity: item.base_quantity,
                price: resolve_price(&own, item.sellable.list_price, &buyer, date),
            }
        })
        .collect();
    let limited = book.promotions().iter().any(|p| p.limit_per_partner.is_some());
    let used = if limited {
        pricing::usage_of(reads.tx().await?, partner.id).await?.into_iter().collect()
    } else {
        Default::default()
    };
    let options = PriceOptions { used, show_ineligible };
    let priced = price_cart(&cart, &buyer, date, &book, &options);
    describe(reads, items, priced, &book, lists).await
}

/// Turns the engine's result into lines with names (lists, promotions, gift SKUs).
async fn describe(
    reads: &mut Reads<'_>,
    items: &[QuotedItem],
    priced: PricedCart,
    book: &Arc<PromotionBook>,
    lists: &pricing::ListNames,
) -> AppResult<Quote> {
    let gift_ids: Vec<SkuId> = priced
        .lines
        .iter()
        .filter(|l| l.gift && !items.iter().any(|i| i.sellable.sku_id == l.sku))
        .map(|l| l.sku)
        .collect();
    let gifts = if gift_ids.is_empty() {
        HashMap::new()
    } else {
        catalog::sellable(reads.tx().await?, SkuKeys::Ids(&gift_ids)).await?
    };
    let name = |id: PromotionId| book.get(id).map(|p| p.name.clone()).unwrap_or_default();
    let mut lines = Vec::with_capacity(priced.lines.len());
    for line in &priced.lines {
        let item = items.iter().find(|i| i.sellable.sku_id == line.sku);
        let sellable = match (item, line.gift) {
            (Some(item), _) => &item.sellable,
            (None, _) => {
                gifts.get(&line.sku).ok_or_else(|| AppError::Internal(format!("gift SKU {} missing", line.sku)))?
            }
        };
        let (unit, factor) = match (item, line.gift) {
            (Some(item), false) if line.quantity % item.unit_factor == 0 => (item.unit_code.clone(), item.unit_factor),
            _ => (sellable.units.first().map(|u| u.code.clone()).unwrap_or_default(), 1),
        };
        let explanation = explain(line, lists, &name);
        lines.push(QuotedLine {
            sku_id: line.sku,
            sku: sellable.code.clone(),
            name_zh: sellable.name_zh.clone(),
            name_en: sellable.name_en.clone(),
            unit,
            unit_factor: factor,
            quantity: line.quantity / factor,
            base_quantity: line.quantity,
            list_price: line.list_price,
            gross: line.gross,
            net: line.net,
            gift: line.gift,
            explanation,
        });
    }
    let nudges = priced
        .nudges
        .iter()
        .map(|n| NudgeView {
            promotion_id: n.promotion,
            name: name(n.promotion),
            shortfall: n.shortfall,
            sku: items.iter().find(|i| i.sellable.sku_id == n.sku).map(|i| i.sellable.code.clone()).unwrap_or_default(),
            quantity: n.quantity,
        })
        .collect();
    let consumed = priced
        .consumed
        .iter()
        .filter_map(|(id, amount)| book.get(*id).and_then(|p| p.limit_per_partner).map(|limit| (*id, *amount, limit)))
        .collect();
    Ok(Quote {
        lines,
        gross: priced.gross,
        discount: priced.discount,
        total: priced.total,
        currency: items.first().map(|i| i.sellable.currency.clone()).unwrap_or_else(|| "CNY".into()),
        nudges,
        consumed,
    })
}

/// Where a price came from, with the list's code and name.
fn source_view(
    list: Option<PriceListId>,
    scope: &PriceScope,
    price: Option<i64>,
    lists: &pricing::ListNames,
) -> PriceSourceView {
    let names = list.and_then(|l| lists.get(&l));
    PriceSourceView {
        scope: match (list, scope) {
            (None, _) => "catalog",
            (Some(_), PriceScope::Base) => "base",
            (Some(_), PriceScope::Tier(_)) => "tier",
            (Some(_), PriceScope::Region(_)) => "region",
            (Some(_), PriceScope::Partner(_)) => "partner",
        }
        .to_string(),
        list_code: names.map(|n| n.0.clone()),
        list_name: names.map(|n| n.1.clone()),
        price,
    }
}

/// A priced line's explanation with the names of its lists and promotions: what an order line
/// stores, so it can say why it cost what it cost long after the lists and promotions changed.
pub(crate) fn explain(
    line: &PricedLine,
    lists: &pricing::ListNames,
    name: &dyn Fn(PromotionId) -> String,
) -> Explanation {
    Explanation {
        list_price: line.list_price,
        price_source: if line.gift {
            PriceSourceView { scope: "gift".into(), list_code: None, list_name: None, price: None }
        } else {
            source_view(line.price_source.list, &line.price_source.scope, None, lists)
        },
        outranked: line.outranked_lists.iter().map(|(l, s, p)| source_view(Some(*l), s, Some(*p), lists)).collect(),
        adjustments: line
            .adjustments
            .iter()
            .map(|a| AdjustmentView {
                promotion_id: a.promotion,
                name: name(a.promotion),
                kind: a.kind.to_string(),
                amount: a.amount,
            })
            .collect(),
        lost: line.lost.iter().map(|l| lost_view(l.promotion, &l.reason, name)).collect(),
        gift: line.gift,
    }
}

fn lost_view(promotion: PromotionId, reason: &LostReason, name: &dyn Fn(PromotionId) -> String) -> LostView {
    let mut view = LostView {
        promotion_id: promotion,
        name: name(promotion),
        reason: String::new(),
        by: None,
        shortfall: None,
        condition: None,
    };
    view.reason = match reason {
        LostReason::Outranked { by } => {
            view.by = Some(name(*by));
            "outranked"
        }
        LostReason::NoSaving => "no_saving",
        LostReason::LimitReached => "limit_reached",
        LostReason::ThresholdNotMet { shortfall } => {
            view.shortfall = Some(*shortfall);
            "threshold_not_met"
        }
        LostReason::ExcludedBy { by } => {
            view.by = Some(name(*by));
            "excluded_by"
        }
        LostReason::NotEligible { condition } => {
            view.condition = Some((*condition).to_string());
            "not_eligible"
        }
    }
    .to_string();
    view
}
