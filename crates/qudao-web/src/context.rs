//! The request context middleware: who is calling, in which language, from where, and whether a
//! state-changing browser request carries its CSRF token. It also renders every error response,
//! so errors look the same whichever layer raised them.

use std::net::SocketAddr;

use axum::body::{Body, to_bytes};
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::header::{ACCEPT_LANGUAGE, AUTHORIZATION, CONTENT_TYPE, LOCATION, RETRY_AFTER};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use qudao_app::Ctx;
use qudao_app::access::auth;
use qudao_store::{Caller, CallerAuth};

use crate::cookies;
use crate::error::{ErrorInfo, WebError};
use crate::i18n::{self, Lang, negotiate};
use crate::state::AppState;

/// What the middleware learned about a request; handlers read it through extractors.
#[derive(Debug, Clone)]
pub struct RequestContext {
    /// The signed-in caller, if any.
    pub caller: Option<Caller>,
    /// The language to answer in.
    pub lang: Lang,
    /// The request id (from `x-request-id` or generated).
    pub request_id: String,
    /// The client address.
    pub ip: String,
    /// Whether the request is for the JSON API.
    pub api: bool,
    /// The path, for the sign-in redirect's `next`.
    pub path: String,
    /// The one-shot message to show on this page (an i18n key), from the flash cookie.
    pub flash: Option<String>,
    /// A session cookie came with the request but its session has ended: routes that need a
    /// signed-in caller answer "session expired" rather than "please sign in".
    pub stale_session: bool,
}

impl RequestContext {
    /// The use-case context of a signed-in caller.
    pub fn ctx(&self) -> Option<Ctx> {
        self.caller.clone().map(|caller| Ctx::new(caller, Some(self.request_id.clone()), Some(self.ip.clone())))
    }

    /// The session's CSRF token, for forms.
    pub fn csrf_token(&self) -> &str {
        match self.caller.as_ref().map(Caller::auth) {
            Some(CallerAuth::Session { csrf_token, .. }) => csrf_token,
            _ => "",
        }
    }
}

/// How the request presented its credentials.
enum Credentials {
    None,
    Cookie(String),
    Bearer(String),
}

fn credentials(request: &Request) -> Credentials {
    if let Some(value) = request.headers().get(AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        let token = value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer ")).unwrap_or("");
        return Credentials::Bearer(token.trim().to_string());
    }
    match cookies::get(request.headers(), cookies::SESSION) {
        Some(token) if !token.is_empty() => Credentials::Cookie(token),
        _ => Credentials::None,
    }
}

fn client_ip(request: &Request, trust_forwarded: bool) -> String {
    if trust_forwarded
        && let Some(first) = request
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    {
        return first.chars().take(64).collect();
    }
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

fn is_unsafe(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The middleware itself.
pub async fn context(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    let api = path.starts_with("/api/");
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.chars().take(64).collect())
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    let ip = client_ip(&request, state.config().trust_forwarded_for);
    let lang_cookie = cookies::get(request.headers(), cookies::LANG);
    let accept = request.headers().get(ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).map(str::to_string);
    let anonymous_lang = negotiate(None, lang_cookie.as_deref(), accept.as_deref());
    let flash = cookies::get(request.headers(), cookies::FLASH).filter(|key| i18n::has(key));
    let mut context =
        RequestContext { caller: None, lang: anonymous_lang, request_id, ip, api, path, flash, stale_session: false };

    let presented = credentials(&request);
    let mut stale_cookie = false;
    let caller = match &presented {
        Credentials::None => None,
        Credentials::Cookie(token) | Credentials::Bearer(token) => match auth::authenticate(state.app(), token).await {
            Ok(caller) => caller,
            Err(error) => return render(&state, &context, WebError::from(error).into_response()),
        },
    };
    match (&presented, &caller) {
        // A bearer token that does not resolve is an error on every route: the client meant to
        // authenticate.
        (Credentials::Bearer(_), None) => {
            return render(&state, &context, WebError::SessionExpired.into_response());
        }
        (Credentials::Cookie(_), None) => {
            stale_cookie = true;
            context.stale_session = true;
        }
        _ => {}
    }
    if let Some(caller) = &caller {
        context.lang = negotiate(caller.locale(), lang_cookie.as_deref(), accept.as_deref());
    }
    context.caller = caller;

    // Browser sessions must prove each state change came from our own pages.
    let mut request = request;
    if matches!(presented, Credentials::Cookie(_)) && context.caller.is_some() && is_unsafe(request.method()) {
        match check_csrf(request, context.csrf_token(), state.config().max_body_bytes).await {
            Ok(rebuilt) => request = rebuilt,
            Err(error) => return render(&state, &context, error.into_response()),
        }
    }

    request.extensions_mut().insert(context.clone());
    let mut response = next.run(request).await;
    if stale_cookie {
        cookies::clear(&mut response, cookies::SESSION, state.config().secure_cookies);
    }
    // A flash is shown once: clear it when a page has been rendered with it.
    if context.flash.is_some() && !api && response.status() == StatusCode::OK {
        cookies::clear(&mut response, cookies::FLASH, state.config().secure_cookies);
    }
    render(&state, &context, response)
}

/// Checks the CSRF token of a cookie-borne state change: the `x-csrf-token` header (our script
/// and API clients), the `_csrf` field of a urlencoded form (read, then put back), or the `_csrf`
/// query parameter of a multipart upload form.
async fn check_csrf(request: Request, expected: &str, max_body: usize) -> Result<Request, WebError> {
    let matches = |candidate: &str| !expected.is_empty() && qudao_app::tokens::constant_time_eq(candidate, expected);
    if let Some(header) = request.headers().get("x-csrf-token").and_then(|v| v.to_str().ok()) {
        return if matches(header) { Ok(request) } else { Err(WebError::Csrf) };
    }
    let content_type =
        request.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
    if content_type.starts_with("application/x-www-form-urlencoded") {
        let (parts, body) = request.into_parts();
        let bytes = to_bytes(body, max_body).await.map_err(|_| WebError::App(qudao_app::AppError::TooLarge))?;
        let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes).unwrap_or_default();
        let token = fields.iter().find(|(k, _)| k == "_csrf").map(|(_, v)| v.as_str()).unwrap_or("");
        if !matches(token) {
            return Err(WebError::Csrf);
        }
        return Ok(Request::from_parts(parts, Body::from(bytes)));
    }
    if content_type.starts_with("multipart/form-data") {
        let query = request.uri().query().unwrap_or("");
        let fields: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
        let token = fields.iter().find(|(k, _)| k == "_csrf").map(|(_, v)| v.as_str()).unwrap_or("");
        return if matches(token) { Ok(request) } else { Err(WebError::Csrf) };
    }
    Err(WebError::Csrf)
}

