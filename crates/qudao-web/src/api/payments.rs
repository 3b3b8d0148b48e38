//! `/api/v1/payments`: online payments through a payment provider, its notifications, refunds and
//! reconciliation.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use qudao_app::AppError;
use qudao_app::finance::payments::provider::Notice;
use qudao_app::finance::payments::{self as uc, Reconciliation, RefundInput, RefundView, StartPayment};
use qudao_domain::access::Permission;
use qudao_domain::ids::{OrderId, PaymentId};
use qudao_store::finance::payments::PaymentView;
use qudao_store::page::Page;
use serde::Deserialize;

use crate::api::paging::ListQuery;
use crate::api::statements::status_filter;
use crate::context::Authed;
use crate::error::{WebError, WebResult};
use crate::extract::{ApiJson, ApiQuery, Id};
use crate::guard::Idem;
use crate::openapi::{page_of, schema};
use crate::registry::{Effect, ObjectKind, Route, Verb, on};
use crate::state::AppState;

async fn start(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Idem(idem): Idem,
    Id(order): Id<OrderId>,
    ApiJson(body): ApiJson<StartPayment>,
) -> WebResult<(StatusCode, Json<PaymentView>)> {
    let payment = uc::start_payment(state.app(), &ctx, order, body.provider.as_deref(), idem.as_ref()).await?;
    Ok((StatusCode::CREATED, Json(payment)))
}

#[derive(Debug, Default, Deserialize)]
struct PaymentQuery {
    order_id: Option<String>,
    status: Option<String>,
    limit: Option<u32>,
    after: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    ApiQuery(query): ApiQuery<PaymentQuery>,
) -> WebResult<Json<Page<PaymentView>>> {
    let page = ListQuery { limit: query.limit, after: query.after.clone() }.page()?;
    let order = match query.order_id.as_deref().map(str::trim).filter(|o| !o.is_empty()) {
        Some(id) => Some(id.parse::<OrderId>().map_err(|_| WebError::BadQuery("unknown order_id".into()))?),
        None => None,
    };
    let status = status_filter(query.status.as_deref(), &["created", "paid", "closed"])?;
    Ok(Json(uc::list_payments(state.app(), &ctx, order, status, &page).await?))
}

async fn show(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<PaymentId>,
) -> WebResult<Json<PaymentView>> {
    Ok(Json(uc::get_payment(state.app(), &ctx, id).await?))
}

async fn sync(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<PaymentId>,
) -> WebResult<Json<PaymentView>> {
    Ok(Json(uc::sync_payment(state.app(), &ctx, id).await?))
}

async fn refund(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Idem(idem): Idem,
    Id(id): Id<PaymentId>,
    ApiJson(body): ApiJson<RefundInput>,
) -> WebResult<(StatusCode, Json<RefundView>)> {
    Ok((StatusCode::CREATED, Json(uc::refund_payment(state.app(), &ctx, id, &body, idem.as_ref()).await?)))
}

async fn reconcile(State(state): State<AppState>, Authed(ctx, _): Authed) -> WebResult<Json<Reconciliation>> {
    Ok(Json(uc::reconcile(state.app(), &ctx).await?))
}

/// The simulator's notification: signature headers as WeChat Pay sends them (timestamp, nonce,
/// signature), the body as is. Answered `{"code":"SUCCESS"}` once applied or already applied,
/// so the provider stops resending; a forged one gets 401 and is kept for finance.
async fn notify_sim(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let notice = Notice {
        timestamp: header("x-sim-timestamp"),
        nonce: header("x-sim-nonce"),
        signature: header("x-sim-signature"),
        body: String::from_utf8_lossy(&body).into_owned(),
    };
    match uc::receive_notification(state.app(), "sim", &notice).await {
        Ok(outcome) => {
            (StatusCode::OK, Json(serde_json::json!({ "code": "SUCCESS", "outcome": outcome }))).into_response()
        }
        Err(AppError::Unauthenticated) => {
            (StatusCode::UNAUTHORIZED, Json(serde_json::json!({ "code": "FAIL", "message": "bad signature" })))
                .into_response()
        }
        Err(error) => WebError::App(error).into_response(),
    }
}

/// The routes.
pub const ROUTES: &[Route] = &[
    Route::api(
        Verb::Post,
        "/api/v1/orders/{id}/payments",
        Permission::OrdersPlace,
        "Pay an order placed with payment online: a payment at the provider (pay_url, code_url for the QR code)",
        |v| on(v, start),
    )
    .params(&[("id", ObjectKind::Order)])
    .effect(Effect::Create)
    .body(schema::<StartPayment>)
    .example(|| serde_json::json!({ "provider": "sim" }))
    .response(schema::<PaymentView>),
    Route::api(Verb::Get, "/api/v1/payments", Permission::OrdersRead, "Online payments (filter order_id, status)", |v| {
        on(v, list)
    })
    .response(page_of::<PaymentView>),
    Route::api(Verb::Get, "/api/v1/payments/{id}", Permission::OrdersRead, "An online payment", |v| on(v, show))
        .params(&[("id", ObjectKind::Payment)])
        .response(schema::<PaymentView>),
    Route::api(
        Verb::Post,
        "/api/v1/payments/{id}/sync",
        Permission::FinanceManage,
        "Ask the provider what became of a payment and apply it (a notification that never came)",
        |v| on(v, sync),
    )
    .params(&[("id", ObjectKind::Payment)])
    .effect(Effect::Change)
    .response(schema::<PaymentView>),
    Route::api(
        Verb::Post,
        "/api/v1/payments/{id}/refunds",
        Permission::FinanceManage,
        "Give money of a paid payment back through the provider, from the partner's prepaid balance",
        |v| on(v, refund),
    )
    .params(&[("id", ObjectKind::Payment)])
    .effect(Effect::Create)
    .body(schema::<RefundInput>)
    .example(|| serde_json::json!({ "amount": "1.00", "reason": "订单取消退款" }))
    .response(schema::<RefundView>),
    Route::api(
        Verb::Post,
        "/api/v1/payments/reconcile",
        Permission::FinanceManage,
        "Reconcile payments with the provider and with orders: apply missed notifications, close lapsed ones, list money not applied",
        |v| on(v, reconcile),
    )
    .effect(Effect::Change)
    .response(schema::<Reconciliation>),
    Route::api(
        Verb::Post,
        "/api/v1/payments/notify/sim",
        Permission::SignedIn,
        "The payment simulator's signed asynchronous notification (a provider calls this, not a person)",
        |v| on(v, notify_sim),
    )
    .public()
    .effect(Effect::Change),
];
