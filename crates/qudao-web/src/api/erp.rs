//! `/api/v1/erp/…`: the ERP's shipments, invoices and receipts, each applied once per
//! `document_id` and answered with the same bytes when sent again; and the log of refused ones.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use qudao_app::erp::{self as uc, DocumentKind, InvoiceDocument, ReceiptDocument, ShipmentDocument, Signed};
use qudao_domain::access::Permission;
use qudao_domain::ids::OrderId;
use qudao_store::erp::Rejection;
use qudao_store::finance::invoices::InvoiceView;
use qudao_store::finance::receipts::ReceiptView;
use qudao_store::orders::ShipmentView;
use qudao_store::page::Page;

use crate::api::paging::ListQuery;
use crate::context::Authed;
use crate::error::WebResult;
use crate::extract::{ApiQuery, Id};
use crate::openapi::{list_of, page_of, schema};
use crate::registry::{Effect, ObjectKind, Route, Verb, on};
use crate::state::AppState;

fn signed(headers: &HeaderMap) -> Signed {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    Signed { id: header("webhook-id"), timestamp: header("webhook-timestamp"), signature: header("webhook-signature") }
}

async fn push(
    state: &AppState,
    ctx: &qudao_app::Ctx,
    kind: DocumentKind,
    headers: &HeaderMap,
    body: &[u8],
) -> WebResult<Response> {
    let answer = uc::receive(state.app(), ctx, kind, &signed(headers), body).await?;
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::CREATED);
    let mut response = (status, [(header::CONTENT_TYPE, "application/json")], answer.body).into_response();
    if answer.replayed {
        response.headers_mut().insert("idempotent-replayed", http::HeaderValue::from_static("true"));
    }
    Ok(response)
}

async fn shipments(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    headers: HeaderMap,
    body: Bytes,
) -> WebResult<Response> {
    push(&state, &ctx, DocumentKind::Shipment, &headers, &body).await
}

async fn invoices(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    headers: HeaderMap,
    body: Bytes,
) -> WebResult<Response> {
    push(&state, &ctx, DocumentKind::Invoice, &headers, &body).await
}

async fn receipts(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    headers: HeaderMap,
    body: Bytes,
) -> WebResult<Response> {
    push(&state, &ctx, DocumentKind::Receipt, &headers, &body).await
}

async fn order_invoices(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<OrderId>,
) -> WebResult<Json<Vec<InvoiceView>>> {
    Ok(Json(uc::order_invoices(state.app(), &ctx, id).await?))
}

async fn rejections(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> WebResult<Json<Page<Rejection>>> {
    Ok(Json(uc::list_rejections(state.app(), &ctx, &query.page()?).await?))
}

/// The routes. They change state but dedupe by the ERP's `document_id`, not by
/// `Idempotency-Key`, so they are changes, not creations, to the registry.
pub const ROUTES: &[Route] = &[
    Route::api(
        Verb::Post,
        "/api/v1/erp/shipments",
        Permission::ErpPush,
        "The ERP shipped goods of an order (signed; once per document_id)",
        |v| on(v, shipments),
    )
    .effect(Effect::Change)
    .body(schema::<ShipmentDocument>)
    .example(|| serde_json::json!({ "document_id": "DN-1", "order_number": "SO-20250101-0001", "carrier": "顺丰速运", "tracking_no": "SF1" }))
    .response(schema::<ShipmentView>),
    Route::api(
        Verb::Post,
        "/api/v1/erp/invoices",
        Permission::ErpPush,
        "The ERP issued a 发票 for an order (signed; once per document_id)",
        |v| on(v, invoices),
    )
    .effect(Effect::Change)
    .body(schema::<InvoiceDocument>)
    .example(|| serde_json::json!({ "document_id": "INV-1", "order_number": "SO-20250101-0001", "invoice_number": "04400001", "amount": 11300, "tax": 1300 }))
    .response(schema::<InvoiceView>),
    Route::api(
        Verb::Post,
        "/api/v1/erp/receipts",
        Permission::ErpPush,
        "The ERP recorded money from a partner, in fen (signed; once per document_id)",
        |v| on(v, receipts),
    )
    .effect(Effect::Change)
    .body(schema::<ReceiptDocument>)
    .example(|| serde_json::json!({ "document_id": "RC-1", "partner_id": "00000000-0000-7000-8000-000000000000", "amount": 10000, "currency": "CNY" }))
    .response(schema::<ReceiptView>),
    Route::api(
        Verb::Get,
        "/api/v1/orders/{id}/invoices",
        Permission::OrdersRead,
        "The invoices (发票) the ERP issued for an order",
        |v| on(v, order_invoices),
    )
    .params(&[("id", ObjectKind::Order)])
    .response(list_of::<InvoiceView>),
    Route::api(
        Verb::Get,
        "/api/v1/erp/rejections",
        Permission::IntegrationsManage,
        "The ERP's refused messages with the reason, newest first",
        |v| on(v, rejections),
    )
    .response(page_of::<Rejection>),
];
