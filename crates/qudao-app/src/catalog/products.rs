//! Products: search, read, create, edit.

use qudao_domain::access::Permission;
use qudao_domain::catalog::{ProductDraft, ProductInput, UnitConversion};
use qudao_domain::ids::{ProductId, UnitId};
use qudao_domain::{FieldError, Invalid};
use qudao_store::catalog::masters::{self, Brand, Category, Unit};
use qudao_store::catalog::{self, NewProduct, ProductChanges, ProductFilter, ProductSummary, ProductView};
use qudao_store::page::{Page, PageRequest};
use qudao_store::{Tx, audit};

use crate::idempotency::{self, IdemKey};
use crate::{App, AppError, AppResult, Ctx};

/// A page of products, searchable by Chinese characters, full pinyin and pinyin initials.
pub async fn list_products(
    app: &App,
    ctx: &Ctx,
    filter: &ProductFilter,
    page: &PageRequest,
) -> AppResult<Page<ProductSummary>> {
    ctx.require(Permission::CatalogRead)?;
    let mut tx = app.read(ctx).await?;
    Ok(catalog::list(&mut tx, filter, page).await?)
}

/// One product with its SKUs (partner users see active ones only).
pub async fn get_product(app: &App, ctx: &Ctx, id: ProductId) -> AppResult<ProductView> {
    ctx.require(Permission::CatalogRead)?;
    let mut tx = app.read(ctx).await?;
    catalog::get(&mut tx, id).await?.ok_or(AppError::NotFound)
}

/// Every category.
pub async fn list_categories(app: &App, ctx: &Ctx) -> AppResult<Vec<Category>> {
    ctx.require(Permission::CatalogRead)?;
    let mut tx = app.read(ctx).await?;
    Ok(masters::categories(&mut tx).await?)
}

/// Every brand.
pub async fn list_brands(app: &App, ctx: &Ctx) -> AppResult<Vec<Brand>> {
    ctx.require(Permission::CatalogRead)?;
    let mut tx = app.read(ctx).await?;
    Ok(masters::brands(&mut tx).await?)
}

/// Every unit.
pub async fn list_units(app: &App, ctx: &Ctx) -> AppResult<Vec<Unit>> {
    ctx.require(Permission::CatalogRead)?;
    let mut tx = app.read(ctx).await?;
    Ok(masters::units(&mut tx).await?)
}

/// Resolved references of a product draft.
struct Refs {
    category: Category,
    brand: Brand,
    base_unit: Unit,
    units: Vec<(UnitId, i64)>,
}

/// Finds category, brand and units by code; `pack_units` are `(unit code, factor)` pairs.
async fn resolve(tx: &mut Tx, draft: &ProductDraft, pack_units: &[(String, String)]) -> AppResult<Refs> {
    let mut invalid = Invalid::new();
    let categories = masters::categories(tx).await?;
    let brands = masters::brands(tx).await?;
    let units = masters::units(tx).await?;
    let category = categories.into_iter().find(|c| c.code == draft.category_code);
    if category.is_none() {
        invalid.push(FieldError::new("category", "unknown_category"));
    }
    let brand = brands.into_iter().find(|b| b.code == draft.brand_code);
    if brand.is_none() {
        invalid.push(FieldError::new("brand", "unknown_brand"));
    }
    let base_unit = units.iter().find(|u| u.code == draft.base_unit_code).cloned();
    if base_unit.is_none() {
        invalid.push(FieldError::new("base_unit", "unknown_unit"));
    }
    let mut pack = Vec::new();
    for (index, (code, factor)) in pack_units.iter().enumerate() {
        let field = format!("units[{index}]");
        let code = code.trim().to_ascii_uppercase();
        let Some(unit) = units.iter().find(|u| u.code == code) else {
            invalid.push(FieldError::new(field, "unknown_unit"));
            continue;
        };
        if Some(&unit.code) == base_unit.as_ref().map(|u| &u.code) || pack.iter().any(|(id, _)| *id == unit.id) {
            invalid.push(FieldError::new(field, "duplicate_unit"));
            continue;
        }
        match UnitConversion::parse(&field, factor) {
            Ok(conversion) => pack.push((unit.id, conversion.factor())),
            Err(error) => invalid.push(error),
        }
    }
    invalid.into_result()?;
    match (category, brand, base_unit) {
        (Some(category), Some(brand), Some(base_unit)) => Ok(Refs { category, brand, base_unit, units: pack }),
        _ => Err(AppError::Internal("resolved product lost a reference".into())),
    }
}

