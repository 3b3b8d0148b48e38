//! One error type at the HTTP boundary, rendered once.
//!
//! Handlers and middleware return a [`WebError`]; turning it into a response only attaches an
//! [`ErrorInfo`] to an empty response. The context middleware, which knows the caller's language
//! and whether the request is for the API or a page, then renders every error the same way: a
//! JSON body `{"error": {"code", "message", "fields"}}` under `/api`, an error page elsewhere. A
//! 500 never shows internals; the cause is logged once, with the request id.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use qudao_app::AppError;
use qudao_domain::{FieldError, Invalid};

/// An error on its way to the client.
#[derive(Debug)]
pub enum WebError {
    /// A use case failed.
    App(AppError),
    /// The body is not the JSON or form the route expects (syntax, types, unknown fields).
    BadBody(String),
    /// The query string is not what the route expects.
    BadQuery(String),
    /// A state-changing request from a browser session without the right CSRF token, or from
    /// another site.
    Csrf,
    /// The session cookie or bearer token is unknown or has expired.
    SessionExpired,
    /// No route answers this path.
    NoRoute,
    /// The route exists but not with this method.
    MethodNotAllowed,
    /// `Idempotency-Key` reused with a different request.
    IdempotencyMismatch,
    /// `Idempotency-Key` reused while the first request is still running.
    IdempotencyInFlight,
    /// The request took too long.
    Timeout,
}

impl From<AppError> for WebError {
    fn from(error: AppError) -> Self {
        WebError::App(error)
    }
}

impl From<Invalid> for WebError {
    fn from(invalid: Invalid) -> Self {
        WebError::App(AppError::Invalid(invalid))
    }
}

/// What the renderer needs to know about an error.
#[derive(Debug, Clone)]
pub struct ErrorInfo {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable machine code; `error.<code>` is its message key.
    pub code: String,
    /// A detail to append (a parser's message), never a secret.
    pub detail: Option<String>,
    /// Field errors.
    pub fields: Vec<FieldError>,
    /// Seconds to wait, for 429.
    pub retry_after_s: Option<u64>,
}

impl ErrorInfo {
    fn new(status: StatusCode, code: &str) -> Self {
        Self { status, code: code.to_string(), detail: None, fields: Vec::new(), retry_after_s: None }
    }
}

impl WebError {
    /// The status, code and fields of this error.
    pub fn info(&self) -> ErrorInfo {
        match self {
            WebError::App(error) => match error {
                AppError::NotFound => ErrorInfo::new(StatusCode::NOT_FOUND, "not_found"),
                AppError::Forbidden => ErrorInfo::new(StatusCode::FORBIDDEN, "forbidden"),
                AppError::Unauthenticated => ErrorInfo::new(StatusCode::UNAUTHORIZED, "unauthenticated"),
                AppError::Invalid(invalid) => {
                    let mut info = ErrorInfo::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
                    info.fields = invalid.errors.clone();
                    info
                }
                AppError::Conflict("idempotency_key_mismatch") => {
                    ErrorInfo::new(StatusCode::UNPROCESSABLE_ENTITY, "idempotency_key_mismatch")
                }
                AppError::Conflict("idempotency_key_in_flight") => {
                    ErrorInfo::new(StatusCode::CONFLICT, "idempotency_key_in_flight")
                }
                AppError::Conflict(code) => ErrorInfo::new(StatusCode::CONFLICT, &format!("conflict.{code}")),
                AppError::Throttled { retry_after_s } => {
                    let mut info = ErrorInfo::new(StatusCode::TOO_MANY_REQUESTS, "throttled");
                    info.retry_after_s = Some(*retry_after_s);
                    info
                }
                AppError::TooLarge => ErrorInfo::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
                AppError::UnsupportedMedia => ErrorInfo::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media"),
                AppError::Store(_) | AppError::Internal(_) => {
                    ErrorInfo::new(StatusCode::INTERNAL_SERVER_ERROR, "internal")
                }
            },
            WebError::BadBody(detail) => {
                let mut info = ErrorInfo::new(StatusCode::UNPROCESSABLE_ENTITY, "bad_body");
                info.detail = Some(detail.clone());
                info
            }
            WebError::BadQuery(detail) => {
                let mut info = ErrorInfo::new(StatusCode::BAD_REQUEST, "bad_query");
                info.detail = Some(detail.clone());
                info
            }
            WebError::Csrf => ErrorInfo::new(StatusCode::FORBIDDEN, "csrf"),
            WebError::SessionExpired => ErrorInfo::new(StatusCode::UNAUTHORIZED, "session_expired"),
            WebError::NoRoute => ErrorInfo::new(StatusCode::NOT_FOUND, "not_found"),
            WebError::MethodNotAllowed => ErrorInfo::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            WebError::IdempotencyMismatch => {
                ErrorInfo::new(StatusCode::UNPROCESSABLE_ENTITY, "idempotency_key_mismatch")
            }
            WebError::IdempotencyInFlight => ErrorInfo::new(StatusCode::CONFLICT, "idempotency_key_in_flight"),
            WebError::Timeout => ErrorInfo::new(StatusCode::SERVICE_UNAVAILABLE, "timeout"),
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        if let WebError::App(AppError::Store(cause)) = &self {
            tracing::error!(error = %cause, "database error");
        }
        if let WebError::App(AppError::Internal(cause)) = &self {
            tracing::error!(error = %cause, "internal error");
        }
        let info = self.info();
        let mut response = info.status.into_response();
        response.extensions_mut().insert(info);
        response
    }
}

/// The result type of handlers.
pub type WebResult<T> = Result<T, WebError>;
