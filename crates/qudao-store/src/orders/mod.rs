//! Orders, their lines, the stock they hold, what they took of limited promotions, and their
//! shipments and returns.

mod fulfilment;
mod read;
mod write;

pub use fulfilment::{
    NewReturn, NewShipment, NewTrackingEvent, ReturnLineView, ReturnStep, ReturnView, ShipmentLine, ShipmentView,
    TrackingEventView, claimed, due, get_return, insert_return, insert_shipment, insert_tracking_event, list_returns,
    move_return, shipments,
};
pub use read::{
    OrderFilter, OrderLineView, OrderSummary, OrderView, ReservationRow, all_statuses, get, list, reservations_of,
};
pub use write::{
    LineCounter, NewLine, NewOrder, NewReservation, add_promotion_usage, add_refunded, add_to_line, insert_batch,
    promotion_usage_of, set_payment_status, set_review_reason, take_from_reservation, transition,
};
