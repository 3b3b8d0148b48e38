//! Catalog use cases: products, SKUs, pictures and the master lists.

mod images;
mod masters;
mod products;
mod skus;

pub use images::{download_file, upload_product_image};
pub use masters::{MasterInput, create_brand, create_category, create_unit};
pub use products::{
    ProductEdit, count_products, create_product, get_product, list_brands, list_categories, list_products, list_units,
    update_product,
};
pub use skus::{add_sku, update_sku};
