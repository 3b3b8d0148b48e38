//! `/api/v1/threads/{object_kind}/{object_id}/messages`: the discussion on an object, and
//! `/api/v1/events`: the caller's live event stream (server-sent events).

use std::convert::Infallible;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use qudao_app::threads::{self as uc, Attachment, MessageInput, ThreadView};
use qudao_domain::access::Permission;
use qudao_domain::ids::MessageId;
use qudao_store::threads::MessageView;
use serde::Deserialize;
use tokio::sync::broadcast::error::RecvError;

use crate::context::Authed;
use crate::error::{WebError, WebResult};
use crate::extract::{ApiJson, ApiQuery, UploadForm};
use crate::guard::Idem;
use crate::openapi::schema;
use crate::registry::{Effect, ObjectKind, Route, Verb, on};
use crate::state::AppState;

#[derive(Debug, Default, Deserialize)]
struct ThreadQuery {
    before: Option<String>,
    limit: Option<u32>,
}

async fn read(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Path((kind, object_id)): Path<(String, String)>,
    ApiQuery(query): ApiQuery<ThreadQuery>,
) -> WebResult<Json<ThreadView>> {
    let before = match query.before.as_deref().map(str::trim).filter(|b| !b.is_empty()) {
        Some(id) => Some(id.parse::<MessageId>().map_err(|_| WebError::BadQuery("before is a message id".into()))?),
        None => None,
    };
    Ok(Json(uc::read_thread(state.app(), &ctx, &kind, &object_id, before, query.limit.unwrap_or(50)).await?))
}

async fn post(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Idem(idem): Idem,
    Path((kind, object_id)): Path<(String, String)>,
    ApiJson(body): ApiJson<MessageInput>,
) -> WebResult<(StatusCode, Json<MessageView>)> {
    let view = uc::post_message(state.app(), &ctx, &kind, &object_id, &body, None, idem.as_ref()).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// A message with a picture: multipart `body` (may be empty), `internal`, and `file`.
async fn post_with_picture(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Idem(idem): Idem,
    Path((kind, object_id)): Path<(String, String)>,
    form: Result<UploadForm, WebError>,
) -> WebResult<(StatusCode, Json<MessageView>)> {
    let form = form?;
    let input =
        MessageInput { body: form.value("body"), internal: matches!(form.value("internal").as_str(), "1" | "true") };
    let file = form.file.ok_or_else(|| qudao_app::AppError::field("file", "required"))?;
    let attachment = Attachment { filename: file.filename, bytes: file.bytes };
    let view = uc::post_message(state.app(), &ctx, &kind, &object_id, &input, Some(attachment), idem.as_ref()).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

async fn events(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
) -> WebResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let audience = qudao_app::events::audience(state.app(), &ctx).await?;
    let receiver = state.app().events().subscribe();
    let stream = futures_util::stream::unfold((receiver, audience), |(mut receiver, audience)| async move {
        loop {
            match receiver.recv().await {
                Ok(event) if audience.admits(&event) => {
                    let sent = Event::default().event(event.kind).id(event.id.clone()).data(event.data.clone());
                    return Some((Ok(sent), (receiver, audience)));
                }
                Ok(_) => {}
                // Fell behind: the browser reloads what it shows from the tables.
                Err(RecvError::Lagged(_)) => {
                    return Some((Ok(Event::default().event("lagged").data("{}")), (receiver, audience)));
                }
                Err(RecvError::Closed) => return None,
            }
        }
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

const THREAD: &[(&str, ObjectKind)] = &[("object_kind", ObjectKind::ThreadKind), ("object_id", ObjectKind::Order)];

/// The routes.
pub const ROUTES: &[Route] = &[
    Route::api(
        Verb::Get,
        "/api/v1/threads/{object_kind}/{object_id}/messages",
        Permission::SignedIn,
        "The discussion on an object the caller can see (order, return, partner, statement), oldest first; marks it read",
        |v| on(v, read),
    )
    .params(THREAD)
    .response(schema::<ThreadView>),
    Route::api(
        Verb::Post,
        "/api/v1/threads/{object_kind}/{object_id}/messages",
        Permission::SignedIn,
        "Post to an object's discussion: {\"body\"} with @login mentions; brand staff may add \"internal\": true notes",
        |v| on(v, post),
    )
    .params(THREAD)
    .effect(Effect::Create)
    .body(schema::<MessageInput>)
    .example(|| serde_json::json!({ "body": "请确认发货日期，谢谢！" }))
    .response(schema::<MessageView>),
    Route::api(
        Verb::Post,
        "/api/v1/threads/{object_kind}/{object_id}/attachments",
        Permission::SignedIn,
        "Post a message with a picture (PNG, JPEG or WebP, checked like every upload): multipart `file`, `body`, `internal`",
        |v| on(v, post_with_picture),
    )
    .params(THREAD)
    .effect(Effect::Create)
    .upload()
    .response(schema::<MessageView>),
    Route::api(
        Verb::Get,
        "/api/v1/events",
        Permission::SignedIn,
        "The caller's server-sent event stream: new thread messages (event `message`), only what the caller may see",
        |v| on(v, events),
    )
    .streaming(),
];
