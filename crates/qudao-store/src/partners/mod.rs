//! Partners, their contacts and addresses, and the regions and tiers they are filed under.

pub mod contacts;
mod read;
pub mod regions;
pub mod tiers;
mod write;

pub use read::{PartnerFilter, PartnerRef, PartnerView, count_by_status, get, get_by_code, list, sub_dealers};
pub use write::{NewPartner, PartnerChanges, credit_code_taken, insert, region_in_scope, set_status, update};
