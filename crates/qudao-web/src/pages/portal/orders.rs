//! Portal pages: the company's orders — list by state, one order with its lines, "why this
//! price", shipments with tracking and the timeline — and what a partner does with them: confirm
//! receipt (签收), cancel before shipment, order again, ask for a return.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use qudao_app::orders::{self as uc, ReturnRequest};
use qudao_domain::access::Permission;
use qudao_domain::ids::OrderId;
use serde::Deserialize;

use crate::api::ListQuery;
use crate::context::Authed;
use crate::error::WebResult;
use crate::extract::{ApiQuery, Id, PageForm, Upload};
use crate::pages::approvals::{ApprovalPanel, delegates, panels_of};
use crate::pages::ordering::{
    LineRow, ShipmentRow, TimelineRow, label, line_amounts, order_lines, shipment_rows, sku_lines, timeline_rows,
};
use crate::pages::ordering::{ReturnLink, return_links};
use crate::pages::threads::{self, ThreadPanel};
use crate::pages::{Chrome, page, see_other};
use crate::registry::{Effect, ObjectKind, Route, Verb, on};
use crate::state::AppState;

/// An order in a list.
pub struct OrderRow {
    /// Id.
    pub id: String,
    /// Number.
    pub number: String,
    /// Partner name.
    pub partner: String,
    /// Status code (for the badge's class).
    pub status: String,
    /// Status, localised.
    pub status_label: String,
    /// Payment, localised.
    pub payment: String,
    /// Total.
    pub total: String,
    /// Placed at.
    pub placed: String,
    /// Why it waits for a brand user, localised.
    pub review: String,
}

/// Rows of an order list.
pub fn order_rows(c: &Chrome, orders: &[qudao_store::orders::OrderSummary]) -> Vec<OrderRow> {
    orders
        .iter()
        .map(|o| OrderRow {
            id: o.id.to_string(),
            number: o.number.clone(),
            partner: o.partner_name.clone(),
            status: o.status.clone(),
            status_label: label(c, "order.status.", &o.status),
            payment: format!(
                "{} · {}",
                label(c, "payment.", &o.payment),
                label(c, "order.payment_status.", &o.payment_status)
            ),
            total: c.money(o.total),
            placed: c.datetime(o.placed_ms),
            review: o.review_reason.as_deref().map(|r| label(c, "order.review.", r)).unwrap_or_default(),
        })
        .collect()
}

/// The state filter of an order list.
#[derive(Debug, Deserialize, Default)]
pub struct ListFilter {
    /// Status code; all when empty.
    #[serde(default)]
    pub status: String,
    /// Only orders waiting for approval.
    #[serde(default)]
    pub review: String,
    /// Search.
    #[serde(default)]
    pub q: String,
    /// Cursor.
    #[serde(default)]
    pub after: String,
}

impl ListFilter {
    /// The API query it stands for.
    pub fn query(&self) -> crate::api::orders::OrderQuery {
        let blank = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        crate::api::orders::OrderQuery {
            status: blank(&self.status),
            partner: None,
            awaiting_review: Some(self.review == "1"),
            q: blank(&self.q),
            limit: Some(50),
            after: blank(&self.after),
        }
    }

    /// Tabs: (href, label, active).
    pub fn tabs(&self, c: &Chrome, base: &str) -> Vec<(String, String, bool)> {
        let mut tabs =
            vec![(base.to_string(), c.t("order.all").to_string(), self.status.is_empty() && self.review.is_empty())];
        tabs.push((format!("{base}?review=1"), c.t("order.awaiting_review").to_string(), self.review == "1"));
        for status in ["submitted", "approved", "partially_shipped", "shipped", "received", "completed", "cancelled"] {
            tabs.push((format!("{base}?status={status}"), label(c, "order.status.", status), self.status == status));
        }
        tabs
    }
}

#[derive(Template)]
#[template(path = "portal/orders.html")]
struct OrdersPage {
    c: Chrome,
    base: &'static str,
    tabs: Vec<(String, String, bool)>,
    rows: Vec<OrderRow>,
    next: Option<String>,
}

async fn list_orders(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    ApiQuery(filter): ApiQuery<ListFilter>,
) -> WebResult<Response> {
    let c = Chrome::new(&state, &context, "order.title", "/portal/orders").await;
    let query = filter.query();
    let paging = ListQuery { limit: query.limit, after: query.after.clone() }.page()?;
    let found = uc::list_orders(state.app(), &ctx, &query.filter(), &paging).await?;
    let rows = order_rows(&c, &found.items);
    let next =
        found.next.map(|n| format!("/portal/orders?status={}&review={}&after={n}", filter.status, filter.review));
    let tabs = filter.tabs(&c, "/portal/orders");
    Ok(page(&OrdersPage { c, base: "/portal/orders", tabs, rows, next }))
}

