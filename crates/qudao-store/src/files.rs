//! Metadata of uploaded files; the bytes live behind the app's file storage.

use qudao_domain::ids::{FileId, PartnerId, UserId};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{RowExt, Sql, StoreResult, Tx};

/// What a file is for; decides who may read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// A catalog picture: readable by every signed-in user.
    ProductImage,
    /// A sheet uploaded for import: readable within its owner's scope.
    Import,
    /// A partner's proof of an offline transfer (a bank slip's photo): readable by the partner
    /// and the brand users who see it.
    TransferReceipt,
    /// The proof of money received (a bank slip, a cheque), kept with the receipt finance
    /// recorded: readable by the partner and the brand users who see it.
    ReceiptProof,
    /// A picture attached to a thread message: stored under the object's partner (so it is as
    /// visible as the message), or under none for an internal note (the brand's staff only).
    ThreadAttachment,
    /// A photo on an opportunity's follow-up record: stored under the writer's partner, seen by
    /// whoever sees the follow-up.
    FollowupPicture,
}

impl Purpose {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::ProductImage => "product_image",
            Purpose::Import => "import",
            Purpose::TransferReceipt => "transfer_receipt",
            Purpose::ReceiptProof => "receipt_proof",
            Purpose::ThreadAttachment => "thread_attachment",
            Purpose::FollowupPicture => "followup_picture",
        }
    }
}

/// A stored file's metadata.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FileRecord {
    /// Id.
    pub id: FileId,
    /// Owning partner, if any (brand files have none).
    pub partner_id: Option<PartnerId>,
    /// `product_image`, `import`, …
    pub purpose: String,
    /// The name it was uploaded under.
    pub filename: String,
    /// Content type, as detected from the bytes (never as claimed by the client).
    pub content_type: String,
    /// Size in bytes.
    pub size_bytes: i64,
    /// SHA-256 of the content, hex.
    pub sha256: String,
    /// Where the bytes are in the file storage.
    #[serde(skip)]
    pub storage_key: String,
    /// Where the thumbnail is, for images.
    #[serde(skip)]
    pub thumb_key: Option<String>,
    /// Image width in pixels.
    pub width: Option<i64>,
    /// Image height in pixels.
    pub height: Option<i64>,
    /// Uploader.
    pub created_by: Option<UserId>,
    /// Upload time.
    pub created_ms: i64,
}

/// Stores a file's metadata.
pub async fn insert(tx: &mut Tx, f: &FileRecord) -> StoreResult<()> {
    let mut sql = Sql::new(
        "INSERT INTO files (id, partner_id, purpose, filename, content_type, size_bytes, sha256, storage_key, \
         thumb_key, width, height, created_by, created_ms) VALUES (",
    );
    sql.bind(f.id).push(", ").bind(f.partner_id).push(", ").bind(f.purpose.as_str());
    sql.push(", ").bind(f.filename.as_str()).push(", ").bind(f.content_type.as_str());
    sql.push(", ").bind(f.size_bytes).push(", ").bind(f.sha256.as_str()).push(", ").bind(f.storage_key.as_str());
    sql.push(", ").bind(f.thumb_key.as_deref()).push(", ").bind(f.width).push(", ").bind(f.height);
    sql.push(", ").bind(f.created_by).push(", ").bind(f.created_ms).push(")");
    sql.execute(tx.conn()).await?;
    Ok(())
}

/// A file the scope may read: catalog pictures for everyone signed in (partners: of active
/// products only), brand files for brand staff, partner files within the partner scope, and the
/// photos of the follow-ups the caller sees (on a deal shared between two partners, each sees
/// the other's).
pub async fn get(tx: &mut Tx, id: FileId) -> StoreResult<Option<FileRecord>> {
    let mut sql = Sql::new(
        "SELECT id, partner_id, purpose, filename, content_type, size_bytes, sha256, storage_key, thumb_key, \
         width, height, created_by, created_ms FROM files WHERE id = ",
    );
    sql.bind(id).push(" AND ((partner_id IS NULL AND purpose = 'product_image'");
    if !tx.scope().sees_brand_records() {
        // Partners see pictures of active products only, like the products themselves.
        sql.push(
            " AND EXISTS (SELECT 1 FROM product_images pi JOIN products p ON p.id = pi.product_id \
             WHERE pi.file_id = files.id AND p.status = 'active')",
        );
    }
    sql.push(") OR (1 = 1");
    tx.scope().filter_owned(&mut sql, "partner_id");
    // A follow-up's photo is stored under the partner of whoever took it; everyone who sees the
    // follow-up (the deal's owner, a partner it is shared with) sees the photo.
    sql.push(") OR (purpose = ").bind(Purpose::FollowupPicture.as_str());
    sql.push(" AND EXISTS (SELECT 1 FROM opportunity_followups f WHERE f.file_id = files.id");
    crate::deals::opportunities::visible(tx, &mut sql, "f.partner_id", "f.opportunity_id");
    sql.push(")))");
    let Some(row) = sql.fetch_optional(tx.conn()).await? else { return Ok(None) };
    Ok(Some(FileRecord {
        id: row.parse("id")?,
        partner_id: row.opt_parse("partner_id")?,
        purpose: row.text("purpose")?,
        filename: row.text("filename")?,
        content_type: row.text("content_type")?,
        size_bytes: row.int("size_bytes")?,
        sha256: row.text("sha256")?,
        storage_key: row.text("storage_key")?,
        thumb_key: row.opt_text("thumb_key")?,
        width: row.opt_int("width")?,
        height: row.opt_int("height")?,
        created_by: row.opt_parse("created_by")?,
        created_ms: row.int("created_ms")?,
    }))
}
