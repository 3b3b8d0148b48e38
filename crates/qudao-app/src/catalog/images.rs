//! Product pictures and file downloads.

use qudao_domain::access::Permission;
use qudao_domain::ids::{FileId, ProductId};
use qudao_store::files::{self, FileRecord, Purpose};
use qudao_store::{audit, catalog};

use crate::files::store_picture;
use crate::idempotency::{self, IdemKey};
use crate::{App, AppError, AppResult, Ctx};

/// Checks, stores and attaches a picture to a product; returns the file record. The bytes are
/// written before the database rows; if the transaction then fails, an orphan file remains on
/// disk but nothing points to it.
pub async fn upload_product_image(
    app: &App,
    ctx: &Ctx,
    product: ProductId,
    filename: &str,
    bytes: Vec<u8>,
    idem: Option<&IdemKey>,
) -> AppResult<FileRecord> {
    ctx.require(Permission::CatalogWrite)?;
    {
        let mut tx = app.read(ctx).await?;
        catalog::get(&mut tx, product).await?.ok_or(AppError::NotFound)?;
    }
    let record = store_picture(app, ctx, "images", Purpose::ProductImage, None, filename, bytes).await?;
    let (id, now) = (record.id, record.created_ms);
    let mut tx = app.write(ctx).await?;
    files::insert(&mut tx, &record).await?;
    catalog::add_image(&mut tx, product, id, now).await?;
    audit::insert(&mut tx, &ctx.audit::<(), _>(now, "product", product, "add_image", None, None, Some(&record)))
        .await?;
    idempotency::complete(&mut tx, idem, 201, &record).await?;
    tx.commit().await?;
    Ok(record)
}

/// A file the caller may read, with its bytes (or its thumbnail's). Outside the scope it is "not
/// found", exactly like a missing file.
pub async fn download_file(app: &App, ctx: &Ctx, id: FileId, thumbnail: bool) -> AppResult<(FileRecord, Vec<u8>)> {
    ctx.require(Permission::SignedIn)?;
    let record = {
        let mut tx = app.read(ctx).await?;
        files::get(&mut tx, id).await?.ok_or(AppError::NotFound)?
    };
    let key = if thumbnail { record.thumb_key.clone().ok_or(AppError::NotFound)? } else { record.storage_key.clone() };
    let bytes = app.files().get(&key).await?.ok_or(AppError::NotFound)?;
    Ok((record, bytes))
}
