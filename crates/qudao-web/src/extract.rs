//! Extractors that turn every malformed input into a [`WebError`] with a clear message, instead
//! of axum's plain-text rejections.

use std::str::FromStr;

use axum::extract::{FromRequest, FromRequestParts, Multipart, Path, Query, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::WebError;

/// A JSON body; unknown fields are refused by the body types themselves
/// (`#[serde(deny_unknown_fields)]`), so `partner_id` or `role` smuggled into a body is an
/// error, never silently applied.
#[derive(Debug, Clone)]
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = WebError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = request
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.to_ascii_lowercase().starts_with("application/json"));
        if !is_json {
            return Err(WebError::BadBody("Content-Type must be application/json".into()));
        }
        let bytes = axum::body::Bytes::from_request(request, state)
            .await
            .map_err(|_| WebError::App(qudao_app::AppError::TooLarge))?;
        if std::str::from_utf8(&bytes).is_err() {
            return Err(WebError::BadBody("the body is not valid UTF-8".into()));
        }
        serde_json::from_slice(&bytes).map(ApiJson).map_err(|e| WebError::BadBody(e.to_string()))
    }
}

/// A query string.
#[derive(Debug, Clone)]
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(value)| ApiQuery(value))
            .map_err(|e| WebError::BadQuery(e.body_text()))
    }
}

/// A urlencoded form body.
#[derive(Debug, Clone)]
pub struct PageForm<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for PageForm<T> {
    type Rejection = WebError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        axum::Form::<T>::from_request(request, state)
            .await
            .map(|axum::Form(value)| PageForm(value))
            .map_err(|e| WebError::BadBody(e.body_text()))
    }
}

/// A typed id from the path. An id that does not parse names nothing, so it is "not found",
/// exactly like a well-formed id of a missing or invisible object.
#[derive(Debug, Clone)]
pub struct Id<T>(pub T);

impl<S: Send + Sync, T: FromStr> FromRequestParts<S> for Id<T> {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state).await.map_err(|_| WebError::NoRoute)?;
        raw.parse().map(Id).map_err(|_| WebError::App(qudao_app::AppError::NotFound))
    }
}

/// Two typed ids from the path (`/partners/{id}/contacts/{contact_id}`).
#[derive(Debug, Clone)]
pub struct Ids<A, B>(pub A, pub B);

impl<S: Send + Sync, A: FromStr, B: FromStr> FromRequestParts<S> for Ids<A, B> {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path((a, b)) =
            Path::<(String, String)>::from_request_parts(parts, state).await.map_err(|_| WebError::NoRoute)?;
        let not_found = || WebError::App(qudao_app::AppError::NotFound);
        Ok(Ids(a.parse().map_err(|_| not_found())?, b.parse().map_err(|_| not_found())?))
    }
}

/// One uploaded file from a multipart body (the field named `file`), with its name.
#[derive(Debug, Clone)]
pub struct Upload {
    /// The name the client gave the file (display only; never used as a path).
    pub filename: String,
    /// The bytes.
    pub bytes: Vec<u8>,
}

impl<S: Send + Sync> FromRequest<S> for Upload {
    type Rejection = WebError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let mut multipart = Multipart::from_request(request, state)
            .await
            .map_err(|_| WebError::BadBody("expected a multipart/form-data upload".into()))?;
        while let Some(field) = multipart.next_field().await.map_err(|e| upload_error(&e.body_text()))? {
            if field.name() == Some("file") {
                let filename = field.file_name().unwrap_or("").to_string();
                let bytes = field.bytes().await.map_err(|e| upload_error(&e.body_text()))?;
                return Ok(Upload { filename, bytes: bytes.to_vec() });
            }
        }
        Err(WebError::App(qudao_app::AppError::field("file", "required")))
    }
}

/// A multipart form: its text fields, and the file of the field named `file` when one was chosen
/// (a form whose file input was left empty has none).
#[derive(Debug, Clone, Default)]
pub struct UploadForm {
    /// Text fields in order.
    pub fields: Vec<(String, String)>,
    /// The file.
    pub file: Option<Upload>,
}

impl UploadForm {
    /// A text field's value, or empty.
    pub fn value(&self, name: &str) -> String {
        self.fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default()
    }
}

impl<S: Send + Sync> FromRequest<S> for UploadForm {
    type Rejection = WebError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let mut multipart = Multipart::from_request(request, state)
            .await
            .map_err(|_| WebError::BadBody("expected a multipart/form-data form".into()))?;
        let mut form = UploadForm::default();
        while let Some(field) = multipart.next_field().await.map_err(|e| upload_error(&e.body_text()))? {
            let name = field.name().unwrap_or("").to_string();
            if name == "file" {
                let filename = field.file_name().unwrap_or("").to_string();
                let bytes = field.bytes().await.map_err(|e| upload_error(&e.body_text()))?;
                if !bytes.is_empty() {
                    form.file = Some(Upload { filename, bytes: bytes.to_vec() });
                }
            } else {
                let text = field.text().await.map_err(|e| upload_error(&e.body_text()))?;
                form.fields.push((name, text));
            }
        }
        Ok(form)
    }
}

fn upload_error(text: &str) -> WebError {
    if text.to_ascii_lowercase().contains("limit") || text.contains("too large") {
        WebError::App(qudao_app::AppError::TooLarge)
    } else {
        WebError::BadBody(text.to_string())
    }
}
