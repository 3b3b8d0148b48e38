//! Portal pages: the catalog. Partner users search it (characters, pinyin, initials, codes,
//! barcodes), filter it by category and open a product to see its pictures, units and the list
//! prices of its SKUs. Inactive products and SKUs do not exist for them: the use cases answer 404.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use qudao_domain::access::Permission;
use qudao_domain::ids::ProductId;

use crate::context::Authed;
use crate::error::WebResult;
use crate::extract::{ApiQuery, Id};
use crate::pages::console::products::view::{self, CatalogQuery, Choice, ProductRow};
use crate::pages::{Chrome, page};
use crate::registry::{ObjectKind, Route, Verb, on};
use crate::state::AppState;

/// Cards per page.
const PAGE_SIZE: u32 = 24;

#[derive(Template)]
#[template(path = "portal/catalog.html")]
struct CatalogPage {
    c: Chrome,
    query: CatalogQuery,
    categories: Vec<Choice>,
    cards: Vec<ProductRow>,
    next: Option<String>,
}

async fn list_catalog(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    ApiQuery(query): ApiQuery<CatalogQuery>,
) -> WebResult<Response> {
    let c = Chrome::new(&state, &context, "catalog.title", "/portal/catalog").await;
    let page_request = query.page(PAGE_SIZE)?;
    let found = qudao_app::catalog::list_products(state.app(), &ctx, &query.filter(), &page_request).await?;
    let categories = view::category_choices(&state, &ctx, &c, query.category.trim()).await?;
    let cards = found.items.iter().map(|p| view::product_row(&c, p)).collect();
    let next = found.next.as_deref().map(|n| query.next_href("/portal/catalog", n));
    Ok(page(&CatalogPage { c, query, categories, cards, next }))
}

/// One SKU as partners see it.
struct SkuLine {
    code: String,
    name: String,
    spec: String,
    barcode: String,
    price: String,
    /// The partner's own price per base unit, when it may order.
    own_price: String,
    /// Why that price.
    why: Vec<String>,
    /// The stock as the brand lets partners see it (empty when hidden).
    stock: String,
    /// Units it can be ordered in (codes).
    units: Vec<String>,
}

#[derive(Template)]
#[template(path = "portal/catalog_product.html")]
struct ProductPage {
    c: Chrome,
    code: String,
    name: String,
    other_name: String,
    category: String,
    brand: String,
    base_unit: String,
    price: String,
    description: String,
    units: Vec<String>,
    images: Vec<String>,
    skus: Vec<SkuLine>,
    ordering: bool,
    back: String,
}

/// A SKU's stock as a partner may see it: the number, a level, or nothing.
fn stock_text(c: &Chrome, level: &qudao_app::stock::StockView) -> String {
    match (level.level.as_str(), level.available) {
        ("hidden", _) => String::new(),
        ("exact", Some(n)) => format!("{} {n}", c.t("stock_page.available")),
        (other, _) => crate::pages::ordering::label(c, "stock_level.", other),
    }
}

async fn show_catalog_product(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    Id(id): Id<ProductId>,
) -> WebResult<Response> {
    let product = qudao_app::catalog::get_product(state.app(), &ctx, id).await?;
    let mut c = Chrome::new(&state, &context, "catalog.product_title", "/portal/catalog").await;
    let s = &product.summary;
    c.title = c.pick(&s.name_zh, &s.name_en).to_string();
    let codes: Vec<String> =
        product.skus.iter().filter(|sku| sku.status == "active").map(|sku| sku.code.clone()).collect();
    let ordering = ctx.caller().may(Permission::OrdersPlace) && !codes.is_empty();
    let own = if ordering { qudao_app::orders::sku_prices(state.app(), &ctx, &codes).await? } else { Vec::new() };
    let stock = if ordering && ctx.caller().may(Permission::StockRead) {
        qudao_app::stock::stock_of(state.app(), &ctx, &codes).await?
    } else {
        Vec::new()
    };
    let mut units: Vec<String> = vec![product.base_unit_code.clone()];
    units.extend(product.units.iter().map(|u| u.code.clone()).filter(|code| *code != product.base_unit_code));
    let skus = product
        .skus
        .iter()
        .filter(|sku| sku.status == "active")
        .map(|sku| {
            let priced = own.iter().find(|l| l.sku == sku.code);
            let level = stock.iter().find(|l| l.sku == sku.code);
            SkuLine {
                code: sku.code.clone(),
                name: c.pick(&sku.name_zh, &sku.name_en).to_string(),
                spec: view::spec_text(&sku.spec),
                barcode: sku.barcode.clone().unwrap_or_default(),
                price: view::money(sku.list_price, &sku.currency),
                own_price: priced.map(|l| c.money(l.net)).unwrap_or_default(),
                why: priced
                    .and_then(|l| serde_json::to_value(&l.explanation).ok())
                    .map(|v| crate::pages::ordering::explain(&c, &v))
                    .unwrap_or_default(),
                stock: level.map(|l| stock_text(&c, l)).unwrap_or_default(),
                units: units.clone(),
            }
        })
        .collect();
    let template = ProductPage {
        code: s.code.clone(),
        name: c.pick(&s.name_zh, &s.name_en).to_string(),
        other_name: c.pick(&s.name_en, &s.name_zh).to_string(),
        category: c.pick(&s.category_zh, &s.category_en).to_string(),
        brand: c.pick(&s.brand_zh, &s.brand_en).to_string(),
        base_unit: c.pick(&s.unit_zh, &s.unit_en).to_string(),
        price: view::price_range(&c, s),
        description: product.description.clone().unwrap_or_default(),
        units: view::unit_lines(&c, &product),
        images: product.images.iter().map(ToString::to_string).collect(),
        skus,
        ordering,
        back: format!("/portal/catalog/{id}"),
        c,
    };
    Ok(page(&template))
}

/// The routes.
pub const ROUTES: &[Route] = &[
    Route::page(Verb::Get, "/portal/catalog", Permission::CatalogRead, "Browse and search the catalog", |v| {
        on(v, list_catalog)
    }),
    Route::page(
        Verb::Get,
        "/portal/catalog/{id}",
        Permission::CatalogRead,
        "A product with its SKUs and prices",
        |v| on(v, show_catalog_product),
    )
    .params(&[("id", ObjectKind::Product)]),
];
