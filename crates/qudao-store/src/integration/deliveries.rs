//! Deliveries of events to endpoints: taken under a lease, their attempts recorded, replayed.

use qudao_domain::ids::{AttemptId, DeliveryId, EndpointId, EventId};
use serde::Serialize;
use utoipa::ToSchema;

use crate::page::{Cursor, Page, PageRequest};
use crate::sql::Value;
use crate::{Dialect, RowExt, Sql, StoreResult, Tx};

/// A delivery an instance took, with what it needs to send it.
#[derive(Debug, Clone)]
pub struct Claimed {
    /// The delivery.
    pub id: DeliveryId,
    /// The event, whose id is the `webhook-id`.
    pub event_id: EventId,
    /// The endpoint.
    pub endpoint_id: EndpointId,
    /// Where to post.
    pub url: String,
    /// The endpoint's current secret.
    pub secret: String,
    /// Its previous secret while a rotation overlaps.
    pub previous_secret: Option<String>,
    /// Until when the previous secret signs.
    pub previous_until_ms: Option<i64>,
    /// Attempts made before this one.
    pub attempts: i64,
    /// When the first attempt was made (`None`: this is the first).
    pub first_attempt_ms: Option<i64>,
    /// The event's type name.
    pub event_type: String,
    /// When the event happened.
    pub occurred_ms: i64,
    /// The event's data.
    pub data_json: String,
}

impl Claimed {
    /// The secrets that sign it at `now_ms`: the current one, and the previous one while a
    /// rotation's overlap lasts.
    pub fn signing_secrets(&self, now_ms: i64) -> Vec<&str> {
        let mut secrets = vec![self.secret.as_str()];
        if let (Some(previous), Some(until)) = (&self.previous_secret, self.previous_until_ms)
            && now_ms < until
        {
            secrets.push(previous.as_str());
        }
        secrets
    }
}

/// Takes up to `limit` due deliveries for `owner` until `lease_until_ms` (a disabled endpoint's
/// are `held`, not pending). A delivery is due when it is pending, its time has come and no
/// lease on it is running — one scan of the pending index in due order, stopping at `limit`; an
/// instance that died mid-send leaves a lease that simply runs out. On PostgreSQL rows another
/// instance is taking are skipped (`SKIP LOCKED`); SQLite's one writer serialises the takers.
pub async fn claim(
    tx: &mut Tx,
    owner: &str,
    limit: i64,
    now_ms: i64,
    lease_until_ms: i64,
) -> StoreResult<Vec<Claimed>> {
    let mut sql = Sql::new("UPDATE webhook_deliveries SET lease_owner = ");
    sql.bind(owner).push_bind(", lease_until_ms = ", lease_until_ms);
    sql.push(" WHERE lease_until_ms <= ").bind(now_ms).push(" AND id IN (SELECT d.id FROM webhook_deliveries d ");
    sql.push("WHERE d.status = 'pending' AND d.next_attempt_ms <= ").bind(now_ms);
    sql.push(" AND d.lease_until_ms <= ").bind(now_ms).push(" ORDER BY d.next_attempt_ms LIMIT ").bind(limit);
    sql.push(skip_locked_of_d(tx.dialect())).push(") RETURNING id");
    let ids: Vec<String> =
        sql.fetch_all(tx.conn()).await?.iter().map(|row| row.text("id")).collect::<StoreResult<_>>()?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(
        "SELECT d.id, d.event_id, d.endpoint_id, d.attempts, d.first_attempt_ms, e.url, e.secret, e.previous_secret, \
         e.previous_until_ms, o.event_type, o.occurred_ms, o.data_json FROM webhook_deliveries d \
         JOIN webhook_endpoints e ON e.id = d.endpoint_id JOIN outbox_events o ON o.id = d.event_id WHERE ",
    );
    crate::bulk::push_in(&mut sql, tx.dialect(), "d.id", &ids);
    sql.push(" ORDER BY d.next_attempt_ms, d.id");
    sql.fetch_all(tx.conn())
        .await?
        .iter()
        .map(|row| {
            Ok(Claimed {
                id: row.parse("id")?,
                event_id: row.parse("event_id")?,
                endpoint_id: row.parse("endpoint_id")?,
                url: row.text("url")?,
                secret: row.text("secret")?,
                previous_secret: row.opt_text("previous_secret")?,
                previous_until_ms: row.opt_int("previous_until_ms")?,
                attempts: row.int("attempts")?,
                first_attempt_ms: row.opt_int("first_attempt_ms")?,
                event_type: row.text("event_type")?,
                occurred_ms: row.int("occurred_ms")?,
                data_json: row.text("data_json")?,
            })
        })
        .collect()
}

