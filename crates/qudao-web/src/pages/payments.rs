//! The payment simulator's payer page (`/sim-pay/{ref}`): what a provider's checkout page or QR
//! code would be. Anyone holding the link can pay, as with a QR code; paying makes the simulator
//! send Qudao its signed notification a moment later, the way a provider does — or lose it
//! (`?notify=lost`) or send it twice (`?notify=twice`), for tests and demos of reconciliation.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use qudao_app::AppError;
use qudao_app::finance::payments::{Delivery, pay_at_simulator};
use qudao_domain::access::Permission;
use qudao_domain::finance::payments::TradeState;
use serde::Deserialize;

use crate::context::RequestContext;
use crate::error::WebResult;
use crate::pages::{Chrome, page, see_other};
use crate::registry::{Effect, ObjectKind, Route, Verb, on};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "sim_pay.html")]
struct SimPayPage {
    c: Chrome,
    provider_ref: String,
    amount: i64,
    paid: bool,
    closed: bool,
    back: String,
}

/// `?return=` (a portal order page) and `?notify=`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct SimQuery {
    #[serde(rename = "return")]
    back: Option<String>,
    notify: Option<String>,
}

/// Only a portal order page is a place to return to.
fn back_of(query: &SimQuery) -> String {
    match query.back.as_deref() {
        Some(path)
            if path.starts_with("/portal/orders/")
                && path.chars().all(|c| c.is_ascii_alphanumeric() || "/-".contains(c)) =>
        {
            path.to_string()
        }
        _ => "/portal/orders".into(),
    }
}

fn checked_ref(provider_ref: &str) -> Result<&str, AppError> {
    if provider_ref.len() <= 40 && provider_ref.chars().all(|c| c.is_ascii_alphanumeric()) {
        Ok(provider_ref)
    } else {
        Err(AppError::NotFound)
    }
}

async fn show(
    State(state): State<AppState>,
    context: RequestContext,
    Path(provider_ref): Path<String>,
    Query(query): Query<SimQuery>,
) -> WebResult<Response> {
    let provider_ref = checked_ref(&provider_ref)?.to_string();
    let (amount, trade) = state.app().payments().simulator()?.trade(&provider_ref)?.ok_or(AppError::NotFound)?;
    let c = Chrome::new(&state, &context, "payment.sim_title", "").await;
    let template = SimPayPage {
        c,
        provider_ref,
        amount,
        paid: matches!(trade, TradeState::Paid(_)),
        closed: trade == TradeState::Closed,
        back: back_of(&query),
    };
    Ok(page(&template))
}

async fn pay(
    State(state): State<AppState>,
    Path(provider_ref): Path<String>,
    Query(query): Query<SimQuery>,
) -> WebResult<Response> {
    let provider_ref = checked_ref(&provider_ref)?;
    let delivery = match query.notify.as_deref() {
        Some("lost") => Delivery::Lost,
        Some("twice") => Delivery::Twice,
        _ => Delivery::Once,
    };
    pay_at_simulator(state.app(), provider_ref, delivery).await?;
    Ok(see_other(&back_of(&query), Some("payment.sim_paid")))
}

/// The routes.
pub const ROUTES: &[Route] = &[
    Route::page(Verb::Get, "/sim-pay/{ref}", Permission::SignedIn, "The payment simulator's payer page", |v| {
        on(v, show)
    })
    .params(&[("ref", ObjectKind::PaymentRef)])
    .public(),
    Route::page(Verb::Post, "/sim-pay/{ref}", Permission::SignedIn, "Pay at the payment simulator", |v| on(v, pay))
        .params(&[("ref", ObjectKind::PaymentRef)])
        .public()
        .effect(Effect::Change),
];
