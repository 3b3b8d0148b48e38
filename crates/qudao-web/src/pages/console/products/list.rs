//! The console's product list: search by characters, pinyin, initials, codes and barcodes, filter
//! by category and brand, page by cursor.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use qudao_domain::access::Permission;

use super::view::{self, CatalogQuery, Choice, ProductRow};
use crate::context::Authed;
use crate::error::WebResult;
use crate::extract::ApiQuery;
use crate::pages::{Chrome, page};
use crate::state::AppState;

/// Rows per page.
const PAGE_SIZE: u32 = 50;

#[derive(Template)]
#[template(path = "console/products.html")]
struct ProductsPage {
    c: Chrome,
    query: CatalogQuery,
    categories: Vec<Choice>,
    brands: Vec<Choice>,
    rows: Vec<ProductRow>,
    next: Option<String>,
    can_write: bool,
}

/// `GET /console/products`.
pub async fn list_products(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    ApiQuery(query): ApiQuery<CatalogQuery>,
) -> WebResult<Response> {
    let c = Chrome::new(&state, &context, "product.list_title", "/console/products").await;
    let page_request = query.page(PAGE_SIZE)?;
    let found = qudao_app::catalog::list_products(state.app(), &ctx, &query.filter(), &page_request).await?;
    let categories = view::category_choices(&state, &ctx, &c, query.category.trim()).await?;
    let brands = view::brand_choices(&state, &ctx, &c, query.brand.trim()).await?;
    let rows = found.items.iter().map(|p| view::product_row(&c, p)).collect();
    let next = found.next.as_deref().map(|n| query.next_href("/console/products", n));
    let can_write = ctx.caller().may(Permission::CatalogWrite);
    Ok(page(&ProductsPage { c, query, categories, brands, rows, next, can_write }))
}