/// Whether any delivery is due now (a cheap read before [`claim`] opens a write transaction).
pub async fn has_due(tx: &mut Tx, now_ms: i64) -> StoreResult<bool> {
    let mut sql =
        Sql::new("SELECT d.id FROM webhook_deliveries d WHERE d.status = 'pending' AND d.next_attempt_ms <= ");
    sql.bind(now_ms).push(" AND d.lease_until_ms <= ").bind(now_ms).push(" LIMIT 1");
    Ok(sql.fetch_optional(tx.conn()).await?.is_some())
}

/// PostgreSQL: lock the deliveries taken, skipping those another instance holds.
fn skip_locked_of_d(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Postgres => " FOR UPDATE SKIP LOCKED",
        Dialect::Sqlite => "",
    }
}

/// Where a delivery goes after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// The endpoint took it.
    Delivered,
    /// Try again at this time.
    RetryAt(i64),
    /// The retry window is over: dead-lettered until an admin replays it.
    Dead,
}

/// The result of one attempt.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The delivery.
    pub id: DeliveryId,
    /// Its endpoint.
    pub endpoint_id: EndpointId,
    /// When the attempt started.
    pub at_ms: i64,
    /// How long it took.
    pub duration_ms: i64,
    /// The status the endpoint answered, if it answered.
    pub status: Option<u16>,
    /// What went wrong, if anything.
    pub error: Option<String>,
    /// The start of the endpoint's answer.
    pub excerpt: Option<String>,
    /// What happens next.
    pub next: Next,
    /// The endpoint answered `410 Gone` and is to be disabled.
    pub disable_endpoint: bool,
}

/// Records attempts and moves their deliveries on, only where `owner` still holds the lease (a
/// delivery whose lease ran out and was taken again is left to its new holder); returns how
/// many deliveries were updated.
pub async fn record(tx: &mut Tx, owner: &str, outcomes: &[Outcome]) -> StoreResult<u64> {
    let attempts: Vec<Vec<Value>> = outcomes
        .iter()
        .map(|o| {
            vec![
                Value::from(AttemptId::new()),
                Value::from(o.id),
                Value::from(o.at_ms),
                Value::from(o.duration_ms),
                Value::from(o.status.map(i64::from)),
                Value::from(o.error.as_deref()),
                Value::from(o.excerpt.as_deref()),
            ]
        })
        .collect();
    crate::bulk::insert_rows(
        tx,
        "INSERT INTO webhook_attempts (id, delivery_id, at_ms, duration_ms, status, error, response_excerpt) VALUES",
        &attempts,
        "",
    )
    .await?;
    let moves: Vec<(&Outcome, &str, i64, Option<i64>)> = outcomes
        .iter()
        .map(|o| match o.next {
            Next::Delivered => (o, "delivered", o.at_ms, Some(o.at_ms + o.duration_ms)),
            Next::RetryAt(at) => (o, "pending", at, None),
            Next::Dead => (o, "dead", o.at_ms, None),
        })
        .collect();
    let updated = match tx.dialect() {
        // One statement for the whole turn: the rows as one JSON parameter (a round trip per
        // delivery was most of the worker's time on PostgreSQL).
        Dialect::Postgres => {
            let rows: Vec<serde_json::Value> = moves
                .iter()
                .map(|(o, status, next_ms, delivered_ms)| {
                    serde_json::json!({ "id": o.id, "status": status, "at_ms": o.at_ms, "next_ms": next_ms,
                        "code": o.status, "error": o.error, "delivered_ms": delivered_ms })
                })
                .collect();
            let json = serde_json::to_string(&rows).map_err(|e| crate::StoreError::Corrupt(e.to_string()))?;
            let mut sql = Sql::new(
                "UPDATE webhook_deliveries AS d SET status = v.status, attempts = d.attempts + 1, \
                 first_attempt_ms = COALESCE(d.first_attempt_ms, v.at_ms), next_attempt_ms = v.next_ms, \
                 lease_owner = NULL, lease_until_ms = 0, last_status = v.code, last_error = v.error, \
                 delivered_ms = v.delivered_ms FROM json_to_recordset(CAST(",
            );
            sql.bind(json).push(" AS json)) AS v(id text, status text, at_ms bigint, next_ms bigint, code bigint, ");
            sql.push("error text, delivered_ms bigint) WHERE d.id = v.id AND d.lease_owner = ").bind(owner);
            sql.execute(tx.conn()).await?
        }
        Dialect::Sqlite => {
            let mut updated = 0;
            for (o, status, next_ms, delivered_ms) in &moves {
                let mut sql = Sql::new("UPDATE webhook_deliveries SET status = ");
                sql.bind(*status).push(", attempts = attempts + 1, first_attempt_ms = COALESCE(first_attempt_ms, ");
                sql.bind(o.at_ms).push("), next_attempt_ms = ").bind(*next_ms);
                sql.push(", lease_owner = NULL, lease_until_ms = 0, last_status = ").bind(o.status.map(i64::from));
                sql.push_bind(", last_error = ", o.error.as_deref()).push_bind(", delivered_ms = ", *delivered_ms);
                sql.push_bind(" WHERE id = ", o.id).push_bind(" AND lease_owner = ", owner);
                updated += sql.execute(tx.conn()).await?;
            }
            updated
        }
    };
    for o in outcomes.iter().filter(|o| o.disable_endpoint) {
        super::endpoints::disable_gone(tx, o.endpoint_id, o.at_ms).await?;
    }
    Ok(updated)
}

