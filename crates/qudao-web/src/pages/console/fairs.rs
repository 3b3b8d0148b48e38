//! Console pages: ordering fairs — the list, and one fair with all the demand the caller may see,
//! closing and allocating it, and turning the allocation into orders.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use qudao_app::fairs as uc;
use qudao_domain::access::Permission;
use qudao_domain::ids::FairId;

use crate::context::Authed;
use crate::error::WebResult;
use crate::extract::Id;
use crate::pages::ordering::label;
use crate::pages::portal::fairs::{DemandRow, FairsPage, demand_rows, fair_rows};
use crate::pages::{Chrome, page, see_other};
use crate::registry::{Effect, ObjectKind, Route, Verb, on};
use crate::state::AppState;

async fn list_fairs(State(state): State<AppState>, Authed(ctx, context): Authed) -> WebResult<Response> {
    let c = Chrome::new(&state, &context, "fair.title", "/console/fairs").await;
    let rows = fair_rows(&c, &uc::list_fairs(state.app(), &ctx).await?);
    Ok(page(&FairsPage { c, base: "/console/fairs", rows }))
}

#[derive(Template)]
#[template(path = "console/fair.html")]
struct FairPage {
    c: Chrome,
    id: String,
    when: String,
    status: String,
    rule: String,
    items: Vec<(String, String, String, i64)>,
    demand: Vec<DemandRow>,
    can_allocate: bool,
    can_order: bool,
}

async fn show_fair(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    Id(id): Id<FairId>,
) -> WebResult<Response> {
    let detail = uc::get_fair(state.app(), &ctx, id).await?;
    let mut c = Chrome::new(&state, &context, "fair.title", "/console/fairs").await;
    let f = &detail.fair;
    c.title = f.name.clone();
    let manage = ctx.caller().may(Permission::FairsManage);
    let template = FairPage {
        id: f.id.to_string(),
        when: format!("{} – {}", c.datetime(f.starts_ms), c.datetime(f.ends_ms)),
        status: label(&c, "fair.status.", &f.status),
        rule: label(&c, "fair.rule.", &f.rule),
        items: f.items.iter().map(|i| (i.sku.clone(), i.name_zh.clone(), c.money(i.price), i.stock)).collect(),
        demand: demand_rows(&c, &detail.demand, true),
        can_allocate: manage && f.status == "open",
        can_order: manage && f.status == "allocated",
        c,
    };
    Ok(page(&template))
}

async fn allocate(State(state): State<AppState>, Authed(ctx, _): Authed, Id(id): Id<FairId>) -> WebResult<Response> {
    uc::allocate_fair(state.app(), &ctx, id).await?;
    Ok(see_other(&format!("/console/fairs/{id}"), Some("fair.allocated")))
}

async fn order(State(state): State<AppState>, Authed(ctx, _): Authed, Id(id): Id<FairId>) -> WebResult<Response> {
    let outcome = qudao_app::orders::order_fair(state.app(), &ctx, id).await?;
    let flash = if outcome.results.iter().any(|r| r.error.is_some()) { "fair.ordered_partly" } else { "fair.ordered" };
    Ok(see_other(&format!("/console/fairs/{id}"), Some(flash)))
}

const FAIR: &[(&str, ObjectKind)] = &[("id", ObjectKind::Fair)];

/// The routes.
pub const ROUTES: &[Route] = &[
    Route::page(Verb::Get, "/console/fairs", Permission::OrdersRead, "Ordering fairs", |v| on(v, list_fairs)),
    Route::page(
        Verb::Get,
        "/console/fairs/{id}",
        Permission::OrdersRead,
        "A fair with its demand and allocation",
        |v| on(v, show_fair),
    )
    .params(FAIR),
    Route::page(
        Verb::Post,
        "/console/fairs/{id}/allocate",
        Permission::FairsManage,
        "Close and allocate a fair",
        |v| on(v, allocate),
    )
    .params(FAIR)
    .effect(Effect::Change),
    Route::page(
        Verb::Post,
        "/console/fairs/{id}/orders",
        Permission::FairsManage,
        "Turn a fair's allocation into orders",
        |v| on(v, order),
    )
    .params(FAIR)
    .effect(Effect::Change),
];
