//! Notifications: the inbox rows, the people's preferences, and the e-mail queue.

use std::collections::HashMap;

use qudao_domain::ids::{NotificationId, PartnerId, UserId};
use qudao_domain::notifications::{Delivery, EmailMode, Topic};
use serde::Serialize;
use utoipa::ToSchema;

use crate::page::{Cursor, Page, PageRequest};
use crate::{RowExt, Scope, Sql, StoreResult, Tx};

/// A notification as the inbox shows it.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct NotificationView {
    /// Id.
    pub id: NotificationId,
    /// `approval_waiting`, `approval_decided`, `mention`, `thread_message`.
    pub topic: String,
    /// The headline.
    pub title: String,
    /// The text.
    pub body: String,
    /// Where to look (a page path).
    pub link: Option<String>,
    /// The object it is about.
    pub object_kind: Option<String>,
    /// Its id.
    pub object_id: Option<String>,
    /// When.
    pub created_ms: i64,
    /// When the person read it.
    pub read_ms: Option<i64>,
}

/// One notification to store, for one person.
#[derive(Debug, Clone)]
pub struct NewNotification<'a> {
    /// Id.
    pub id: NotificationId,
    /// For whom.
    pub user_id: UserId,
    /// The object's partner.
    pub partner_id: Option<PartnerId>,
    /// Topic.
    pub topic: Topic,
    /// Headline.
    pub title: &'a str,
    /// Text.
    pub body: &'a str,
    /// Page path.
    pub link: Option<&'a str>,
    /// Object kind.
    pub object_kind: Option<&'a str>,
    /// Object id.
    pub object_id: Option<&'a str>,
    /// When.
    pub created_ms: i64,
    /// `none`, `pending` or `digest`.
    pub email_state: &'static str,
    /// Stored as read already (the person chose e-mail only for this topic).
    pub read_ms: Option<i64>,
}

/// Stores notifications (several people's at once).
pub async fn insert(tx: &mut Tx, rows: &[NewNotification<'_>]) -> StoreResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut sql = Sql::new(
        "INSERT INTO notifications (id, user_id, partner_id, event, title, body, link, object_kind, object_id, \
         created_ms, read_ms, email_state, email_attempts, email_claimed_ms, emailed_ms) VALUES ",
    );
    for (n, r) in rows.iter().enumerate() {
        sql.push(if n == 0 { "(" } else { ", (" });
        sql.bind(r.id).push(", ").bind(r.user_id).push(", ").bind(r.partner_id).push(", ").bind(r.topic.as_str());
        sql.push(", ").bind(r.title).push(", ").bind(r.body).push(", ").bind(r.link).push(", ").bind(r.object_kind);
        sql.push(", ").bind(r.object_id).push(", ").bind(r.created_ms).push(", ").bind(r.read_ms);
        sql.push(", ").bind(r.email_state);
        sql.push(", 0, NULL, NULL)");
    }
    // Written for other people (the approvers of a partner's order): as the system, like the
    // row-level policy that lets each person read only their own.
    let own = tx.swap_scope(Scope::system("notifications are written for other people")).await?;
    let written = sql.execute(tx.conn()).await;
    tx.swap_scope(own).await?;
    written?;
    Ok(())
}

/// Who the people are for delivery: whether each has an e-mail address, and their choices.
pub async fn recipients(
    tx: &mut Tx,
    people: &[UserId],
    topic: Topic,
) -> StoreResult<HashMap<UserId, (bool, Delivery)>> {
    let mut out = HashMap::new();
    if people.is_empty() {
        return Ok(out);
    }
    // The recipients are often people the writer may not list (the brand's approvers of a
    // partner's order): read as the system, only their address's presence and their choices.
    let own = tx.swap_scope(Scope::system("notification recipients")).await?;
    let result = async {
        let mut sql = Sql::new(
            "SELECT u.id, u.email, p.in_app, p.email AS mode FROM users u LEFT JOIN notification_prefs p \
             ON p.user_id = u.id AND p.event = ",
        );
        sql.bind(topic.as_str()).push(" WHERE u.status = 'active' AND u.id IN ");
        sql.bind_list(people.iter().copied());
        let rows = sql.fetch_all(tx.conn()).await?;
        for row in rows {
            let has_address = row.opt_text("email")?.is_some_and(|e| !e.trim().is_empty());
            let delivery = match (row.opt_int("in_app")?, row.opt_text("mode")?.as_deref().and_then(EmailMode::parse)) {
                (Some(in_app), Some(email)) => Delivery { in_app: in_app != 0, email },
                _ => topic.default_delivery(),
            };
            out.insert(row.parse("id")?, (has_address, delivery));
        }
        Ok::<_, crate::StoreError>(())
    }
    .await;
    tx.swap_scope(own).await?;
    result.map(|()| out)
}

