//! The ERP link's rules: when a webhook delivery is tried again, what an endpoint's answer means,
//! and which network addresses an endpoint may point at. Pure; the delivery itself lives in the
//! app layer.

pub mod delivery;
pub mod nets;

pub use delivery::{Disposition, MAX_RETRY_WINDOW_MS, disposition, retry_delay_ms};
pub use nets::{AllowedNets, Cidr, TargetClass, classify};
