//! The business events use cases write to the outbox, built from what they already hold.
//!
//! Order events are derived in one place — `orders::lifecycle::finish`, which every order
//! change passes through — from the action and the order before and after, so a new way to
//! approve or cancel an order reports its event without remembering to. Each event's `data`
//! is the object as the API shows it (`{"order": …}` plus the shipment or return concerned),
//! so an ERP needs no second call to act on it.

use qudao_domain::ids::{EventId, PartnerId};
use qudao_domain::integration::EventType;
use qudao_store::Tx;
use qudao_store::integration::{NewEvent, outbox};
use qudao_store::orders::OrderView;
use serde::Serialize;

use crate::{AppError, AppResult};

/// An event about a partner-owned object, with its data serialised now.
pub fn event<T: Serialize>(
    event_type: EventType,
    partner_id: Option<PartnerId>,
    object_kind: &'static str,
    object_id: impl ToString,
    data: &T,
    occurred_ms: i64,
) -> AppResult<NewEvent> {
    let data_json = serde_json::to_string(data).map_err(|e| AppError::Internal(format!("event data: {e}")))?;
    Ok(NewEvent {
        id: EventId::new(),
        event_type: event_type.as_str(),
        partner_id,
        object_kind,
        object_id: object_id.to_string(),
        occurred_ms,
        data_json,
    })
}

/// Writes events in the caller's transaction.
pub async fn emit(tx: &mut Tx, events: &[NewEvent]) -> AppResult<()> {
    if !events.is_empty() {
        outbox::append(tx, events).await?;
    }
    Ok(())
}

/// The events an order change reports: the action itself where it is one an ERP follows
/// (cancel, ship, receive, approve a return) and, whatever the action, `order.approved` when
/// the order has just become approved (approval by a person, or a confirmed transfer).
pub(crate) fn order_events(
    action: &str,
    before: &OrderView,
    after: &OrderView,
    detail: Option<&serde_json::Value>,
    now_ms: i64,
) -> AppResult<Vec<NewEvent>> {
    let partner = Some(after.summary.partner_id);
    let id = after.summary.id;
    let data = |key: &str| {
        let mut data = serde_json::json!({ "order": after });
        if let (Some(detail), Some(object)) = (detail, data.as_object_mut()) {
            object.insert(key.to_string(), detail.clone());
        }
        data
    };
    let mut events = Vec::new();
    let by_action = match action {
        "cancel" => Some((EventType::OrderCancelled, "cancellation")),
        "ship" => Some((EventType::OrderShipped, "shipment")),
        "receive" => Some((EventType::OrderReceived, "receipt")),
        "return_approve" => Some((EventType::ReturnApproved, "return")),
        _ => None,
    };
    if let Some((event_type, key)) = by_action {
        events.push(event(event_type, partner, "order", id, &data(key), now_ms)?);
    }
    if after.summary.status == "approved" && before.summary.status != "approved" {
        events.push(event(EventType::OrderApproved, partner, "order", id, &data("approval"), now_ms)?);
    }
    Ok(events)
}

/// The events of an order just placed: `order.submitted`, and `order.approved` when a rule
/// approved it at placing. `view_json` is the order as the API shows it, serialised once for
/// the response and reused here.
pub(crate) fn placed_events(view: &OrderView, view_json: &str, now_ms: i64) -> Vec<NewEvent> {
    let data_json = format!("{{\"order\":{view_json}}}");
    let make = |event_type: EventType| NewEvent {
        id: EventId::new(),
        event_type: event_type.as_str(),
        partner_id: Some(view.summary.partner_id),
        object_kind: "order",
        object_id: view.summary.id.to_string(),
        occurred_ms: now_ms,
        data_json: data_json.clone(),
    };
    let mut events = vec![make(EventType::OrderSubmitted)];
    if view.summary.status == "approved" {
        events.push(make(EventType::OrderApproved));
    }
    events
}
