//! Notifications: the inbox (unread count in the header), each person's choice of what reaches
//! them and how, and the e-mail that goes out through the configured SMTP relay — at once, or
//! gathered into a daily digest. Notifications are written in the transaction of what they tell
//! about; e-mail is sent afterwards from the queue (a failed relay never undoes an approval).

use std::collections::HashMap;

use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use qudao_domain::ids::{NotificationId, PartnerId, UserId};
use qudao_domain::notifications::{Delivery, EmailMode, Topic, email_state};
use qudao_store::notifications::{self as store, NewNotification, NotificationView, Outgoing};
use qudao_store::page::{Page, PageRequest};
use qudao_store::{Scope, Tx};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::events::{Event, Reach};
use crate::{App, AppError, AppResult, Ctx};

/// What to tell people.
#[derive(Debug, Clone)]
pub struct Note {
    /// The topic (decides the delivery with each person's choice).
    pub topic: Topic,
    /// Headline.
    pub title: String,
    /// Text.
    pub body: String,
    /// The object it is about: kind and id.
    pub object: Option<(String, String)>,
    /// The object's partner.
    pub partner_id: Option<PartnerId>,
}

/// Writes a notification for each of `people` as each chose (or by the topic's default), in the
/// caller's transaction; answers the live events to publish once it commits.
pub(crate) async fn notify(tx: &mut Tx, people: &[UserId], note: &Note, now_ms: i64) -> AppResult<Vec<Event>> {
    let recipients = store::recipients(tx, people, note.topic).await?;
    let mut rows = Vec::new();
    for person in people {
        let Some((has_address, delivery)) = recipients.get(person) else { continue };
        let email = email_state(*delivery, *has_address);
        if !delivery.in_app && email == "none" {
            continue;
        }
        rows.push(NewNotification {
            id: NotificationId::new(),
            user_id: *person,
            partner_id: note.partner_id,
            topic: note.topic,
            title: &note.title,
            body: &note.body,
            link: None,
            object_kind: note.object.as_ref().map(|(k, _)| k.as_str()),
            object_id: note.object.as_ref().map(|(_, id)| id.as_str()),
            created_ms: now_ms,
            email_state: email,
            read_ms: (!delivery.in_app).then_some(now_ms),
        });
    }
    store::insert(tx, &rows).await?;
    let mut events = Vec::new();
    for row in rows.iter().filter(|r| r.read_ms.is_none()) {
        let view = NotificationView {
            id: row.id,
            topic: row.topic.as_str().into(),
            title: row.title.into(),
            body: row.body.into(),
            link: None,
            object_kind: row.object_kind.map(str::to_owned),
            object_id: row.object_id.map(str::to_owned),
            created_ms: row.created_ms,
            read_ms: None,
        };
        events.push(event_of(row.user_id, &view));
    }
    Ok(events)
}

/// The live event of a notification, for its person only.
pub(crate) fn event_of(user: UserId, view: &NotificationView) -> Event {
    Event {
        kind: "notification",
        id: view.id.to_string(),
        reach: Reach::People(vec![user]),
        data: serde_json::to_string(view).unwrap_or_default(),
    }
}

/// The caller's notifications, newest first.
pub async fn inbox(app: &App, ctx: &Ctx, unread_only: bool, page: &PageRequest) -> AppResult<Page<NotificationView>> {
    let mut tx = app.read(ctx).await?;
    Ok(store::list(&mut tx, ctx.caller().user_id(), unread_only, page).await?)
}

/// How many of the caller's notifications are unread.
pub async fn unread_count(app: &App, ctx: &Ctx) -> AppResult<i64> {
    let mut tx = app.read(ctx).await?;
    Ok(store::unread_count(&mut tx, ctx.caller().user_id()).await?)
}

/// Marks one of the caller's notifications read, or all of them; answers how many changed.
pub async fn mark_read(app: &App, ctx: &Ctx, id: Option<NotificationId>) -> AppResult<u64> {
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    let me = ctx.caller().user_id();
    if let Some(id) = id {
        store::get(&mut tx, me, id).await?.ok_or(AppError::NotFound)?;
    }
    let changed = store::mark_read(&mut tx, me, id, now).await?;
    tx.commit().await?;
    Ok(changed)
}

/// One topic's delivery as the preferences page shows it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Preference {
    /// The topic.
    pub topic: Topic,
    /// In the app's inbox.
    pub in_app: bool,
    /// By e-mail: off, instant, digest.
    pub email: EmailMode,
}

/// The caller's delivery of every topic (their choice, or the default).
pub async fn preferences(app: &App, ctx: &Ctx) -> AppResult<Vec<Preference>> {
    let mut tx = app.read(ctx).await?;
    let chosen = store::prefs(&mut tx, ctx.caller().user_id()).await?;
    Ok(Topic::ALL
        .into_iter()
        .map(|topic| {
            let delivery = chosen.get(topic.as_str()).copied().unwrap_or_else(|| topic.default_delivery());
            Preference { topic, in_app: delivery.in_app, email: delivery.email }
        })
        .collect())
}

/// Sets the caller's delivery of the topics given.
pub async fn set_preferences(app: &App, ctx: &Ctx, choices: &[Preference]) -> AppResult<Vec<Preference>> {
    if choices.is_empty() || choices.len() > Topic::ALL.len() {
        return Err(AppError::field("preferences", "out_of_range"));
    }
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    let me = ctx.caller().user_id();
    for choice in choices {
        store::set_pref(&mut tx, me, choice.topic, Delivery { in_app: choice.in_app, email: choice.email }).await?;
    }
    let record =
        ctx.audit(now, "notification_prefs", me, "update", ctx.caller().partner_id(), None::<&()>, Some(&choices));
    qudao_store::audit::insert(&mut tx, &record).await?;
    tx.commit().await?;
    preferences(app, ctx).await
}

