//! The price list editor, and what both editors share: the sample cart priced before and after a
//! change, and the notices a save returns.
//!
//! Input comes as people type it — codes instead of ids, yuan as `"12.50"`, dates as
//! `"2026-12-01"` — and is turned into the domain's types once. Every save runs the domain's
//! checks (`check_price_entries`, `check_promotions`) against the live rules, excluding the object
//! itself: a blocking problem refuses the save with a field error and nothing is written; the
//! rest comes back as notices for the editor to show. A save that changes what is live bumps the
//! pricing version in the same transaction, so every instance's promotion cache reloads.

use std::collections::HashMap;

use qudao_domain::access::Permission;
use qudao_domain::dates::{format_date, parse_date};
use qudao_domain::ids::{PriceListId, SkuId};
use qudao_domain::money::{Currency, Money};
use qudao_domain::pricing::{Date, PriceEntry, PriceListProblem, PriceScope, check_price_entries};
use qudao_domain::{FieldError, Invalid, text};
use qudao_store::catalog::{self, SkuKeys};
use qudao_store::partners::{self, regions, tiers};
use qudao_store::pricing::{self, NewPriceList, PriceListView};
use qudao_store::{Tx, audit};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::quote::{Draft, DraftList, LineRequest, Quote, quote_preview, resolve_lines};
use crate::clock::china_date;
use crate::idempotency::{self, IdemKey};
use crate::{App, AppError, AppResult, Ctx};

/// The most prices one list may hold (a brand's whole catalog fits).
const MAX_ENTRIES: usize = 5_000;

/// Something the editor should show but that does not stop the save.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EditorNotice {
    /// A stable code: `price_overlap` (a list that is not active overlaps a live one; it will be
    /// refused when activated), `promotion_overlap` (the engine will choose between the two by
    /// the better price, then by id), `gift_loop` (a promotion that is not active would make gifts
    /// buy each other; refused when activated).
    pub code: String,
    /// The field it is about (`entries[2].sku`, `kind`).
    pub field: String,
    /// Codes of the other lists or promotions involved.
    pub others: Vec<String>,
}

/// A cart to price before and after a change, for one partner.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SampleCart {
    /// The partner's code.
    pub partner: String,
    /// The lines, as a partner would type them.
    pub lines: Vec<LineRequest>,
    /// The day to price on (`2026-12-01`); today when absent.
    #[serde(default)]
    pub date: Option<String>,
}

/// What a check found: the notices a save would return, and the sample cart priced with the live
/// rules and with the draft as if it were live.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CheckResult {
    /// What a save would show without refusing.
    pub notices: Vec<EditorNotice>,
    /// The sample cart with the live rules.
    pub before: Option<Quote>,
    /// The sample cart with the draft applied.
    pub after: Option<Quote>,
}

/// Prices `sample` twice, live and with `draft`, through the caller's scope (a partner outside it
/// is unknown).
pub(crate) async fn preview(
    app: &App,
    tx: &mut Tx,
    sample: Option<&SampleCart>,
    draft: &Draft,
) -> AppResult<(Option<Quote>, Option<Quote>)> {
    let Some(sample) = sample else { return Ok((None, None)) };
    let mut invalid = Invalid::new();
    let date = match sample.date.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        None => Some(china_date(app.now_ms())),
        Some(text) => invalid.check(parse_date("sample.date", text)),
    };
    let partner = partners::get_by_code(tx, &sample.partner.trim().to_uppercase()).await?;
    if partner.is_none() {
        invalid.push(FieldError::new("sample.partner", "unknown_partner"));
    }
    invalid.into_result()?;
    let (Some(partner), Some(date)) = (partner, date) else {
        return Err(AppError::Internal("checked sample lost a field".into()));
    };
    let items = resolve_lines(tx, &sample.lines).await?;
    let before = quote_preview(tx, &partner, &items, date, &Draft::default()).await?;
    let after = quote_preview(tx, &partner, &items, date, draft).await?;
    Ok((Some(before), Some(after)))
}