const VIEW: &str = "SELECT id, event, title, body, link, object_kind, object_id, created_ms, read_ms \
                    FROM notifications WHERE user_id = ";

fn view(row: &sqlx::any::AnyRow) -> StoreResult<NotificationView> {
    Ok(NotificationView {
        id: row.parse("id")?,
        topic: row.text("event")?,
        title: row.text("title")?,
        body: row.text("body")?,
        link: row.opt_text("link")?,
        object_kind: row.opt_text("object_kind")?,
        object_id: row.opt_text("object_id")?,
        created_ms: row.int("created_ms")?,
        read_ms: row.opt_int("read_ms")?,
    })
}

/// A person's notifications, newest first; only unread ones when asked.
pub async fn list(
    tx: &mut Tx,
    user: UserId,
    unread_only: bool,
    page: &PageRequest,
) -> StoreResult<Page<NotificationView>> {
    let mut sql = Sql::new(VIEW);
    sql.bind(user);
    if unread_only {
        sql.push(" AND read_ms IS NULL");
    }
    page.apply(&mut sql, "created_ms", "id");
    let rows = sql.fetch_all(tx.conn()).await?.iter().map(view).collect::<StoreResult<Vec<_>>>()?;
    Ok(Page::from_rows(rows, page.limit, |v| Cursor { created_ms: v.created_ms, id: v.id.to_string() }))
}

/// How many unread (the header's badge).
pub async fn unread_count(tx: &mut Tx, user: UserId) -> StoreResult<i64> {
    let mut sql = Sql::new("SELECT COUNT(*) FROM notifications WHERE read_ms IS NULL AND user_id = ");
    sql.bind(user);
    sql.fetch_i64(tx.conn()).await
}

/// Marks one of the person's notifications read (or all of them when `id` is none); how many.
pub async fn mark_read(tx: &mut Tx, user: UserId, id: Option<NotificationId>, now_ms: i64) -> StoreResult<u64> {
    let mut sql = Sql::new("UPDATE notifications SET read_ms = ");
    sql.bind(now_ms).push(" WHERE read_ms IS NULL AND user_id = ").bind(user);
    if let Some(id) = id {
        sql.push_bind(" AND id = ", id);
    }
    sql.execute(tx.conn()).await
}

/// One of the person's notifications (read or not).
pub async fn get(tx: &mut Tx, user: UserId, id: NotificationId) -> StoreResult<Option<NotificationView>> {
    let mut sql = Sql::new(VIEW);
    sql.bind(user).push_bind(" AND id = ", id);
    sql.fetch_optional(tx.conn()).await?.as_ref().map(view).transpose()
}

/// Any person's notification by id, with whose it is (a signal from another instance names
/// only the id; read as the system).
pub async fn by_id(tx: &mut Tx, id: NotificationId) -> StoreResult<Option<(UserId, NotificationView)>> {
    let mut sql = Sql::new(
        "SELECT id, user_id, event, title, body, link, object_kind, object_id, created_ms, read_ms          FROM notifications WHERE id = ",
    );
    sql.bind(id);
    match sql.fetch_optional(tx.conn()).await? {
        Some(row) => Ok(Some((row.parse("user_id")?, view(&row)?))),
        None => Ok(None),
    }
}

/// A person's choices, by topic.
pub async fn prefs(tx: &mut Tx, user: UserId) -> StoreResult<HashMap<String, Delivery>> {
    let mut sql = Sql::new("SELECT event, in_app, email FROM notification_prefs WHERE user_id = ");
    sql.bind(user);
    let mut out = HashMap::new();
    for row in sql.fetch_all(tx.conn()).await? {
        if let Some(email) = EmailMode::parse(&row.text("email")?) {
            out.insert(row.text("event")?, Delivery { in_app: row.flag("in_app")?, email });
        }
    }
    Ok(out)
}

