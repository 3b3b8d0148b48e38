//! Deal registration, leads and opportunities.

pub mod registrations;