/// What both sides see of one order.
pub struct OrderHead {
    /// Id.
    pub id: String,
    /// Number.
    pub number: String,
    /// Partner name.
    pub partner: String,
    /// Status code.
    pub status: String,
    /// Status, localised.
    pub status_label: String,
    /// Payment and its state, localised.
    pub payment: String,
    /// Placed at.
    pub placed: String,
    /// Before promotions.
    pub gross: String,
    /// Promotions.
    pub discount: String,
    /// Whether promotions changed it.
    pub discounted: bool,
    /// To pay.
    pub total: String,
    /// Refunded so far.
    pub refunded: String,
    /// Requested delivery date.
    pub requested_date: String,
    /// Remark.
    pub remark: String,
    /// Delivery address.
    pub address: String,
    /// Why it waits for a brand user.
    pub review: String,
    /// The proof of an offline transfer, if uploaded (file id).
    pub receipt: String,
    /// Whether the offline transfer is still to be confirmed.
    pub awaiting_transfer: bool,
    /// Whether the online payment is still to be made.
    pub awaiting_payment: bool,
}

/// The head of an order.
pub fn order_head(c: &Chrome, order: &qudao_store::orders::OrderView) -> OrderHead {
    let s = &order.summary;
    let address = order
        .address
        .as_ref()
        .map(|a| {
            let region = a[if c.lang.is_zh() { "region_name_zh" } else { "region_name_en" }].as_str().unwrap_or("");
            let parts = [
                region,
                a["detail"].as_str().unwrap_or(""),
                a["recipient"].as_str().unwrap_or(""),
                a["phone"].as_str().unwrap_or(""),
            ];
            parts.iter().filter(|p| !p.is_empty()).copied().collect::<Vec<_>>().join(" ")
        })
        .unwrap_or_default();
    OrderHead {
        id: s.id.to_string(),
        number: s.number.clone(),
        partner: s.partner_name.clone(),
        status: s.status.clone(),
        status_label: label(c, "order.status.", &s.status),
        payment: format!(
            "{} · {}",
            label(c, "payment.", &s.payment),
            label(c, "order.payment_status.", &s.payment_status)
        ),
        placed: c.datetime(s.placed_ms),
        gross: c.money(order.gross),
        discount: c.money(order.discount),
        discounted: order.discount != 0,
        total: c.money(s.total),
        refunded: if order.refunded > 0 { c.money(order.refunded) } else { String::new() },
        requested_date: order
            .requested_date
            .map(|d| format!("{}-{:02}-{:02}", d / 10000, d / 100 % 100, d % 100))
            .unwrap_or_default(),
        remark: order.remark.clone().unwrap_or_default(),
        address,
        review: s.review_reason.as_deref().map(|r| label(c, "order.review.", r)).unwrap_or_default(),
        receipt: order.receipt_file_id.map(|f| f.to_string()).unwrap_or_default(),
        awaiting_transfer: s.payment_status == "awaiting_transfer",
        awaiting_payment: s.payment_status == "awaiting_payment" && s.status != "cancelled",
    }
}

#[derive(Template)]
#[template(path = "portal/order.html")]
struct OrderPage {
    c: Chrome,
    order: OrderHead,
    lines: Vec<LineRow>,
    shipments: Vec<ShipmentRow>,
    timeline: Vec<TimelineRow>,
    can_cancel: bool,
    can_amend: bool,
    can_receive: bool,
    can_return: bool,
    tracking_form: bool,
    approvals: Vec<ApprovalPanel>,
    delegates: Vec<(String, String)>,
    thread: ThreadPanel,
    returns: Vec<ReturnLink>,
}

async fn show_order(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    Id(id): Id<OrderId>,
) -> WebResult<Response> {
    let order = uc::get_order(state.app(), &ctx, id).await?;
    let shipments = uc::shipments_of(state.app(), &ctx, id).await?;
    let timeline = uc::order_timeline(state.app(), &ctx, id).await?;
    let mut c = Chrome::new(&state, &context, "order.detail_title", "/portal/orders").await;
    c.title = format!("{} {}", c.t("order.detail_title"), order.summary.number);
    let approvals = panels_of(&state, &ctx, &c, "order", &id.to_string()).await?;
    let delegates = if approvals.iter().any(|a| a.my_turn) { delegates(&state, &ctx).await } else { Vec::new() };
    let here = format!("/portal/orders/{id}");
    let thread = threads::panel(&state, &ctx, &c, "order", &id.to_string(), &here).await?;
    let status = order.summary.status.as_str();
    let returns = return_links(&state, &ctx, &c, id, "/portal").await?;
    let template = OrderPage {
        returns,
        approvals,
        delegates,
        thread,
        order: order_head(&c, &order),
        lines: order_lines(&c, &order),
        shipments: shipment_rows(&c, &shipments),
        timeline: timeline_rows(&c, &timeline),
        can_cancel: matches!(status, "submitted" | "approved"),
        can_amend: status == "submitted"
            && !qudao_domain::orders::PaymentStatus::settled_outside(&order.summary.payment_status),
        can_receive: status == "shipped",
        tracking_form: false,
        can_return: matches!(status, "partially_shipped" | "shipped" | "received")
            && order.lines.iter().any(|l| l.shipped > l.returned),
        c,
    };
    Ok(page(&template))
}

