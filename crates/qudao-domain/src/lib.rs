//! Qudao's business rules and types.
//!
//! Everything here is pure: no async runtime, no SQL, no HTTP, and the clock is always an
//! argument. A reader who wants to know how Qudao decides something (who may see a partner, whether
//! a credit code is valid, how a total is split over lines) should find it in this crate, covered by
//! unit and property tests.

pub mod access;
pub mod accounts;
pub mod approvals;
pub mod catalog;
pub mod channel;
pub mod dates;
pub mod deals;
pub mod docnum;
pub mod fairs;
pub mod finance;
pub mod ids;
pub mod integration;
pub mod invalid;
pub mod money;
pub mod notifications;
pub mod orders;
pub mod partners;
pub mod pricing;
pub mod stock;
pub mod text;

pub use invalid::{FieldError, Invalid};
pub use money::{Currency, Money};