/// The waiting status of a delivery sent again: pending, or held while its endpoint is disabled.
const WAITING: &str = "CASE WHEN (SELECT e.status FROM webhook_endpoints e WHERE e.id = webhook_deliveries.endpoint_id) \
                       = 'active' THEN 'pending' ELSE 'held' END";

/// Makes a delivered or dead delivery pending again, due now, with a fresh retry window.
pub async fn replay(tx: &mut Tx, id: DeliveryId, now_ms: i64) -> StoreResult<bool> {
    let mut sql = Sql::new(
        "UPDATE webhook_deliveries SET status = 'pending', attempts = 0, first_attempt_ms = NULL, next_attempt_ms = ",
    );
    sql.bind(now_ms)
        .push(", lease_owner = NULL, lease_until_ms = 0, delivered_ms = NULL WHERE status <> 'pending' AND id = ");
    sql.bind(id);
    Ok(sql.execute(tx.conn()).await? == 1)
}

/// Replays every dead delivery of an endpoint (after the ERP was fixed); returns how many.
pub async fn replay_dead(tx: &mut Tx, endpoint: EndpointId, now_ms: i64) -> StoreResult<u64> {
    let mut sql = Sql::new(&format!(
        "UPDATE webhook_deliveries SET status = {WAITING}, attempts = 0, first_attempt_ms = NULL, next_attempt_ms = "
    ));
    sql.bind(now_ms).push(", lease_owner = NULL, lease_until_ms = 0 WHERE status = 'dead' AND endpoint_id = ");
    sql.bind(endpoint);
    sql.execute(tx.conn()).await
}

/// A delivery as the admin's log shows it.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct DeliveryView {
    /// Id.
    pub id: DeliveryId,
    /// The event (and `webhook-id`).
    pub event_id: EventId,
    /// The event's type.
    pub event_type: String,
    /// What the event is about.
    pub object_kind: String,
    /// Its id.
    pub object_id: String,
    /// The endpoint.
    pub endpoint_id: EndpointId,
    /// `pending`, `held` (its endpoint is disabled), `delivered` or `dead`.
    pub status: String,
    /// Attempts since it was made or last replayed.
    pub attempts: i64,
    /// The last status the endpoint answered.
    pub last_status: Option<i64>,
    /// The last error.
    pub last_error: Option<String>,
    /// When it is next tried (pending).
    pub next_attempt_ms: i64,
    /// When it was delivered.
    pub delivered_ms: Option<i64>,
    /// When the event happened.
    pub occurred_ms: i64,
    /// When the delivery was made.
    pub created_ms: i64,
}

/// Filters of the delivery log.
#[derive(Debug, Clone, Default)]
pub struct DeliveryFilter {
    /// Only this endpoint's.
    pub endpoint: Option<EndpointId>,
    /// Only in this status.
    pub status: Option<String>,
    /// Only this event's.
    pub event: Option<EventId>,
}

