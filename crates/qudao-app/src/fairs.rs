//! Ordering fairs (订货会): the brand sets up a time-boxed event with its own prices, stock and
//! per-partner quotas; partners put in demand while it runs; when it closes, every short SKU is
//! allocated by the fair's rule (first come first served, pro rata, tier weight) and each partner
//! sees its own result and why. The allocation rules are in `qudao_domain::fairs`.

use std::collections::BTreeMap;

use qudao_domain::access::Permission;
use qudao_domain::fairs::{AllocationRule, Demand, allocate};
use qudao_domain::ids::{FairId, PartnerId, SkuId};
use qudao_domain::{FieldError, Invalid, text};
use qudao_store::audit;
use qudao_store::catalog::{SkuKeys, sellable};
use qudao_store::fairs::{self, DemandView, FairView, NewFair};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::{App, AppError, AppResult, Ctx};

/// One SKU offered at a fair.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FairItemRequest {
    /// SKU code.
    pub sku: String,
    /// Fair price per base unit, fen.
    pub price: i64,
    /// Base units set aside for the fair.
    pub stock: i64,
}

/// A cap on one partner for one SKU.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuotaRequest {
    /// The partner.
    pub partner_id: PartnerId,
    /// SKU code.
    pub sku: String,
    /// Most base units it may get.
    pub quota: i64,
}

/// A fair to set up.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FairRequest {
    /// Short code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Opens at, epoch ms.
    pub starts_ms: i64,
    /// Closes at, epoch ms.
    pub ends_ms: i64,
    /// `fcfs`, `pro_rata` or `tier_weight`.
    pub rule: String,
    /// What is offered.
    pub items: Vec<FairItemRequest>,
    /// Per-partner caps.
    #[serde(default)]
    pub quotas: Vec<QuotaRequest>,
}

/// A partner's demand line.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DemandLine {
    /// SKU code.
    pub sku: String,
    /// Base units; 0 withdraws the demand.
    pub quantity: i64,
}

/// A fair with what the caller may see of its demand.
#[derive(Debug, Clone, serde::Serialize, ToSchema)]
pub struct FairDetail {
    /// The fair.
    #[serde(flatten)]
    pub fair: FairView,
    /// Demand: all of it for brand staff, the partner's own for partner users.
    pub demand: Vec<DemandView>,
}