/// `draft`, `active` or the third status this kind of object ends in.
pub(crate) fn parse_status(input: &str, last: &'static str) -> Result<&'static str, FieldError> {
    match input.trim() {
        "draft" => Ok("draft"),
        "active" => Ok("active"),
        other if other == last => Ok(last),
        _ => Err(FieldError::with_param("status", "not_one_of", format!("draft, active, {last}"))),
    }
}

/// Fen as the editor shows and takes them: `"12.50"`.
pub(crate) fn yuan(fen: i64) -> String {
    Money::new(fen, Currency::CNY).to_decimal_string()
}

/// Parses yuan typed into `field` into fen.
pub(crate) fn fen(field: &str, input: &str) -> Result<i64, FieldError> {
    Money::parse_major(field, input, Currency::CNY).map(|m| m.minor)
}

/// A region named by its code (`CN-JS`) or its path (`/R-EAST/CN-JS/`).
pub(crate) fn find_region<'a>(all: &'a [regions::Region], input: &str) -> Option<&'a regions::Region> {
    let input = input.trim();
    if input.starts_with('/') {
        all.iter().find(|r| r.path == input)
    } else {
        all.iter().find(|r| r.code.eq_ignore_ascii_case(input))
    }
}

/// One price on a list, as typed.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriceEntryInput {
    /// SKU code.
    pub sku: String,
    /// Price per base unit in yuan, tax included (`"12.50"`).
    pub price: String,
}

/// A price list as the editor sends it (create, update, check) and as it is shown for editing.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriceListInput {
    /// Code, unique; fixed once created (ignored on update).
    pub code: String,
    /// Name shown in price explanations.
    pub name: String,
    /// Who the list is for: `base`, `tier`, `region` or `partner`.
    pub scope: String,
    /// The tier's code (`gold`), the region's code or path (`CN-JS`, `/R-EAST/CN-JS/`) or the
    /// partner's code; none for `base`.
    #[serde(default)]
    pub target: Option<String>,
    /// First valid day (`2026-12-01`).
    pub valid_from: String,
    /// Last valid day, inclusive; open-ended when absent.
    #[serde(default)]
    pub valid_to: Option<String>,
    /// `draft`, `active` or `archived`; only active lists price anything.
    pub status: String,
    /// The prices.
    #[serde(default)]
    pub entries: Vec<PriceEntryInput>,
    /// The version that was read; required on update, where a stale one answers 409.
    #[serde(default)]
    pub version: Option<i64>,
}

/// A price list with the same list in the editor's shape, and what its save noticed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PriceListDetail {
    /// The list as stored (ids, fen).
    pub list: PriceListView,
    /// The same list as the editor shows and sends it (codes, yuan, dates), version included.
    pub form: PriceListInput,
    /// What the save noticed without refusing (empty when read).
    pub notices: Vec<EditorNotice>,
}

/// A price list to check without saving: the draft, the list it replaces (if any) and a sample
/// cart to price before and after.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriceListCheck {
    /// The list being edited, when it already exists.
    #[serde(default)]
    pub id: Option<PriceListId>,
    /// The draft.
    pub list: PriceListInput,
    /// A cart to price with the live lists and with the draft.
    #[serde(default)]
    pub sample: Option<SampleCart>,
}

/// A list parsed into the domain's terms.
struct ParsedList {
    list: NewPriceList,
    /// Index of each SKU's entry in the input, for field names.
    index: HashMap<SkuId, usize>,
}

