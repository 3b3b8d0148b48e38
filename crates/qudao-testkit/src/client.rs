//! An HTTP client that drives the real router in-process.

use axum::body::Body;
use http::Request;
use http_body_util::BodyExt;
use serde::Serialize;
use tower::ServiceExt;

use crate::TestApp;

/// A client with optional credentials.
pub struct Client<'a> {
    app: &'a TestApp,
    bearer: Option<String>,
    cookie: Option<String>,
    /// The CSRF token sent with browser-style requests.
    pub csrf: Option<String>,
    /// The client address sent as `X-Forwarded-For`.
    pub ip: String,
    /// `Accept-Language`.
    pub accept_language: Option<String>,
}

/// A response, fully read.
#[derive(Debug)]
pub struct TestResponse {
    /// Status code.
    pub status: u16,
    /// Headers.
    pub headers: http::HeaderMap,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl TestResponse {
    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON (panics if it is not).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    /// A header's value as text.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
    }

    /// A cookie set by the response.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|v| v.split(';').next())
            .filter_map(|pair| pair.split_once('='))
            .find(|(key, value)| *key == name && !value.is_empty())
            .map(|(_, value)| value.to_string())
    }

    /// The `_csrf` hidden field of a rendered page.
    pub fn csrf_token(&self) -> Option<String> {
        let text = self.text();
        let marker = "name=\"_csrf\" value=\"";
        let start = text.find(marker)? + marker.len();
        let end = text[start..].find('"')?;
        Some(text[start..start + end].to_string()).filter(|t| !t.is_empty())
    }

    /// The `Location` header.
    pub fn location(&self) -> Option<String> {
        self.headers.get("location").and_then(|v| v.to_str().ok()).map(str::to_string)
    }
}

impl<'a> Client<'a> {
    pub(crate) fn new(app: &'a TestApp) -> Self {
        Self { app, bearer: None, cookie: None, csrf: None, ip: "203.0.113.10".into(), accept_language: None }
    }

    /// Sends `Authorization: Bearer`.
    pub fn with_bearer(mut self, token: String) -> Self {
        self.bearer = Some(token);
        self
    }

    /// Sends the session cookie.
    pub fn with_cookie(mut self, token: String) -> Self {
        self.cookie = Some(token);
        self
    }

    /// Sends requests from another address.
    pub fn from_ip(mut self, ip: &str) -> Self {
        self.ip = ip.into();
        self
    }

    /// Asks for a language.
    pub fn language(mut self, tag: &str) -> Self {
        self.accept_language = Some(tag.into());
        self
    }

    /// The bearer token, if any.
    pub fn token(&self) -> Option<&str> {
        self.bearer.as_deref()
    }

    fn builder(&self, method: &str, path: &str) -> http::request::Builder {
        let mut builder = Request::builder().method(method).uri(path).header("x-forwarded-for", &self.ip);
        if let Some(token) = &self.bearer {
            builder = builder.header("authorization", format!("Bearer {token}"));
        }
        if let Some(cookie) = &self.cookie {
            builder = builder.header("cookie", format!("qudao_session={cookie}"));
        }
        if let Some(lang) = &self.accept_language {
            builder = builder.header("accept-language", lang);
        }
        builder
    }

    /// Sends a request built by the caller, with this client's credentials added.
    pub async fn send(&self, request: Request<Body>) -> TestResponse {
        let (mut parts, body) = request.into_parts();
        let template = self.builder(parts.method.as_str(), &parts.uri.to_string()).body(()).expect("request");
        for (name, value) in template.headers() {
            if !parts.headers.contains_key(name) {
                parts.headers.insert(name, value.clone());
            }
        }
        let response = self.app.router.clone().oneshot(Request::from_parts(parts, body)).await.expect("infallible");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.into_body().collect().await.expect("body").to_bytes().to_vec();
        TestResponse { status, headers, body }
    }

    /// `method path` with no body.
    pub async fn call(&self, method: &str, path: &str) -> TestResponse {
        let mut builder = self.builder(method, path);
        if let Some(csrf) = &self.csrf {
            builder = builder.header("x-csrf-token", csrf);
        }
        self.send(builder.body(Body::empty()).expect("request")).await
    }