/// Sets up a fair (brand marketing, channel managers, administrators).
pub async fn create_fair(
    app: &App,
    ctx: &Ctx,
    request: &FairRequest,
    idem: Option<&crate::idempotency::IdemKey>,
) -> AppResult<FairDetail> {
    ctx.require(Permission::FairsManage)?;
    let mut invalid = Invalid::new();
    let code = invalid.check(text::required("code", &request.code, 40)).map(|c| c.to_uppercase());
    let name = invalid.check(text::required("name", &request.name, 100));
    let rule = AllocationRule::parse(request.rule.trim());
    if rule.is_none() {
        invalid.push(FieldError::with_param("rule", "not_one_of", "fcfs, pro_rata, tier_weight"));
    }
    if request.ends_ms <= request.starts_ms {
        invalid.push(FieldError::new("ends_ms", "out_of_range"));
    }
    if request.items.is_empty() {
        invalid.push(FieldError::new("items", "required"));
    }
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    let mut codes: Vec<String> = request.items.iter().map(|i| i.sku.trim().to_uppercase()).collect();
    codes.extend(request.quotas.iter().map(|q| q.sku.trim().to_uppercase()));
    let found = sellable(&mut tx, SkuKeys::Codes(&codes)).await?;
    let id_of = |code: &str| found.values().find(|s| s.code.eq_ignore_ascii_case(code.trim())).map(|s| s.sku_id);
    let mut items: Vec<(SkuId, i64, i64)> = Vec::new();
    for (i, item) in request.items.iter().enumerate() {
        match id_of(&item.sku) {
            None => invalid.push(FieldError::with_param(format!("items[{i}].sku"), "unknown_sku", &item.sku)),
            Some(sku) if items.iter().any(|(s, _, _)| *s == sku) => {
                invalid.push(FieldError::new(format!("items[{i}].sku"), "duplicate"))
            }
            Some(sku) => items.push((sku, item.price, item.stock)),
        }
        if item.price < 0 {
            invalid.push(FieldError::new(format!("items[{i}].price"), "must_not_be_negative"));
        }
        if item.stock < 0 {
            invalid.push(FieldError::new(format!("items[{i}].stock"), "must_not_be_negative"));
        }
    }
    let mut quotas = Vec::new();
    for (i, quota) in request.quotas.iter().enumerate() {
        match id_of(&quota.sku).filter(|sku| items.iter().any(|(s, _, _)| s == sku)) {
            None => invalid.push(FieldError::with_param(format!("quotas[{i}].sku"), "unknown_sku", &quota.sku)),
            Some(sku) => quotas.push((quota.partner_id, sku, quota.quota)),
        }
        if quota.quota < 0 {
            invalid.push(FieldError::new(format!("quotas[{i}].quota"), "must_not_be_negative"));
        }
        if qudao_store::partners::get(&mut tx, quota.partner_id).await?.is_none() {
            invalid.push(FieldError::new(format!("quotas[{i}].partner_id"), "unknown_partner"));
        }
    }
    invalid.into_result()?;
    let (Some(code), Some(name), Some(rule)) = (code, name, rule) else {
        return Err(AppError::Internal("checked fields".into()));
    };
    let fair = NewFair {
        id: FairId::new(),
        code,
        name,
        starts_ms: request.starts_ms,
        ends_ms: request.ends_ms,
        rule: rule.as_str(),
        items,
        quotas,
    };
    fairs::insert(&mut tx, &fair, now).await.map_err(|e| AppError::duplicate_as_field(e, &["code"]))?;
    let view = fairs::get(&mut tx, fair.id).await?.ok_or(AppError::NotFound)?;
    audit::insert(&mut tx, &ctx.audit::<(), _>(now, "fair", fair.id, "create", None, None, Some(&view))).await?;
    let detail = FairDetail { fair: view, demand: Vec::new() };
    crate::idempotency::complete(&mut tx, idem, 201, &detail).await?;
    tx.commit().await?;
    Ok(detail)
}

/// A fair and the demand the caller may see.
pub async fn get_fair(app: &App, ctx: &Ctx, id: FairId) -> AppResult<FairDetail> {
    ctx.require(Permission::OrdersRead)?;
    let mut tx = app.read(ctx).await?;
    let fair = fairs::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let demand = fairs::demands(&mut tx, id).await?;
    Ok(FairDetail { fair, demand })
}

/// A partner puts in (or changes) its demand while the fair runs; each line is capped by the
/// partner's quota at the time it is entered, so nobody is surprised at allocation.
pub async fn set_demand(app: &App, ctx: &Ctx, id: FairId, lines: &[DemandLine]) -> AppResult<FairDetail> {
    ctx.require(Permission::OrdersPlace)?;
    let partner = ctx.caller().partner_id().ok_or(AppError::Forbidden)?;
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    let fair = fairs::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    if fair.status != "open" || now < fair.starts_ms || now >= fair.ends_ms {
        return Err(AppError::Conflict("fair_closed"));
    }
    let mut invalid = Invalid::new();
    let mut accepted = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(item) = fair.items.iter().find(|item| item.sku.eq_ignore_ascii_case(line.sku.trim())) else {
            invalid.push(FieldError::with_param(format!("lines[{i}].sku"), "unknown_sku", &line.sku));
            continue;
        };
        if line.quantity < 0 {
            invalid.push(FieldError::new(format!("lines[{i}].quantity"), "must_not_be_negative"));
            continue;
        }
        if let Some(quota) = fairs::quota(&mut tx, id, partner, item.sku_id).await?
            && line.quantity > quota
        {
            invalid.push(FieldError::with_param(format!("lines[{i}].quantity"), "over_quota", quota));
            continue;
        }
        accepted.push((item.sku_id, line.quantity));
    }
    invalid.into_result()?;
    for (sku, quantity) in &accepted {
        fairs::set_demand(&mut tx, id, partner, *sku, *quantity, now).await?;
    }
    let demand = fairs::demands(&mut tx, id).await?;
    audit::insert(&mut tx, &ctx.audit::<(), _>(now, "fair", id, "demand", Some(partner), None, Some(&demand))).await?;
    tx.commit().await?;
    Ok(FairDetail { fair, demand })
}

