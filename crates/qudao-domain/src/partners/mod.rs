//! Partner companies: their lifecycle, their identifiers and the checks on what is typed about them.

mod contact;
mod credit_code;
mod draft;
mod status;

pub use contact::{AddressKind, parse_email, parse_phone};
pub use credit_code::CreditCode;
pub use draft::{AddressDraft, ContactDraft, NAME_MAX, PartnerDraft, PartnerInput};
pub use status::{PartnerKind, PartnerStatus};