    /// GET.
    pub async fn get(&self, path: &str) -> TestResponse {
        self.call("GET", path).await
    }

    /// DELETE.
    pub async fn delete(&self, path: &str) -> TestResponse {
        self.call("DELETE", path).await
    }

    /// A JSON request.
    pub async fn json<T: Serialize>(&self, method: &str, path: &str, body: &T) -> TestResponse {
        self.json_with(method, path, body, &[]).await
    }

    /// A JSON request with extra headers.
    pub async fn json_with<T: Serialize>(
        &self,
        method: &str,
        path: &str,
        body: &T,
        headers: &[(&str, &str)],
    ) -> TestResponse {
        let mut builder = self.builder(method, path).header("content-type", "application/json");
        if let Some(csrf) = &self.csrf {
            builder = builder.header("x-csrf-token", csrf);
        }
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let bytes = serde_json::to_vec(body).expect("json");
        self.send(builder.body(Body::from(bytes)).expect("request")).await
    }

    /// POST JSON.
    pub async fn post_json<T: Serialize>(&self, path: &str, body: &T) -> TestResponse {
        self.json("POST", path, body).await
    }

    /// A raw body with a content type.
    pub async fn raw(&self, method: &str, path: &str, content_type: &str, body: Vec<u8>) -> TestResponse {
        let mut builder = self.builder(method, path).header("content-type", content_type);
        if let Some(csrf) = &self.csrf {
            builder = builder.header("x-csrf-token", csrf);
        }
        self.send(builder.body(Body::from(body)).expect("request")).await
    }

    /// POST a urlencoded form, adding `_csrf` like our pages do.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> TestResponse {
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        if let Some(csrf) = &self.csrf {
            all.push(("_csrf", csrf));
        }
        let body = serde_urlencoded::to_string(&all).expect("form");
        let builder = self.builder("POST", path).header("content-type", "application/x-www-form-urlencoded");
        self.send(builder.body(Body::from(body)).expect("request")).await
    }

    /// POST a multipart upload with one file field named `file`.
    pub async fn upload(&self, method: &str, path: &str, filename: &str, bytes: &[u8]) -> TestResponse {
        self.upload_with(method, path, filename, bytes, &[]).await
    }

    /// A multipart form as a browser sends one: text fields, and a file field `file` when given
    /// (the CSRF token in the query, as the pages' upload forms carry it).
    pub async fn post_multipart(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        file: Option<(&str, &[u8])>,
    ) -> TestResponse {
        let boundary = "qudao-test-boundary-9QnB2kX4pLm7Vw";
        let mut body = Vec::new();
        for (name, value) in fields {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                    .as_bytes(),
            );
        }
        if let Some((filename, bytes)) = file {
            body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes());
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let path = match &self.csrf {
            Some(csrf) if self.cookie.is_some() => {
                let separator = if path.contains('?') { '&' } else { '?' };
                format!("{path}{separator}_csrf={csrf}")
            }
            _ => path.to_string(),
        };
        let builder =
            self.builder("POST", &path).header("content-type", format!("multipart/form-data; boundary={boundary}"));
        self.send(builder.body(Body::from(body)).expect("request")).await
    }

    /// A multipart upload with extra headers.
    pub async fn upload_with(
        &self,
        method: &str,
        path: &str,
        filename: &str,
        bytes: &[u8],
        headers: &[(&str, &str)],
    ) -> TestResponse {
        let boundary = "qudao-test-boundary-7MA4YWxkTrZu0gW";
        let mut body = Vec::new();
        body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes());
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let path = match &self.csrf {
            Some(csrf) if self.cookie.is_some() => {
                let separator = if path.contains('?') { '&' } else { '?' };
                format!("{path}{separator}_csrf={csrf}")
            }
            _ => path.to_string(),
        };
        let mut builder =
            self.builder(method, &path).header("content-type", format!("multipart/form-data; boundary={boundary}"));
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        self.send(builder.body(Body::from(body)).expect("request")).await
    }
}
