//! The business events Qudao tells an ERP about, and which of them an endpoint subscribed to.
//!
//! The type names are a public contract (an ERP switches on them), so they are spelled once,
//! here, as `object.past_tense` in the style of most webhook producers.

use crate::FieldError;

/// A kind of business event written to the outbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventType {
    /// A partner placed an order.
    OrderSubmitted,
    /// An order was approved (by a person, a rule at placing, or a confirmed transfer).
    OrderApproved,
    /// An order was cancelled.
    OrderCancelled,
    /// Goods of an order left a warehouse (one event per shipment).
    OrderShipped,
    /// The partner signed for the goods.
    OrderReceived,
    /// A return was approved.
    ReturnApproved,
    /// Money from a partner was recorded.
    ReceiptRecorded,
    /// A partner company was created.
    PartnerCreated,
    /// A partner company's master data or status changed.
    PartnerUpdated,
}

impl EventType {
    /// Every event type, in the order the console lists them.
    pub const ALL: [EventType; 9] = [
        EventType::OrderSubmitted,
        EventType::OrderApproved,
        EventType::OrderCancelled,
        EventType::OrderShipped,
        EventType::OrderReceived,
        EventType::ReturnApproved,
        EventType::ReceiptRecorded,
        EventType::PartnerCreated,
        EventType::PartnerUpdated,
    ];

    /// The name in the webhook body's `type` and in subscriptions.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::OrderSubmitted => "order.submitted",
            EventType::OrderApproved => "order.approved",
            EventType::OrderCancelled => "order.cancelled",
            EventType::OrderShipped => "order.shipped",
            EventType::OrderReceived => "order.received",
            EventType::ReturnApproved => "return.approved",
            EventType::ReceiptRecorded => "receipt.recorded",
            EventType::PartnerCreated => "partner.created",
            EventType::PartnerUpdated => "partner.updated",
        }
    }

    /// The type of a name, if it is one.
    pub fn parse(name: &str) -> Option<EventType> {
        EventType::ALL.into_iter().find(|t| t.as_str() == name)
    }
}

/// What an endpoint subscribed to: everything (`"*"`), or a list of types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subscription {
    /// Every event, including types added in later versions.
    All,
    /// Only these types (sorted, without repeats).
    Only(Vec<EventType>),
}

impl Subscription {
    /// Reads a subscription as typed by an admin: `["*"]` or type names. An empty list, an
    /// unknown name, or `"*"` mixed with names is refused, so an endpoint never silently
    /// receives nothing or more than was meant.
    pub fn parse(names: &[String]) -> Result<Subscription, FieldError> {
        let names: Vec<&str> = names.iter().map(|n| n.trim()).filter(|n| !n.is_empty()).collect();
        if names.is_empty() {
            return Err(FieldError::new("events", "required"));
        }
        if names.contains(&"*") {
            return if names.iter().all(|n| *n == "*") {
                Ok(Subscription::All)
            } else {
                Err(FieldError::new("events", "wildcard_alone"))
            };
        }
        let mut types = Vec::with_capacity(names.len());
        for name in names {
            match EventType::parse(name) {
                Some(t) => types.push(t),
                None => return Err(FieldError::with_param("events", "unknown_event", name)),
            }
        }
        types.sort();
        types.dedup();
        Ok(Subscription::Only(types))
    }

    /// Whether an event of this type name goes to the endpoint.
    pub fn includes(&self, event_type: &str) -> bool {
        match self {
            Subscription::All => true,
            Subscription::Only(types) => types.iter().any(|t| t.as_str() == event_type),
        }
    }

    /// The names as stored and shown: `["*"]` or the types.
    pub fn names(&self) -> Vec<String> {
        match self {
            Subscription::All => vec!["*".to_string()],
            Subscription::Only(types) => types.iter().map(|t| t.as_str().to_string()).collect(),
        }
    }
}

/// The webhook body: `{"type","timestamp","data"}` as the Standard Webhooks specification
/// shapes it. `data_json` is the event's stored JSON, placed as it is (it was serialised once,
/// in the transaction that wrote the event) so the bytes signed are the bytes stored.
pub fn webhook_body(event_type: &str, timestamp_rfc3339: &str, data_json: &str) -> String {
    let mut body = String::with_capacity(data_json.len() + 64);
    body.push_str("{\"type\":");
    body.push_str(&json_string(event_type));
    body.push_str(",\"timestamp\":");
    body.push_str(&json_string(timestamp_rfc3339));
    body.push_str(",\"data\":");
    body.push_str(data_json);
    body.push('}');
    body
}

/// A JSON string literal (the two values quoted here are ours, but quoting them properly keeps
/// the body valid whatever they hold).
fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn type_names_round_trip_and_are_unique() {
        for t in EventType::ALL {
            assert_eq!(EventType::parse(t.as_str()), Some(t));
        }
        let mut all: Vec<&str> = EventType::ALL.iter().map(|t| t.as_str()).collect();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), EventType::ALL.len());
        assert_eq!(EventType::parse("order.deleted"), None);
    }

    #[test]
    fn subscriptions_are_a_wildcard_or_known_types() {
        assert_eq!(Subscription::parse(&names(&["*"])).unwrap(), Subscription::All);
        let only = Subscription::parse(&names(&["order.shipped", "order.approved", "order.shipped"])).unwrap();
        assert_eq!(only.names(), names(&["order.approved", "order.shipped"]));
        assert!(only.includes("order.shipped"));
        assert!(!only.includes("order.submitted"));
        assert!(Subscription::All.includes("anything.new"));
        assert_eq!(Subscription::parse(&[]).unwrap_err().code, "required");
        assert_eq!(Subscription::parse(&names(&[" "])).unwrap_err().code, "required");
        assert_eq!(Subscription::parse(&names(&["*", "order.shipped"])).unwrap_err().code, "wildcard_alone");
        assert_eq!(Subscription::parse(&names(&["order.exploded"])).unwrap_err().code, "unknown_event");
    }

    #[test]
    fn the_body_wraps_the_stored_data_unchanged() {
        let body = webhook_body("order.shipped", "2026-11-29T08:00:00.000Z", r#"{"id":"x","n":1}"#);
        assert_eq!(body, r#"{"type":"order.shipped","timestamp":"2026-11-29T08:00:00.000Z","data":{"id":"x","n":1}}"#);
        let parsed: serde_json::Value = serde_json::from_str(&webhook_body("a\"b\n", "t", "null")).unwrap();
        assert_eq!(parsed["type"], "a\"b\n");
    }
}
