//! Orders, their lines, the stock they hold, what they took of limited promotions, and their
//! shipments and returns.

mod carts;
mod fulfilment;
mod history;
mod peek;
mod read;
mod write;

pub use carts::{
    CartEntry, CartLine, SavedListSummary, SavedListView, add_to_cart, cart, clear_cart, delete_saved_list,
    insert_saved_list, saved_list, saved_lists, set_in_cart, take_from_cart,
};
pub use fulfilment::{
    NewReturn, NewShipment, NewTrackingEvent, ReturnLineView, ReturnStep, ReturnView, ShipmentLine, ShipmentView,
    TrackingEventView, claimed, due, get_return, insert_return, insert_shipment, insert_tracking_event, list_returns,
    move_return, shipments,
};
pub use history::{
    PastOrder, PastReturn, PastShipment, insert_past_orders, insert_past_returns, insert_past_shipments,
};
pub use peek::{Peeked, peek_batch};
pub use read::{
    OrderFilter, OrderLineView, OrderSummary, OrderView, ReservationRow, all_statuses, get, id_by_number, list,
    reservations_of,
};
pub use write::{
    Amendment, LineCounter, NewLine, NewOrder, NewReservation, add_promotion_usage, add_refunded, add_to_line, amend,
    clear_reservations, insert_batch, lock, promotion_usage_of, set_payment_status, set_receipt_file,
    set_review_reason, take_from_reservation, transition,
};
