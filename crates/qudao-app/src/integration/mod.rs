//! The ERP link: business events written to the outbox in each use case's transaction and
//! delivered as Standard Webhooks to the endpoints an admin subscribed. The rules of delivery —
//! retry schedule, what an answer means, which addresses may be called — are in
//! `qudao_domain::integration`.

pub mod endpoints;
pub mod events;
pub mod signing;
pub mod target;
pub mod worker;

pub use endpoints::{
    CreatedEndpoint, DeliveryDetail, EndpointInput, EndpointView, WebhookNetworks, create_endpoint, delivery_detail,
    get_endpoint, get_networks, list_deliveries, list_endpoints, replay_dead, replay_delivery, rotate_secret,
    set_networks, update_endpoint,
};
pub use worker::{Deliverer, Pass};
