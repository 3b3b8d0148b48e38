//! Storing an uploaded picture (a product photo, a bank slip): checked by its content, written
//! with a thumbnail, described by a file record ready to insert.

use qudao_domain::ids::{FileId, PartnerId};
use qudao_store::files::{FileRecord, Purpose};

use super::check_image;
use crate::tokens::hex;
use crate::{App, AppError, AppResult, Ctx};

/// Checks `bytes` as a PNG, JPEG or WebP picture (off the async threads), writes it and its
/// thumbnail under `folder/`, and returns the record to insert in the caller's transaction. The
/// bytes are written first; if that transaction then fails, an orphan file remains on disk but
/// nothing points to it.
pub async fn store_picture(
    app: &App,
    ctx: &Ctx,
    folder: &str,
    purpose: Purpose,
    partner: Option<PartnerId>,
    filename: &str,
    bytes: Vec<u8>,
) -> AppResult<FileRecord> {
    let max = app.config().max_image_bytes;
    let (checked, bytes) = tokio::task::spawn_blocking(move || check_image(&bytes, max).map(|c| (c, bytes)))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))??;
    let id = FileId::new();
    let sha = {
        use sha2::{Digest, Sha256};
        hex(&Sha256::digest(&bytes))
    };
    let key = format!("{folder}/{id}.{}", checked.kind.extension());
    let thumb_key = format!("{folder}/{id}.thumb.jpg");
    let size = bytes.len() as i64;
    app.files().put(&key, bytes).await?;
    app.files().put(&thumb_key, checked.thumbnail.clone()).await?;
    let clean_name: String = qudao_domain::text::clean(filename, false).chars().take(120).collect();
    Ok(FileRecord {
        id,
        partner_id: partner,
        purpose: purpose.as_str().to_string(),
        filename: if clean_name.is_empty() { format!("{id}.{}", checked.kind.extension()) } else { clean_name },
        content_type: checked.kind.content_type().to_string(),
        size_bytes: size,
        sha256: sha,
        storage_key: key,
        thumb_key: Some(thumb_key),
        width: Some(i64::from(checked.width)),
        height: Some(i64::from(checked.height)),
        created_by: Some(ctx.caller().user_id()),
        created_ms: app.now_ms(),
    })
}
