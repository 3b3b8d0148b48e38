//! The partner portal.

pub mod cart;
pub mod catalog;
pub mod company;
pub mod fairs;
pub mod home;
pub mod orders;
pub mod users;
