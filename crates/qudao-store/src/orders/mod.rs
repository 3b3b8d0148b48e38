//! Orders, their lines, the stock they hold, and what they took of limited promotions.

mod read;
mod write;

pub use read::{OrderFilter, OrderLineView, OrderSummary, OrderView, ReservationRow, get, list, reservations_of};
pub use write::{NewLine, NewOrder, NewReservation, add_promotion_usage, insert_batch};