async fn parse_list(tx: &mut Tx, id: PriceListId, input: &PriceListInput) -> AppResult<ParsedList> {
    let mut invalid = Invalid::new();
    let code = invalid.check(text::code("code", &input.code, 40));
    let name = invalid.check(text::required("name", &input.name, 100));
    let target = input.target.as_deref().map(str::trim).filter(|t| !t.is_empty());
    let scope = match (input.scope.trim(), target) {
        ("base", None) => Some(PriceScope::Base),
        ("base", Some(_)) => {
            invalid.push(FieldError::new("target", "not_allowed_for_scope"));
            None
        }
        ("tier" | "region" | "partner", None) => {
            invalid.push(FieldError::new("target", "required"));
            None
        }
        ("tier", Some(code)) => match tiers::by_code(tx, &code.to_lowercase()).await? {
            Some(tier) => Some(PriceScope::Tier(tier.id)),
            None => {
                invalid.push(FieldError::new("target", "unknown_tier"));
                None
            }
        },
        ("region", Some(code)) => match find_region(&regions::all(tx).await?, code) {
            Some(region) => Some(PriceScope::Region(region.path.clone())),
            None => {
                invalid.push(FieldError::new("target", "unknown_region"));
                None
            }
        },
        ("partner", Some(code)) => match partners::get_by_code(tx, &code.to_uppercase()).await? {
            Some(partner) => Some(PriceScope::Partner(partner.id)),
            None => {
                invalid.push(FieldError::new("target", "unknown_partner"));
                None
            }
        },
        _ => {
            invalid.push(FieldError::with_param("scope", "not_one_of", "base, tier, region, partner"));
            None
        }
    };
    let valid_from = invalid.check(parse_date("valid_from", &input.valid_from));
    let valid_to = match input.valid_to.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        None => Some(None),
        Some(text) => invalid.check(parse_date("valid_to", text)).map(Some),
    };
    let status = invalid.check(parse_status(&input.status, "archived"));
    if input.entries.len() > MAX_ENTRIES {
        invalid.push(FieldError::new("entries", "too_many"));
        return Err(invalid.into());
    }
    let codes: Vec<String> = input.entries.iter().map(|e| e.sku.trim().to_uppercase()).collect();
    let found = if codes.is_empty() { HashMap::new() } else { catalog::sellable(tx, SkuKeys::Codes(&codes)).await? };
    let by_code: HashMap<&str, SkuId> = found.values().map(|s| (s.code.as_str(), s.sku_id)).collect();
    let mut entries = Vec::with_capacity(codes.len());
    let mut index = HashMap::new();
    for (i, (entry, code)) in input.entries.iter().zip(&codes).enumerate() {
        let price = invalid.check(fen(&format!("entries[{i}].price"), &entry.price));
        let Some(sku) = by_code.get(code.as_str()) else {
            invalid.push(FieldError::with_param(format!("entries[{i}].sku"), "unknown_sku", code));
            continue;
        };
        if index.insert(*sku, i).is_some() {
            invalid.push(FieldError::with_param(format!("entries[{i}].sku"), "duplicate", code));
            continue;
        }
        if let Some(price) = price {
            entries.push((*sku, price));
        }
    }
    invalid.into_result()?;
    let (Some(code), Some(name), Some(scope), Some(valid_from), Some(valid_to), Some(status)) =
        (code, name, scope, valid_from, valid_to, status)
    else {
        return Err(AppError::Internal("checked list lost a field".into()));
    };
    Ok(ParsedList { list: NewPriceList { id, code, name, scope, valid_from, valid_to, status, entries }, index })
}

/// The domain's entries of a parsed list.
fn entries_of(list: &NewPriceList) -> Vec<PriceEntry> {
    list.entries
        .iter()
        .map(|(sku, price)| PriceEntry {
            list: list.id,
            scope: list.scope.clone(),
            sku: *sku,
            price: *price,
            valid_from: list.valid_from,
            valid_to: list.valid_to,
        })
        .collect()
}

/// Runs the save-time checks: refuses with field errors on a blocking problem, else gives the
/// notices. An overlap with a live list blocks only a list that would be live itself.
async fn check_list(tx: &mut Tx, parsed: &ParsedList) -> AppResult<Vec<EditorNotice>> {
    let skus: Vec<SkuId> = parsed.list.entries.iter().map(|(sku, _)| *sku).collect();
    let (live, names) =
        if skus.is_empty() { Default::default() } else { pricing::live_entries(tx, Some(&skus)).await? };
    let problems = check_price_entries(&entries_of(&parsed.list), &live);
    let entry = |sku: &SkuId| parsed.index.get(sku).copied().unwrap_or(0);
    let other_code = |list: &PriceListId| names.get(list).map(|n| n.0.clone()).unwrap_or_default();
    let mut invalid = Invalid::new();
    let mut notices = Vec::new();
    for problem in &problems {
        match problem {
            PriceListProblem::NegativePrice { sku } => {
                invalid.push(FieldError::new(format!("entries[{}].price", entry(sku)), "must_not_be_negative"))
            }
            PriceListProblem::EmptyValidity { .. } => {
                if invalid.errors.iter().all(|e| e.field != "valid_to") {
                    invalid.push(FieldError::new("valid_to", "ends_before_start"));
                }
            }
            PriceListProblem::Overlap { sku, other, .. } if parsed.list.status == "active" => invalid.push(
                FieldError::with_param(format!("entries[{}].sku", entry(sku)), "price_overlap", other_code(other)),
            ),
            PriceListProblem::Overlap { sku, other, .. } => notices.push(EditorNotice {
                code: "price_overlap".into(),
                field: format!("entries[{}].sku", entry(sku)),
                others: vec![other_code(other)],
            }),
        }
    }
    invalid.into_result()?;
    Ok(notices)
}

