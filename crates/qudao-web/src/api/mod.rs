//! The JSON API under `/api/v1`, one file per module.

mod accounts;
mod adjustments;
mod admin;
mod approvals;
mod carts;
pub(crate) mod catalog;
mod channel;
mod erp;
mod exports;
mod fairs;
mod finance;
mod fulfilment;
mod integration;
mod leads;
mod masters;
mod notifications;
mod opportunities;
pub(crate) mod orders;
mod paging;
pub(crate) mod partners;
mod payments;
mod pricing;
mod registrations;
mod session;
mod statements;
mod stock;
mod threads;
mod users;

use crate::registry::Route;

pub use paging::ListQuery;

/// Every API route.
pub fn routes() -> Vec<Route> {
    let mut routes = Vec::new();
    for module in [
        session::ROUTES,
        partners::ROUTES,
        catalog::ROUTES,
        masters::ROUTES,
        users::ROUTES,
        admin::ROUTES,
        accounts::ROUTES,
        orders::ROUTES,
        carts::ROUTES,
        fulfilment::ROUTES,
        fairs::ROUTES,
        pricing::ROUTES,
        stock::ROUTES,
        integration::ROUTES,
        erp::ROUTES,
        finance::ROUTES,
        statements::ROUTES,
        adjustments::ROUTES,
        exports::ROUTES,
        payments::ROUTES,
        channel::ROUTES,
        approvals::ROUTES,
        threads::ROUTES,
        notifications::ROUTES,
        registrations::ROUTES,
        leads::ROUTES,
        opportunities::ROUTES,
    ] {
        routes.extend_from_slice(module);
    }
    routes
}
