//! Threads on objects: messages, and how far each person has read.

use qudao_domain::ids::{MessageId, PartnerId, UserId};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{RowExt, Sql, StoreError, StoreResult, Tx};

/// A message as shown.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct MessageView {
    /// Id.
    pub id: MessageId,
    /// `order`, `return`, `partner`, `statement`…
    pub object_kind: String,
    /// The object.
    pub object_id: String,
    /// The object's partner.
    pub partner_id: PartnerId,
    /// Who wrote it.
    pub author_id: UserId,
    /// Their display name.
    pub author_name: String,
    /// Whether the author is the brand's staff.
    pub author_brand: bool,
    /// The text.
    pub body: String,
    /// A brand-only note (never shown to partners).
    pub internal: bool,
    /// People @mentioned.
    pub mentions: Vec<UserId>,
    /// Attached files (ids; `GET /api/v1/files/{id}`).
    pub attachments: Vec<String>,
    /// When.
    pub created_ms: i64,
}

/// A message to store.
#[derive(Debug, Clone)]
pub struct NewMessage<'a> {
    /// Id.
    pub id: MessageId,
    /// Kind.
    pub object_kind: &'a str,
    /// Object.
    pub object_id: &'a str,
    /// Partner.
    pub partner_id: PartnerId,
    /// Author.
    pub author_id: UserId,
    /// Text.
    pub body: &'a str,
    /// Brand-only.
    pub internal: bool,
    /// Mentioned people.
    pub mentions: &'a [UserId],
    /// Attached files.
    pub attachments: &'a [String],
    /// When.
    pub created_ms: i64,
}

/// Stores a message.
pub async fn insert(tx: &mut Tx, m: &NewMessage<'_>) -> StoreResult<()> {
    let mentions = serde_json::to_string(m.mentions).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let attachments = serde_json::to_string(m.attachments).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let mut sql = Sql::new(
        "INSERT INTO thread_messages (id, object_kind, object_id, partner_id, author_id, body, internal, mentions, \
         attachments, created_ms) VALUES (",
    );
    sql.bind(m.id).push(", ").bind(m.object_kind).push(", ").bind(m.object_id).push(", ").bind(m.partner_id);
    sql.push(", ").bind(m.author_id).push(", ").bind(m.body).push(", ").bind(i64::from(m.internal));
    sql.push(", ").bind(mentions.as_str()).push(", ").bind(attachments.as_str()).push(", ").bind(m.created_ms);
    sql.push(")");
    sql.execute(tx.conn()).await?;
    Ok(())
}

const VIEW: &str = "SELECT m.id, m.object_kind, m.object_id, m.partner_id, m.author_id, m.body, m.internal, \
                    m.mentions, m.attachments, m.created_ms FROM thread_messages m WHERE 1 = 1";

fn view(row: &sqlx::any::AnyRow) -> StoreResult<MessageView> {
    let json = |column: &str| -> StoreResult<Vec<String>> {
        serde_json::from_str(&row.text(column)?).map_err(|e| StoreError::Corrupt(format!("{column}: {e}")))
    };
    Ok(MessageView {
        id: row.parse("id")?,
        object_kind: row.text("object_kind")?,
        object_id: row.text("object_id")?,
        partner_id: row.parse("partner_id")?,
        author_id: row.parse("author_id")?,
        author_name: String::new(),
        author_brand: false,
        body: row.text("body")?,
        internal: row.flag("internal")?,
        mentions: json("mentions")?.iter().filter_map(|id| id.parse().ok()).collect(),
        attachments: json("attachments")?,
        created_ms: row.int("created_ms")?,
    })
}

/// Partners never see internal notes; the partner filter does the rest.
fn visible(tx: &Tx, sql: &mut Sql) {
    tx.scope().filter_partner(sql, "m.partner_id");
    if !tx.scope().sees_brand_records() {
        sql.push(" AND m.internal = 0");
    }
}

