//! The discussion panel every order, return, partner and statement page shows: its messages
//! (internal notes only to the brand's staff), a form to write one with @mentions, and — with
//! script — new messages appended as they arrive on the caller's event stream.

use axum::extract::{Path, State};
use axum::response::Response;
use qudao_app::Ctx;
use qudao_app::threads::{self as uc, Attachment, MessageInput};
use qudao_domain::access::{Permission, RoleSide};

use crate::context::Authed;
use crate::error::{WebError, WebResult};
use crate::extract::UploadForm;
use crate::pages::Chrome;
use crate::pages::approvals::{back_to, object_href};
use crate::pages::see_other;
use crate::registry::{Effect, ObjectKind, Route, Verb, on};
use crate::state::AppState;

/// How many messages a page shows (the newest).
const SHOWN: u32 = 100;

/// One message as shown.
pub struct MessageRow {
    /// Id (the live script skips a message already on the page).
    pub id: String,
    /// Who wrote it.
    pub author: String,
    /// Whether the author is the brand's staff.
    pub brand: bool,
    /// A brand-only note.
    pub internal: bool,
    /// The text as typed.
    pub body: String,
    /// Attached pictures (file ids).
    pub pictures: Vec<String>,
    /// When.
    pub when: String,
}

/// The panel of one object's thread.
pub struct ThreadPanel {
    /// `order`, `return`, `partner`, `statement`.
    pub kind: String,
    /// The object.
    pub object_id: String,
    /// The newest messages, oldest first.
    pub messages: Vec<MessageRow>,
    /// The caller may write internal notes (the brand's staff).
    pub can_internal: bool,
    /// The page to come back to after posting.
    pub next: String,
}

/// Reads the thread for the object's page (and marks it read).
pub async fn panel(
    state: &AppState,
    ctx: &Ctx,
    c: &Chrome,
    kind: &str,
    object_id: &str,
    next: &str,
) -> WebResult<ThreadPanel> {
    let thread = uc::read_thread(state.app(), ctx, kind, object_id, None, SHOWN).await?;
    let messages = thread
        .messages
        .iter()
        .map(|m| MessageRow {
            id: m.id.to_string(),
            author: m.author_name.clone(),
            brand: m.author_brand,
            internal: m.internal,
            body: m.body.clone(),
            pictures: m.attachments.clone(),
            when: c.datetime(m.created_ms),
        })
        .collect();
    Ok(ThreadPanel {
        kind: kind.to_string(),
        object_id: object_id.to_string(),
        messages,
        can_internal: ctx.caller().role().side() == RoleSide::Brand,
        next: next.to_string(),
    })
}

/// A message written on a page: multipart `body`, `internal`, `next` and an optional picture
/// `file`.
async fn post(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Path((kind, object_id)): Path<(String, String)>,
    form: Result<UploadForm, WebError>,
) -> WebResult<Response> {
    let form = form?;
    let input =
        MessageInput { body: form.value("body"), internal: matches!(form.value("internal").as_str(), "1" | "on") };
    let next = form.value("next");
    let attachment = form.file.map(|f| Attachment { filename: f.filename, bytes: f.bytes });
    let message = uc::post_message(state.app(), &ctx, &kind, &object_id, &input, attachment, None).await?;
    let fallback = object_href(ctx.caller().role().side(), &kind, &object_id);
    let target = format!("{}#message-{}", back_to(&next, &fallback), message.id);
    Ok(see_other(&target, Some("thread.posted")))
}

/// The routes.
pub const ROUTES: &[Route] = &[Route::page(
    Verb::Post,
    "/threads/{object_kind}/{object_id}",
    Permission::SignedIn,
    "Write in an object's discussion from its page",
    |v| on(v, post),
)
.params(&[("object_kind", ObjectKind::ThreadKind), ("object_id", ObjectKind::Order)])
.effect(Effect::Create)
.upload()];
