//! Console pages: orders by state with the approval queue, one order with approve / cancel /
//! confirm-transfer / ship / track, the returns queue with its decisions, and the stock view.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use qudao_app::orders::{self as uc, ShipRequest, TrackingRequest};
use qudao_domain::access::Permission;
use qudao_domain::ids::{OrderId, ReturnId, ShipmentId};
use serde::Deserialize;

use crate::api::ListQuery;
use crate::context::Authed;
use crate::error::WebResult;
use crate::extract::{ApiQuery, Id, PageForm};
use crate::pages::approvals::{ApprovalPanel, delegates, panels_of};
use crate::pages::ordering::{
    LineRow, ShipmentRow, TimelineRow, label, line_amounts, order_lines, shipment_rows, timeline_rows,
};
use crate::pages::ordering::{ReturnLink, return_links};
use crate::pages::portal::orders::{CancelForm, ListFilter, OrderHead, OrderRow, order_head, order_rows};
use crate::pages::threads::{self, ThreadPanel};
use crate::pages::{Chrome, page, see_other};
use crate::registry::{Effect, ObjectKind, Route, Verb, on};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "console/orders.html")]
struct OrdersPage {
    c: Chrome,
    base: &'static str,
    tabs: Vec<(String, String, bool)>,
    q: String,
    rows: Vec<OrderRow>,
    next: Option<String>,
}

async fn list_orders(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    ApiQuery(filter): ApiQuery<ListFilter>,
) -> WebResult<Response> {
    let c = Chrome::new(&state, &context, "order.title", "/console/orders").await;
    let query = filter.query();
    let paging = ListQuery { limit: query.limit, after: query.after.clone() }.page()?;
    let found = uc::list_orders(state.app(), &ctx, &query.filter(), &paging).await?;
    let rows = order_rows(&c, &found.items);
    let next = found
        .next
        .map(|n| format!("/console/orders?status={}&review={}&q={}&after={n}", filter.status, filter.review, filter.q));
    let tabs = filter.tabs(&c, "/console/orders");
    Ok(page(&OrdersPage { c, base: "/console/orders", tabs, q: filter.q.clone(), rows, next }))
}

#[derive(Template)]
#[template(path = "console/order.html")]
struct OrderPage {
    c: Chrome,
    order: OrderHead,
    lines: Vec<LineRow>,
    shipments: Vec<ShipmentRow>,
    timeline: Vec<TimelineRow>,
    warehouses: Vec<(String, String)>,
    can_approve: bool,
    can_confirm_transfer: bool,
    can_cancel: bool,
    can_ship: bool,
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
    let caller = ctx.caller();
    let mut c = Chrome::new(&state, &context, "order.detail_title", "/console/orders").await;
    let warehouses =
        if caller.may(Permission::OrdersShip) { warehouse_choices(&state, &ctx, &c).await } else { Vec::new() };
    c.title = format!("{} {}", c.t("order.detail_title"), order.summary.number);
    let approvals = panels_of(&state, &ctx, &c, "order", &id.to_string()).await?;
    let my_turn = approvals.iter().any(|a| a.my_turn);
    let delegates = if my_turn { delegates(&state, &ctx).await } else { Vec::new() };
    let running = approvals.iter().any(|a| a.outcome == "running");
    let thread = threads::panel(&state, &ctx, &c, "order", &id.to_string(), &back(id)).await?;
    let s = &order.summary;
    let status = s.status.as_str();
    let returns = return_links(&state, &ctx, &c, id, "/console").await?;
    let template = OrderPage {
        returns,
        order: order_head(&c, &order),
        lines: order_lines(&c, &order),
        shipments: shipment_rows(&c, &shipments),
        timeline: timeline_rows(&c, &timeline),
        warehouses,
        // An order under an approval flow is approved on its panel; the button is for orders
        // placed before flows (no approval of their own).
        can_approve: status == "submitted"
            && !running
            && s.payment_status != "awaiting_transfer"
            && caller.may(Permission::OrdersApprove),
        approvals,
        delegates,
        thread,
        can_confirm_transfer: s.payment_status == "awaiting_transfer" && caller.may(Permission::FinanceManage),
        can_cancel: matches!(status, "submitted" | "approved"),
        can_ship: matches!(status, "approved" | "partially_shipped") && caller.may(Permission::OrdersShip),
        tracking_form: caller.may(Permission::OrdersShip),
        c,
    };
    Ok(page(&template))
}

