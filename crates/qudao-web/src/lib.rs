//! Qudao's HTTP layer.
//!
//! The router is built from the route registry ([`registry::all`]): each route is wrapped in its
//! guard (permission, idempotency), and the whole app in the context middleware (caller,
//! language, CSRF, error rendering), CSRF origin checks, security headers, limits and tracing.
//! Handlers are thin: extract, call one use case, render.

pub mod api;
mod assets;
pub mod context;
mod cookies;
pub mod error;
mod extract;
pub mod guard;
pub mod i18n;
pub mod openapi;
pub mod pages;
pub mod registry;
mod security;
mod state;

use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::Request;
use axum::middleware::{from_fn, from_fn_with_state};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::csrf::CsrfLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub use state::{AppState, WebConfig};

/// Builds the whole application router.
pub fn router(state: AppState) -> Router {
    let config = state.config().clone();
    let mut router: Router<AppState> = Router::new();
    for route in registry::all() {
        let limit = if route.upload { config.max_upload_bytes } else { config.max_body_bytes };
        let method_router = (route.handler)(route.method)
            .route_layer(from_fn_with_state((state.clone(), route), guard::guard))
            .layer(DefaultBodyLimit::max(limit));
        router = router.route(route.path, method_router);
    }
    let mut csrf = CsrfLayer::new()
        .with_rejection_response(|_| axum::response::IntoResponse::into_response(error::WebError::Csrf));
    for origin in &config.trusted_origins {
        match csrf.clone().add_trusted_origin(origin) {
            Ok(with_origin) => csrf = with_origin,
            Err(error) => tracing::warn!(%origin, ?error, "ignoring a bad trusted origin"),
        }
    }
    router
        .fallback(|| async { error::WebError::NoRoute })
        .method_not_allowed_fallback(|| async { error::WebError::MethodNotAllowed })
        .layer(csrf)
        .layer(from_fn_with_state(state.clone(), context::context))
        .layer(TimeoutLayer::with_status_code(axum::http::StatusCode::SERVICE_UNAVAILABLE, config.request_timeout))
        .layer(CatchPanicLayer::new())
        .layer(from_fn(security::headers))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(TraceLayer::new_for_http().make_span_with(|request: &Request<_>| {
            let request_id = request
                .headers()
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string();
            tracing::info_span!("request", http.method = %request.method(), http.path = %request.uri().path(), request.id = %request_id)
        }))
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state)
}

/// Serves the router on `listener` until `shutdown` resolves, then lets requests in flight finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await
}

/// Runs housekeeping (expired sessions, old idempotency records) every `every` until the process
/// ends. Safe on every instance at once.
pub fn spawn_housekeeping(state: AppState, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(every);
        loop {
            interval.tick().await;
            match qudao_app::maintenance::purge(state.app()).await {
                Ok(purged) => tracing::debug!(?purged, "housekeeping"),
                Err(error) => tracing::warn!(%error, "housekeeping failed"),
            }
            match qudao_app::orders::sweep_orders(state.app()).await {
                Ok(swept) => tracing::debug!(?swept, "order sweep"),
                Err(error) => tracing::warn!(%error, "order sweep failed"),
            }
        }
    })
}

/// Runs the short-cycle work every `every`: approval reminders and escalation, registrations'
/// reminders and expiry, leads not answered in time, notification e-mail, and the daily digest from 08:00 China time. Safe on every instance at once (each
/// approval change is guarded, each e-mail claimed before it is sent).
pub fn spawn_notifier(state: AppState, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(every);
        // The China date the digest last went out from this instance.
        let mut digest_sent: Option<u32> = None;
        loop {
            interval.tick().await;
            match qudao_app::approvals::sweep(state.app()).await {
                Ok(swept) => tracing::debug!(?swept, "approval sweep"),
                Err(error) => tracing::warn!(%error, "approval sweep failed"),
            }
            match qudao_app::deals::sweep(state.app()).await {
                Ok(swept) => tracing::debug!(?swept, "registration sweep"),
                Err(error) => tracing::warn!(%error, "registration sweep failed"),
            }
            match qudao_app::deals::leads::sweep(state.app()).await {
                Ok(swept) => tracing::debug!(?swept, "lead sweep"),
                Err(error) => tracing::warn!(%error, "lead sweep failed"),
            }
            match qudao_app::notifications::send_pending(state.app()).await {
                Ok(mailed) => tracing::debug!(?mailed, "notification e-mail"),
                Err(error) => tracing::warn!(%error, "notification e-mail failed"),
            }
            let now = state.app().now_ms();
            if qudao_app::notifications::digest_due(now, digest_sent) {
                match qudao_app::notifications::send_digests(state.app()).await {
                    Ok(mailed) => {
                        tracing::info!(?mailed, "daily digest");
                        digest_sent = Some(qudao_app::clock::china_date(now));
                    }
                    Err(error) => tracing::warn!(%error, "daily digest failed"),
                }
            }
        }
    })
}
