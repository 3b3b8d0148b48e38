//! Finance after the order: receipts (回款) allocated to what partners owe, the rest kept as
//! prepaid balance. Every movement is a journal entry through `accounts::post`.

pub mod aging;
pub mod ledger;
pub mod receipts;

pub use aging::{AgingReport, PartnerAging, aging_report};
pub use ledger::{TrialBalance, trial_balance};
pub use receipts::{AllocationInput, ReceiptInput, get_receipt, list_receipts, record_receipt};
