//! The live events people's browsers follow (`GET /api/v1/events`): new thread messages,
//! approval tasks, notifications. Each event carries who may receive it — the object's partner
//! with its region and parent, whether it is a brand-only note, or the people it is for — and
//! each stream keeps only what its caller may see ([`Audience::admits`]).
//!
//! Events are signals, not the record: the messages, tasks and notifications are in their
//! tables, and a stream that reconnects reads what it missed from them. Within one instance the
//! hub is a broadcast channel; events are published after their transaction commits, so a
//! rolled-back change never reaches anyone.

use std::sync::Arc;

use qudao_domain::access::DataScope;
use qudao_domain::ids::{PartnerId, UserId};
use tokio::sync::broadcast;

/// Events a slow stream may fall behind by before it skips (and reloads what it missed).
const BUFFER: usize = 4096;

/// Who may receive an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    /// Whoever sees this partner's objects (brand-only when `internal`).
    Partner {
        /// The object's partner.
        partner_id: PartnerId,
        /// Its region path, for channel managers' territories.
        region_path: String,
        /// Its parent distributor, for a parent that sees its sub-dealers.
        parent_id: Option<PartnerId>,
        /// A brand-only note.
        internal: bool,
    },
    /// These people only.
    People(Vec<UserId>),
}

/// One live event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// `message`, `approval`, `notification`.
    pub kind: &'static str,
    /// Its id (the message's, the approval's…), sent as the SSE id.
    pub id: String,
    /// Who may receive it.
    pub reach: Reach,
    /// The JSON the browser gets.
    pub data: String,
}

/// This instance's events.
#[derive(Debug, Clone)]
pub struct Hub {
    sender: broadcast::Sender<Arc<Event>>,
    /// This instance's name in signals, so it skips its own (it published them already).
    instance: String,
}

impl Default for Hub {
    fn default() -> Self {
        Hub { sender: broadcast::channel(BUFFER).0, instance: uuid::Uuid::now_v7().simple().to_string() }
    }
}

impl Hub {
    /// Sends an event to every stream open on this instance (those not admitted drop it).
    pub fn publish(&self, event: Event) {
        // No stream open is not an error.
        let _ = self.sender.send(Arc::new(event));
    }

    /// A new stream's receiver.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.sender.subscribe()
    }

    /// Streams open now.
    pub fn streams(&self) -> usize {
        self.sender.receiver_count()
    }
}

/// What one stream's caller may receive, fixed when the stream opens (a channel manager's
/// territory is read then; a change of territory reaches the stream when it reconnects).
#[derive(Debug, Clone)]
pub struct Audience {
    /// The caller.
    pub user_id: UserId,
    /// The caller's data scope.
    pub data: DataScope,
    /// For a channel manager: the region paths and partners of the territory.
    pub territory: (Vec<String>, Vec<PartnerId>),
}

impl Audience {
    /// Whether this caller may receive the event.
    pub fn admits(&self, event: &Event) -> bool {
        match &event.reach {
            Reach::People(people) => people.contains(&self.user_id),
            Reach::Partner { partner_id, region_path, parent_id, internal } => match &self.data {
                DataScope::AllPartners => true,
                DataScope::Assigned { .. } => {
                    self.territory.1.contains(partner_id)
                        || self.territory.0.iter().any(|path| region_path.starts_with(path.as_str()))
                }
                DataScope::Partner { partner_id: own, with_sub_dealers } => {
                    !internal && (partner_id == own || (*with_sub_dealers && parent_id.as_ref() == Some(own)))
                }
            },
        }
    }
}

/// Announces events to the other instances sharing the database, inside the transaction that
/// made them (PostgreSQL `NOTIFY`: delivered only if it commits). Call before committing, then
/// publish them here after.
pub async fn announce(tx: &mut qudao_store::Tx, hub: &Hub, events: &[Event]) -> crate::AppResult<()> {
    for event in events {
        qudao_store::signals::notify(tx, &format!("{}:{}:{}", event.kind, hub.instance, event.id)).await?;
    }
    Ok(())
}

