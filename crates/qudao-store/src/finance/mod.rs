//! The money and the paperwork that follow an order: receipts, invoices, statements, adjustments
//! and the trial balance.

pub mod adjustments;
pub mod invoices;
pub mod ledger;
pub mod payments;
pub mod receipts;
pub mod statements;