/// The tiers and regions a list's target may name, read once for a whole page of lists.
struct Targets {
    tiers: Vec<tiers::Tier>,
    regions: Vec<regions::Region>,
}

impl Targets {
    async fn load(tx: &mut Tx) -> AppResult<Targets> {
        Ok(Targets { tiers: tiers::all(tx).await?, regions: regions::all(tx).await? })
    }

    /// The code people know a list's target by (a tier's `gold`, a region's `CN-JS`, a
    /// partner's code); none for base lists and partners outside the caller's territory.
    async fn code(&self, tx: &mut Tx, view: &PriceListView) -> AppResult<Option<String>> {
        Ok(match (view.scope_kind.as_str(), view.scope_target.as_deref()) {
            (_, None) => None,
            ("tier", Some(id)) => self.tiers.iter().find(|t| t.id.to_string() == id).map(|t| t.code.clone()),
            ("region", Some(path)) => {
                Some(find_region(&self.regions, path).map(|r| r.code.clone()).unwrap_or_else(|| path.into()))
            }
            ("partner", Some(id)) => match id.parse() {
                Ok(id) => partners::get(tx, id).await?.map(|p| p.code),
                Err(_) => None,
            },
            _ => None,
        })
    }
}

/// The list in the editor's shape: codes for ids, yuan for fen, dates as typed.
async fn form_of(tx: &mut Tx, view: &PriceListView) -> AppResult<PriceListInput> {
    let target = Targets::load(tx).await?.code(tx, view).await?;
    let date = |d: i64| format_date(u32::try_from(d).unwrap_or(0));
    Ok(PriceListInput {
        code: view.code.clone(),
        name: view.name.clone(),
        scope: view.scope_kind.clone(),
        target,
        valid_from: date(view.valid_from),
        valid_to: view.valid_to.map(date),
        status: view.status.clone(),
        entries: view
            .entries
            .iter()
            .map(|e| PriceEntryInput { sku: e.sku_code.clone(), price: yuan(e.price) })
            .collect(),
        version: Some(view.version),
    })
}

async fn detail(tx: &mut Tx, id: PriceListId, notices: Vec<EditorNotice>) -> AppResult<PriceListDetail> {
    let list = pricing::price_list(tx, id).await?.ok_or(AppError::NotFound)?;
    let form = form_of(tx, &list).await?;
    Ok(PriceListDetail { list, form, notices })
}

/// Every price list the caller may see (without entries): live ones first.
pub async fn list_price_lists(app: &App, ctx: &Ctx) -> AppResult<Vec<PriceListView>> {
    ctx.require(Permission::PricingRead)?;
    let mut tx = app.read(ctx).await?;
    Ok(pricing::price_lists(&mut tx).await?)
}

/// A price list as the console's overview shows it: the stored list (without prices) and its
/// target by the code people know it by rather than an id.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PriceListSummary {
    /// The list as stored.
    pub list: PriceListView,
    /// The tier, region or partner code; none for base lists.
    pub target: Option<String>,
}

/// Every price list the caller may see, live ones first, with their targets named.
pub async fn price_list_overview(app: &App, ctx: &Ctx) -> AppResult<Vec<PriceListSummary>> {
    ctx.require(Permission::PricingRead)?;
    let mut tx = app.read(ctx).await?;
    let lists = pricing::price_lists(&mut tx).await?;
    let targets = Targets::load(&mut tx).await?;
    let mut out = Vec::with_capacity(lists.len());
    for list in lists {
        let target = targets.code(&mut tx, &list).await?;
        out.push(PriceListSummary { list, target });
    }
    Ok(out)
}

