//! Deal registration (客户报备), lead routing and opportunities.

pub mod leads;
pub mod opportunities;
pub mod registrations;
pub mod rules;
mod sweep;

pub use registrations::{
    CheckOutcome, ContactBody, Decision, RegistrationBody, RegistrationQuery, RegistrationView, ask_extension, check,
    claim, decide, decide_extension, get, list, pool, release, submit,
};
pub use rules::{RegistrationRules, get_rules, set_rules};
pub use sweep::{Swept, sweep};

/// A `partner_id` filter as sent: none when blank, refused when not an id.
pub(crate) fn partner_filter(text: Option<&str>) -> crate::AppResult<Option<qudao_domain::ids::PartnerId>> {
    match text.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(id) => id.parse().map(Some).map_err(|_| crate::AppError::field("partner_id", "invalid_id")),
    }
}

/// A `status` filter as sent: none when blank, refused in the caller's language when it names
/// no status of the list's kind.
pub(crate) fn status_filter<T>(text: Option<&str>, parse: impl Fn(&str) -> Option<T>) -> crate::AppResult<Option<T>> {
    match text.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(code) => parse(code).map(Some).ok_or(crate::AppError::field("status", "unknown_status")),
    }
}