const VIEW: &str = "SELECT d.id, d.event_id, o.event_type, o.object_kind, o.object_id, d.endpoint_id, d.status, \
                    d.attempts, d.last_status, d.last_error, d.next_attempt_ms, d.delivered_ms, o.occurred_ms, \
                    d.created_ms FROM webhook_deliveries d JOIN outbox_events o ON o.id = d.event_id WHERE 1 = 1";

/// A page of deliveries, newest first.
pub async fn list(tx: &mut Tx, f: &DeliveryFilter, page: &PageRequest) -> StoreResult<Page<DeliveryView>> {
    let mut sql = Sql::new(VIEW);
    if let Some(endpoint) = f.endpoint {
        sql.push_bind(" AND d.endpoint_id = ", endpoint);
    }
    if let Some(status) = &f.status {
        sql.push_bind(" AND d.status = ", status.as_str());
    }
    if let Some(event) = f.event {
        sql.push_bind(" AND d.event_id = ", event);
    }
    page.apply(&mut sql, "d.created_ms", "d.id");
    let views = sql.fetch_all(tx.conn()).await?.iter().map(view).collect::<StoreResult<Vec<_>>>()?;
    Ok(Page::from_rows(views, page.limit, |v| Cursor { created_ms: v.created_ms, id: v.id.to_string() }))
}

/// One delivery.
pub async fn get(tx: &mut Tx, id: DeliveryId) -> StoreResult<Option<DeliveryView>> {
    let mut sql = Sql::new(VIEW);
    sql.push_bind(" AND d.id = ", id);
    sql.fetch_optional(tx.conn()).await?.as_ref().map(view).transpose()
}

/// Deliveries per status (the console's summary and the tests), for one endpoint or all.
pub async fn counts(tx: &mut Tx, endpoint: Option<EndpointId>) -> StoreResult<Vec<(String, i64)>> {
    let mut sql = Sql::new("SELECT status, CAST(COUNT(*) AS BIGINT) AS n FROM webhook_deliveries WHERE 1 = 1");
    if let Some(endpoint) = endpoint {
        sql.push_bind(" AND endpoint_id = ", endpoint);
    }
    sql.push(" GROUP BY status ORDER BY status");
    sql.fetch_all(tx.conn()).await?.iter().map(|row| Ok((row.text("status")?, row.int("n")?))).collect()
}

/// One attempt, for the delivery's detail.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct AttemptView {
    /// When it started.
    pub at_ms: i64,
    /// How long it took.
    pub duration_ms: i64,
    /// The status answered.
    pub status: Option<i64>,
    /// What went wrong.
    pub error: Option<String>,
    /// The start of the answer.
    pub response_excerpt: Option<String>,
}

/// A delivery's attempts, newest first (at most 100).
pub async fn attempts(tx: &mut Tx, id: DeliveryId) -> StoreResult<Vec<AttemptView>> {
    let mut sql = Sql::new(
        "SELECT at_ms, duration_ms, status, error, response_excerpt FROM webhook_attempts WHERE delivery_id = ",
    );
    sql.bind(id).push(" ORDER BY at_ms DESC, id DESC LIMIT 100");
    sql.fetch_all(tx.conn())
        .await?
        .iter()
        .map(|row| {
            Ok(AttemptView {
                at_ms: row.int("at_ms")?,
                duration_ms: row.int("duration_ms")?,
                status: row.opt_int("status")?,
                error: row.opt_text("error")?,
                response_excerpt: row.opt_text("response_excerpt")?,
            })
        })
        .collect()
}

fn view(row: &sqlx::any::AnyRow) -> StoreResult<DeliveryView> {
    Ok(DeliveryView {
        id: row.parse("id")?,
        event_id: row.parse("event_id")?,
        event_type: row.text("event_type")?,
        object_kind: row.text("object_kind")?,
        object_id: row.text("object_id")?,
        endpoint_id: row.parse("endpoint_id")?,
        status: row.text("status")?,
        attempts: row.int("attempts")?,
        last_status: row.opt_int("last_status")?,
        last_error: row.opt_text("last_error")?,
        next_attempt_ms: row.int("next_attempt_ms")?,
        delivered_ms: row.opt_int("delivered_ms")?,
        occurred_ms: row.int("occurred_ms")?,
        created_ms: row.int("created_ms")?,
    })
}
