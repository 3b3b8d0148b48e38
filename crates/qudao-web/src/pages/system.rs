//! Health checks, static assets, the OpenAPI document and the API documentation page.

use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use qudao_domain::access::Permission;

use super::{Chrome, page};
use crate::context::RequestContext;
use crate::registry::{self, Access, ObjectKind, Route, Surface, Verb, on};
use crate::state::AppState;

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(state): State<AppState>) -> Response {
    match state.app().db().ping().await {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(error) => {
            tracing::warn!(%error, "database not ready");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

async fn openapi() -> Json<serde_json::Value> {
    Json(crate::openapi::document(&registry::all()))
}

/// One documented endpoint.
struct Endpoint {
    method: &'static str,
    path: &'static str,
    summary: &'static str,
    permission: String,
    scope: &'static str,
}

#[derive(Template)]
#[template(path = "api_docs.html")]
struct DocsPage {
    c: Chrome,
    endpoints: Vec<Endpoint>,
}

async fn docs(State(state): State<AppState>, context: RequestContext) -> Response {
    let c = Chrome::new(&state, &context, "docs.title", "").await;
    let endpoints = registry::all()
        .into_iter()
        .filter(|r| r.surface == Surface::Api && r.path.starts_with("/api/v1"))
        .map(|r| Endpoint {
            method: r.method.lower(),
            path: r.path,
            summary: r.summary,
            permission: match r.access {
                Access::Public => "public".into(),
                Access::Signed(p) => {
                    serde_json::to_value(p).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
                }
            },
            scope: match r.access {
                Access::Public => "",
                Access::Signed(p) => qudao_store::permission_scope(p),
            },
        })
        .collect();
    page(&DocsPage { c, endpoints })
}

/// The routes.
pub const ROUTES: &[Route] = &[
    Route::page(Verb::Get, "/healthz", Permission::SignedIn, "Liveness", |v| on(v, healthz)).public(),
    Route::page(Verb::Get, "/readyz", Permission::SignedIn, "Readiness (database reachable)", |v| on(v, readyz))
        .public(),
    Route::page(Verb::Get, "/static/{file}", Permission::SignedIn, "Stylesheet and script", |v| {
        on(v, crate::assets::serve)
    })
    .public()
    .params(&[("file", ObjectKind::Asset)]),
    Route::api(Verb::Get, "/api/openapi.json", Permission::SignedIn, "The OpenAPI 3.1 document", |v| on(v, openapi))
        .public(),
    Route::page(Verb::Get, "/api/docs", Permission::SignedIn, "API documentation", |v| on(v, docs)).public(),
];
