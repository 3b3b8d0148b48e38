//! Sign-in, sessions, users, invitations and API keys.

pub mod api_keys;
pub mod auth;
mod password;
pub mod users;

pub use password::{hash_password, verify_password};
