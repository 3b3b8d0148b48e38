//! The page that shows a one-time link (an invitation or a password reset) right after it was
//! made. The link is stored nowhere but as a hash, so this page is the only time anyone sees it:
//! it is shown once, with a copy button, and never cached.

use askama::Template;
use axum::http::header::{CACHE_CONTROL, HOST};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::Response;

use crate::context::RequestContext;
use crate::pages::{Chrome, page};
use crate::state::AppState;

/// What a link lets its holder do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LinkKind {
    /// Accept an invitation and choose a first password.
    Invitation,
    /// Choose a new password.
    Reset,
}

impl LinkKind {
    fn base(self) -> &'static str {
        match self {
            LinkKind::Invitation => "/invitations",
            LinkKind::Reset => "/password-reset",
        }
    }
}

/// A freshly made link and where the page leads back to.
#[derive(Debug, Clone)]
pub(crate) struct OneTimeLink<'a> {
    /// Invitation or reset.
    pub kind: LinkKind,
    /// The token, shown only here.
    pub token: &'a str,
    /// When it stops working.
    pub expires_ms: i64,
    /// The name of the user it is for.
    pub user_name: &'a str,
    /// The page to go back to.
    pub back: String,
    /// The navigation section to highlight.
    pub section: &'a str,
}

#[derive(Template)]
#[template(path = "invited.html")]
struct LinkPage {
    c: Chrome,
    heading: &'static str,
    intro: String,
    url: String,
    expires: String,
    back: String,
}

/// The link as the recipient will open it: absolute when the request named its host (so it can
/// be pasted into a message as is), else the path alone.
fn link_url(headers: &HeaderMap, secure: bool, path: &str) -> String {
    let host = headers.get(HOST).and_then(|v| v.to_str().ok()).filter(|host| {
        !host.is_empty()
            && host.chars().all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '.' | '-' | ':' | '[' | ']'))
    });
    match host {
        Some(host) => format!("{}://{host}{path}", if secure { "https" } else { "http" }),
        None => path.to_string(),
    }
}

/// Renders the one-time link page; the response must not be cached anywhere.
pub(crate) async fn show_link(
    state: &AppState,
    context: &RequestContext,
    headers: &HeaderMap,
    link: OneTimeLink<'_>,
) -> Response {
    let (title, intro) = match link.kind {
        LinkKind::Invitation => ("users.link.invite_title", "users.link.invite_intro"),
        LinkKind::Reset => ("users.link.reset_title", "users.link.reset_intro"),
    };
    let c = Chrome::new(state, context, title, link.section).await;
    let path = format!("{}/{}", link.kind.base(), link.token);
    let template = LinkPage {
        heading: c.t(title),
        intro: c.tn(intro, link.user_name),
        url: link_url(headers, state.config().secure_cookies, &path),
        expires: c.datetime(link.expires_ms),
        back: link.back,
        c,
    };
    let mut response = page(&template);
    response.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_absolute_only_for_plain_host_names() {
        let mut headers = HeaderMap::new();
        assert_eq!(link_url(&headers, false, "/invitations/x"), "/invitations/x");
        headers.insert(HOST, HeaderValue::from_static("qudao.example.cn:8080"));
        assert_eq!(link_url(&headers, true, "/invitations/x"), "https://qudao.example.cn:8080/invitations/x");
        headers.insert(HOST, HeaderValue::from_static("evil\"host"));
        assert_eq!(link_url(&headers, false, "/invitations/x"), "/invitations/x");
    }
}
