//! Deal registration, leads and opportunities.

pub mod leads;
pub mod opportunities;
pub mod registrations;