/// Warehouses to pick from: (code, "code name"); none when the caller may not list them.
pub(crate) async fn warehouse_choices(state: &AppState, ctx: &qudao_app::Ctx, c: &Chrome) -> Vec<(String, String)> {
    qudao_app::stock::list_warehouses(state.app(), ctx)
        .await
        .map(|all| {
            all.into_iter()
                .map(|w| (w.code.clone(), format!("{} {}", w.code, c.pick(&w.name_zh, &w.name_en))))
                .collect()
        })
        .unwrap_or_default()
}

fn back(id: OrderId) -> String {
    format!("/console/orders/{id}")
}

async fn approve(State(state): State<AppState>, Authed(ctx, _): Authed, Id(id): Id<OrderId>) -> WebResult<Response> {
    uc::approve_order(state.app(), &ctx, id).await?;
    Ok(see_other(&back(id), Some("order.approved")))
}

async fn confirm_transfer(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<OrderId>,
) -> WebResult<Response> {
    uc::confirm_transfer(state.app(), &ctx, id).await?;
    Ok(see_other(&back(id), Some("order.transfer_confirmed")))
}

async fn cancel(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<OrderId>,
    PageForm(form): PageForm<CancelForm>,
) -> WebResult<Response> {
    let reason = Some(form.reason.trim()).filter(|r| !r.is_empty());
    uc::cancel_order(state.app(), &ctx, id, reason).await?;
    Ok(see_other(&back(id), Some("order.cancelled")))
}

/// The ship form: carrier, tracking number, warehouse and `qty.<line>` per line.
async fn ship(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<OrderId>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    let field =
        |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim().to_string()).unwrap_or_default();
    let lines = line_amounts(&fields);
    let request = ShipRequest {
        warehouse: Some(field("warehouse")).filter(|w| !w.is_empty()),
        carrier: field("carrier"),
        tracking_no: field("tracking_no"),
        lines,
    };
    uc::ship_order(state.app(), &ctx, id, &request, None).await?;
    Ok(see_other(&back(id), Some("ship.shipped")))
}

/// A tracking event typed in the console.
#[derive(Debug, Deserialize)]
struct EventForm {
    status: String,
    #[serde(default)]
    location: String,
    description: String,
}

async fn add_event(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<ShipmentId>,
    PageForm(form): PageForm<EventForm>,
) -> WebResult<Response> {
    let request = TrackingRequest {
        status: form.status,
        location: Some(form.location.trim().to_string()).filter(|l| !l.is_empty()),
        description: form.description,
        at_ms: None,
    };
    let shipment = uc::add_tracking_event(state.app(), &ctx, id, &request, None).await?;
    Ok(see_other(&back(shipment.order_id), Some("ship.event_added")))
}

/// A return in the queue.
struct ReturnRow {
    id: String,
    number: String,
    order_id: String,
    order_number: String,
    partner: String,
    status: String,
    status_label: String,
    reason: String,
    amount: String,
    requested: String,
    lines: String,
}

#[derive(Template)]
#[template(path = "console/returns.html")]
struct ReturnsPage {
    c: Chrome,
    tabs: Vec<(String, String, bool)>,
    rows: Vec<ReturnRow>,
    warehouses: Vec<(String, String)>,
    next: Option<String>,
}

/// The returns queue filter.
#[derive(Debug, Deserialize, Default)]
struct ReturnFilter {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    after: String,
}

