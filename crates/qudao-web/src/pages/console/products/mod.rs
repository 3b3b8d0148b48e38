//! Console pages: the product catalog. Brand staff search and browse products; the brand
//! administrator creates and edits them, adds and edits SKUs (prices typed in yuan) and uploads
//! pictures.

mod detail;
mod form;
mod list;
mod masters;
pub mod view;

use qudao_domain::access::Permission;

use crate::registry::{Effect, ObjectKind, Route, Verb, on};

const PRODUCT: &[(&str, ObjectKind)] = &[("id", ObjectKind::Product)];
const PRODUCT_SKU: &[(&str, ObjectKind)] = &[("id", ObjectKind::Product), ("sku_id", ObjectKind::Sku)];

/// The routes.
pub const ROUTES: &[Route] = &[
    Route::page(Verb::Get, "/console/catalog", Permission::CatalogRead, "Categories, brands and units", |v| {
        on(v, masters::show_masters)
    }),
    Route::page(Verb::Post, "/console/catalog/categories", Permission::CatalogWrite, "Add a category", |v| {
        on(v, masters::add_category)
    })
    .effect(Effect::Create)
    .form(&[("code", "BEV-TEA2"), ("name_zh", "冷泡茶"), ("name_en", "Cold Brew Tea"), ("parent", "BEV")]),
    Route::page(Verb::Post, "/console/catalog/brands", Permission::CatalogWrite, "Add a brand", |v| {
        on(v, masters::add_brand)
    })
    .effect(Effect::Create)
    .form(&[("code", "QINGHE"), ("name_zh", "青禾"), ("name_en", "Qinghe")]),
    Route::page(Verb::Post, "/console/catalog/units", Permission::CatalogWrite, "Add a unit", |v| {
        on(v, masters::add_unit)
    })
    .effect(Effect::Create)
    .form(&[("code", "TRAY"), ("name_zh", "托"), ("name_en", "tray")]),
    Route::page(Verb::Get, "/console/products", Permission::CatalogRead, "Product list and search", |v| {
        on(v, list::list_products)
    }),
    Route::page(Verb::Get, "/console/products/new", Permission::CatalogWrite, "New product form", |v| {
        on(v, form::new_product)
    }),
    Route::page(Verb::Post, "/console/products", Permission::CatalogWrite, "Create a product", |v| {
        on(v, form::create_product)
    })
    .effect(Effect::Create)
    .form(&[
        ("code", "P-FORM-0001"),
        ("name_zh", "澜溪表单汽水"),
        ("name_en", "Lanxi Form Soda"),
        ("category", "BEV-CSD"),
        ("brand", "LANXI"),
        ("base_unit", "BOTTLE"),
        ("tax_rate", "13"),
        ("description", ""),
        ("unit1", "CASE"),
        ("factor1", "24"),
    ]),
    Route::page(Verb::Get, "/console/products/{id}", Permission::CatalogRead, "Product with SKUs and pictures", |v| {
        on(v, detail::show_product)
    })
    .params(PRODUCT),
    Route::page(Verb::Get, "/console/products/{id}/edit", Permission::CatalogWrite, "Edit product form", |v| {
        on(v, form::edit_product)
    })
    .params(PRODUCT),
    Route::page(Verb::Post, "/console/products/{id}/edit", Permission::CatalogWrite, "Save a product", |v| {
        on(v, form::update_product)
    })
    .params(PRODUCT)
    .effect(Effect::Change)
    .form(&[
        ("name_zh", "澜溪柠檬汽水"),
        ("name_en", "Lanxi Lemon Soda"),
        ("category", "BEV-CSD"),
        ("brand", "LANXI"),
        ("base_unit", "BOTTLE"),
        ("tax_rate", "13"),
        ("description", "清爽柠檬口味"),
        ("unit1", "CASE"),
        ("factor1", "24"),
        ("active", "on"),
    ]),
    Route::page(Verb::Post, "/console/products/{id}/skus", Permission::CatalogWrite, "Add a SKU", |v| {
        on(v, detail::add_sku)
    })
    .params(PRODUCT)
    .effect(Effect::Create)
    .form(&[
        ("code", "S-FORM-0001-01"),
        ("spec", "规格=330ml"),
        ("barcode", "6953817100019"),
        ("list_price", "2.50"),
    ]),
    Route::page(Verb::Post, "/console/products/{id}/skus/{sku_id}", Permission::CatalogWrite, "Save a SKU", |v| {
        on(v, detail::update_sku)
    })
    .params(PRODUCT_SKU)
    .effect(Effect::Change)
    .form(&[("spec", "规格=330ml"), ("barcode", ""), ("list_price", "2.60"), ("active", "on")]),
    Route::page(
        Verb::Post,
        "/console/products/{id}/images",
        Permission::CatalogWrite,
        "Upload a product picture",
        |v| on(v, detail::upload_image),
    )
    .params(PRODUCT)
    .effect(Effect::Create)
    .upload(),
];
