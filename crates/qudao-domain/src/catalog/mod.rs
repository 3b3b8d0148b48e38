//! The catalog: products and their SKUs, categories, brands, units and tax rates.

mod draft;
mod tax;

pub use draft::{ProductDraft, ProductInput, SkuDraft, SkuInput, UnitConversion, parse_spec};
pub use tax::TaxRate;
