//! One return's page (console and portal): what is sent back and why, where its approval
//! stands when a flow holds it, its decision, and its discussion. The console's decisions post
//! to the returns queue's own routes.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use qudao_app::orders as uc;
use qudao_domain::access::{Permission, RoleSide};
use qudao_domain::ids::ReturnId;

use crate::context::Authed;
use crate::error::WebResult;
use crate::extract::Id;
use crate::pages::approvals::{ApprovalPanel, delegates, panels_of};
use crate::pages::console::orders::warehouse_choices;
use crate::pages::ordering::label;
use crate::pages::threads::{self, ThreadPanel};
use crate::pages::{Chrome, page};
use crate::registry::{ObjectKind, Route, Verb, on};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "ordering/return.html")]
struct ReturnPage {
    c: Chrome,
    id: String,
    number: String,
    order_href: String,
    order_number: String,
    partner: String,
    status: String,
    status_label: String,
    reason: String,
    amount: String,
    requested: String,
    decided: String,
    note: String,
    lines: Vec<(i64, String, i64, String)>,
    may_decide: bool,
    may_restock: bool,
    warehouses: Vec<(String, String)>,
    approvals: Vec<ApprovalPanel>,
    delegates: Vec<(String, String)>,
    thread: ThreadPanel,
}

async fn show_return(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    Id(id): Id<ReturnId>,
) -> WebResult<Response> {
    let found = uc::get_return(state.app(), &ctx, id).await?;
    let console = ctx.caller().role().side() == RoleSide::Brand;
    let (section, base) = if console { ("/console/returns", "/console") } else { ("/portal/orders", "/portal") };
    let mut c = Chrome::new(&state, &context, "returns.title", section).await;
    c.title = format!("{} {}", c.t("returns.title"), found.number);
    let here = format!("{base}/returns/{id}");
    let approvals = panels_of(&state, &ctx, &c, "return", &id.to_string()).await?;
    let running = approvals.iter().any(|a| a.outcome == "running");
    let delegates = if approvals.iter().any(|a| a.my_turn) { delegates(&state, &ctx).await } else { Vec::new() };
    let thread = threads::panel(&state, &ctx, &c, "return", &id.to_string(), &here).await?;
    let caller = ctx.caller();
    let may_restock = console && found.status == "approved" && caller.may(Permission::OrdersShip);
    let warehouses = if may_restock { warehouse_choices(&state, &ctx, &c).await } else { Vec::new() };
    let template = ReturnPage {
        id: id.to_string(),
        number: found.number.clone(),
        order_href: format!("{base}/orders/{}", found.order_id),
        order_number: found.order_number.clone(),
        partner: found.partner_name.clone(),
        status: found.status.clone(),
        status_label: label(&c, "returns.status.", &found.status),
        reason: found.reason.clone(),
        amount: c.money(found.amount),
        requested: c.datetime(found.requested_ms),
        decided: found.decided_ms.map(|ms| c.datetime(ms)).unwrap_or_default(),
        note: found.decision_note.clone().unwrap_or_default(),
        lines: found.lines.iter().map(|l| (l.line_no, l.sku.clone(), l.quantity, c.money(l.amount))).collect(),
        // Under a flow the decision is made on its panel.
        may_decide: console && found.status == "requested" && !running && caller.may(Permission::OrdersApprove),
        may_restock,
        warehouses,
        approvals,
        delegates,
        thread,
        c,
    };
    Ok(page(&template))
}

const RETURN: &[(&str, ObjectKind)] = &[("id", ObjectKind::Return)];

/// The routes.
pub const ROUTES: &[Route] = &[
    Route::page(
        Verb::Get,
        "/console/returns/{id}",
        Permission::OrdersRead,
        "One return with its approval, decision and discussion",
        |v| on(v, show_return),
    )
    .params(RETURN),
    Route::page(
        Verb::Get,
        "/portal/returns/{id}",
        Permission::OrdersRead,
        "One of the partner's returns with its approval and discussion",
        |v| on(v, show_return),
    )
    .params(RETURN),
];