/// Creates a product (without SKUs; add them with [`super::add_sku`]).
pub async fn create_product(
    app: &App,
    ctx: &Ctx,
    input: &ProductInput,
    pack_units: &[(String, String)],
    idem: Option<&IdemKey>,
) -> AppResult<ProductView> {
    ctx.require(Permission::CatalogWrite)?;
    let draft = ProductDraft::parse(input)?;
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    let refs = resolve(&mut tx, &draft, pack_units).await?;
    let id = ProductId::new();
    catalog::insert(
        &mut tx,
        &NewProduct {
            id,
            code: draft.code.clone(),
            name_zh: draft.name_zh.clone(),
            name_en: draft.name_en.clone(),
            category_id: refs.category.id,
            brand_id: refs.brand.id,
            base_unit_id: refs.base_unit.id,
            tax_rate_bp: draft.tax_rate.basis_points(),
            description: draft.description.clone(),
            units: refs.units,
            now_ms: now,
        },
    )
    .await
    .map_err(|e| AppError::duplicate_as_field(e, &["code"]))?;
    let view = catalog::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    audit::insert(&mut tx, &ctx.audit::<(), _>(now, "product", id, "create", None, None, Some(&view))).await?;
    idempotency::complete(&mut tx, idem, 201, &view).await?;
    tx.commit().await?;
    Ok(view)
}

/// A partial product edit: `Some` fields replace, `units` replaces the whole list when given.
#[derive(Debug, Clone, Default)]
pub struct ProductEdit {
    /// The version the editor saw.
    pub version: Option<i64>,
    /// Changed fields (the code cannot change).
    pub fields: ProductInput,
    /// New larger units, as (unit code, factor).
    pub units: Option<Vec<(String, String)>>,
    /// Activate or deactivate.
    pub active: Option<bool>,
}

/// Edits a product.
pub async fn update_product(app: &App, ctx: &Ctx, id: ProductId, edit: &ProductEdit) -> AppResult<ProductView> {
    ctx.require(Permission::CatalogWrite)?;
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    let before = catalog::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    if edit.version.is_some_and(|v| v != before.version) {
        return Err(AppError::Conflict("stale_version"));
    }
    let f = &edit.fields;
    let input = ProductInput {
        code: Some(before.summary.code.clone()),
        name_zh: f.name_zh.clone().or(Some(before.summary.name_zh.clone())),
        name_en: f.name_en.clone().or(Some(before.summary.name_en.clone())),
        category: f.category.clone().or(Some(before.summary.category_code.clone())),
        brand: f.brand.clone().or(Some(before.brand_code.clone())),
        base_unit: f.base_unit.clone().or(Some(before.base_unit_code.clone())),
        tax_rate: f.tax_rate.clone().or(Some(format!("{}", before.tax_rate_bp as f64 / 100.0))),
        description: f.description.clone().or(before.description.clone()),
    };
    let draft = ProductDraft::parse(&input)?;
    let pack: Vec<(String, String)> = match &edit.units {
        Some(units) => units.clone(),
        None => before.units.iter().map(|u| (u.code.clone(), u.factor.to_string())).collect(),
    };
    let refs = resolve(&mut tx, &draft, &pack).await?;
    let changes = ProductChanges {
        name_zh: draft.name_zh,
        name_en: draft.name_en,
        category_id: refs.category.id,
        brand_id: refs.brand.id,
        base_unit_id: refs.base_unit.id,
        tax_rate_bp: draft.tax_rate.basis_points(),
        description: draft.description,
        units: refs.units,
    };
    if !catalog::update(&mut tx, id, before.version, &changes, now).await? {
        return Err(AppError::Conflict("stale_version"));
    }
    if let Some(active) = edit.active {
        catalog::set_status(&mut tx, id, active, now).await?;
    }
    let after = catalog::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    audit::insert(&mut tx, &ctx.audit(now, "product", id, "update", None, Some(&before), Some(&after))).await?;
    tx.commit().await?;
    Ok(after)
}

/// How many products the caller sees (partners: active ones), for the dashboard.
pub async fn count_products(app: &App, ctx: &Ctx) -> AppResult<i64> {
    ctx.require(Permission::CatalogRead)?;
    let mut tx = app.read(ctx).await?;
    Ok(catalog::count(&mut tx).await?)
}
