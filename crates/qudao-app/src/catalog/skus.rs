//! SKUs of a product.

use qudao_domain::access::Permission;
use qudao_domain::catalog::{SkuDraft, SkuInput};
use qudao_domain::ids::{ProductId, SkuId};
use qudao_store::audit;
use qudao_store::catalog::{self, NewSku, SkuView};

use crate::idempotency::{self, IdemKey};
use crate::{App, AppError, AppResult, Ctx};

/// A SKU's display names: the product's names and the spec values ("澜溪汽水 330ml").
fn names(product_zh: &str, product_en: &str, draft: &SkuDraft) -> (String, String) {
    let values: Vec<&str> = draft.spec.iter().map(|(_, v)| v.as_str()).collect();
    if values.is_empty() {
        return (product_zh.to_string(), product_en.to_string());
    }
    let suffix = values.join(" ");
    (format!("{product_zh} {suffix}"), format!("{product_en} {suffix}"))
}

/// Adds a SKU to a product.
pub async fn add_sku(
    app: &App,
    ctx: &Ctx,
    product: ProductId,
    input: &SkuInput,
    idem: Option<&IdemKey>,
) -> AppResult<SkuView> {
    ctx.require(Permission::CatalogWrite)?;
    let draft = SkuDraft::parse(input)?;
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    let parent = catalog::get(&mut tx, product).await?.ok_or(AppError::NotFound)?;
    let (name_zh, name_en) = names(&parent.summary.name_zh, &parent.summary.name_en, &draft);
    let id = SkuId::new();
    catalog::insert_sku(
        &mut tx,
        &NewSku {
            id,
            product_id: product,
            code: draft.code.clone(),
            spec: draft.spec.clone(),
            name_zh,
            name_en,
            barcode: draft.barcode.clone(),
            list_price: draft.list_price.minor,
            currency: draft.list_price.currency.code().to_string(),
            now_ms: now,
        },
    )
    .await
    .map_err(|e| AppError::duplicate_as_field(e, &["code"]))?;
    catalog::refresh_search_key(&mut tx, product).await?;
    let view = catalog::skus_of(&mut tx, product).await?.into_iter().find(|s| s.id == id).ok_or(AppError::NotFound)?;
    audit::insert(&mut tx, &ctx.audit::<(), _>(now, "sku", id, "create", None, None, Some(&view))).await?;
    idempotency::complete(&mut tx, idem, 201, &view).await?;
    tx.commit().await?;
    Ok(view)
}

/// Edits a SKU's spec, barcode, price and status (its code stays).
pub async fn update_sku(
    app: &App,
    ctx: &Ctx,
    product: ProductId,
    id: SkuId,
    input: &SkuInput,
    active: bool,
) -> AppResult<SkuView> {
    ctx.require(Permission::CatalogWrite)?;
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    let parent = catalog::get(&mut tx, product).await?.ok_or(AppError::NotFound)?;
    let before = parent.skus.iter().find(|s| s.id == id).cloned().ok_or(AppError::NotFound)?;
    let mut input = input.clone();
    input.code = Some(before.code.clone());
    let draft = SkuDraft::parse(&input)?;
    let (name_zh, name_en) = names(&parent.summary.name_zh, &parent.summary.name_en, &draft);
    let sku = NewSku {
        id,
        product_id: product,
        code: before.code.clone(),
        spec: draft.spec.clone(),
        name_zh,
        name_en,
        barcode: draft.barcode.clone(),
        list_price: draft.list_price.minor,
        currency: draft.list_price.currency.code().to_string(),
        now_ms: now,
    };
    if !catalog::update_sku(&mut tx, &sku, active).await? {
        return Err(AppError::NotFound);
    }
    catalog::refresh_search_key(&mut tx, product).await?;
    let after = catalog::skus_of(&mut tx, product).await?.into_iter().find(|s| s.id == id).ok_or(AppError::NotFound)?;
    audit::insert(&mut tx, &ctx.audit(now, "sku", id, "update", None, Some(&before), Some(&after))).await?;
    tx.commit().await?;
    Ok(after)
}
