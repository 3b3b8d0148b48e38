//! Partner use cases: create, edit, move through the lifecycle, contacts and addresses, import
//! and export.

mod columns;
mod contacts;
mod export;
mod import;
mod read;
mod resolve;
mod write;

pub use columns::{ImportColumn, import_columns};
pub use contacts::{add_address, add_contact, remove_address, remove_contact};
pub use export::{ExportFormat, export_partners};
pub use import::{ImportReport, RowProblem, import_partners};
pub use read::{PartnerDetail, get_partner, list_partners, list_regions, list_tiers, partner_counts};
pub(crate) use write::apply_status_payload;
pub use write::{PartnerEdit, change_status, create_partner, update_partner};
