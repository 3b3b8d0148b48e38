//! Server-rendered pages: the sign-in pages, the brand console and the partner portal, one file
//! per module. Pages work without JavaScript; forms post and redirect (303) with a flash message.

mod account;
pub mod approvals;
mod auth;
mod channel;
pub mod chrome;
mod console;
mod deals;
mod files;
mod finance;
pub mod form;
pub mod format;
mod leads;
mod notifications;
mod opportunities;
mod ordering;
mod payments;
mod portal;
mod returns;
mod system;
pub mod threads;

use askama::Template;
use axum::http::header::LOCATION;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};

use crate::context::RequestContext;
use crate::cookies;
use crate::error::{ErrorInfo, WebError};
use crate::i18n;
use crate::registry::Route;

pub use chrome::Chrome;
pub use form::FormState;

/// Every page route.
pub fn routes() -> Vec<Route> {
    let mut routes = Vec::new();
    for module in [
        system::ROUTES,
        auth::ROUTES,
        account::ROUTES,
        files::ROUTES,
        console::dashboard::ROUTES,
        console::partners::ROUTES,
        console::products::ROUTES,
        console::users::ROUTES,
        console::admin::ROUTES,
        console::orders::ROUTES,
        console::fairs::ROUTES,
        console::pricing::ROUTES,
        console::pricing::lists::ROUTES,
        console::pricing::promotions::ROUTES,
        console::warehouse::ROUTES,
        portal::home::ROUTES,
        portal::company::ROUTES,
        portal::catalog::ROUTES,
        portal::users::ROUTES,
        portal::cart::ROUTES,
        portal::orders::ROUTES,
        portal::fairs::ROUTES,
        finance::ROUTES,
        payments::ROUTES,
        channel::ROUTES,
        returns::ROUTES,
        approvals::ROUTES,
        approvals::flows::ROUTES,
        threads::ROUTES,
        notifications::ROUTES,
        deals::ROUTES,
        leads::ROUTES,
        opportunities::ROUTES,
    ] {
        routes.extend_from_slice(module);
    }
    routes
}

/// Renders a template as an HTML response with `status`.
pub fn render(status: StatusCode, template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(error) => {
            tracing::error!(%error, "template failed");
            WebError::App(qudao_app::AppError::Internal("template".into())).into_response()
        }
    }
}

/// A 200 page.
pub fn page(template: &impl Template) -> Response {
    render(StatusCode::OK, template)
}

/// The area of the caller's side: `/console` for the brand's staff, `/portal` for partners
/// (pages shared by both link back into the caller's own).
pub(crate) fn area_of(ctx: &qudao_app::Ctx) -> &'static str {
    if ctx.caller().role().side() == qudao_domain::access::RoleSide::Brand { "/console" } else { "/portal" }
}

/// Redirects after a successful post (303), with a flash message key shown on the next page.
pub fn see_other(location: &str, flash_key: Option<&str>) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(LOCATION, value);
    }
    if let Some(key) = flash_key {
        cookies::set(&mut response, cookies::FLASH, key, Some(60), true, false);
    }
    response
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    c: Chrome,
    message: String,
    status: u16,
    home: &'static str,
}

/// The error page for browsers.
pub fn error_page(context: &RequestContext, info: &ErrorInfo) -> Response {
    let lang = context.lang;
    let mut message = i18n::t(lang, &format!("error.{}", info.code)).to_string();
    if !info.fields.is_empty() {
        let fields: Vec<String> =
            info.fields.iter().map(|f| format!("{}: {}", f.field, crate::context::field_message(lang, f))).collect();
        message = format!("{message} {}", fields.join("; "));
    }
    let home = match context.caller.as_ref().map(|c| c.role().side()) {
        Some(qudao_domain::access::RoleSide::Brand) => "/console",
        Some(qudao_domain::access::RoleSide::Partner) => "/portal",
        None => "/login",
    };
    let c = Chrome {
        lang,
        title: i18n::t(lang, "error.title").to_string(),
        user_name: context.caller.as_ref().map(|c| c.display_name().to_string()),
        role_label: String::new(),
        nav: Vec::new(),
        csrf: context.csrf_token().to_string(),
        flash: None,
        brand_name: "Qudao".into(),
        css: crate::assets::css_href(),
        js: crate::assets::js_href(),
        path: context.path.clone(),
        unread: 0,
        waiting: 0,
        approvals_href: "/console/approvals",
    };
    let template = ErrorPage { c, message, status: info.status.as_u16(), home };
    render(info.status, &template)
}
