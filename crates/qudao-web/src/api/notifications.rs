//! `/api/v1/notifications`: the caller's inbox, and `/api/v1/notification-preferences`: what
//! reaches them and how.

use axum::Json;
use axum::extract::State;
use qudao_app::notifications::{self as uc, Preference};
use qudao_domain::access::Permission;
use qudao_domain::ids::NotificationId;
use qudao_store::notifications::NotificationView;
use qudao_store::page::Page;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::paging::ListQuery;
use crate::context::Authed;
use crate::error::WebResult;
use crate::extract::{ApiJson, ApiQuery, Id};
use crate::openapi::{page_of, schema};
use crate::registry::{Effect, ObjectKind, Route, Verb, on};
use crate::state::AppState;

#[derive(Debug, Default, Deserialize)]
struct InboxQuery {
    unread: Option<bool>,
    limit: Option<u32>,
    after: Option<String>,
}

async fn inbox(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    ApiQuery(query): ApiQuery<InboxQuery>,
) -> WebResult<Json<Page<NotificationView>>> {
    let page = ListQuery { limit: query.limit, after: query.after.clone() }.page()?;
    Ok(Json(uc::inbox(state.app(), &ctx, query.unread.unwrap_or(false), &page).await?))
}

/// How many notifications are unread, or were just marked read.
#[derive(Debug, Serialize, ToSchema)]
struct Count {
    /// The number.
    count: i64,
}

async fn unread(State(state): State<AppState>, Authed(ctx, _): Authed) -> WebResult<Json<Count>> {
    Ok(Json(Count { count: uc::unread_count(state.app(), &ctx).await? }))
}

async fn read_one(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<NotificationId>,
) -> WebResult<Json<Count>> {
    let changed = uc::mark_read(state.app(), &ctx, Some(id)).await?;
    Ok(Json(Count { count: i64::try_from(changed).unwrap_or(0) }))
}

async fn read_all(State(state): State<AppState>, Authed(ctx, _): Authed) -> WebResult<Json<Count>> {
    let changed = uc::mark_read(state.app(), &ctx, None).await?;
    Ok(Json(Count { count: i64::try_from(changed).unwrap_or(0) }))
}

async fn preferences(State(state): State<AppState>, Authed(ctx, _): Authed) -> WebResult<Json<Vec<Preference>>> {
    Ok(Json(uc::preferences(state.app(), &ctx).await?))
}

async fn set_preferences(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    ApiJson(body): ApiJson<Vec<Preference>>,
) -> WebResult<Json<Vec<Preference>>> {
    Ok(Json(uc::set_preferences(state.app(), &ctx, &body).await?))
}

/// The routes.
pub const ROUTES: &[Route] = &[
    Route::api(
        Verb::Get,
        "/api/v1/notifications",
        Permission::SignedIn,
        "The caller's notifications, newest first; unread=true for the unread only",
        |v| on(v, inbox),
    )
    .response(page_of::<NotificationView>),
    Route::api(
        Verb::Get,
        "/api/v1/notifications/unread-count",
        Permission::SignedIn,
        "How many of the caller's notifications are unread (the header's badge)",
        |v| on(v, unread),
    )
    .response(schema::<Count>),
    Route::api(
        Verb::Post,
        "/api/v1/notifications/{id}/read",
        Permission::SignedIn,
        "Mark one of the caller's notifications read",
        |v| on(v, read_one),
    )
    .params(&[("id", ObjectKind::Notification)])
    .effect(Effect::Session)
    .response(schema::<Count>),
    Route::api(
        Verb::Post,
        "/api/v1/notifications/read-all",
        Permission::SignedIn,
        "Mark all the caller's notifications read",
        |v| on(v, read_all),
    )
    .effect(Effect::Session)
    .response(schema::<Count>),
    Route::api(
        Verb::Get,
        "/api/v1/notification-preferences",
        Permission::SignedIn,
        "What reaches the caller and how, per topic: in the app, e-mail off, instant or in the daily digest",
        |v| on(v, preferences),
    )
    .response(schema::<Vec<Preference>>),
    Route::api(
        Verb::Put,
        "/api/v1/notification-preferences",
        Permission::SignedIn,
        "Set what reaches the caller and how, for the topics given",
        |v| on(v, set_preferences),
    )
    .effect(Effect::Change)
    .body(schema::<Vec<Preference>>)
    .example(|| serde_json::json!([{ "topic": "mention", "in_app": true, "email": "digest" }]))
    .response(schema::<Vec<Preference>>),
];
