//! Notifications: which events reach a person, and how — in the app's inbox, by e-mail at once,
//! in the daily digest — by the person's own choice or the event's default.

use serde::{Deserialize, Serialize};

/// Something a person may be told about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Topic {
    /// An approval waits for the person.
    ApprovalWaiting,
    /// An approval the person submitted ended (approved, rejected).
    ApprovalDecided,
    /// The person was @mentioned on a thread.
    Mention,
    /// A new message on a thread of the person's own object.
    ThreadMessage,
    /// Something happened to an order the person placed (approved, shipped, cancelled, a
    /// return decided or refunded) by someone else.
    OrderEvent,
    /// A registration, lead or opportunity of the person's needs them: a claim decided or about
    /// to expire, a lead assigned, a registration waiting for review.
    DealEvent,
}

/// How e-mail is sent for a topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EmailMode {
    /// No e-mail.
    Off,
    /// One e-mail per notification, at once.
    Instant,
    /// Gathered into one e-mail a day.
    Digest,
}

impl EmailMode {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            EmailMode::Off => "off",
            EmailMode::Instant => "instant",
            EmailMode::Digest => "digest",
        }
    }

    /// The mode of a stored name.
    pub fn parse(s: &str) -> Option<EmailMode> {
        [EmailMode::Off, EmailMode::Instant, EmailMode::Digest].into_iter().find(|m| m.as_str() == s)
    }
}

/// How one topic reaches one person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Delivery {
    /// In the app's inbox.
    pub in_app: bool,
    /// By e-mail.
    pub email: EmailMode,
}

impl Topic {
    /// Every topic, for the preferences page.
    pub const ALL: [Topic; 6] = [
        Topic::ApprovalWaiting,
        Topic::ApprovalDecided,
        Topic::Mention,
        Topic::ThreadMessage,
        Topic::OrderEvent,
        Topic::DealEvent,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Topic::ApprovalWaiting => "approval_waiting",
            Topic::ApprovalDecided => "approval_decided",
            Topic::Mention => "mention",
            Topic::ThreadMessage => "thread_message",
            Topic::OrderEvent => "order_event",
            Topic::DealEvent => "deal_event",
        }
    }

    /// The topic of a stored name.
    pub fn parse(s: &str) -> Option<Topic> {
        Topic::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// Without a choice of the person's: everything in the app; what needs the person (an
    /// approval, a mention, a decision on their submission) also by e-mail at once; ordinary
    /// thread traffic in the app only.
    pub fn default_delivery(self) -> Delivery {
        let email = match self {
            Topic::ApprovalWaiting | Topic::ApprovalDecided | Topic::Mention | Topic::DealEvent => EmailMode::Instant,
            Topic::ThreadMessage | Topic::OrderEvent => EmailMode::Off,
        };
        Delivery { in_app: true, email }
    }
}

/// The stored e-mail state of a new notification delivered this way: `pending` (send now),
/// `digest` (send with the day's digest) or `none`. A person without an e-mail address gets
/// none.
pub fn email_state(delivery: Delivery, has_address: bool) -> &'static str {
    match (delivery.email, has_address) {
        (EmailMode::Instant, true) => "pending",
        (EmailMode::Digest, true) => "digest",
        _ => "none",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_states() {
        for topic in Topic::ALL {
            assert_eq!(Topic::parse(topic.as_str()), Some(topic));
        }
        assert_eq!(Topic::Mention.default_delivery().email, EmailMode::Instant);
        assert_eq!(Topic::ThreadMessage.default_delivery(), Delivery { in_app: true, email: EmailMode::Off });
        assert_eq!(email_state(Topic::Mention.default_delivery(), true), "pending");
        assert_eq!(email_state(Delivery { in_app: false, email: EmailMode::Digest }, true), "digest");
        assert_eq!(email_state(Topic::Mention.default_delivery(), false), "none", "no address, no mail");
        assert_eq!(EmailMode::parse("weekly"), None);
    }
}
