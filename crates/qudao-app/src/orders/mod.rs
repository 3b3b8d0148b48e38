//! Order use cases: checkout through the order desk, the lifecycle, shipping and returns.

mod checkout;
mod desk;
mod fulfilment;
mod lifecycle;
mod views;

pub use checkout::{OrderRequest, Placed, place_order, preview_order};
pub(crate) use desk::Desk;
pub use desk::MAX_BATCH;
pub use fulfilment::{
    LineAmount, ReturnRequest, ShipRequest, Swept, TRACKING_STATUSES, TrackingRequest, add_tracking_event,
    complete_order, decide_return, get_return, list_returns, receive_order, request_return, restock_return, ship_order,
    shipments_of, sweep_orders,
};
pub use lifecycle::{approve_order, cancel_order, confirm_transfer};
pub use views::{TimelineEntry, get_order, list_orders, order_timeline};
