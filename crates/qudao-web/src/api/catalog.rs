//! `/api/v1/products` and file downloads: the catalog, searchable in Chinese and pinyin.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, X_CONTENT_TYPE_OPTIONS};
use axum::response::{IntoResponse, Response};
use qudao_app::catalog::{self as uc, ProductEdit};
use qudao_domain::access::Permission;
use qudao_domain::catalog::{ProductInput, SkuInput};
use qudao_domain::ids::{FileId, ProductId, SkuId};
use qudao_domain::{Currency, Money};
use qudao_store::catalog::{ProductFilter, ProductSummary, ProductView, SkuView};
use qudao_store::files::FileRecord;
use qudao_store::page::Page;
use serde::Deserialize;
use utoipa::ToSchema;

use super::ListQuery;
use crate::context::Authed;
use crate::error::WebResult;
use crate::extract::{ApiJson, ApiQuery, Id, Ids, Upload};
use crate::guard::Idem;
use crate::openapi::{page_of, schema};
use crate::registry::{Effect, ObjectKind, Route, Verb, on};
use crate::state::AppState;

/// Product list filters.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ProductQuery {
    /// Search: Chinese characters, full pinyin (`kele`), initials (`kl`), codes, barcodes.
    pub q: Option<String>,
    /// Category code (its subcategories included).
    pub category: Option<String>,
    /// Brand code.
    pub brand: Option<String>,
    /// Page size.
    pub limit: Option<u32>,
    /// Cursor.
    pub after: Option<String>,
}

impl ProductQuery {
    /// The store filter.
    pub fn filter(&self) -> ProductFilter {
        let blank = |v: &Option<String>| v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
        ProductFilter { q: blank(&self.q), category: blank(&self.category), brand: blank(&self.brand) }
    }
}

/// A larger unit of a product.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PackUnit {
    /// Unit code (`CASE`).
    pub unit: String,
    /// Base units in one of it.
    pub factor: i64,
}

/// A new product.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductCreate {
    /// Code.
    pub code: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Category code.
    pub category: String,
    /// Brand code.
    pub brand: String,
    /// Base unit code.
    pub base_unit: String,
    /// VAT rate in percent ("13"); 13 when absent.
    pub tax_rate: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Larger units.
    #[serde(default)]
    pub units: Vec<PackUnit>,
}

/// A partial product edit.
#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct ProductPatch {
    /// The version you read.
    pub version: Option<i64>,
    /// Chinese name.
    pub name_zh: Option<String>,
    /// English name.
    pub name_en: Option<String>,
    /// Category code.
    pub category: Option<String>,
    /// Brand code.
    pub brand: Option<String>,
    /// Base unit code.
    pub base_unit: Option<String>,
    /// VAT rate in percent.
    pub tax_rate: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Replaces the larger units.
    pub units: Option<Vec<PackUnit>>,
    /// Activate or deactivate the product.
    pub active: Option<bool>,
}

/// A new SKU.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SkuCreate {
    /// Code.
    pub code: String,
    /// Attributes, `规格=500ml;口味=原味`.
    pub spec: Option<String>,
    /// Barcode.
    pub barcode: Option<String>,
    /// List price per base unit in fen, tax included.
    pub list_price: i64,
    /// Currency (CNY when absent).
    pub currency: Option<String>,
}

/// A SKU edit (the code stays).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SkuPatch {
    /// Attributes.
    pub spec: Option<String>,
    /// Barcode.
    pub barcode: Option<String>,
    /// List price in fen.
    pub list_price: i64,
    /// Currency.
    pub currency: Option<String>,
    /// Whether partners can see and order it.
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

fn yuan(fen: i64) -> String {
    Money::new(fen, Currency::CNY).to_decimal_string()
}

fn units(list: &[PackUnit]) -> Vec<(String, String)> {
    list.iter().map(|u| (u.unit.clone(), u.factor.to_string())).collect()
}

async fn list(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    ApiQuery(query): ApiQuery<ProductQuery>,
) -> WebResult<Json<Page<ProductSummary>>> {
    let page = ListQuery { limit: query.limit, after: query.after.clone() }.page()?;
    Ok(Json(uc::list_products(state.app(), &ctx, &query.filter(), &page).await?))
}

async fn show(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<ProductId>,
) -> WebResult<Json<ProductView>> {
    Ok(Json(uc::get_product(state.app(), &ctx, id).await?))
}

