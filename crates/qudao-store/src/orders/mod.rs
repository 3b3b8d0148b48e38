//! Orders, their lines, the stock they hold, and what they took of limited promotions.

mod read;
mod write;

pub use read::{
    OrderFilter, OrderLineView, OrderSummary, OrderView, ReservationRow, all_statuses, get, list, reservations_of,
};
pub use write::{
    LineCounter, NewLine, NewOrder, NewReservation, add_promotion_usage, add_refunded, add_to_line, insert_batch,
    promotion_usage_of, set_payment_status, set_review_reason, take_from_reservation, transition,
};
