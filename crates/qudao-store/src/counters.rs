//! Counters behind human-readable numbers.

use crate::{StoreResult, Tx, sql::Sql};

/// Advances the counter `name` and returns its new value, starting at 1. Runs inside the
/// caller's transaction, so a number is only used if the document is committed.
pub async fn next(tx: &mut Tx, name: &str) -> StoreResult<u64> {
    let mut sql = Sql::new("INSERT INTO counters (name, value) VALUES (");
    sql.bind(name).push(", 1) ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING value");
    let value = sql.fetch_i64(tx.conn()).await?;
    Ok(u64::try_from(value).unwrap_or(0))
}

/// Advances the counter `name` by `n` and returns the first of the `n` values taken, for a batch
/// of documents numbered in one statement.
pub async fn next_n(tx: &mut Tx, name: &str, n: u64) -> StoreResult<u64> {
    let n = i64::try_from(n.max(1)).unwrap_or(i64::MAX);
    let mut sql = Sql::new("INSERT INTO counters (name, value) VALUES (");
    sql.bind(name).push(", ").bind(n).push(") ON CONFLICT (name) DO UPDATE SET value = counters.value + ");
    sql.bind(n).push(" RETURNING value");
    let last = sql.fetch_i64(tx.conn()).await?;
    Ok(u64::try_from(last - n + 1).unwrap_or(0))
}
