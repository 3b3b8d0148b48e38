//! The catalog's master lists: categories (two levels), brands and units.

use qudao_domain::access::Permission;
use qudao_domain::{FieldError, Invalid, text};
use qudao_store::audit;
use qudao_store::catalog::masters::{self, Brand, Category, Unit};

use crate::idempotency::{self, IdemKey};
use crate::{App, AppError, AppResult, Ctx};

/// A new category, brand or unit as typed.
#[derive(Debug, Clone, Default)]
pub struct MasterInput {
    /// Code (`BEV-CSD`, `LANXI`, `CASE`).
    pub code: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// For categories: the parent category's code (categories have two levels).
    pub parent: Option<String>,
}

fn parse(input: &MasterInput) -> Result<(String, String, String), Invalid> {
    let mut invalid = Invalid::new();
    let code = invalid.check(text::code("code", &input.code, 40));
    let name_zh = invalid.check(text::required("name_zh", &input.name_zh, 50));
    let name_en = invalid.check(text::required("name_en", &input.name_en, 80));
    invalid.into_result()?;
    match (code, name_zh, name_en) {
        (Some(code), Some(zh), Some(en)) => Ok((code, zh, en)),
        _ => Err(Invalid::one("code", "required")),
    }
}

/// Adds a category, at the top or under a top-level category.
pub async fn create_category(app: &App, ctx: &Ctx, input: &MasterInput, idem: Option<&IdemKey>) -> AppResult<Category> {
    ctx.require(Permission::CatalogWrite)?;
    let (code, name_zh, name_en) = parse(input)?;
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    let existing = masters::categories(&mut tx).await?;
    let parent = match input.parent.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        None => None,
        Some(parent) => {
            let parent = parent.to_ascii_uppercase();
            let found = existing
                .iter()
                .find(|c| c.code == parent)
                .ok_or_else(|| AppError::field("parent", "unknown_category"))?;
            if found.parent_id.is_some() {
                return Err(AppError::Invalid(FieldError::new("parent", "category_too_deep").into()));
            }
            Some(found.id)
        }
    };
    let sort = existing.len() as i64 + 1;
    let category = masters::insert_category(&mut tx, &code, parent, &name_zh, &name_en, sort)
        .await
        .map_err(|e| AppError::duplicate_as_field(e, &["code"]))?;
    audit::insert(&mut tx, &ctx.audit::<(), _>(now, "category", category.id, "create", None, None, Some(&category)))
        .await?;
    idempotency::complete(&mut tx, idem, 201, &category).await?;
    tx.commit().await?;
    Ok(category)
}

/// Adds a brand.
pub async fn create_brand(app: &App, ctx: &Ctx, input: &MasterInput, idem: Option<&IdemKey>) -> AppResult<Brand> {
    ctx.require(Permission::CatalogWrite)?;
    let (code, name_zh, name_en) = parse(input)?;
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    let brand = masters::insert_brand(&mut tx, &code, &name_zh, &name_en)
        .await
        .map_err(|e| AppError::duplicate_as_field(e, &["code"]))?;
    audit::insert(&mut tx, &ctx.audit::<(), _>(now, "brand", brand.id, "create", None, None, Some(&brand))).await?;
    idempotency::complete(&mut tx, idem, 201, &brand).await?;
    tx.commit().await?;
    Ok(brand)
}

/// Adds a unit of measure.
pub async fn create_unit(app: &App, ctx: &Ctx, input: &MasterInput, idem: Option<&IdemKey>) -> AppResult<Unit> {
    ctx.require(Permission::CatalogWrite)?;
    let (code, name_zh, name_en) = parse(input)?;
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    let unit = masters::insert_unit(&mut tx, &code, &name_zh, &name_en)
        .await
        .map_err(|e| AppError::duplicate_as_field(e, &["code"]))?;
    audit::insert(&mut tx, &ctx.audit::<(), _>(now, "unit", unit.id, "create", None, None, Some(&unit))).await?;
    idempotency::complete(&mut tx, idem, 201, &unit).await?;
    tx.commit().await?;
    Ok(unit)
}
