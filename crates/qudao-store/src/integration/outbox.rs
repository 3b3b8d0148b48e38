//! The outbox: business events written with the change they report, then dispatched.

use qudao_domain::ids::{DeliveryId, EndpointId, EventId, PartnerId};
use qudao_domain::integration::Subscription;

use crate::sql::Value;
use crate::{Dialect, RowExt, Sql, StoreResult, Tx};

/// An event to append.
#[derive(Debug, Clone)]
pub struct NewEvent {
    /// Its id, the `webhook-id` of every delivery of it.
    pub id: EventId,
    /// `order.shipped`…
    pub event_type: &'static str,
    /// The partner the event concerns, if any.
    pub partner_id: Option<PartnerId>,
    /// `order`, `partner`, `receipt`…
    pub object_kind: &'static str,
    /// The object's id.
    pub object_id: String,
    /// When the change happened.
    pub occurred_ms: i64,
    /// The webhook body's `data`, serialised once.
    pub data_json: String,
}

/// Appends events in the caller's transaction: they commit with the change or not at all.
/// On PostgreSQL inside the order desk the insert joins the batch's grouped statement.
pub async fn append(tx: &mut Tx, events: &[NewEvent]) -> StoreResult<()> {
    let rows: Vec<Vec<Value>> = events
        .iter()
        .map(|e| {
            vec![
                Value::from(e.id),
                Value::from(e.event_type),
                Value::from(e.partner_id),
                Value::from(e.object_kind),
                Value::from(e.object_id.as_str()),
                Value::from(e.occurred_ms),
                Value::from(e.data_json.as_str()),
                Value::Flag(0),
            ]
        })
        .collect();
    crate::bulk::insert_rows(
        tx,
        "INSERT INTO outbox_events (id, event_type, partner_id, object_kind, object_id, occurred_ms, data_json, \
         dispatched) VALUES",
        &rows,
        "",
    )
    .await?;
    Ok(())
}

/// An active endpoint and what it subscribed to, as the dispatcher needs it.
#[derive(Debug, Clone)]
pub struct Subscriber {
    /// The endpoint.
    pub id: EndpointId,
    /// Its subscription.
    pub subscription: Subscription,
    /// Whether it is active; a disabled endpoint's deliveries are made `held`.
    pub active: bool,
}

/// What one dispatch pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Dispatched {
    /// Events taken from the outbox.
    pub events: usize,
    /// Deliveries made of them.
    pub deliveries: usize,
}

/// Turns up to `limit` undispatched events, oldest first, into one pending delivery per
/// subscribed endpoint, due now. Run in its own transaction; on PostgreSQL rows another
/// instance is dispatching are skipped rather than waited for, and on both a delivery is made
/// once per event and endpoint (the pair is unique), so running it anywhere at once is safe.
pub async fn dispatch(tx: &mut Tx, subscribers: &[Subscriber], limit: i64, now_ms: i64) -> StoreResult<Dispatched> {
    let mut sql = Sql::new("SELECT id, event_type FROM outbox_events WHERE dispatched = 0 ORDER BY occurred_ms LIMIT ");
    sql.bind(limit).push(skip_locked(tx.dialect()));
    let rows = sql.fetch_all(tx.conn()).await?;
    if rows.is_empty() {
        return Ok(Dispatched::default());
    }
    let mut ids: Vec<String> = Vec::with_capacity(rows.len());
    let mut deliveries: Vec<Vec<Value>> = Vec::new();
    for row in &rows {
        let id = row.text("id")?;
        let event_type = row.text("event_type")?;
        for subscriber in subscribers.iter().filter(|s| s.subscription.includes(&event_type)) {
            deliveries.push(vec![
                Value::from(DeliveryId::new()),
                Value::from(id.as_str()),
                Value::from(subscriber.id),
                Value::from(if subscriber.active { "pending" } else { "held" }),
                Value::from(0_i64),
                Value::from(now_ms),
                Value::from(0_i64),
                Value::from(now_ms),
            ]);
        }
        ids.push(id);
    }
    crate::bulk::insert_rows(
        tx,
        "INSERT INTO webhook_deliveries (id, event_id, endpoint_id, status, attempts, next_attempt_ms, \
         lease_until_ms, created_ms) VALUES",
        &deliveries,
        " ON CONFLICT (event_id, endpoint_id) DO NOTHING",
    )
    .await?;
    let mut sql = Sql::new("UPDATE outbox_events SET dispatched = 1 WHERE ");
    crate::bulk::push_in(&mut sql, tx.dialect(), "id", &ids);
    sql.execute(tx.conn()).await?;
    Ok(Dispatched { events: ids.len(), deliveries: deliveries.len() })
}

/// ` FOR UPDATE SKIP LOCKED` on PostgreSQL, so instances working the same queue take different
/// rows instead of queueing behind each other; nothing on SQLite, where one writer at a time
/// holds the whole database anyway.
pub(crate) fn skip_locked(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Postgres => " FOR UPDATE SKIP LOCKED",
        Dialect::Sqlite => "",
    }
}

/// Whether any event waits for dispatch: a cheap read, so an idle worker does not open a
/// write transaction (on SQLite, the one writer the order desk needs) every time it looks.
pub async fn has_waiting(tx: &mut Tx) -> StoreResult<bool> {
    let sql = Sql::new("SELECT id FROM outbox_events WHERE dispatched = 0 LIMIT 1");
    Ok(sql.fetch_optional(tx.conn()).await?.is_some())
}

/// How many events wait for dispatch, and since when (the outbox lag).
pub async fn waiting(tx: &mut Tx) -> StoreResult<(i64, Option<i64>)> {
    let row = Sql::new(
        "SELECT CAST(COUNT(*) AS BIGINT) AS n, MIN(occurred_ms) AS oldest FROM outbox_events WHERE dispatched = 0",
    )
    .fetch_optional(tx.conn())
    .await?;
    match row {
        Some(row) => Ok((row.int("n")?, row.opt_int("oldest")?)),
        None => Ok((0, None)),
    }
}