/// Sets a person's choice for a topic.
pub async fn set_pref(tx: &mut Tx, user: UserId, topic: Topic, delivery: Delivery) -> StoreResult<()> {
    let mut sql = Sql::new("INSERT INTO notification_prefs (user_id, event, in_app, email) VALUES (");
    sql.bind(user).push(", ").bind(topic.as_str()).push(", ").bind(i64::from(delivery.in_app));
    sql.push(", ").bind(delivery.email.as_str());
    sql.push(") ON CONFLICT (user_id, event) DO UPDATE SET in_app = excluded.in_app, email = excluded.email");
    sql.execute(tx.conn()).await?;
    Ok(())
}

/// A notification waiting to be e-mailed, with its addressee.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// The notification.
    pub id: NotificationId,
    /// For whom.
    pub user_id: UserId,
    /// Their address.
    pub email: String,
    /// Their display name.
    pub name: String,
    /// Their language (`zh-CN`, `en`), if chosen.
    pub locale: Option<String>,
    /// Headline.
    pub title: String,
    /// Text.
    pub body: String,
    /// Page path.
    pub link: Option<String>,
    /// When it was made.
    pub created_ms: i64,
}

/// How long a claimed e-mail may stay `sending` before another pass takes it again (its instance
/// died between claiming and recording the result).
pub const CLAIM_TIMEOUT_MS: i64 = 10 * 60_000;

/// Takes up to `limit` notifications in e-mail state `from` (`pending` or `digest`; the pending
/// pass also takes those left `sending` past [`CLAIM_TIMEOUT_MS`] by an instance that stopped),
/// oldest first, and marks them `sending` so no other instance takes them (system scope). A
/// message taken again after a crash may be sent twice; none is lost.
pub async fn claim_mail(tx: &mut Tx, from: &str, limit: u32, now_ms: i64) -> StoreResult<Vec<Outgoing>> {
    let mut sql = Sql::new(
        "SELECT n.id, n.user_id, n.email_state, u.email, u.display_name, u.locale, n.title, n.body, n.link, \
         n.created_ms FROM notifications n JOIN users u ON u.id = n.user_id WHERE (n.email_state = ",
    );
    sql.bind(from);
    if from == "pending" {
        // Stale claims are taken by the instant pass (a stuck digest row is sent alone rather
        // than never).
        sql.push(" OR (n.email_state = 'sending' AND n.email_claimed_ms < ").bind(now_ms - CLAIM_TIMEOUT_MS);
        sql.push(")");
    }
    sql.push(") ORDER BY n.created_ms, n.id LIMIT ").bind(i64::from(limit));
    let rows = sql.fetch_all(tx.conn()).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let id: NotificationId = row.parse("id")?;
        let state = row.text("email_state")?;
        let mut claim = Sql::new("UPDATE notifications SET email_state = 'sending', email_claimed_ms = ");
        claim.bind(now_ms).push(" WHERE id = ").bind(id).push_bind(" AND email_state = ", state.as_str());
        if state == "sending" {
            claim.push(" AND email_claimed_ms < ").bind(now_ms - CLAIM_TIMEOUT_MS);
        }
        if claim.execute(tx.conn()).await? != 1 {
            continue;
        }
        out.push(Outgoing {
            id,
            user_id: row.parse("user_id")?,
            email: row.opt_text("email")?.unwrap_or_default(),
            name: row.text("display_name")?,
            locale: row.opt_text("locale")?,
            title: row.text("title")?,
            body: row.text("body")?,
            link: row.opt_text("link")?,
            created_ms: row.int("created_ms")?,
        });
    }
    Ok(out)
}

/// Records how sending went: `sent`, or back to `back_to` for another try (after three tries:
/// `failed`).
pub async fn mailed(tx: &mut Tx, ids: &[NotificationId], sent: bool, back_to: &str, now_ms: i64) -> StoreResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let mut sql = Sql::new("UPDATE notifications SET email_attempts = email_attempts + 1, ");
    if sent {
        sql.push("email_state = 'sent', emailed_ms = ").bind(now_ms);
    } else {
        sql.push("email_state = CASE WHEN email_attempts >= 2 THEN 'failed' ELSE ").bind(back_to).push(" END");
    }
    sql.push(" WHERE id IN ").bind_list(ids.iter().copied());
    sql.execute(tx.conn()).await?;
    Ok(())
}
