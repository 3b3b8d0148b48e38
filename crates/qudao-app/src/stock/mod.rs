//! Stock use cases: warehouses, receipts and corrections, transfers and counts, and what each
//! caller is shown of stock.

mod moves;

pub use moves::{
    CountInput, CountLine, CountResult, CountView, TransferInput, TransferView, record_count, transfer_stock,
};

use qudao_domain::access::Permission;
use qudao_domain::ids::{SkuId, WarehouseId};
use qudao_domain::stock::{ShownStock, StockVisibility, shown};
use qudao_domain::{FieldError, Invalid, text};
use qudao_store::catalog::{self, SkuKeys};
use qudao_store::stock::{self, StockLevel, Warehouse, Why};
use qudao_store::{Scope, audit, settings};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::idempotency::{self, IdemKey};
use crate::{App, AppError, AppResult, Ctx};

/// A warehouse as the form sends it.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WarehouseInput {
    /// Code (`WH-SH`).
    pub code: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Lower is preferred when orders are served.
    #[serde(default)]
    pub priority: Option<i64>,
}

/// The warehouse a user named by its code (any case), or a field error on `warehouse`.
pub(crate) async fn warehouse_by_code(tx: &mut qudao_store::Tx, code: &str) -> AppResult<Warehouse> {
    stock::warehouses(tx)
        .await?
        .into_iter()
        .find(|w| w.code.eq_ignore_ascii_case(code.trim()))
        .ok_or_else(|| AppError::field("warehouse", "unknown_warehouse"))
}

/// Every warehouse (brand users).
pub async fn list_warehouses(app: &App, ctx: &Ctx) -> AppResult<Vec<Warehouse>> {
    ctx.require(Permission::StockManage)?;
    let mut tx = app.read(ctx).await?;
    Ok(stock::warehouses(&mut tx).await?)
}

/// Adds a warehouse.
pub async fn create_warehouse(
    app: &App,
    ctx: &Ctx,
    input: &WarehouseInput,
    idem: Option<&IdemKey>,
) -> AppResult<Warehouse> {
    ctx.require(Permission::StockManage)?;
    let mut invalid = Invalid::new();
    let code = invalid.check(text::code("code", &input.code, 20)).map(|c| c.to_uppercase());
    let name_zh = invalid.check(text::required("name_zh", &input.name_zh, 60));
    let name_en = invalid.check(text::required("name_en", &input.name_en, 60));
    let priority = input.priority.unwrap_or(100);
    if !(0..=10_000).contains(&priority) {
        invalid.push(FieldError::new("priority", "invalid_priority"));
    }
    invalid.into_result()?;
    let (Some(code), Some(name_zh), Some(name_en)) = (code, name_zh, name_en) else {
        return Err(AppError::Internal("checked warehouse lost a field".into()));
    };
    let warehouse =
        Warehouse { id: WarehouseId::new(), code, name_zh, name_en, region_id: None, priority, active: true };
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    stock::insert_warehouse(&mut tx, &warehouse, now).await.map_err(|e| AppError::duplicate_as_field(e, &["code"]))?;
    audit::insert(&mut tx, &ctx.audit::<(), _>(now, "warehouse", warehouse.id, "create", None, None, Some(&warehouse)))
        .await?;
    idempotency::complete(&mut tx, idem, 201, &warehouse).await?;
    tx.commit().await?;
    Ok(warehouse)
}

/// A receipt, count correction or write-off.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StockChange {
    /// SKU code.
    pub sku: String,
    /// Warehouse code.
    pub warehouse: String,
    /// Base units to add (negative to remove).
    pub delta: i64,
    /// `receipt` or `adjustment`.
    #[serde(default)]
    pub kind: Option<String>,
    /// Why (required for a removal).
    #[serde(default)]
    pub reason: Option<String>,
}

/// Receives or corrects stock. Removing more than is free (on hand minus reserved) is refused:
/// reserved goods belong to orders.
pub async fn change_stock(app: &App, ctx: &Ctx, change: &StockChange, idem: Option<&IdemKey>) -> AppResult<StockView> {
    ctx.require(Permission::StockManage)?;
    let mut invalid = Invalid::new();
    let kind = match change.kind.as_deref().unwrap_or(if change.delta >= 0 { "receipt" } else { "adjustment" }) {
        "receipt" if change.delta > 0 => "receipt",
        "adjustment" => "adjustment",
        _ => {
            invalid.push(FieldError::new("kind", "invalid_choice"));
            "adjustment"
        }
    };
    if change.delta == 0 || change.delta.abs() > 100_000_000 {
        invalid.push(FieldError::new("delta", "invalid_quantity"));
    }
    let reason = invalid.check(text::optional("reason", change.reason.as_deref(), 200)).flatten();
    if change.delta < 0 && reason.is_none() {
        invalid.push(FieldError::new("reason", "required"));
    }
    invalid.into_result()?;
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    let code = change.sku.trim().to_uppercase();
    let found = catalog::sellable(&mut tx, SkuKeys::Codes(std::slice::from_ref(&code))).await?;
    let sku = found.values().next().ok_or_else(|| AppError::field("sku", "unknown_sku"))?.sku_id;
    let warehouse = warehouse_by_code(&mut tx, &change.warehouse).await?;
    let why = Why { kind, reference: None, reason: reason.as_deref(), by: Some(ctx.caller().user_id()), at_ms: now };
    if !stock::adjust(&mut tx, sku, warehouse.id, change.delta, why).await? {
        return Err(AppError::field("delta", "below_reserved"));
    }
    let levels = stock::levels(&mut tx, &[sku]).await?;
    let record = serde_json::json!({"sku": code, "warehouse": warehouse.code, "delta": change.delta, "kind": kind});
    audit::insert(&mut tx, &ctx.audit::<(), _>(now, "stock", sku, kind, None, None, Some(&record))).await?;
    let view = brand_view(code, sku, levels);
    idempotency::complete(&mut tx, idem, 201, &view).await?;
    tx.commit().await?;
    Ok(view)
}

