//! Threads on objects (讨论): brand and partner people settle an order's date, a return, a
//! statement where the object lives. Whoever can see the object can read and write its thread;
//! brand staff may add internal notes partners never see; `@login` mentions name people who can
//! see the object. New messages reach open event streams at once (see `events`).

use qudao_domain::ids::{MessageId, OrderId, PartnerId, ReturnId, StatementId, UserId};
use qudao_domain::{FieldError, text};
use qudao_store::approvals::people;
use qudao_store::threads::{self, MessageView, NewMessage};
use qudao_store::{Tx, audit};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use qudao_domain::notifications::Topic;

use crate::events::{Event, Reach};
use crate::notifications::Note;
use crate::{App, AppError, AppResult, Ctx};

/// The kinds of objects that have threads.
pub const KINDS: [&str; 5] = ["order", "return", "partner", "statement", "registration"];

/// The longest message, in characters.
pub const MAX_BODY: usize = 4000;

/// A message as written.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct MessageInput {
    /// The text; `@login` mentions someone who can see the object.
    pub body: String,
    /// A brand-only note (brand staff only).
    #[serde(default)]
    pub internal: bool,
}

/// A picture attached to a message, as uploaded.
#[derive(Debug, Clone)]
pub struct Attachment {
    /// The name the client gave it (display only).
    pub filename: String,
    /// The bytes, checked as a PNG, JPEG or WebP picture like every other upload.
    pub bytes: Vec<u8>,
}

/// A thread as read.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ThreadView {
    /// `order`, `return`, `partner`, `statement`.
    pub object_kind: String,
    /// The object.
    pub object_id: String,
    /// Its messages, oldest first (the newest page).
    pub messages: Vec<MessageView>,
    /// Messages from others the caller had not read before this read.
    pub unread: i64,
}

/// The object's partner, with its region and parent (for the event's reach), if the caller
/// can see the object; `NotFound` otherwise — a thread is exactly as visible as its object.
async fn object_partner(tx: &mut Tx, kind: &str, object_id: &str) -> AppResult<PartnerId> {
    let missing = || AppError::NotFound;
    Ok(match kind {
        "order" => {
            let id: OrderId = object_id.parse().map_err(|_| missing())?;
            qudao_store::orders::get(tx, id).await?.ok_or_else(missing)?.summary.partner_id
        }
        "return" => {
            let id: ReturnId = object_id.parse().map_err(|_| missing())?;
            qudao_store::orders::get_return(tx, id).await?.ok_or_else(missing)?.partner_id
        }
        "partner" => {
            let id: PartnerId = object_id.parse().map_err(|_| missing())?;
            qudao_store::partners::get(tx, id).await?.ok_or_else(missing)?.id
        }
        "statement" => {
            let id: StatementId = object_id.parse().map_err(|_| missing())?;
            qudao_store::finance::statements::get(tx, id).await?.ok_or_else(missing)?.partner_id
        }
        "registration" => {
            let id: qudao_domain::ids::RegistrationId = object_id.parse().map_err(|_| missing())?;
            qudao_store::deals::registrations::get(tx, id).await?.ok_or_else(missing)?.partner_id
        }
        _ => return Err(missing()),
    })
}

/// The live event of a message: for whoever sees its object's partner (brand-only if internal).
fn message_event(view: &MessageView, partner: &qudao_store::partners::PartnerView) -> AppResult<Event> {
    Ok(Event {
        kind: "message",
        id: view.id.to_string(),
        reach: Reach::Partner {
            partner_id: view.partner_id,
            region_path: partner.region.path.clone(),
            parent_id: partner.parent.as_ref().map(|p| p.id),
            internal: view.internal,
        },
        data: serde_json::to_string(view).map_err(|e| AppError::Internal(e.to_string()))?,
    })
}

/// [`message_event`] for a message read back (another instance announced it).
pub(crate) async fn event_of(tx: &mut Tx, view: &MessageView) -> AppResult<Event> {
    let partner = qudao_store::partners::get(tx, view.partner_id).await?.ok_or(AppError::NotFound)?;
    message_event(view, &partner)
}