async fn list_returns(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    ApiQuery(filter): ApiQuery<ReturnFilter>,
) -> WebResult<Response> {
    let c = Chrome::new(&state, &context, "returns.title", "/console/returns").await;
    let status = filter.status.clone().unwrap_or_else(|| "requested".into());
    let paging = ListQuery { limit: Some(50), after: Some(filter.after.clone()).filter(|a| !a.is_empty()) }.page()?;
    let wanted = Some(status.as_str()).filter(|s| !s.is_empty());
    let found = uc::list_returns(state.app(), &ctx, None, wanted, &paging).await?;
    let rows = found
        .items
        .iter()
        .map(|r| ReturnRow {
            id: r.id.to_string(),
            number: r.number.clone(),
            order_id: r.order_id.to_string(),
            order_number: r.order_number.clone(),
            partner: r.partner_name.clone(),
            status: r.status.clone(),
            status_label: label(&c, "returns.status.", &r.status),
            reason: r.reason.clone(),
            amount: c.money(r.amount),
            requested: c.datetime(r.requested_ms),
            lines: r.lines.iter().map(|l| format!("{} × {}", l.sku, l.quantity)).collect::<Vec<_>>().join(", "),
        })
        .collect();
    let mut tabs = vec![("/console/returns?status=".to_string(), c.t("order.all").to_string(), status.is_empty())];
    for code in ["requested", "approved", "rejected", "refunded"] {
        tabs.push((format!("/console/returns?status={code}"), label(&c, "returns.status.", code), status == code));
    }
    let warehouses = warehouse_choices(&state, &ctx, &c).await;
    let next = found.next.map(|n| format!("/console/returns?status={status}&after={n}"));
    Ok(page(&ReturnsPage { c, tabs, rows, warehouses, next }))
}

/// A decision's note.
#[derive(Debug, Deserialize, Default)]
struct NoteForm {
    #[serde(default)]
    note: String,
    #[serde(default)]
    warehouse: String,
}

async fn approve_return(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<ReturnId>,
    PageForm(form): PageForm<NoteForm>,
) -> WebResult<Response> {
    let note = Some(form.note.trim()).filter(|n| !n.is_empty());
    uc::decide_return(state.app(), &ctx, id, true, note).await?;
    Ok(see_other("/console/returns", Some("returns.decided")))
}

async fn reject_return(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<ReturnId>,
    PageForm(form): PageForm<NoteForm>,
) -> WebResult<Response> {
    let note = Some(form.note.trim()).filter(|n| !n.is_empty());
    uc::decide_return(state.app(), &ctx, id, false, note).await?;
    Ok(see_other("/console/returns", Some("returns.decided")))
}

async fn restock_return(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<ReturnId>,
    PageForm(form): PageForm<NoteForm>,
) -> WebResult<Response> {
    let warehouse = Some(form.warehouse.trim()).filter(|w| !w.is_empty());
    uc::restock_return(state.app(), &ctx, id, warehouse).await?;
    Ok(see_other("/console/returns?status=approved", Some("returns.restocked")))
}

/// One SKU's stock, per warehouse.
struct StockRow {
    sku: String,
    on_hand: i64,
    reserved: i64,
    available: i64,
    warehouses: Vec<(String, i64, i64, i64)>,
}

