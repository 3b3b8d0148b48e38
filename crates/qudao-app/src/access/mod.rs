//! Sign-in, sessions, users, invitations and API keys.

pub mod api_keys;
pub mod auth;
mod callers;
mod password;
pub mod users;

pub use callers::{CALLER_TTL_MS, CallerCache};
pub use password::{hash_password, verify_password};
