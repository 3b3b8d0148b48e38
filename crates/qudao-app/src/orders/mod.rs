//! Order use cases: checkout through the order desk, the lifecycle, shipping and returns.

mod amend;
pub(crate) mod approval;
mod carts;
mod checkout;
mod desk;
mod fair_orders;
pub(crate) mod fulfilment;
pub(crate) mod lifecycle;
mod snapshot;
mod views;

pub use amend::{AmendRequest, amend_order};
pub(crate) use approval::cancel_for_approval;
pub use carts::{
    CartChange, CartImportReport, CartMode, CartView, CheckoutRequest, MAX_CART_LINES, Refilled, SavedListRequest,
    change_cart, checkout_cart, clear_cart, create_saved_list, delete_saved_list, get_cart, get_saved_list,
    import_to_cart, list_saved_lists, reorder, saved_list_to_cart,
};
pub use checkout::{OrderRequest, Placed, place_order, preview_order, sku_prices};
pub(crate) use desk::Desk;
pub use desk::MAX_BATCH;
pub use fair_orders::{FairOrderResult, FairOrders, order_fair};
pub(crate) use fulfilment::ship_in;
pub use fulfilment::{
    LineAmount, ReturnRequest, ShipRequest, Swept, TRACKING_STATUSES, TrackingRequest, add_tracking_event,
    complete_order, decide_return, get_return, list_returns, receive_order, request_return, restock_return, ship_order,
    shipments_of, sweep_orders,
};
pub use lifecycle::{approve_order, attach_transfer_receipt, cancel_order, confirm_transfer};
pub(crate) use snapshot::OrderingCache;
pub use views::{TimelineEntry, get_order, list_orders, order_id_by_number, order_timeline};
