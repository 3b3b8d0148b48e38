//! Deal registration (客户报备), lead routing and opportunities.

pub mod leads;
pub mod registrations;
pub mod rules;
mod sweep;

pub use registrations::{
    CheckOutcome, ContactBody, Decision, RegistrationBody, RegistrationQuery, RegistrationView, ask_extension, check,
    claim, decide, decide_extension, get, list, pool, release, submit,
};
pub use rules::{RegistrationRules, get_rules, set_rules};
pub use sweep::{Swept, sweep};
