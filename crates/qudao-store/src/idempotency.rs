//! `Idempotency-Key` records.
//!
//! A creating request with a key first *claims* it in a short transaction of its own, which makes
//! "in flight" visible to a concurrent retry (409). The effect's transaction then *completes* the
//! claim with the response, so the effect and its stored response commit together or not at all:
//! a retry after a crash either finds the response or finds no effect. A failed request
//! *releases* its claim, so the client can correct the body and retry under the same key.

use crate::{RowExt, Sql, StoreResult, Tx};

/// What a claim found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The key is new (or its earlier attempt died): go ahead.
    Proceed,
    /// The same request already succeeded: send this response again.
    Replay {
        /// HTTP status.
        status: u16,
        /// Response body.
        body: String,
    },
    /// The key was used with a different request body.
    Mismatch,
    /// The first request with this key is still running.
    InFlight,
}

/// Claims `key` for `owner`. An in-flight claim older than `lock_ms` is taken over: its
/// request died before committing (had it committed, the claim would be complete).
pub async fn claim(
    tx: &mut Tx,
    owner: &str,
    key: &str,
    request_hash: &str,
    now_ms: i64,
    lock_ms: i64,
) -> StoreResult<Claim> {
    let mut insert = Sql::new(
        "INSERT INTO idempotency_keys (owner, idem_key, request_hash, state, created_ms, locked_until_ms) VALUES (",
    );
    insert.bind(owner).push(", ").bind(key).push(", ").bind(request_hash).push(", 'in_flight', ");
    insert.bind(now_ms).push(", ").bind(now_ms + lock_ms).push(") ON CONFLICT (owner, idem_key) DO NOTHING");
    if insert.execute(tx.conn()).await? == 1 {
        return Ok(Claim::Proceed);
    }
    let mut select = Sql::new(
        "SELECT request_hash, state, response_status, response_body, locked_until_ms FROM idempotency_keys \
         WHERE owner = ",
    );
    select.bind(owner).push_bind(" AND idem_key = ", key);
    let Some(row) = select.fetch_optional(tx.conn()).await? else {
        // Released between our insert and select: treat as new.
        return Ok(Claim::Proceed);
    };
    if row.text("request_hash")? != request_hash {
        return Ok(Claim::Mismatch);
    }
    if row.text("state")? == "done" {
        let status = u16::try_from(row.opt_int("response_status")?.unwrap_or(200)).unwrap_or(200);
        return Ok(Claim::Replay { status, body: row.opt_text("response_body")?.unwrap_or_default() });
    }
    if row.int("locked_until_ms")? > now_ms {
        return Ok(Claim::InFlight);
    }
    let mut take_over = Sql::new("UPDATE idempotency_keys SET locked_until_ms = ");
    take_over.bind(now_ms + lock_ms).push_bind(" WHERE owner = ", owner).push_bind(" AND idem_key = ", key);
    take_over.push_bind(" AND state = 'in_flight' AND locked_until_ms <= ", now_ms);
    Ok(if take_over.execute(tx.conn()).await? == 1 { Claim::Proceed } else { Claim::InFlight })
}

/// Completes a claim with the response, inside the effect's own transaction.
pub async fn complete(tx: &mut Tx, owner: &str, key: &str, status: u16, body: &str) -> StoreResult<bool> {
    let mut sql = Sql::new("UPDATE idempotency_keys SET state = 'done', response_status = ");
    sql.bind(i64::from(status)).push_bind(", response_body = ", body);
    sql.push_bind(" WHERE owner = ", owner).push_bind(" AND idem_key = ", key).push(" AND state = 'in_flight'");
    Ok(sql.execute(tx.conn()).await? == 1)
}

/// Releases an in-flight claim whose request failed.
pub async fn release(tx: &mut Tx, owner: &str, key: &str) -> StoreResult<()> {
    let mut sql = Sql::new("DELETE FROM idempotency_keys WHERE owner = ");
    sql.bind(owner).push_bind(" AND idem_key = ", key).push(" AND state = 'in_flight'");
    sql.execute(tx.conn()).await?;
    Ok(())
}

