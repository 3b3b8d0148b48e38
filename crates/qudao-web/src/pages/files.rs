//! Pages: uploaded files, served to signed-in browsers so pages can show pictures with
//! `<img src="/files/{id}/thumb">` on the session cookie. Outside the caller's scope a file is
//! "not found", exactly like a missing one.

use axum::extract::State;
use axum::response::Response;
use qudao_domain::access::Permission;
use qudao_domain::ids::FileId;

use crate::context::Authed;
use crate::error::WebResult;
use crate::extract::Id;
use crate::registry::{ObjectKind, Route, Verb, on};
use crate::state::AppState;

use crate::api::catalog::file_response;

async fn show_file(State(state): State<AppState>, Authed(ctx, _): Authed, Id(id): Id<FileId>) -> WebResult<Response> {
    file_response(&state, &ctx, id, false).await
}

async fn show_thumbnail(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<FileId>,
) -> WebResult<Response> {
    file_response(&state, &ctx, id, true).await
}

const FILE: &[(&str, ObjectKind)] = &[("id", ObjectKind::File)];

/// The routes.
pub const ROUTES: &[Route] = &[
    Route::page(Verb::Get, "/files/{id}", Permission::SignedIn, "A file within the caller's scope", |v| {
        on(v, show_file)
    })
    .params(FILE),
    Route::page(Verb::Get, "/files/{id}/thumb", Permission::SignedIn, "A picture's thumbnail", |v| {
        on(v, show_thumbnail)
    })
    .params(FILE),
];
