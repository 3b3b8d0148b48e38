//! Receipts and invoices: the money and the paperwork that follow an order.

pub mod invoices;
pub mod ledger;
pub mod receipts;