/// Renders an error response (one carrying [`ErrorInfo`], or any 4xx/5xx with an empty body) as
/// JSON for the API or a page for browsers; passes everything else through.
fn render(state: &AppState, context: &RequestContext, response: Response) -> Response {
    let status = response.status();
    let info = match response.extensions().get::<ErrorInfo>() {
        Some(info) => info.clone(),
        None if status.is_client_error() || status.is_server_error() => {
            let empty = axum::body::HttpBody::size_hint(response.body()).exact() == Some(0);
            if !empty {
                return response;
            }
            fallback_info(status)
        }
        None => return response,
    };
    let mut rendered = if context.api {
        json_error(context.lang, &info)
    } else if info.status == StatusCode::UNAUTHORIZED {
        let next = url_encode(&context.path);
        let mut redirect = StatusCode::SEE_OTHER.into_response();
        if let Ok(location) = HeaderValue::from_str(&format!("/login?next={next}")) {
            redirect.headers_mut().insert(LOCATION, location);
        }
        cookies::clear(&mut redirect, cookies::SESSION, state.config().secure_cookies);
        redirect
    } else {
        crate::pages::error_page(context, &info)
    };
    if let Some(seconds) = info.retry_after_s
        && let Ok(value) = HeaderValue::from_str(&seconds.to_string())
    {
        rendered.headers_mut().insert(RETRY_AFTER, value);
    }
    for (name, value) in response.headers() {
        if name == axum::http::header::SET_COOKIE {
            rendered.headers_mut().append(name, value.clone());
        }
    }
    rendered
}

fn url_encode(text: &str) -> String {
    serde_urlencoded::to_string([("x", text)]).map(|s| s.trim_start_matches("x=").to_string()).unwrap_or_default()
}

fn fallback_info(status: StatusCode) -> ErrorInfo {
    let error = match status {
        StatusCode::NOT_FOUND => WebError::NoRoute,
        StatusCode::METHOD_NOT_ALLOWED => WebError::MethodNotAllowed,
        StatusCode::PAYLOAD_TOO_LARGE => WebError::App(qudao_app::AppError::TooLarge),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => WebError::App(qudao_app::AppError::UnsupportedMedia),
        StatusCode::REQUEST_TIMEOUT | StatusCode::SERVICE_UNAVAILABLE => WebError::Timeout,
        StatusCode::FORBIDDEN => WebError::Csrf,
        s if s.is_client_error() => WebError::BadBody(String::new()),
        _ => WebError::App(qudao_app::AppError::Internal(String::new())),
    };
    let mut info = error.info();
    info.status = status;
    info
}

/// The JSON error body.
pub fn json_error(lang: Lang, info: &ErrorInfo) -> Response {
    let mut message = i18n::t(lang, &format!("error.{}", info.code)).to_string();
    if let Some(detail) = info.detail.as_deref().filter(|d| !d.is_empty()) {
        message = format!("{message} ({detail})");
    }
    let fields: Vec<serde_json::Value> = info
        .fields
        .iter()
        .map(|f| {
            serde_json::json!({
                "field": f.field,
                "code": f.code,
                "param": f.param,
                "message": field_message(lang, f),
            })
        })
        .collect();
    let body = serde_json::json!({ "error": { "code": info.code, "message": message, "fields": fields } });
    (info.status, axum::Json(body)).into_response()
}

/// A field error's message in `lang`.
pub fn field_message(lang: Lang, error: &qudao_domain::FieldError) -> String {
    let param = error.param.clone().unwrap_or_default();
    i18n::tf(lang, &format!("field.{}", error.code), &[("param", &param)])
}

/// Extracts the request context; every request passed through the middleware has one.
impl<S: Send + Sync> FromRequestParts<S> for RequestContext {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<RequestContext>()
            .cloned()
            .ok_or(WebError::App(qudao_app::AppError::Internal("no request context".into())))
    }
}

/// A signed-in caller's use-case context; 401 without one.
#[derive(Debug, Clone)]
pub struct Authed(pub Ctx, pub RequestContext);

impl<S: Send + Sync> FromRequestParts<S> for Authed {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let context = RequestContext::from_request_parts(parts, state).await?;
        let ctx = context.ctx().ok_or(WebError::App(qudao_app::AppError::Unauthenticated))?;
        Ok(Authed(ctx, context))
    }
}
