//! Protection's clock: partners are reminded before a claim ends, and a claim whose protection
//! has ended expires and its customer goes to the pool. Safe on every instance at once: each
//! change is guarded by the registration's revision.

use qudao_domain::deals::registration::{DAY_MS, RegistrationStatus};
use qudao_domain::notifications::Topic;
use qudao_store::Scope;
use qudao_store::access::users;
use qudao_store::deals::registrations::{self as store, Change};

use super::rules;
use crate::AppResult;
use crate::notifications::Note;
use crate::{App, clock};

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swept {
    /// Claims whose partners were reminded.
    pub reminded: u64,
    /// Claims expired into the pool.
    pub expired: u64,
}

/// The most claims one pass handles (the next pass takes the rest).
const PER_PASS: u32 = 500;

/// Runs one pass.
pub async fn sweep(app: &App) -> AppResult<Swept> {
    let now = app.now_ms();
    let scope = Scope::system("protection periods are reminded of and ended for every partner");
    let mut tx = app.db().write(&scope).await?;
    let rules = rules::load(&mut tx).await?;
    let window = i64::from(rules.protection.remind_days) * DAY_MS;
    let ending = store::ending_before(&mut tx, now + window, PER_PASS).await?;
    let mut swept = Swept::default();
    let mut events = Vec::new();
    for row in ending {
        let Some(until) = row.protected_until else { continue };
        if until <= now {
            let change = Change {
                status: RegistrationStatus::Expired,
                protected_until: row.protected_until,
                extensions: row.extensions,
                extension_asked_ms: None,
                reminded_ms: row.reminded_ms,
            };
            if store::update(&mut tx, row.id, row.revision, &change, now).await? {
                let detail = serde_json::json!({ "protected_until": until });
                store::add_event(&mut tx, row.id, row.partner_id, None, "expired", &detail, now).await?;
                swept.expired += 1;
            }
        } else if window > 0 && row.reminded_ms.is_none() {
            let change = Change {
                status: row.status,
                protected_until: row.protected_until,
                extensions: row.extensions,
                extension_asked_ms: row.extension_asked_ms,
                reminded_ms: Some(now),
            };
            if store::update(&mut tx, row.id, row.revision, &change, now).await? {
                let detail = serde_json::json!({ "protected_until": until });
                store::add_event(&mut tx, row.id, row.partner_id, None, "reminded", &detail, now).await?;
                let note = Note {
                    topic: Topic::DealEvent,
                    title: format!("报备即将到期：{}", row.customer_name),
                    body: format!(
                        "{} 的保护期到 {} 结束，可申请延期 · protection ends {}",
                        row.number,
                        clock::china_datetime(until),
                        clock::china_datetime(until)
                    ),
                    object: Some(("registration".into(), row.id.to_string())),
                    partner_id: Some(row.partner_id),
                };
                let people = recipients(&mut tx, &row).await?;
                events.extend(crate::notifications::notify(&mut tx, &people, &note, now).await?);
                swept.reminded += 1;
            }
        }
    }
    crate::events::announce(&mut tx, app.events(), &events).await?;
    tx.commit().await?;
    for event in events {
        app.events().publish(event);
    }
    Ok(swept)
}

/// Who hears about a claim: the person who filed it, if still active.
async fn recipients(
    tx: &mut qudao_store::Tx,
    row: &store::RegistrationRow,
) -> AppResult<Vec<qudao_domain::ids::UserId>> {
    let user = users::get(tx, row.created_by).await?;
    Ok(user.filter(|u| u.status == users::UserStatus::Active).map(|u| u.id).into_iter().collect())
}