async fn create(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Idem(idem): Idem,
    ApiJson(body): ApiJson<ProductCreate>,
) -> WebResult<impl IntoResponse> {
    let input = ProductInput {
        code: Some(body.code),
        name_zh: Some(body.name_zh),
        name_en: Some(body.name_en),
        category: Some(body.category),
        brand: Some(body.brand),
        base_unit: Some(body.base_unit),
        tax_rate: body.tax_rate,
        description: body.description,
    };
    let view = uc::create_product(state.app(), &ctx, &input, &units(&body.units), idem.as_ref()).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

async fn update(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<ProductId>,
    ApiJson(body): ApiJson<ProductPatch>,
) -> WebResult<Json<ProductView>> {
    let edit = ProductEdit {
        version: body.version,
        fields: ProductInput {
            code: None,
            name_zh: body.name_zh,
            name_en: body.name_en,
            category: body.category,
            brand: body.brand,
            base_unit: body.base_unit,
            tax_rate: body.tax_rate,
            description: body.description,
        },
        units: body.units.as_deref().map(units),
        active: body.active,
    };
    Ok(Json(uc::update_product(state.app(), &ctx, id, &edit).await?))
}

async fn add_sku(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Idem(idem): Idem,
    Id(id): Id<ProductId>,
    ApiJson(body): ApiJson<SkuCreate>,
) -> WebResult<impl IntoResponse> {
    let input = SkuInput {
        code: Some(body.code),
        spec: body.spec,
        barcode: body.barcode,
        list_price: Some(yuan(body.list_price)),
        currency: body.currency,
    };
    let view: SkuView = uc::add_sku(state.app(), &ctx, id, &input, idem.as_ref()).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

async fn update_sku(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Ids(product, sku): Ids<ProductId, SkuId>,
    ApiJson(body): ApiJson<SkuPatch>,
) -> WebResult<Json<SkuView>> {
    let input = SkuInput {
        code: None,
        spec: body.spec,
        barcode: body.barcode,
        list_price: Some(yuan(body.list_price)),
        currency: body.currency,
    };
    Ok(Json(uc::update_sku(state.app(), &ctx, product, sku, &input, body.active).await?))
}

async fn add_image(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Idem(idem): Idem,
    Id(id): Id<ProductId>,
    upload: Upload,
) -> WebResult<impl IntoResponse> {
    let record = uc::upload_product_image(state.app(), &ctx, id, &upload.filename, upload.bytes, idem.as_ref()).await?;
    Ok((StatusCode::CREATED, Json(record)))
}

/// Serves a file's bytes with the type detected at upload, never sniffed by the browser.
pub async fn file_response(state: &AppState, ctx: &qudao_app::Ctx, id: FileId, thumbnail: bool) -> WebResult<Response> {
    let (record, bytes) = uc::download_file(state.app(), ctx, id, thumbnail).await?;
    let content_type = if thumbnail { "image/jpeg".to_string() } else { record.content_type.clone() };
    Ok((
        [
            (CONTENT_TYPE, content_type),
            (X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
            (CACHE_CONTROL, "private, max-age=3600".to_string()),
        ],
        bytes,
    )
        .into_response())
}

async fn file(State(state): State<AppState>, Authed(ctx, _): Authed, Id(id): Id<FileId>) -> WebResult<Response> {
    file_response(&state, &ctx, id, false).await
}

async fn thumbnail(State(state): State<AppState>, Authed(ctx, _): Authed, Id(id): Id<FileId>) -> WebResult<Response> {
    file_response(&state, &ctx, id, true).await
}

/// The routes.
pub const ROUTES: &[Route] = &[
    Route::api(Verb::Get, "/api/v1/products", Permission::CatalogRead, "Search the catalog (q matches characters, pinyin and initials)", |v| {
        on(v, list)
    })
    .response(page_of::<ProductSummary>),
    Route::api(Verb::Post, "/api/v1/products", Permission::CatalogWrite, "Create a product", |v| on(v, create))
        .effect(Effect::Create)
        .body(schema::<ProductCreate>)
    .example(|| serde_json::json!({ "code": "P-DEMO-0001", "name_zh": "澜溪柠檬味汽水", "name_en": "Lanxi Lemon Soda", "category": "BEV-CSD", "brand": "LANXI", "base_unit": "BOTTLE", "tax_rate": "13", "units": [{ "unit": "CASE", "factor": 24 }] }))
        .response(schema::<ProductView>),
    Route::api(Verb::Get, "/api/v1/products/{id}", Permission::CatalogRead, "A product with SKUs, units and pictures", |v| {
        on(v, show)
    })
    .params(&[("id", ObjectKind::Product)])
    .response(schema::<ProductView>),
    Route::api(Verb::Patch, "/api/v1/products/{id}", Permission::CatalogWrite, "Edit a product", |v| on(v, update))
        .params(&[("id", ObjectKind::Product)])
        .effect(Effect::Change)
        .body(schema::<ProductPatch>)
    .example(|| serde_json::json!({ "description": "清爽柠檬口味" }))
        .response(schema::<ProductView>),
    Route::api(Verb::Post, "/api/v1/products/{id}/skus", Permission::CatalogWrite, "Add a SKU", |v| on(v, add_sku))
        .params(&[("id", ObjectKind::Product)])
        .effect(Effect::Create)
        .body(schema::<SkuCreate>)
    .example(|| serde_json::json!({ "code": "S-DEMO-0001-01", "spec": "规格=330ml", "barcode": "6953817100019", "list_price": 250 }))
        .response(schema::<SkuView>),
    Route::api(Verb::Patch, "/api/v1/products/{id}/skus/{sku_id}", Permission::CatalogWrite, "Edit a SKU", |v| {
        on(v, update_sku)
    })
    .params(&[("id", ObjectKind::Product), ("sku_id", ObjectKind::Sku)])
    .effect(Effect::Change)
    .body(schema::<SkuPatch>)
    .example(|| serde_json::json!({ "spec": "规格=330ml", "list_price": 260 }))
    .response(schema::<SkuView>),
    Route::api(Verb::Post, "/api/v1/products/{id}/images", Permission::CatalogWrite, "Upload a picture (PNG, JPEG or WebP, checked by content)", |v| {
        on(v, add_image)
    })
    .params(&[("id", ObjectKind::Product)])
    .effect(Effect::Create)
    .upload()
    .response(schema::<FileRecord>),
    Route::api(Verb::Get, "/api/v1/files/{id}", Permission::SignedIn, "Download a file within the caller's scope", |v| {
        on(v, file)
    })
    .params(&[("id", ObjectKind::File)]),
    Route::api(Verb::Get, "/api/v1/files/{id}/thumbnail", Permission::SignedIn, "A picture's thumbnail", |v| {
        on(v, thumbnail)
    })
    .params(&[("id", ObjectKind::File)]),
];