/// The logins a text mentions: `@` at the start or after a space, then login characters.
fn mentioned(body: &str) -> Vec<String> {
    let mut logins = Vec::new();
    let mut previous = ' ';
    for (at, c) in body.char_indices() {
        if c == '@' && previous.is_whitespace() {
            let login: String = body[at + 1..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
                .collect();
            let login = login.trim_end_matches(['.', '-', '_']).to_lowercase();
            if !login.is_empty() && !logins.contains(&login) {
                logins.push(login);
            }
        }
        previous = c;
    }
    logins
}

/// Reads a thread (the newest `limit` messages, or those before `before` — a message id) and
/// marks it read up to its newest message.
pub async fn read_thread(
    app: &App,
    ctx: &Ctx,
    kind: &str,
    object_id: &str,
    before: Option<MessageId>,
    limit: u32,
) -> AppResult<ThreadView> {
    let mut tx = app.write(ctx).await?;
    object_partner(&mut tx, kind, object_id).await?;
    let me = ctx.caller().user_id();
    let unread = threads::unread(&mut tx, me, kind, object_id).await?;
    let before = match before {
        Some(id) => {
            let message =
                threads::get(&mut tx, id).await?.filter(|m| m.object_id == object_id).ok_or(AppError::NotFound)?;
            Some((message.created_ms, message.id.to_string()))
        }
        None => None,
    };
    let messages = threads::list(&mut tx, kind, object_id, before, limit.clamp(1, 200)).await?;
    if let Some(newest) = messages.last() {
        threads::mark_read(&mut tx, me, newest).await?;
    }
    tx.commit().await?;
    Ok(ThreadView { object_kind: kind.into(), object_id: object_id.into(), messages, unread })
}

/// Posts a message to the thread of an object the caller can see. Mentions must name people who
/// can see the object (for an internal note: the brand's staff): the brand's staff are told when
/// one cannot; for a partner's user such a login, like one nobody has, is left as text.
pub async fn post_message(
    app: &App,
    ctx: &Ctx,
    kind: &str,
    object_id: &str,
    input: &MessageInput,
    attachment: Option<Attachment>,
    idem: Option<&crate::idempotency::IdemKey>,
) -> AppResult<MessageView> {
    // A picture may go without words; words without a picture are required.
    let body = if input.body.trim().is_empty() && attachment.is_some() {
        String::new()
    } else {
        text::prose("body", &input.body, MAX_BODY)?
    };
    let brand = ctx.caller().role().side() == qudao_domain::access::RoleSide::Brand;
    if input.internal && !brand {
        return Err(AppError::field("internal", "brand_only"));
    }
    let file = match attachment {
        Some(attachment) => {
            // Only someone who can see the object gets bytes written for it.
            let partner = {
                let mut tx = app.read(ctx).await?;
                object_partner(&mut tx, kind, object_id).await?
            };
            let owner = (!input.internal).then_some(partner);
            let purpose = qudao_store::files::Purpose::ThreadAttachment;
            Some(
                crate::files::store_picture(
                    app,
                    ctx,
                    "threads",
                    purpose,
                    owner,
                    &attachment.filename,
                    attachment.bytes,
                )
                .await?,
            )
        }
        None => None,
    };
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    let partner_id = object_partner(&mut tx, kind, object_id).await?;
    let attachments: Vec<String> = file.iter().map(|f| f.id.to_string()).collect();
    if let Some(file) = &file {
        qudao_store::files::insert(&mut tx, file).await?;
    }
    let partner = qudao_store::partners::get(&mut tx, partner_id).await?.ok_or(AppError::NotFound)?;
    let logins = mentioned(&body);
    let mut mentions: Vec<UserId> = Vec::new();
    if !logins.is_empty() {
        let pool = people::pool(&mut tx, partner_id, kind, now).await?;
        for (login, id) in people::by_logins(&mut tx, &logins).await? {
            let in_brand = pool.brand.iter().any(|p| p.id == id) || pool.managers.iter().any(|m| m.id == id);
            let in_partner = pool.partner.iter().any(|p| p.id == id);
            if !(in_brand || in_partner && !input.internal) {
                if !brand {
                    // For a partner's user the login stays text: refusing it would tell them that
                    // a login exists at another partner.
                    continue;
                }
                return Err(FieldError::with_param("body", "mention_cannot_see", format!("@{login}")).into());
            }
            mentions.push(id);
        }
    }
    let id = MessageId::new();
    let message = NewMessage {
        id,
        object_kind: kind,
        object_id,
        partner_id,
        author_id: ctx.caller().user_id(),
        body: &body,
        internal: input.internal,
        mentions: &mentions,
        attachments: &attachments,
        created_ms: now,
    };
    threads::insert(&mut tx, &message).await?;
    let view = threads::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    threads::mark_read(&mut tx, ctx.caller().user_id(), &view).await?;
    let record = ctx.audit(
        now,
        "thread_message",
        id,
        "create",
        Some(partner_id),
        None::<&()>,
        Some(&serde_json::json!({
            "object_kind": kind, "object_id": object_id, "internal": input.internal, "mentions": mentions.len(),
            "attachments": attachments,
        })),
    );
    audit::insert(&mut tx, &record).await?;
    let others: Vec<UserId> = mentions.iter().copied().filter(|m| *m != ctx.caller().user_id()).collect();
    let note = Note {
        topic: Topic::Mention,
        title: format!("{} 在讨论中提到了您", ctx.caller().display_name()),
        body: body.chars().take(200).collect(),
        object: Some((kind.to_owned(), object_id.to_owned())),
        partner_id: Some(partner_id),
    };
    let told = crate::notifications::notify(&mut tx, &others, &note, now).await?;
    crate::idempotency::complete(&mut tx, idem, 201, &view).await?;
    let mut events = vec![message_event(&view, &partner)?];
    events.extend(told);
    crate::events::announce(&mut tx, app.events(), &events).await?;
    tx.commit().await?;
    for event in events {
        app.events().publish(event);
    }
    Ok(view)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_are_logins_after_a_space_not_mail_addresses() {
        assert_eq!(mentioned("@brand.cm 请确认，抄送 @d1.admin."), vec!["brand.cm", "d1.admin"]);
        assert_eq!(mentioned("发到 li@qq.com 即可"), Vec::<String>::new());
        assert_eq!(mentioned("@Li_Lei @li_lei @"), vec!["li_lei"]);
    }
}