async fn receive(State(state): State<AppState>, Authed(ctx, _): Authed, Id(id): Id<OrderId>) -> WebResult<Response> {
    uc::receive_order(state.app(), &ctx, id).await?;
    Ok(see_other(&format!("/portal/orders/{id}"), Some("order.received")))
}

/// Why an order is cancelled.
#[derive(Debug, Deserialize, Default)]
pub struct CancelForm {
    /// The reason.
    #[serde(default)]
    pub reason: String,
}

async fn cancel(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<OrderId>,
    PageForm(form): PageForm<CancelForm>,
) -> WebResult<Response> {
    let reason = Some(form.reason.trim()).filter(|r| !r.is_empty());
    uc::cancel_order(state.app(), &ctx, id, reason).await?;
    Ok(see_other(&format!("/portal/orders/{id}"), Some("order.cancelled")))
}

async fn reorder(State(state): State<AppState>, Authed(ctx, _): Authed, Id(id): Id<OrderId>) -> WebResult<Response> {
    uc::reorder(state.app(), &ctx, id).await?;
    Ok(see_other("/portal/cart", Some("cart.refilled")))
}

async fn ask_return(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<OrderId>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    let reason = fields.iter().find(|(k, _)| k == "reason").map(|(_, v)| v.clone()).unwrap_or_default();
    let lines = line_amounts(&fields);
    uc::request_return(state.app(), &ctx, id, &ReturnRequest { reason, lines }, None).await?;
    Ok(see_other(&format!("/portal/orders/{id}"), Some("returns.asked")))
}

/// The amend form: `qty.<SKU>` and `unit.<SKU>` per line (0 drops it).
async fn amend(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<OrderId>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    let lines = sku_lines(&fields).into_iter().filter(|l| l.quantity != 0).collect();
    let request = uc::AmendRequest { lines, rebate: None, address_id: None, requested_date: None, remark: None };
    uc::amend_order(state.app(), &ctx, id, &request).await?;
    Ok(see_other(&format!("/portal/orders/{id}"), Some("order.amended")))
}

/// `POST /portal/orders/{id}/pay`: a payment at the provider (or the one still open), then off to
/// the provider's page.
async fn pay_online(State(state): State<AppState>, Authed(ctx, _): Authed, Id(id): Id<OrderId>) -> WebResult<Response> {
    let payment = qudao_app::finance::payments::start_payment(state.app(), &ctx, id, None, None).await?;
    Ok(see_other(&payment.pay_url, None))
}

async fn transfer_receipt(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<OrderId>,
    upload: Result<Upload, crate::error::WebError>,
) -> WebResult<Response> {
    let upload = upload?;
    uc::attach_transfer_receipt(state.app(), &ctx, id, &upload.filename, upload.bytes).await?;
    Ok(see_other(&format!("/portal/orders/{id}"), Some("order.receipt_uploaded")))
}

const ORDER: &[(&str, ObjectKind)] = &[("id", ObjectKind::Order)];

/// The routes.
pub const ROUTES: &[Route] = &[
    Route::page(Verb::Get, "/portal/orders", Permission::OrdersRead, "The company's orders by state", |v| {
        on(v, list_orders)
    }),
    Route::page(
        Verb::Get,
        "/portal/orders/{id}",
        Permission::OrdersRead,
        "One order: lines, prices, shipments, timeline",
        |v| on(v, show_order),
    )
    .params(ORDER),
    Route::page(Verb::Post, "/portal/orders/{id}/pay", Permission::OrdersPlace, "Pay an order online", |v| {
        on(v, pay_online)
    })
    .params(ORDER)
    .effect(Effect::Create),
    Route::page(Verb::Post, "/portal/orders/{id}/receive", Permission::OrdersRead, "Confirm receipt (签收)", |v| {
        on(v, receive)
    })
    .params(ORDER)
    .effect(Effect::Change),
    Route::page(
        Verb::Post,
        "/portal/orders/{id}/cancel",
        Permission::OrdersRead,
        "Cancel an order before shipment",
        |v| on(v, cancel),
    )
    .params(ORDER)
    .effect(Effect::Change)
    .form(&[("reason", "改单")]),
    Route::page(
        Verb::Post,
        "/portal/orders/{id}/reorder",
        Permission::OrdersPlace,
        "Put the order's lines in the cart again",
        |v| on(v, reorder),
    )
    .params(ORDER)
    .effect(Effect::Change),
    Route::page(Verb::Post, "/portal/orders/{id}/returns", Permission::OrdersPlace, "Ask for a return", |v| {
        on(v, ask_return)
    })
    .params(ORDER)
    .effect(Effect::Create)
    .form(&[("reason", "破损"), ("qty.1", "1")]),
    Route::page(Verb::Post, "/portal/orders/{id}/amend", Permission::OrdersRead, "Amend a submitted order", |v| {
        on(v, amend)
    })
    .params(ORDER)
    .effect(Effect::Change)
    .form(&[("qty.S-ON-1", "2")]),
    Route::page(
        Verb::Post,
        "/portal/orders/{id}/transfer-receipt",
        Permission::OrdersPlace,
        "Upload the proof of an offline transfer",
        |v| on(v, transfer_receipt),
    )
    .params(ORDER)
    .effect(Effect::Change)
    .upload(),
];