/// One price list with its prices, in both shapes.
pub async fn get_price_list(app: &App, ctx: &Ctx, id: PriceListId) -> AppResult<PriceListDetail> {
    ctx.require(Permission::PricingRead)?;
    let mut tx = app.read(ctx).await?;
    detail(&mut tx, id, Vec::new()).await
}

/// Creates a price list after the save-time checks; an active one goes live at once.
pub async fn create_price_list(
    app: &App,
    ctx: &Ctx,
    input: &PriceListInput,
    idem: Option<&IdemKey>,
) -> AppResult<PriceListDetail> {
    ctx.require(Permission::PricingManage)?;
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    let parsed = parse_list(&mut tx, PriceListId::new(), input).await?;
    let notices = check_list(&mut tx, &parsed).await?;
    pricing::insert_price_list(&mut tx, &parsed.list, now)
        .await
        .map_err(|e| AppError::duplicate_as_field(e, &["code"]))?;
    if parsed.list.status == "active" {
        pricing::bump_version(&mut tx, now).await?;
    }
    let detail = detail(&mut tx, parsed.list.id, notices).await?;
    let record = ctx.audit::<(), _>(now, "price_list", parsed.list.id, "create", None, None, Some(&detail.list));
    audit::insert(&mut tx, &record).await?;
    idempotency::complete(&mut tx, idem, 201, &detail).await?;
    tx.commit().await?;
    Ok(detail)
}

/// Replaces a price list's header and prices if `input.version` is still current. Activating,
/// changing or retiring a live list bumps the pricing version.
pub async fn update_price_list(
    app: &App,
    ctx: &Ctx,
    id: PriceListId,
    input: &PriceListInput,
) -> AppResult<PriceListDetail> {
    ctx.require(Permission::PricingManage)?;
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    let before = pricing::price_list(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let version = input.version.ok_or_else(|| AppError::field("version", "required"))?;
    if version != before.version {
        return Err(AppError::Conflict("stale_version"));
    }
    let mut parsed = parse_list(&mut tx, id, input).await?;
    parsed.list.code = before.code.clone();
    let notices = check_list(&mut tx, &parsed).await?;
    if !pricing::update_price_list(&mut tx, &parsed.list, version, now).await? {
        return Err(AppError::Conflict("stale_version"));
    }
    if before.status == "active" || parsed.list.status == "active" {
        pricing::bump_version(&mut tx, now).await?;
    }
    let detail = detail(&mut tx, id, notices).await?;
    let record = ctx.audit(now, "price_list", id, "update", None, Some(&before), Some(&detail.list));
    audit::insert(&mut tx, &record).await?;
    tx.commit().await?;
    Ok(detail)
}

/// Runs a price list's save-time checks without saving, and prices the sample cart with the live
/// lists and with the draft in place of the list it edits. Refused exactly as the save would be.
pub async fn check_price_list(app: &App, ctx: &Ctx, check: &PriceListCheck) -> AppResult<CheckResult> {
    ctx.require(Permission::PricingManage)?;
    let mut tx = app.read(ctx).await?;
    let id = match check.id {
        Some(id) => pricing::price_list(&mut tx, id).await?.ok_or(AppError::NotFound)?.id,
        None => PriceListId::new(),
    };
    let parsed = parse_list(&mut tx, id, &check.list).await?;
    let notices = check_list(&mut tx, &parsed).await?;
    let draft = Draft {
        price_list: Some(DraftList {
            id,
            code: parsed.list.code.clone(),
            name: parsed.list.name.clone(),
            entries: entries_of(&parsed.list),
        }),
        promotion: None,
    };
    let (before, after) = preview(app, &mut tx, check.sample.as_ref(), &draft).await?;
    Ok(CheckResult { notices, before, after })
}

/// The business date a promotion's liveness is judged on.
pub(crate) fn today(app: &App) -> Date {
    china_date(app.now_ms())
}