/// Listens for the other instances' announcements and publishes them on this instance's hub:
/// the message or notification is read again (as the system: each stream still admits only what
/// its caller may see). `None` on SQLite, which serves one instance. Runs until the process ends.
pub async fn bridge(app: crate::App) -> crate::AppResult<Option<tokio::task::JoinHandle<()>>> {
    let Some(mut listener) = qudao_store::signals::Listener::start(app.db()).await? else { return Ok(None) };
    Ok(Some(tokio::spawn(async move {
        loop {
            match listener.next().await {
                Ok(payload) => {
                    if let Err(error) = relay(&app, &payload).await {
                        tracing::warn!(%error, payload, "an announced event could not be read");
                    }
                }
                Err(error) => {
                    tracing::warn!(%error, "the event listener lost its connection");
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                }
            }
        }
    })))
}

/// Reads one announced event and publishes it here, unless this instance made it.
async fn relay(app: &crate::App, payload: &str) -> crate::AppResult<()> {
    let mut parts = payload.splitn(3, ':');
    let (Some(kind), Some(instance), Some(id)) = (parts.next(), parts.next(), parts.next()) else { return Ok(()) };
    if instance == app.events().instance {
        return Ok(());
    }
    let scope = qudao_store::Scope::system("events announced by another instance are relayed to this one's streams");
    let mut tx = app.db().read(&scope).await?;
    let event = match kind {
        "message" => {
            let Ok(id) = id.parse() else { return Ok(()) };
            let Some(message) = qudao_store::threads::get(&mut tx, id).await? else { return Ok(()) };
            crate::threads::event_of(&mut tx, &message).await?
        }
        "notification" => {
            let Ok(id) = id.parse() else { return Ok(()) };
            let Some((user, view)) = qudao_store::notifications::by_id(&mut tx, id).await? else { return Ok(()) };
            crate::notifications::event_of(user, &view)
        }
        _ => return Ok(()),
    };
    drop(tx);
    app.events().publish(event);
    Ok(())
}

/// The audience of a stream the caller opens now.
pub async fn audience(app: &crate::App, ctx: &crate::Ctx) -> crate::AppResult<Audience> {
    let data = ctx.caller().data_scope().clone();
    let territory = match &data {
        DataScope::Assigned { user_id } => {
            let mut tx = app.read(ctx).await?;
            qudao_store::access::assignments::territory(&mut tx, *user_id).await?
        }
        _ => (Vec::new(), Vec::new()),
    };
    Ok(Audience { user_id: ctx.caller().user_id(), data, territory })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_stream_admits_only_what_its_caller_may_see() {
        let (own, other, child) = (PartnerId::new(), PartnerId::new(), PartnerId::new());
        let message = |partner_id, parent_id, internal| Event {
            kind: "message",
            id: "m".into(),
            reach: Reach::Partner { partner_id, region_path: "/R-EAST/CN-SH/".into(), parent_id, internal },
            data: "{}".into(),
        };
        let me = UserId::new();
        let partner = |with_sub_dealers| Audience {
            user_id: me,
            data: DataScope::Partner { partner_id: own, with_sub_dealers },
            territory: (Vec::new(), Vec::new()),
        };
        assert!(partner(false).admits(&message(own, None, false)));
        assert!(!partner(false).admits(&message(own, None, true)), "internal notes never reach partners");
        assert!(!partner(false).admits(&message(other, None, false)));
        assert!(!partner(false).admits(&message(child, Some(own), false)));
        assert!(partner(true).admits(&message(child, Some(own), false)), "a parent that sees its sub-dealers");
        let manager = |paths: Vec<String>| Audience {
            user_id: me,
            data: DataScope::Assigned { user_id: me },
            territory: (paths, Vec::new()),
        };
        assert!(manager(vec!["/R-EAST/".into()]).admits(&message(other, None, true)));
        assert!(!manager(vec!["/R-NORTH/".into()]).admits(&message(other, None, false)));
        let brand = Audience { user_id: me, data: DataScope::AllPartners, territory: (Vec::new(), Vec::new()) };
        assert!(brand.admits(&message(other, None, true)));
        let targeted = Event { reach: Reach::People(vec![UserId::new()]), ..message(own, None, false) };
        assert!(!brand.admits(&targeted), "someone else's notification");
    }
}
