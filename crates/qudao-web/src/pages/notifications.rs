//! The inbox (both sides): the caller's notifications newest first, opened by marking them read
//! and going to their object, and the preferences page where each person chooses which topics
//! reach them in the app and by e-mail (at once or in the daily digest).

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use qudao_app::notifications::{self as uc, Preference};
use qudao_domain::access::Permission;
use qudao_domain::ids::NotificationId;
use qudao_domain::notifications::{EmailMode, Topic};
use serde::Deserialize;

use crate::api::ListQuery;
use crate::context::Authed;
use crate::error::WebResult;
use crate::extract::{ApiQuery, Id, PageForm};
use crate::pages::approvals::{back_to, object_href};
use crate::pages::form::field_value;
use crate::pages::ordering::label;
use crate::pages::{Chrome, page, see_other};
use crate::registry::{Effect, ObjectKind, Route, Verb, on};
use crate::state::AppState;

/// One notification in the inbox.
struct NoteRow {
    id: String,
    topic_label: String,
    title: String,
    body: String,
    when: String,
    unread: bool,
    href: String,
}

#[derive(Template)]
#[template(path = "notifications/inbox.html")]
struct InboxPage {
    c: Chrome,
    unread_only: bool,
    rows: Vec<NoteRow>,
    next: Option<String>,
}

/// The inbox's filter.
#[derive(Debug, Deserialize, Default)]
struct InboxQuery {
    #[serde(default)]
    unread: String,
    #[serde(default)]
    after: String,
}

async fn inbox(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    ApiQuery(query): ApiQuery<InboxQuery>,
) -> WebResult<Response> {
    let c = Chrome::new(&state, &context, "inbox.title", "/inbox").await;
    let unread_only = query.unread == "1";
    let paging = ListQuery { limit: Some(50), after: Some(query.after.clone()).filter(|a| !a.is_empty()) }.page()?;
    let found = uc::inbox(state.app(), &ctx, unread_only, &paging).await?;
    let side = ctx.caller().role().side();
    let rows = found
        .items
        .iter()
        .map(|n| NoteRow {
            id: n.id.to_string(),
            topic_label: label(&c, "inbox.topic.", &n.topic),
            title: n.title.clone(),
            body: n.body.clone(),
            when: c.datetime(n.created_ms),
            unread: n.read_ms.is_none(),
            href: match (&n.object_kind, &n.object_id) {
                (Some(kind), Some(id)) => object_href(side, kind, id),
                _ => "/inbox".into(),
            },
        })
        .collect();
    let next = found.next.map(|n| format!("/inbox?unread={}&after={n}", query.unread));
    Ok(page(&InboxPage { c, unread_only, rows, next }))
}

/// Where to go once read.
#[derive(Debug, Deserialize, Default)]
struct ReadForm {
    #[serde(default)]
    next: String,
}

async fn read_one(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<NotificationId>,
    PageForm(form): PageForm<ReadForm>,
) -> WebResult<Response> {
    uc::mark_read(state.app(), &ctx, Some(id)).await?;
    Ok(see_other(&back_to(&form.next, "/inbox"), None))
}

async fn read_all(State(state): State<AppState>, Authed(ctx, _): Authed) -> WebResult<Response> {
    uc::mark_read(state.app(), &ctx, None).await?;
    Ok(see_other("/inbox", Some("inbox.all_read")))
}

/// One topic's row of the preferences form.
struct PrefRow {
    topic: String,
    label: String,
    hint: String,
    in_app: bool,
    email: String,
}

#[derive(Template)]
#[template(path = "notifications/preferences.html")]
struct PreferencesPage {
    c: Chrome,
    rows: Vec<PrefRow>,
    modes: Vec<(String, String)>,
}

async fn preferences(State(state): State<AppState>, Authed(ctx, context): Authed) -> WebResult<Response> {
    let c = Chrome::new(&state, &context, "inbox.preferences", "/inbox").await;
    let rows = uc::preferences(state.app(), &ctx)
        .await?
        .into_iter()
        .map(|p| PrefRow {
            topic: p.topic.as_str().to_string(),
            label: label(&c, "inbox.topic.", p.topic.as_str()),
            hint: label(&c, "inbox.topic_hint.", p.topic.as_str()),
            in_app: p.in_app,
            email: p.email.as_str().to_string(),
        })
        .collect();
    let modes = [EmailMode::Off, EmailMode::Instant, EmailMode::Digest]
        .iter()
        .map(|m| (m.as_str().to_string(), label(&c, "inbox.email.", m.as_str())))
        .collect();
    Ok(page(&PreferencesPage { c, rows, modes }))
}

/// Every topic's row as posted: `in_app.<topic>` (a checkbox) and `email.<topic>`.
async fn save_preferences(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    let mut choices = Vec::new();
    for topic in Topic::ALL {
        let email = field_value(&fields, &format!("email.{}", topic.as_str()));
        if email.is_empty() {
            continue;
        }
        let email = EmailMode::parse(&email)
            .ok_or_else(|| qudao_app::AppError::field(&format!("email.{}", topic.as_str()), "invalid_choice"))?;
        let in_app = fields.iter().any(|(k, _)| *k == format!("in_app.{}", topic.as_str()));
        choices.push(Preference { topic, in_app, email });
    }
    uc::set_preferences(state.app(), &ctx, &choices).await?;
    Ok(see_other("/inbox/preferences", Some("inbox.saved")))
}

/// The routes.
pub const ROUTES: &[Route] = &[
    Route::page(Verb::Get, "/inbox", Permission::SignedIn, "The caller's notifications, newest first", |v| {
        on(v, inbox)
    }),
    Route::page(
        Verb::Post,
        "/inbox/{id}/read",
        Permission::SignedIn,
        "Mark one notification read and go to its object",
        |v| on(v, read_one),
    )
    .params(&[("id", ObjectKind::Notification)])
    .effect(Effect::Session),
    Route::page(Verb::Post, "/inbox/read-all", Permission::SignedIn, "Mark all the caller's notifications read", |v| {
        on(v, read_all)
    })
    .effect(Effect::Session),
    Route::page(
        Verb::Get,
        "/inbox/preferences",
        Permission::SignedIn,
        "Which topics reach the caller in the app and by e-mail",
        |v| on(v, preferences),
    ),
    Route::page(
        Verb::Post,
        "/inbox/preferences",
        Permission::SignedIn,
        "Save which topics reach the caller and how",
        |v| on(v, save_preferences),
    )
    .effect(Effect::Change)
    .form(&[("email.mention", "digest"), ("in_app.mention", "on")]),
];