/// Fills in the authors' names and sides (read past a partner's scope for the brand's staff who
/// wrote on its own thread: their names are shown on it).
async fn with_authors(tx: &mut Tx, mut messages: Vec<MessageView>) -> StoreResult<Vec<MessageView>> {
    let mut ids: Vec<UserId> = messages.iter().map(|m| m.author_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let names = crate::approvals::people::names(tx, &ids).await?;
    for message in &mut messages {
        if let Some(named) = names.get(&message.author_id) {
            message.author_name = named.name.clone();
            message.author_brand = named.brand;
        }
    }
    Ok(messages)
}

/// One visible message.
pub async fn get(tx: &mut Tx, id: MessageId) -> StoreResult<Option<MessageView>> {
    let mut sql = Sql::new(VIEW);
    sql.push_bind(" AND m.id = ", id);
    visible(tx, &mut sql);
    let found = sql.fetch_optional(tx.conn()).await?.as_ref().map(view).transpose()?;
    Ok(with_authors(tx, found.into_iter().collect()).await?.pop())
}

/// The visible messages of one object's thread, oldest first: the newest `limit`, or those
/// before `(before_ms, before_id)` for the page above.
pub async fn list(
    tx: &mut Tx,
    kind: &str,
    object_id: &str,
    before: Option<(i64, String)>,
    limit: u32,
) -> StoreResult<Vec<MessageView>> {
    let mut sql = Sql::new(VIEW);
    sql.push_bind(" AND m.object_kind = ", kind).push_bind(" AND m.object_id = ", object_id);
    if let Some((ms, id)) = before {
        sql.push(" AND (m.created_ms, m.id) < (").bind(ms).push(", ").bind(id.as_str()).push(")");
    }
    visible(tx, &mut sql);
    sql.push(" ORDER BY m.created_ms DESC, m.id DESC LIMIT ").bind(i64::from(limit));
    let mut rows = sql.fetch_all(tx.conn()).await?.iter().map(view).collect::<StoreResult<Vec<_>>>()?;
    rows.reverse();
    with_authors(tx, rows).await
}

/// Records that `user` has read the thread up to a message (never moving the marker back).
pub async fn mark_read(tx: &mut Tx, user: UserId, message: &MessageView) -> StoreResult<()> {
    let mut sql =
        Sql::new("INSERT INTO thread_reads (user_id, object_kind, object_id, partner_id, read_ms, read_id) VALUES (");
    sql.bind(user).push(", ").bind(message.object_kind.as_str()).push(", ").bind(message.object_id.as_str());
    sql.push(", ").bind(message.partner_id).push(", ").bind(message.created_ms).push(", ").bind(message.id);
    sql.push(
        ") ON CONFLICT (user_id, object_kind, object_id) DO UPDATE SET read_ms = excluded.read_ms, \
         read_id = excluded.read_id WHERE thread_reads.read_ms < excluded.read_ms \
         OR (thread_reads.read_ms = excluded.read_ms AND thread_reads.read_id < excluded.read_id)",
    );
    sql.execute(tx.conn()).await?;
    Ok(())
}

/// How far `user` has read a thread: (time, id) of the newest message read.
pub async fn read_marker(tx: &mut Tx, user: UserId, kind: &str, object_id: &str) -> StoreResult<Option<(i64, String)>> {
    let mut sql = Sql::new("SELECT read_ms, read_id FROM thread_reads WHERE user_id = ");
    sql.bind(user).push_bind(" AND object_kind = ", kind).push_bind(" AND object_id = ", object_id);
    match sql.fetch_optional(tx.conn()).await? {
        Some(row) => Ok(Some((row.int("read_ms")?, row.text("read_id")?))),
        None => Ok(None),
    }
}

/// How many visible messages of a thread `user` has not read (others' messages after the marker).
pub async fn unread(tx: &mut Tx, user: UserId, kind: &str, object_id: &str) -> StoreResult<i64> {
    let marker = read_marker(tx, user, kind, object_id).await?;
    let mut sql = Sql::new("SELECT COUNT(*) FROM thread_messages m WHERE m.object_kind = ");
    sql.bind(kind).push_bind(" AND m.object_id = ", object_id).push_bind(" AND m.author_id <> ", user);
    if let Some((ms, id)) = marker {
        sql.push(" AND (m.created_ms, m.id) > (").bind(ms).push(", ").bind(id.as_str()).push(")");
    }
    visible(tx, &mut sql);
    sql.fetch_i64(tx.conn()).await
}
