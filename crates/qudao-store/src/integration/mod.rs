//! The ERP link's tables: the outbox every use case writes its business events to, the webhook
//! endpoints an admin subscribed, and the deliveries of events to endpoints with their attempts.
//!
//! The outbox is written in the transaction of the change it reports; a dispatcher later turns
//! each event into one delivery per subscribed endpoint, and instances take due deliveries
//! under a lease so that no two send the same one at once. Endpoints, deliveries and attempts
//! are the brand's own (an admin's), so these functions are for brand-wide scopes.

pub mod deliveries;
pub mod endpoints;
pub mod outbox;

pub use deliveries::{AttemptView, Claimed, DeliveryFilter, DeliveryView, Next, Outcome};
pub use endpoints::{EndpointRow, NewEndpoint};
pub use outbox::NewEvent;
