//! Webhook endpoints: where an admin asked events to be sent, and the secret that signs them.

use qudao_domain::ids::{EndpointId, UserId};
use qudao_domain::integration::Subscription;

use super::outbox::Subscriber;
use crate::{RowExt, Sql, StoreError, StoreResult, Tx};

/// An endpoint to create.
#[derive(Debug, Clone)]
pub struct NewEndpoint {
    /// Id.
    pub id: EndpointId,
    /// The URL deliveries are posted to.
    pub url: String,
    /// What the admin calls it.
    pub description: String,
    /// What it receives.
    pub subscription: Subscription,
    /// Its signing secret, `whsec_…`.
    pub secret: String,
    /// Who created it.
    pub created_by: Option<UserId>,
    /// When.
    pub at_ms: i64,
}

/// An endpoint as stored (the secrets included; views built for people leave them out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointRow {
    /// Id.
    pub id: EndpointId,
    /// URL.
    pub url: String,
    /// Description.
    pub description: String,
    /// What it receives.
    pub subscription: Subscription,
    /// The current secret.
    pub secret: String,
    /// The previous secret while a rotation overlaps.
    pub previous_secret: Option<String>,
    /// Until when the previous secret still signs.
    pub previous_until_ms: Option<i64>,
    /// `active` or `disabled`.
    pub status: String,
    /// Why it was disabled (`gone`: it answered 410; `admin`).
    pub disabled_reason: Option<String>,
    /// When it was created.
    pub created_ms: i64,
    /// When it last changed.
    pub updated_ms: i64,
}

const COLUMNS: &str = "id, url, description, events_json, secret, previous_secret, previous_until_ms, status, \
                       disabled_reason, created_ms, updated_ms";

/// Stores a new endpoint, active.
pub async fn insert(tx: &mut Tx, e: &NewEndpoint) -> StoreResult<()> {
    let events = events_json(&e.subscription)?;
    let mut sql = Sql::new(
        "INSERT INTO webhook_endpoints (id, url, description, events_json, secret, status, created_by, created_ms, \
         updated_ms) VALUES (",
    );
    sql.bind(e.id).push(", ").bind(e.url.as_str()).push(", ").bind(e.description.as_str());
    sql.push(", ").bind(events).push(", ").bind(e.secret.as_str()).push(", 'active', ").bind(e.created_by);
    sql.push(", ").bind(e.at_ms).push(", ").bind(e.at_ms).push(")");
    sql.execute(tx.conn()).await?;
    Ok(())
}

/// One endpoint.
pub async fn get(tx: &mut Tx, id: EndpointId) -> StoreResult<Option<EndpointRow>> {
    let mut sql = Sql::new(&format!("SELECT {COLUMNS} FROM webhook_endpoints WHERE id = "));
    sql.bind(id);
    sql.fetch_optional(tx.conn()).await?.as_ref().map(endpoint).transpose()
}

/// Every endpoint, oldest first (an installation has a handful).
pub async fn list(tx: &mut Tx) -> StoreResult<Vec<EndpointRow>> {
    let sql = Sql::new(&format!("SELECT {COLUMNS} FROM webhook_endpoints ORDER BY created_ms, id"));
    sql.fetch_all(tx.conn()).await?.iter().map(endpoint).collect()
}

/// Every endpoint and its subscription, for the dispatcher. Disabled endpoints get their
/// deliveries too, held until an admin enables them again: nothing an ERP subscribed to is
/// lost because its endpoint was switched off for a while.
pub async fn subscribers(tx: &mut Tx) -> StoreResult<Vec<Subscriber>> {
    let sql = Sql::new("SELECT id, events_json, status FROM webhook_endpoints ORDER BY id");
    sql.fetch_all(tx.conn())
        .await?
        .iter()
        .map(|row| {
            Ok(Subscriber {
                id: row.parse("id")?,
                subscription: subscription(&row.text("events_json")?)?,
                active: row.text("status")? == "active",
            })
        })
        .collect()
}

