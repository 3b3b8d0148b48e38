//! Deal registration, leads and opportunities.

pub mod leads;
pub mod registrations;
