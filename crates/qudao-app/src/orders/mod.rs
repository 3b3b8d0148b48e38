//! Order use cases: checkout through the order desk, the lifecycle, shipping and returns.

mod checkout;
mod desk;
mod lifecycle;
mod views;

pub use checkout::{OrderRequest, Placed, place_order, preview_order};
pub(crate) use desk::Desk;
pub use desk::MAX_BATCH;
pub use lifecycle::{approve_order, cancel_order, confirm_transfer};
pub use views::{get_order, list_orders};
