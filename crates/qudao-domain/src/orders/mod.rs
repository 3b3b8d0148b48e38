//! Orders: their lifecycle, how they are paid, when they need a person's approval, and how a
//! refund goes back to the accounts that paid.

mod approval;
mod fulfilment;
mod payment;
mod status;

pub use approval::{ReviewReason, facts as approval_facts, review};
pub use fulfilment::{Held, LineQuantity, ReturnStatus, ReturnableLine, plan_shipment, price_return};
pub use payment::{PaymentMethod, PaymentSplit, order_postings, refund_split, split_payment};
pub use status::{OrderStatus, PaymentStatus};