/// Changes what an admin may change: URL, description, subscription, and whether it is active.
/// Re-enabling clears the reason it was disabled.
pub async fn update(
    tx: &mut Tx,
    id: EndpointId,
    url: &str,
    description: &str,
    subscription: &Subscription,
    active: bool,
    now_ms: i64,
) -> StoreResult<bool> {
    let mut sql = Sql::new("UPDATE webhook_endpoints SET url = ");
    sql.bind(url).push_bind(", description = ", description);
    sql.push_bind(", events_json = ", events_json(subscription)?);
    if active {
        sql.push(", status = 'active', disabled_reason = NULL");
    } else {
        sql.push(", status = 'disabled', disabled_reason = CASE WHEN status = 'disabled' THEN disabled_reason ELSE 'admin' END");
    }
    sql.push_bind(", updated_ms = ", now_ms).push_bind(" WHERE id = ", id);
    if sql.execute(tx.conn()).await? != 1 {
        return Ok(false);
    }
    hold_or_release(tx, id, active).await?;
    Ok(true)
}

/// A disabled endpoint's waiting deliveries are `held` (the queue the workers scan then holds
/// only what can be sent, so taking the next ones stays one short index scan); enabling it
/// makes them `pending` again.
async fn hold_or_release(tx: &mut Tx, id: EndpointId, active: bool) -> StoreResult<()> {
    let (from, to) = if active { ("held", "pending") } else { ("pending", "held") };
    let mut sql = Sql::new("UPDATE webhook_deliveries SET status = ");
    sql.bind(to).push_bind(" WHERE status = ", from).push_bind(" AND endpoint_id = ", id);
    sql.execute(tx.conn()).await?;
    Ok(())
}

/// Replaces the secret; the old one keeps signing until `overlap_until_ms`.
pub async fn rotate(
    tx: &mut Tx,
    id: EndpointId,
    secret: &str,
    overlap_until_ms: i64,
    now_ms: i64,
) -> StoreResult<bool> {
    let mut sql = Sql::new("UPDATE webhook_endpoints SET previous_secret = secret, previous_until_ms = ");
    sql.bind(overlap_until_ms).push_bind(", secret = ", secret).push_bind(", updated_ms = ", now_ms);
    sql.push_bind(" WHERE id = ", id);
    Ok(sql.execute(tx.conn()).await? == 1)
}

/// Disables an endpoint that answered `410 Gone`.
pub async fn disable_gone(tx: &mut Tx, id: EndpointId, now_ms: i64) -> StoreResult<()> {
    let mut sql = Sql::new("UPDATE webhook_endpoints SET status = 'disabled', disabled_reason = 'gone', updated_ms = ");
    sql.bind(now_ms).push_bind(" WHERE status = 'active' AND id = ", id);
    sql.execute(tx.conn()).await?;
    hold_or_release(tx, id, false).await
}

fn events_json(subscription: &Subscription) -> StoreResult<String> {
    serde_json::to_string(&subscription.names()).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn subscription(json: &str) -> StoreResult<Subscription> {
    let names: Vec<String> =
        serde_json::from_str(json).map_err(|_| StoreError::Corrupt(format!("events_json = {json:?}")))?;
    Subscription::parse(&names).map_err(|_| StoreError::Corrupt(format!("events_json = {json:?}")))
}

fn endpoint(row: &sqlx::any::AnyRow) -> StoreResult<EndpointRow> {
    Ok(EndpointRow {
        id: row.parse("id")?,
        url: row.text("url")?,
        description: row.text("description")?,
        subscription: subscription(&row.text("events_json")?)?,
        secret: row.text("secret")?,
        previous_secret: row.opt_text("previous_secret")?,
        previous_until_ms: row.opt_int("previous_until_ms")?,
        status: row.text("status")?,
        disabled_reason: row.opt_text("disabled_reason")?,
        created_ms: row.int("created_ms")?,
        updated_ms: row.int("updated_ms")?,
    })
}
