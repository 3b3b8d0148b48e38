//! The catalog: categories, brands, units, products and their SKUs.
//!
//! The catalog is the brand's own data and every signed-in user may read it; partner users see
//! only active products and SKUs.

pub mod masters;
mod products;
mod sellable;
mod skus;

pub use products::{
    NewProduct, ProductChanges, ProductFilter, ProductSummary, ProductView, SkuBrief, UnitFactor, add_image, count,
    get, get_by_code, insert, list, refresh_search_key, set_status, update,
};
pub use sellable::{OrderUnit, Sellable, SkuKeys, sellable, set_order_rule};
pub use skus::{NewSku, SkuView, insert_sku, skus_of, update_sku};