/// Forgets records created before `before_ms` (kept at least 24 hours by the caller's choice).
pub async fn purge(tx: &mut Tx, before_ms: i64) -> StoreResult<u64> {
    let mut sql = Sql::new("DELETE FROM idempotency_keys WHERE created_ms < ");
    sql.bind(before_ms);
    sql.execute(tx.conn()).await
}

/// What a key holds, read without claiming it (for effects that record their key in their own
/// batched transaction instead of claiming first).
pub async fn lookup(
    tx: &mut Tx,
    owner: &str,
    key: &str,
    request_hash: &str,
    now_ms: i64,
) -> StoreResult<Option<Claim>> {
    Ok(lookup_many(tx, &[(owner, key, request_hash)], now_ms).await?.pop().flatten())
}

/// `lookup` for many (owner, key, request hash) at once, in one query: the order desk's batch.
/// The answers are in the order asked.
pub async fn lookup_many(tx: &mut Tx, asked: &[(&str, &str, &str)], now_ms: i64) -> StoreResult<Vec<Option<Claim>>> {
    if asked.is_empty() {
        return Ok(Vec::new());
    }
    let mut select = Sql::new(
        "SELECT owner, idem_key, request_hash, state, response_status, response_body, locked_until_ms \
         FROM idempotency_keys WHERE idem_key IN ",
    );
    select.bind_list(asked.iter().map(|a| a.1)).push(" AND owner IN ").bind_list(asked.iter().map(|a| a.0));
    let mut found = std::collections::HashMap::new();
    for row in select.fetch_all(tx.conn()).await? {
        found.insert((row.text("owner")?, row.text("idem_key")?), row);
    }
    asked
        .iter()
        .map(|(owner, key, request_hash)| {
            let Some(row) = found.get(&((*owner).to_string(), (*key).to_string())) else { return Ok(None) };
            if row.text("request_hash")? != *request_hash {
                return Ok(Some(Claim::Mismatch));
            }
            if row.text("state")? == "done" {
                let status = u16::try_from(row.opt_int("response_status")?.unwrap_or(200)).unwrap_or(200);
                return Ok(Some(Claim::Replay { status, body: row.opt_text("response_body")?.unwrap_or_default() }));
            }
            Ok((row.int("locked_until_ms")? > now_ms).then_some(Claim::InFlight))
        })
        .collect()
}

/// A finished request to record in the effect's own transaction.
#[derive(Debug, Clone)]
pub struct Done<'a> {
    /// Owner (user or key).
    pub owner: &'a str,
    /// The key.
    pub key: &'a str,
    /// The request's hash.
    pub request_hash: &'a str,
    /// Response status.
    pub status: u16,
    /// Response body.
    pub body: &'a str,
}

/// Records finished requests; returns how many were new (a key already present, from a
/// concurrent instance, is left alone and not counted: the caller must then not commit).
pub async fn record_done(tx: &mut Tx, done: &[Done<'_>], now_ms: i64) -> StoreResult<u64> {
    use crate::Value;
    let rows: Vec<Vec<Value>> = done
        .iter()
        .map(|d| {
            vec![
                Value::from(d.owner),
                Value::from(d.key),
                Value::from(d.request_hash),
                Value::from("done"),
                Value::from(i64::from(d.status)),
                Value::from(d.body),
                Value::from(now_ms),
                Value::from(now_ms),
            ]
        })
        .collect();
    crate::bulk::insert_rows(
        tx,
        "INSERT INTO idempotency_keys (owner, idem_key, request_hash, state, response_status, response_body, \
         created_ms, locked_until_ms) VALUES",
        &rows,
        " ON CONFLICT (owner, idem_key) DO NOTHING",
    )
    .await
}