/// One warehouse's stock of a SKU, for brand users.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WarehouseStock {
    /// Warehouse code.
    pub warehouse: String,
    /// On hand.
    pub on_hand: i64,
    /// Held by open orders.
    pub reserved: i64,
    /// Free to sell.
    pub available: i64,
}

/// A SKU's stock as the caller may see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StockView {
    /// SKU code.
    pub sku: String,
    /// SKU id.
    pub sku_id: SkuId,
    /// `exact`, `in_stock`, `low`, `out` or `hidden` (partners see what the brand allows; brand
    /// users always `exact`).
    pub level: String,
    /// Available base units, when the caller may see the number.
    pub available: Option<i64>,
    /// On hand in all warehouses (brand users).
    pub on_hand: Option<i64>,
    /// Reserved in all warehouses (brand users).
    pub reserved: Option<i64>,
    /// Per warehouse (brand users).
    pub warehouses: Vec<WarehouseStock>,
}

fn brand_view(code: String, sku: SkuId, levels: Vec<StockLevel>) -> StockView {
    let on_hand = levels.iter().map(|l| l.on_hand).sum();
    let reserved = levels.iter().map(|l| l.reserved).sum();
    StockView {
        sku: code,
        sku_id: sku,
        level: "exact".into(),
        available: Some(on_hand - reserved),
        on_hand: Some(on_hand),
        reserved: Some(reserved),
        warehouses: levels
            .into_iter()
            .map(|l| WarehouseStock {
                warehouse: l.warehouse_code,
                on_hand: l.on_hand,
                reserved: l.reserved,
                available: l.available,
            })
            .collect(),
    }
}

/// The stock of SKUs by code: everything for brand users, for partners only what the brand's
/// visibility setting allows (the exact number, a level, or nothing).
pub async fn stock_of(app: &App, ctx: &Ctx, codes: &[String]) -> AppResult<Vec<StockView>> {
    ctx.require(Permission::StockRead)?;
    if codes.is_empty() || codes.len() > 200 {
        return Err(AppError::field("sku", if codes.is_empty() { "required" } else { "too_many" }));
    }
    let codes: Vec<String> = codes.iter().map(|c| c.trim().to_uppercase()).collect();
    let mut tx = app.read(ctx).await?;
    let found = catalog::sellable(&mut tx, SkuKeys::Codes(&codes)).await?;
    let visible: Vec<_> = found.values().filter(|s| s.active || tx.scope().sees_brand_records()).collect();
    if visible.is_empty() {
        return Err(AppError::NotFound);
    }
    let ids: Vec<SkuId> = visible.iter().map(|s| s.sku_id).collect();
    let levels = stock::levels(&mut tx, &ids).await?;
    let brand = ctx.caller().partner_id().is_none();
    let visibility = StockVisibility::parse(&settings::get(&mut tx, settings::STOCK_VISIBILITY).await?);
    let low = settings::number(&mut tx, settings::STOCK_LOW_THRESHOLD).await?.unwrap_or(0);
    let mut views: Vec<StockView> = visible
        .iter()
        .map(|s| {
            let own: Vec<StockLevel> = levels.iter().filter(|l| l.sku_id == s.sku_id).cloned().collect();
            let view = brand_view(s.code.clone(), s.sku_id, own);
            if brand {
                return view;
            }
            let available = view.available.unwrap_or(0);
            let (level, number) = match shown(visibility, available, low) {
                ShownStock::Exactly(n) => ("exact", Some(n)),
                ShownStock::InStock => ("in_stock", None),
                ShownStock::Low => ("low", None),
                ShownStock::Out => ("out", None),
                ShownStock::Hidden => ("hidden", None),
            };
            StockView {
                sku: view.sku,
                sku_id: view.sku_id,
                level: level.into(),
                available: number,
                on_hand: None,
                reserved: None,
                warehouses: Vec::new(),
            }
        })
        .collect();
    views.sort_by(|a, b| a.sku.cmp(&b.sku));
    Ok(views)
}

/// Stock rows whose quantities differ from their moves, or reserved outside 0..=on_hand, and
/// stock rows whose reserved differs from the open orders' reservations: all must be empty.
pub async fn check_stock(app: &App) -> AppResult<Vec<String>> {
    let mut tx = app.db().read(&Scope::system("the stock check reads every row")).await?;
    let mut problems: Vec<String> =
        stock::check_stock(&mut tx).await?.into_iter().map(|(s, w)| format!("moves of {s} in {w}")).collect();
    problems
        .extend(stock::check_reservations(&mut tx).await?.into_iter().map(|(s, w)| format!("reserved of {s} in {w}")));
    Ok(problems)
}
