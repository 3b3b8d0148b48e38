//! Portal pages: ordering fairs (订货会). A partner sees the fairs, puts in its demand at fair
//! prices while one runs, and afterwards what it was allocated and why, and the order it became.
//! The console's page of one fair (allocate, turn into orders) shares the view built here.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use qudao_app::fairs::{self as uc, DemandLine};
use qudao_domain::access::Permission;
use qudao_domain::ids::FairId;
use qudao_store::fairs::{DemandView, FairView};
use serde_json::Value;

use crate::context::Authed;
use crate::error::WebResult;
use crate::extract::{Id, PageForm};
use crate::i18n;
use crate::pages::ordering::label;
use crate::pages::{Chrome, page, see_other};
use crate::registry::{Effect, ObjectKind, Route, Verb, on};
use crate::state::AppState;

/// A fair in a list.
pub struct FairRow {
    /// Id.
    pub id: String,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Opens – closes.
    pub when: String,
    /// Status, localised.
    pub status: String,
}

/// The rows of a fair list.
pub fn fair_rows(c: &Chrome, fairs: &[FairView]) -> Vec<FairRow> {
    fairs
        .iter()
        .map(|f| FairRow {
            id: f.id.to_string(),
            code: f.code.clone(),
            name: f.name.clone(),
            when: format!("{} – {}", c.datetime(f.starts_ms), c.datetime(f.ends_ms)),
            status: label(c, "fair.status.", &f.status),
        })
        .collect()
}

/// One demand row as a page shows it.
pub struct DemandRow {
    /// SKU code.
    pub sku: String,
    /// Partner (console only).
    pub partner: String,
    /// Asked for.
    pub quantity: i64,
    /// Cap, if any.
    pub quota: String,
    /// Allocated, once allocated.
    pub allocated: String,
    /// Why, in a sentence.
    pub why: String,
    /// The order it became.
    pub order: String,
}

/// Explains an allocation in the page's language.
fn why(c: &Chrome, explanation: Option<&Value>) -> String {
    let Some(e) = explanation else { return String::new() };
    let n = |key: &str| e.get(key).and_then(Value::as_i64).map(|v| v.to_string()).unwrap_or_default();
    let percent = |key: &str| {
        e.get(key).and_then(Value::as_i64).map(|bp| format!("{}.{:02}%", bp / 100, bp % 100)).unwrap_or_default()
    };
    let kind = e.get("kind").and_then(Value::as_str).unwrap_or("");
    let mut text = match kind {
        "full" => i18n::tf(c.lang, "fair.why.full", &[("stock", &n("stock")), ("demand", &n("total_demand"))]),
        "first_come" => i18n::tf(
            c.lang,
            "fair.why.first_come",
            &[("position", &n("position")), ("ahead", &n("ahead_units")), ("stock", &n("stock"))],
        ),
        "pro_rata" => i18n::tf(
            c.lang,
            "fair.why.pro_rata",
            &[("stock", &n("stock")), ("demand", &n("total_demand")), ("share", &percent("share_bp"))],
        ),
        "tier_weighted" => i18n::tf(
            c.lang,
            "fair.why.tier_weighted",
            &[("weight", &n("weight")), ("pool", &n("pool")), ("share", &percent("share_bp"))],
        ),
        _ => String::new(),
    };
    if let Some(quota) = e.get("over_quota").and_then(Value::as_i64) {
        text = format!("{text} {}", i18n::tf(c.lang, "fair.why.over_quota", &[("quota", &quota.to_string())]));
    }
    text
}

/// The demand rows.
pub fn demand_rows(c: &Chrome, demand: &[DemandView], with_partner: bool) -> Vec<DemandRow> {
    demand
        .iter()
        .map(|d| DemandRow {
            sku: d.sku.clone(),
            partner: if with_partner { format!("{} ({})", d.partner_id, d.tier) } else { String::new() },
            quantity: d.quantity,
            quota: d.quota.map(|q| q.to_string()).unwrap_or_default(),
            allocated: d.allocated.map(|a| a.to_string()).unwrap_or_default(),
            why: why(c, d.explanation.as_ref()),
            order: d.order_id.map(|o| o.to_string()).unwrap_or_default(),
        })
        .collect()
}

