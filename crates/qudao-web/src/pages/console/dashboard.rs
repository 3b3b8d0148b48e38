//! The console's start page: the partners and products the caller is responsible for.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use qudao_domain::access::Permission;
use qudao_domain::partners::PartnerStatus;

use crate::context::Authed;
use crate::error::WebResult;
use crate::pages::{Chrome, page};
use crate::registry::{Route, Verb, on};
use crate::state::AppState;

/// One tile of the dashboard.
struct Tile {
    label: &'static str,
    value: i64,
    href: String,
}

#[derive(Template)]
#[template(path = "console/dashboard.html")]
struct Dashboard {
    c: Chrome,
    tiles: Vec<Tile>,
}

async fn dashboard(State(state): State<AppState>, Authed(ctx, context): Authed) -> WebResult<Response> {
    let c = Chrome::new(&state, &context, "nav.dashboard", "/console").await;
    let counts = qudao_app::partners::partner_counts(state.app(), &ctx).await?;
    let mut tiles = Vec::new();
    for status in PartnerStatus::ALL {
        let value = counts.iter().find(|(s, _)| *s == status).map(|(_, n)| *n).unwrap_or(0);
        tiles.push(Tile {
            label: c.t(&format!("partner.status.{}", status.as_str())),
            value,
            href: format!("/console/partners?status={}", status.as_str()),
        });
    }
    let products = qudao_app::catalog::count_products(state.app(), &ctx).await?;
    tiles.push(Tile { label: c.t("nav.products"), value: products, href: "/console/products".into() });
    Ok(page(&Dashboard { c, tiles }))
}

/// The routes.
pub const ROUTES: &[Route] =
    &[Route::page(Verb::Get, "/console", Permission::ConsoleAccess, "Console start page", |v| on(v, dashboard))];
