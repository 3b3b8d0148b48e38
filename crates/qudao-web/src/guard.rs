//! The per-route guard: the route registry's permission, and `Idempotency-Key` on creating API
//! routes. Every route is wrapped in it when the router is built, so no handler can forget.

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use qudao_app::idempotency::{self, Claimed, IdemKey, IdemRequest};
use sha2::{Digest, Sha256};

use crate::context::RequestContext;
use crate::error::WebError;
use crate::registry::{Access, Effect, Route, Surface};
use crate::state::AppState;

/// The claimed idempotency key of this request, for the handler to pass to its use case.
#[derive(Debug, Clone)]
pub struct Idem(pub Option<IdemKey>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Idem {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Idem(parts.extensions.get::<IdemKey>().cloned()))
    }
}

/// The idempotency key of a request whose use case records it itself (see
/// [`Route::idempotency_in_effect`]).
#[derive(Debug, Clone)]
pub struct InlineIdem(pub Option<IdemRequest>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for InlineIdem {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(InlineIdem(parts.extensions.get::<IdemRequest>().cloned()))
    }
}

/// The guard middleware for one route.
pub async fn guard(State((state, route)): State<(AppState, Route)>, request: Request, next: Next) -> Response {
    let Some(context) = request.extensions().get::<RequestContext>().cloned() else {
        return WebError::App(qudao_app::AppError::Internal("no request context".into())).into_response();
    };
    if let Access::Signed(_) = route.access {
        let Some(caller) = &context.caller else {
            if context.stale_session {
                return WebError::SessionExpired.into_response();
            }
            return WebError::App(qudao_app::AppError::Unauthenticated).into_response();
        };
        if !crate::registry::permits(&route, caller) {
            return WebError::App(qudao_app::AppError::Forbidden).into_response();
        }
    }
    let wants_idempotency = route.effect == Effect::Create
        && route.surface == Surface::Api
        && request.headers().contains_key("idempotency-key");
    if !wants_idempotency {
        return next.run(request).await;
    }
    let Some(ctx) = context.ctx() else {
        return next.run(request).await;
    };
    let key = request.headers().get("idempotency-key").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let limit = if route.upload { state.config().max_upload_bytes } else { state.config().max_body_bytes };
    let (mut parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, limit).await else {
        return WebError::App(qudao_app::AppError::TooLarge).into_response();
    };
    let mut hasher = Sha256::new();
    hasher.update(parts.method.as_str().as_bytes());
    hasher.update(b" ");
    hasher.update(parts.uri.path().as_bytes());
    hasher.update(b"\n");
    hasher.update(&bytes);
    let request_hash = qudao_app::tokens::hex(&hasher.finalize());
    if route.idempotency_in_effect {
        let inline = match IdemRequest::new(&ctx, &key, &request_hash) {
            Ok(inline) => inline,
            Err(error) => return WebError::from(error).into_response(),
        };
        // The use case looks the key up in its own transaction; a body it cannot even parse
        // never reaches it, so that case is looked up here, to answer a reused key as such.
        parts.extensions.insert(inline.clone());
        let response = next.run(Request::from_parts(parts, Body::from(bytes))).await;
        let unparsed = response.extensions().get::<crate::error::ErrorInfo>().is_some_and(|e| e.code == "bad_body");
        if !unparsed {
            return response;
        }
        return match inline.lookup(state.app()).await {
            Ok(Some(claimed @ (Claimed::Replay { .. } | Claimed::Mismatch | Claimed::InFlight))) => {
                answer_claimed(claimed)
            }
            Ok(_) => response,
            Err(error) => WebError::from(error).into_response(),
        };
    }
    let claim = match idempotency::claim(state.app(), &ctx, &key, &request_hash).await {
        Ok(claim) => claim,
        Err(error) => return WebError::from(error).into_response(),
    };
    match claim {
        Claimed::Proceed(key) => {
            parts.extensions.insert(key.clone());
            let response = next.run(Request::from_parts(parts, Body::from(bytes))).await;
            if !response.status().is_success()
                && let Err(error) = idempotency::release(state.app(), &key).await
            {
                tracing::error!(%error, "could not release an idempotency key");
            }
            response
        }
        other => answer_claimed(other),
    }
}

/// The answer to a key that was already used: the stored response again, or why not.
fn answer_claimed(claimed: Claimed) -> Response {
    match claimed {
        Claimed::Replay { status, body } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            let mut response = (status, [("content-type", "application/json")], body).into_response();
            response.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
            response
        }
        Claimed::Mismatch => WebError::IdempotencyMismatch.into_response(),
        Claimed::InFlight | Claimed::Proceed(_) => WebError::IdempotencyInFlight.into_response(),
    }
}
