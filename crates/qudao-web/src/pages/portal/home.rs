//! The portal's start page: the partner's own company at a glance, a catalog search box and the
//! ways on to the company page and the sub-dealers.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use qudao_app::AppError;
use qudao_domain::access::{DataScope, Permission};

use crate::context::Authed;
use crate::error::WebResult;
use crate::pages::{Chrome, page};
use crate::registry::{Route, Verb, on};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "portal/home.html")]
struct HomePage {
    c: Chrome,
    welcome: String,
    company: String,
    code: String,
    tier: String,
    region: String,
    may_search: bool,
    sub_dealers: Option<usize>,
}

async fn portal_home(State(state): State<AppState>, Authed(ctx, context): Authed) -> WebResult<Response> {
    let caller = ctx.caller();
    let own = caller.partner_id().ok_or(AppError::NotFound)?;
    let detail = qudao_app::partners::get_partner(state.app(), &ctx, own).await?;
    let c = Chrome::new(&state, &context, "nav.home", "/portal").await;
    let partner = &detail.partner;
    let sees_sub_dealers = matches!(caller.data_scope(), DataScope::Partner { with_sub_dealers: true, .. });
    let template = HomePage {
        welcome: c.tn("portal_home.welcome", caller.display_name()),
        company: partner.name.clone(),
        code: partner.code.clone(),
        tier: c.pick(&partner.tier.name_zh, &partner.tier.name_en).to_string(),
        region: c.pick(&partner.region.name_zh, &partner.region.name_en).to_string(),
        may_search: caller.may(Permission::CatalogRead),
        sub_dealers: sees_sub_dealers.then_some(detail.sub_dealers.len()),
        c,
    };
    Ok(page(&template))
}

/// The routes.
pub const ROUTES: &[Route] =
    &[Route::page(Verb::Get, "/portal", Permission::PortalAccess, "Portal start page", |v| on(v, portal_home))];
