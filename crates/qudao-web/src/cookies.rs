//! The three cookies Qudao sets, read and written in one place.

use axum::http::HeaderMap;
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::response::Response;

/// The session token. HttpOnly (scripts never see it), SameSite=Lax (not sent on cross-site
/// posts), Secure when served over HTTPS.
pub const SESSION: &str = "qudao_session";
/// The language chosen before signing in.
pub const LANG: &str = "qudao_lang";
/// A one-shot message shown on the page after a redirect (an i18n key, never free text).
pub const FLASH: &str = "qudao_flash";

/// A cookie's value from the request headers.
pub fn get(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim_matches('"').to_string())
}

/// Adds a `Set-Cookie` to a response. Values are tokens, language tags or i18n keys: never
/// user text, so they need no escaping beyond refusing odd characters.
pub fn set(response: &mut Response, name: &str, value: &str, max_age_s: Option<i64>, http_only: bool, secure: bool) {
    let clean: String = value.chars().filter(|c| c.is_ascii_graphic() && !matches!(c, ';' | ',' | '"')).collect();
    let mut cookie = format!("{name}={clean}; Path=/; SameSite=Lax");
    if let Some(age) = max_age_s {
        cookie.push_str(&format!("; Max-Age={age}"));
    }
    if http_only {
        cookie.push_str("; HttpOnly");
    }
    if secure {
        cookie.push_str("; Secure");
    }
    if let Ok(value) = cookie.parse() {
        response.headers_mut().append(SET_COOKIE, value);
    }
}

/// Removes a cookie.
pub fn clear(response: &mut Response, name: &str, secure: bool) {
    set(response, name, "", Some(0), true, secure);
}
