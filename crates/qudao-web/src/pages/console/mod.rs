//! The brand console.

pub mod admin;
pub mod dashboard;
pub mod fairs;
pub mod orders;
pub mod partners;
pub mod pricing;
pub mod products;
pub mod users;
pub mod warehouse;
