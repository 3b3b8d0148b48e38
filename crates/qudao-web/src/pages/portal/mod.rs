//! The partner portal.

pub mod catalog;
pub mod company;
pub mod home;
pub mod users;