/// What one mail pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Mailed {
    /// E-mails sent.
    pub sent: u64,
    /// E-mails the relay refused (tried again on the next pass, three times in all).
    pub failed: u64,
}

/// E-mails per pass.
const PER_PASS: u32 = 100;

fn scope() -> Scope {
    Scope::system("the mail queue holds every person's notifications")
}

fn mailbox(text: &str) -> Option<Mailbox> {
    text.parse().ok()
}

async fn send_one(
    transport: &AsyncSmtpTransport<Tokio1Executor>,
    from: &Mailbox,
    to: &Outgoing,
    subject: &str,
    body: String,
) -> bool {
    let Ok(address) = to.email.trim().parse::<lettre::Address>() else {
        tracing::warn!(user = %to.user_id, "not an e-mail address; the notification is not mailed");
        return false;
    };
    let address = Mailbox::new(Some(to.name.clone()), address);
    let message =
        Message::builder().from(from.clone()).to(address).subject(subject).header(ContentType::TEXT_PLAIN).body(body);
    match message {
        Ok(message) => match transport.send(message).await {
            Ok(_) => true,
            Err(error) => {
                tracing::warn!(%error, "the SMTP relay refused a notification");
                false
            }
        },
        Err(_) => false,
    }
}

fn transport(app: &App) -> Option<(AsyncSmtpTransport<Tokio1Executor>, Mailbox)> {
    let smtp = app.config().smtp.as_ref()?;
    let from = mailbox(&smtp.from)?;
    let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(smtp.host.as_str()).port(smtp.port).build();
    Some((transport, from))
}

/// Sends the notifications waiting for instant e-mail; nothing without an SMTP relay.
pub async fn send_pending(app: &App) -> AppResult<Mailed> {
    let Some((transport, from)) = transport(app) else { return Ok(Mailed::default()) };
    let claimed = {
        let mut tx = app.db().write(&scope()).await?;
        let claimed = store::claim_mail(&mut tx, "pending", PER_PASS, app.now_ms()).await?;
        tx.commit().await?;
        claimed
    };
    let mut mailed = Mailed::default();
    let (mut sent, mut failed) = (Vec::new(), Vec::new());
    for outgoing in &claimed {
        let body = format!("{}\n\n{}\n\n— Qudao 渠道", outgoing.title, outgoing.body);
        if send_one(&transport, &from, outgoing, &outgoing.title, body).await {
            sent.push(outgoing.id);
        } else {
            failed.push(outgoing.id);
        }
    }
    let now = app.now_ms();
    let mut tx = app.db().write(&scope()).await?;
    store::mailed(&mut tx, &sent, true, "pending", now).await?;
    store::mailed(&mut tx, &failed, false, "pending", now).await?;
    tx.commit().await?;
    mailed.sent = sent.len() as u64;
    mailed.failed = failed.len() as u64;
    Ok(mailed)
}

/// Sends each person's digest: one e-mail with every notification they chose to receive that
/// way since the last digest. Run once a day (the housekeeping does at 08:00 China time).
pub async fn send_digests(app: &App) -> AppResult<Mailed> {
    let Some((transport, from)) = transport(app) else { return Ok(Mailed::default()) };
    let mut mailed = Mailed::default();
    loop {
        let claimed = {
            let mut tx = app.db().write(&scope()).await?;
            let claimed = store::claim_mail(&mut tx, "digest", PER_PASS * 10, app.now_ms()).await?;
            tx.commit().await?;
            claimed
        };
        if claimed.is_empty() {
            return Ok(mailed);
        }
        let mut by_person: HashMap<UserId, Vec<&Outgoing>> = HashMap::new();
        for outgoing in &claimed {
            by_person.entry(outgoing.user_id).or_default().push(outgoing);
        }
        let now = app.now_ms();
        for items in by_person.values() {
            let Some(first) = items.first() else { continue };
            let mut body = String::new();
            for item in items {
                body.push_str(&format!("· {}\n  {}\n", item.title, item.body));
            }
            body.push_str("\n— Qudao 渠道");
            let subject = format!("Qudao 每日摘要：{} 条通知", items.len());
            let ids: Vec<NotificationId> = items.iter().map(|i| i.id).collect();
            let ok = send_one(&transport, &from, first, &subject, body).await;
            let mut tx = app.db().write(&scope()).await?;
            store::mailed(&mut tx, &ids, ok, "digest", now).await?;
            tx.commit().await?;
            if ok {
                mailed.sent += 1;
            } else {
                mailed.failed += 1;
            }
        }
        if claimed.len() < (PER_PASS * 10) as usize {
            return Ok(mailed);
        }
    }
}

/// Whether the day's digest is due: from 08:00 China time, once per China date.
pub fn digest_due(now_ms: i64, last_sent_date: Option<u32>) -> bool {
    let today = crate::clock::china_date(now_ms);
    let hour = ((now_ms + 8 * 3_600_000).rem_euclid(86_400_000)) / 3_600_000;
    hour >= 8 && last_sent_date != Some(today)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_goes_once_a_day_from_eight() {
        // 2026-11-29 07:59 and 08:00 in China (UTC+8).
        let seven_fifty_nine = qudao_domain::dates::china_midnight_ms(20261129) + 7 * 3_600_000 + 59 * 60_000;
        let eight = seven_fifty_nine + 60_000;
        assert!(!digest_due(seven_fifty_nine, None));
        assert!(digest_due(eight, None));
        assert!(!digest_due(eight, Some(crate::clock::china_date(eight))), "once per day");
    }
}