/// One item on offer, with the caller's own demand (partners).
pub struct ItemRow {
    /// SKU code.
    pub sku: String,
    /// Name.
    pub name: String,
    /// Fair price.
    pub price: String,
    /// The caller's demand.
    pub mine: i64,
}

/// The list of fairs, in the portal and the console (`base` is where the links go).
#[derive(Template)]
#[template(path = "portal/fairs.html")]
pub struct FairsPage {
    /// The frame.
    pub c: Chrome,
    /// `/portal/fairs` or `/console/fairs`.
    pub base: &'static str,
    /// The fairs.
    pub rows: Vec<FairRow>,
}

async fn list_fairs(State(state): State<AppState>, Authed(ctx, context): Authed) -> WebResult<Response> {
    let c = Chrome::new(&state, &context, "fair.title", "/portal/fairs").await;
    let rows = fair_rows(&c, &uc::list_fairs(state.app(), &ctx).await?);
    Ok(page(&FairsPage { c, base: "/portal/fairs", rows }))
}

#[derive(Template)]
#[template(path = "portal/fair.html")]
struct FairPage {
    c: Chrome,
    id: String,
    name: String,
    when: String,
    status: String,
    open: bool,
    items: Vec<ItemRow>,
    demand: Vec<DemandRow>,
}

async fn show_fair(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    Id(id): Id<FairId>,
) -> WebResult<Response> {
    let detail = uc::get_fair(state.app(), &ctx, id).await?;
    let mut c = Chrome::new(&state, &context, "fair.title", "/portal/fairs").await;
    c.title = detail.fair.name.clone();
    let now = state.app().now_ms();
    let f = &detail.fair;
    let items = f
        .items
        .iter()
        .map(|i| ItemRow {
            sku: i.sku.clone(),
            name: i.name_zh.clone(),
            price: c.money(i.price),
            mine: detail.demand.iter().filter(|d| d.sku_id == i.sku_id).map(|d| d.quantity).sum(),
        })
        .collect();
    let template = FairPage {
        id: f.id.to_string(),
        name: f.name.clone(),
        when: format!("{} – {}", c.datetime(f.starts_ms), c.datetime(f.ends_ms)),
        status: label(&c, "fair.status.", &f.status),
        open: f.status == "open" && now >= f.starts_ms && now <= f.ends_ms,
        items,
        demand: demand_rows(&c, &detail.demand, false),
        c,
    };
    Ok(page(&template))
}

async fn put_demand(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<FairId>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    let lines: Vec<DemandLine> = fields
        .iter()
        .filter_map(|(key, value)| {
            let sku = key.strip_prefix("qty.")?;
            Some(DemandLine { sku: sku.to_string(), quantity: value.trim().parse().unwrap_or(-1) })
        })
        .collect();
    uc::set_demand(state.app(), &ctx, id, &lines).await?;
    Ok(see_other(&format!("/portal/fairs/{id}"), Some("fair.demand_saved")))
}

const FAIR: &[(&str, ObjectKind)] = &[("id", ObjectKind::Fair)];

/// The routes.
pub const ROUTES: &[Route] = &[
    Route::page(Verb::Get, "/portal/fairs", Permission::OrdersRead, "Ordering fairs", |v| on(v, list_fairs)),
    Route::page(
        Verb::Get,
        "/portal/fairs/{id}",
        Permission::OrdersRead,
        "A fair: fair prices, own demand, allocation",
        |v| on(v, show_fair),
    )
    .params(FAIR),
    Route::page(Verb::Post, "/portal/fairs/{id}/demand", Permission::OrdersPlace, "Put in demand at a fair", |v| {
        on(v, put_demand)
    })
    .params(FAIR)
    .effect(Effect::Change)
    .form(&[("qty.S-ON-1", "4")]),
];
