//! Reading orders and their timelines.

use qudao_domain::access::Permission;
use qudao_domain::ids::OrderId;
use qudao_store::orders::{self, OrderFilter, OrderSummary, OrderView};
use qudao_store::page::{Page, PageRequest};

use crate::{App, AppError, AppResult, Ctx};

/// One order (a partner user: only its own company's; a channel manager: its partners').
pub async fn get_order(app: &App, ctx: &Ctx, id: OrderId) -> AppResult<OrderView> {
    ctx.require(Permission::OrdersRead)?;
    let mut tx = app.read(ctx).await?;
    orders::get(&mut tx, id).await?.ok_or(AppError::NotFound)
}

/// The id of a visible order by its number (`SO-20261129-0001`), for forms where people type the
/// number they know.
pub async fn order_id_by_number(app: &App, ctx: &Ctx, number: &str) -> AppResult<OrderId> {
    ctx.require(Permission::OrdersRead)?;
    let mut tx = app.read(ctx).await?;
    orders::id_by_number(&mut tx, number.trim()).await?.ok_or(AppError::NotFound)
}

/// A page of the orders the caller sees, newest first.
pub async fn list_orders(
    app: &App,
    ctx: &Ctx,
    filter: &OrderFilter,
    page: &PageRequest,
) -> AppResult<Page<OrderSummary>> {
    ctx.require(Permission::OrdersRead)?;
    let mut tx = app.read(ctx).await?;
    Ok(orders::list(&mut tx, filter, page).await?)
}

/// One thing that happened to an order, as its timeline shows it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct TimelineEntry {
    /// When.
    pub at_ms: i64,
    /// `audit` (a transition, shipment or return step recorded in the audit log) or
    /// `tracking` (a carrier's event).
    pub source: &'static str,
    /// The audit action (`place`, `approve`, `ship`, `receive`, `return_request`, …) or the
    /// tracking status (`in_transit`, `delivered`, …).
    pub action: String,
    /// Who did it (`system` for automatic steps); the carrier's location for tracking.
    pub actor: Option<String>,
    /// The order's status after the step, for audit entries.
    pub status: Option<String>,
    /// What the step carried: the shipment and its tracking number, the return and its
    /// amount, the cancellation reason, the carrier's words.
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
}

/// Everything that happened to a visible order, oldest first: the audit log's rows for it and
/// its shipments' tracking events, merged by time.
pub async fn order_timeline(app: &App, ctx: &Ctx, id: OrderId) -> AppResult<Vec<TimelineEntry>> {
    ctx.require(Permission::OrdersRead)?;
    let mut tx = app.read(ctx).await?;
    orders::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let filter = qudao_store::audit::AuditFilter {
        object_kind: Some("order".into()),
        object_id: Some(id.to_string()),
        ..Default::default()
    };
    let mut entries = Vec::new();
    let mut page = PageRequest::first(qudao_store::page::MAX_LIMIT);
    for _ in 0..10 {
        let rows = qudao_store::audit::list(&mut tx, &filter, &page).await?;
        for row in rows.items {
            let after: serde_json::Value =
                row.after.as_deref().and_then(|text| serde_json::from_str(text).ok()).unwrap_or_default();
            entries.push(TimelineEntry {
                at_ms: row.at_ms,
                source: "audit",
                action: row.action,
                actor: Some(row.actor_label),
                status: after.get("status").and_then(|s| s.as_str()).map(str::to_string),
                detail: after.get("detail").cloned().unwrap_or(serde_json::Value::Null),
            });
        }
        match rows.next.as_deref().and_then(qudao_store::page::Cursor::decode) {
            Some(cursor) => page.after = Some(cursor),
            None => break,
        }
    }
    for shipment in orders::shipments(&mut tx, Some(id), None).await? {
        for event in shipment.events {
            entries.push(TimelineEntry {
                at_ms: event.at_ms,
                source: "tracking",
                action: event.status,
                actor: event.location,
                status: None,
                detail: serde_json::json!({ "shipment": shipment.number, "carrier": shipment.carrier,
                    "tracking_no": shipment.tracking_no, "description": event.description }),
            });
        }
    }
    entries.sort_by_key(|e| e.at_ms);
    Ok(entries)
}