/// Parses `gold:3,silver:2` into weights; bad pairs are skipped (the setting is typed by an
/// administrator, and a tier left out simply weighs 1).
fn tier_weights(text: &str) -> BTreeMap<String, u32> {
    text.split(',')
        .filter_map(|pair| {
            let (code, weight) = pair.split_once(':')?;
            let weight: u32 = weight.trim().parse().ok().filter(|w| *w > 0)?;
            Some((code.trim().to_lowercase(), weight))
        })
        .collect()
}

/// Every fair (brand staff and partners alike: a fair is a public event; demand stays private).
pub async fn list_fairs(app: &App, ctx: &Ctx) -> AppResult<Vec<FairView>> {
    ctx.require(Permission::OrdersRead)?;
    let mut tx = app.read(ctx).await?;
    Ok(fairs::list(&mut tx).await?)
}

/// Closes a fair and allocates every SKU by its rule (at or after its end, or earlier when the
/// brand closes it early); each partner's demand row gets its allocation and explanation.
pub async fn allocate_fair(app: &App, ctx: &Ctx, id: FairId) -> AppResult<FairDetail> {
    ctx.require(Permission::FairsManage)?;
    let now = app.now_ms();
    // Every partner's demand counts, not only those of the caller's territory: a channel
    // manager who closes the fair must not allocate the stock over part of the demand.
    let scope = qudao_store::Scope::system("a fair's stock is shared over every partner's demand");
    let mut tx = app.db().write(&scope).await?;
    let fair = fairs::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let rule = AllocationRule::parse(&fair.rule).ok_or_else(|| AppError::Internal(format!("rule {}", fair.rule)))?;
    let weights = tier_weights(&qudao_store::settings::get(&mut tx, qudao_store::settings::FAIR_TIER_WEIGHTS).await?);
    let demand = fairs::demands(&mut tx, id).await?;
    let mut results = Vec::new();
    for item in &fair.items {
        let rows: Vec<&DemandView> = demand.iter().filter(|d| d.sku_id == item.sku_id).collect();
        let asked: Vec<Demand> = rows
            .iter()
            .map(|d| Demand {
                partner: d.partner_id,
                tier: d.tier.clone(),
                quantity: d.quantity,
                placed_ms: d.placed_ms,
                quota: d.quota,
            })
            .collect();
        for allocation in allocate(rule, item.stock, &asked, &weights)? {
            let explanation = serde_json::to_string(&allocation.explanation)
                .map_err(|e| AppError::Internal(format!("explanation: {e}")))?;
            results.push((allocation.partner, item.sku_id, allocation.allocated, explanation));
        }
    }
    if !fairs::record_allocation(&mut tx, id, &results, now).await? {
        return Err(AppError::Conflict("status_transition"));
    }
    audit::insert(
        &mut tx,
        &ctx.audit::<(), _>(
            now,
            "fair",
            id,
            "allocate",
            None,
            None,
            Some(&serde_json::json!({ "lines": results.len() })),
        ),
    )
    .await?;
    tx.commit().await?;
    // Shown through the caller's own wall: a channel manager sees its partners' results.
    let mut read = app.read(ctx).await?;
    let fair = fairs::get(&mut read, id).await?.ok_or(AppError::NotFound)?;
    let demand = fairs::demands(&mut read, id).await?;
    Ok(FairDetail { fair, demand })
}