#[derive(Template)]
#[template(path = "console/stock.html")]
struct StockPage {
    c: Chrome,
    q: String,
    rows: Vec<StockRow>,
    error: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
struct StockFilter {
    #[serde(default)]
    q: String,
}

async fn show_stock(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    ApiQuery(filter): ApiQuery<StockFilter>,
) -> WebResult<Response> {
    let c = Chrome::new(&state, &context, "stock_page.title", "/console/stock").await;
    let codes: Vec<String> = filter
        .q
        .split(|ch: char| ch == ',' || ch.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    let (rows, error) = if codes.is_empty() {
        (Vec::new(), None)
    } else {
        match qudao_app::stock::stock_of(state.app(), &ctx, &codes).await {
            Ok(found) => (
                found
                    .into_iter()
                    .map(|s| StockRow {
                        sku: s.sku,
                        on_hand: s.on_hand.unwrap_or(0),
                        reserved: s.reserved.unwrap_or(0),
                        available: s.available.unwrap_or(0),
                        warehouses: s
                            .warehouses
                            .into_iter()
                            .map(|w| (w.warehouse, w.on_hand, w.reserved, w.available))
                            .collect(),
                    })
                    .collect(),
                None,
            ),
            Err(qudao_app::AppError::Invalid(invalid)) => (
                Vec::new(),
                Some(
                    invalid
                        .errors
                        .iter()
                        .map(|e| crate::context::field_message(c.lang, e))
                        .collect::<Vec<_>>()
                        .join("; "),
                ),
            ),
            Err(other) => return Err(other.into()),
        }
    };
    Ok(page(&StockPage { c, q: filter.q.clone(), rows, error }))
}

const ORDER: &[(&str, ObjectKind)] = &[("id", ObjectKind::Order)];
const RETURN: &[(&str, ObjectKind)] = &[("id", ObjectKind::Return)];

/// The routes.
pub const ROUTES: &[Route] = &[
    Route::page(Verb::Get, "/console/orders", Permission::OrdersRead, "Orders by state, and the approval queue", |v| {
        on(v, list_orders)
    }),
    Route::page(
        Verb::Get,
        "/console/orders/{id}",
        Permission::OrdersRead,
        "One order with approval, shipping and tracking",
        |v| on(v, show_order),
    )
    .params(ORDER),
    Route::page(Verb::Post, "/console/orders/{id}/approve", Permission::OrdersApprove, "Approve an order", |v| {
        on(v, approve)
    })
    .params(ORDER)
    .effect(Effect::Change),
    Route::page(
        Verb::Post,
        "/console/orders/{id}/confirm-transfer",
        Permission::FinanceManage,
        "Confirm an order's offline transfer",
        |v| on(v, confirm_transfer),
    )
    .params(ORDER)
    .effect(Effect::Change),
    Route::page(Verb::Post, "/console/orders/{id}/cancel", Permission::OrdersRead, "Cancel an order", |v| {
        on(v, cancel)
    })
    .params(ORDER)
    .effect(Effect::Change)
    .form(&[("reason", "缺货")]),
    Route::page(Verb::Post, "/console/orders/{id}/ship", Permission::OrdersShip, "Ship lines of an order", |v| {
        on(v, ship)
    })
    .params(ORDER)
    .effect(Effect::Create)
    .form(&[("carrier", "顺丰速运"), ("tracking_no", "SF1000000001"), ("qty.1", "1")]),
    Route::page(
        Verb::Post,
        "/console/shipments/{id}/events",
        Permission::OrdersShip,
        "Add a tracking event to a shipment",
        |v| on(v, add_event),
    )
    .params(&[("id", ObjectKind::Shipment)])
    .effect(Effect::Create)
    .form(&[("status", "in_transit"), ("description", "运输中")]),
    Route::page(Verb::Get, "/console/returns", Permission::OrdersRead, "The returns queue", |v| on(v, list_returns)),
    Route::page(Verb::Post, "/console/returns/{id}/approve", Permission::OrdersApprove, "Approve a return", |v| {
        on(v, approve_return)
    })
    .params(RETURN)
    .effect(Effect::Change),
    Route::page(Verb::Post, "/console/returns/{id}/reject", Permission::OrdersApprove, "Reject a return", |v| {
        on(v, reject_return)
    })
    .params(RETURN)
    .effect(Effect::Change)
    .form(&[("note", "超过退货期")]),
    Route::page(
        Verb::Post,
        "/console/returns/{id}/restock",
        Permission::OrdersShip,
        "Restock a returned shipment and refund it",
        |v| on(v, restock_return),
    )
    .params(RETURN)
    .effect(Effect::Change),
    Route::page(Verb::Get, "/console/stock", Permission::StockRead, "Stock per SKU and warehouse", |v| {
        on(v, show_stock)
    }),
];
