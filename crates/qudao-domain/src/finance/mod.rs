//! Following the money after the order: receipts (回款) and how they settle what partners owe.
//! Pure rules; the journal entries they become are written by the app layer.

pub mod adjustments;
pub mod aging;
pub mod credit;
pub mod payments;
pub mod receipts;
pub mod statements;

pub use aging::Buckets;
pub use credit::{Hold, HoldPolicy};
pub use receipts::{Allocation, OpenOrder, ReceiptPlan, plan_receipt};
