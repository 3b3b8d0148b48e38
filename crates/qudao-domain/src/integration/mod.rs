//! The ERP link's rules: which events exist and who subscribed to them, when a webhook delivery
//! is tried again, what an endpoint's answer means, and which network addresses an endpoint may
//! point at. Pure; the delivery itself lives in the app layer.

pub mod delivery;
pub mod events;
pub mod nets;

pub use delivery::{Disposition, MAX_RETRY_WINDOW_MS, disposition, retry_delay_ms};
pub use events::{EventType, Subscription, webhook_body};
pub use nets::{AllowedNets, Cidr, TargetClass, classify};
