//! Our own stylesheet and script, embedded in the binary and served under content-hashed names
//! with `immutable` caching, so a new release never meets a stale cached copy.

use std::sync::OnceLock;

use axum::extract::Path;
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

const CSS: &str = include_str!("../static/app.css");
const JS: &str = include_str!("../static/app.js");

struct Asset {
    href: String,
    body: &'static str,
    content_type: &'static str,
}

fn assets() -> &'static [Asset; 2] {
    static ASSETS: OnceLock<[Asset; 2]> = OnceLock::new();
    ASSETS.get_or_init(|| {
        let hashed = |name: &str, ext: &str, body: &str| {
            let digest = Sha256::digest(body.as_bytes());
            let short: String = digest.iter().take(5).map(|b| format!("{b:02x}")).collect();
            format!("/static/{name}.{short}.{ext}")
        };
        [
            Asset { href: hashed("app", "css", CSS), body: CSS, content_type: "text/css; charset=utf-8" },
            Asset { href: hashed("app", "js", JS), body: JS, content_type: "text/javascript; charset=utf-8" },
        ]
    })
}

/// The stylesheet's URL.
pub fn css_href() -> &'static str {
    &assets()[0].href
}

/// The script's URL.
pub fn js_href() -> &'static str {
    &assets()[1].href
}

/// Serves `/static/{file}`.
pub async fn serve(Path(file): Path<String>) -> Response {
    let wanted = format!("/static/{file}");
    match assets().iter().find(|asset| asset.href == wanted) {
        Some(asset) => {
            ([(CONTENT_TYPE, asset.content_type), (CACHE_CONTROL, "public, max-age=31536000, immutable")], asset.body)
                .into_response()
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
