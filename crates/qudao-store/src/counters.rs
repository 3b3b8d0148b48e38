//! Counters behind human-readable numbers.

use crate::{Db, Dialect, StoreResult, Tx, sql::Sql};

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

/// Prepares `db` — a pool of its own, one connection — for [`next_n_detached`]: on PostgreSQL
/// its commits stop waiting for the disk. Should the connection be replaced later, they wait
/// again: slower, never wrong.
pub async fn prepare_detached(db: &Db) -> StoreResult<()> {
    if db.dialect() == Dialect::Postgres {
        let mut conn = db.pool().acquire().await?;
        Sql::new("SET synchronous_commit TO OFF").execute(&mut conn).await?;
    }
    Ok(())
}

/// Takes `n` numbers of `name` in a statement committed on its own, so that the batch they are
/// for need not hold the counter's lock until its commit. Prepared by [`prepare_detached`], that
/// commit does not wait for the disk: the batch's own commit comes later in the same
/// write-ahead log and flushes it too, so a number used by a committed document is never handed
/// out again after a crash. A batch that does not commit leaves its numbers unused (a gap).
pub async fn next_n_detached(db: &Db, name: &str, n: u64) -> StoreResult<u64> {
    let mut conn = db.pool().acquire().await?;
    let n = i64::try_from(n.max(1)).unwrap_or(i64::MAX);
    let mut sql = Sql::new("INSERT INTO counters (name, value) VALUES (");
    sql.bind(name).push(", ").bind(n).push(") ON CONFLICT (name) DO UPDATE SET value = counters.value + ");
    sql.bind(n).push(" RETURNING value");
    let last = sql.fetch_i64(&mut conn).await?;
    Ok(u64::try_from(last - n + 1).unwrap_or(0))
}
