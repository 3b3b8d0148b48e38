//! The ERP's messages in: answered once per document id, refusals kept for the admin, and the
//! secrets an ERP's API keys sign with.

use qudao_domain::ids::{ApiKeyId, RejectionId};
use serde::Serialize;
use utoipa::ToSchema;

use crate::page::{Cursor, Page, PageRequest};
use crate::{RowExt, Sql, StoreResult, Tx};

/// The answer given to a document the first time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answered {
    /// The hash of the message first sent under this id.
    pub request_hash: String,
    /// HTTP status.
    pub status: u16,
    /// The body, byte for byte.
    pub body: String,
}

/// The stored answer to a document, if it was answered.
pub async fn answered(tx: &mut Tx, kind: &str, document_id: &str) -> StoreResult<Option<Answered>> {
    let mut sql = Sql::new("SELECT request_hash, status, body FROM erp_documents WHERE kind = ");
    sql.bind(kind).push_bind(" AND document_id = ", document_id);
    match sql.fetch_optional(tx.conn()).await? {
        None => Ok(None),
        Some(row) => Ok(Some(Answered {
            request_hash: row.text("request_hash")?,
            status: u16::try_from(row.int("status")?).unwrap_or(500),
            body: row.text("body")?,
        })),
    }
}

/// Claims a document id for this transaction: `false` when another transaction already
/// answered it (on PostgreSQL a concurrent claim waits here until the other commits or rolls
/// back, so one message is applied once however many copies arrive at once).
pub async fn claim(
    tx: &mut Tx,
    kind: &str,
    document_id: &str,
    request_hash: &str,
    key: Option<ApiKeyId>,
    now_ms: i64,
) -> StoreResult<bool> {
    let mut sql = Sql::new(
        "INSERT INTO erp_documents (kind, document_id, request_hash, status, body, api_key_id, at_ms) VALUES (",
    );
    sql.bind(kind).push(", ").bind(document_id).push(", ").bind(request_hash).push(", 0, '', ").bind(key);
    sql.push(", ").bind(now_ms).push(") ON CONFLICT (kind, document_id) DO NOTHING");
    Ok(sql.execute(tx.conn()).await? == 1)
}

/// Stores the answer to a claimed document.
pub async fn answer(tx: &mut Tx, kind: &str, document_id: &str, status: u16, body: &str) -> StoreResult<()> {
    let mut sql = Sql::new("UPDATE erp_documents SET status = ");
    sql.bind(i64::from(status)).push_bind(", body = ", body).push_bind(" WHERE kind = ", kind);
    sql.push_bind(" AND document_id = ", document_id);
    sql.execute(tx.conn()).await?;
    Ok(())
}

/// A refused message to keep.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct Rejection {
    /// Id.
    pub id: RejectionId,
    /// `shipment`, `invoice`, `receipt`.
    pub kind: String,
    /// The document id, when the message had one.
    pub document_id: Option<String>,
    /// The key that sent it.
    pub api_key_id: Option<ApiKeyId>,
    /// The error code (`bad_signature`, `unknown_order`, `over_open`…).
    pub code: String,
    /// The error in words.
    pub message: String,
    /// The start of the message.
    pub body_excerpt: Option<String>,
    /// When.
    pub at_ms: i64,
}

/// Keeps a refusal (in its own transaction: the refused message's was rolled back).
pub async fn reject(tx: &mut Tx, r: &Rejection) -> StoreResult<()> {
    let mut sql = Sql::new(
        "INSERT INTO erp_rejections (id, kind, document_id, api_key_id, code, message, body_excerpt, at_ms) VALUES (",
    );
    sql.bind(r.id).push(", ").bind(r.kind.as_str()).push(", ").bind(r.document_id.as_deref());
    sql.push(", ").bind(r.api_key_id).push(", ").bind(r.code.as_str()).push(", ").bind(r.message.as_str());
    sql.push(", ").bind(r.body_excerpt.as_deref()).push(", ").bind(r.at_ms).push(")");
    sql.execute(tx.conn()).await?;
    Ok(())
}

/// Refusals, newest first.
pub async fn rejections(tx: &mut Tx, page: &PageRequest) -> StoreResult<Page<Rejection>> {
    let mut sql = Sql::new(
        "SELECT id, kind, document_id, api_key_id, code, message, body_excerpt, at_ms FROM erp_rejections WHERE 1 = 1",
    );
    page.apply(&mut sql, "at_ms", "id");
    let rows = sql.fetch_all(tx.conn()).await?;
    let views = rows
        .iter()
        .map(|row| {
            Ok(Rejection {
                id: row.parse("id")?,
                kind: row.text("kind")?,
                document_id: row.opt_text("document_id")?,
                api_key_id: row.opt_parse("api_key_id")?,
                code: row.text("code")?,
                message: row.text("message")?,
                body_excerpt: row.opt_text("body_excerpt")?,
                at_ms: row.int("at_ms")?,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(Page::from_rows(views, page.limit, |v| Cursor { created_ms: v.at_ms, id: v.id.to_string() }))
}

/// Stores the signing secret of an ERP's key.
pub async fn set_signing_secret(tx: &mut Tx, key: ApiKeyId, secret: &str, now_ms: i64) -> StoreResult<()> {
    let mut sql = Sql::new("INSERT INTO erp_signing_secrets (api_key_id, secret, created_ms) VALUES (");
    sql.bind(key).push(", ").bind(secret).push(", ").bind(now_ms).push(")");
    sql.push(" ON CONFLICT (api_key_id) DO UPDATE SET secret = excluded.secret, created_ms = excluded.created_ms");
    sql.execute(tx.conn()).await?;
    Ok(())
}

/// The signing secret of a key, if it has one.
pub async fn signing_secret(tx: &mut Tx, key: ApiKeyId) -> StoreResult<Option<String>> {
    let mut sql = Sql::new("SELECT secret FROM erp_signing_secrets WHERE api_key_id = ");
    sql.bind(key);
    sql.fetch_optional(tx.conn()).await?.map(|row| row.text("secret")).transpose()
}
