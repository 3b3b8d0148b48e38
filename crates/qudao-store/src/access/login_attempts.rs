//! Sign-in attempts, kept in the database so that throttling holds across instances.

use qudao_domain::ids::AuditId;

use crate::{Sql, StoreResult, Tx};

/// Records one attempt.
pub async fn record(tx: &mut Tx, login: &str, ip: &str, succeeded: bool, now_ms: i64) -> StoreResult<()> {
    let mut sql = Sql::new("INSERT INTO login_attempts (id, login, ip, succeeded, at_ms) VALUES (");
    // Attempt rows need unique, unguessable-enough keys; an audit-style v7 id serves.
    sql.bind(AuditId::new().to_string()).push(", ").bind(login).push(", ").bind(ip);
    sql.push(", ").bind(succeeded).push(", ").bind(now_ms).push(")");
    sql.execute(tx.conn()).await?;
    Ok(())
}

/// Failed attempts since `since_ms`: for this login, and from this address.
pub async fn failures_since(tx: &mut Tx, login: &str, ip: &str, since_ms: i64) -> StoreResult<(i64, i64)> {
    let mut by_login = Sql::new("SELECT CAST(COUNT(*) AS BIGINT) FROM login_attempts WHERE succeeded = 0 AND login = ");
    by_login.bind(login).push_bind(" AND at_ms > ", since_ms);
    let mut by_ip = Sql::new("SELECT CAST(COUNT(*) AS BIGINT) FROM login_attempts WHERE succeeded = 0 AND ip = ");
    by_ip.bind(ip).push_bind(" AND at_ms > ", since_ms);
    Ok((by_login.fetch_i64(tx.conn()).await?, by_ip.fetch_i64(tx.conn()).await?))
}

/// Forgets failures of a login after it signs in successfully.
pub async fn clear_login(tx: &mut Tx, login: &str) -> StoreResult<()> {
    let mut sql = Sql::new("DELETE FROM login_attempts WHERE login = ");
    sql.bind(login);
    sql.execute(tx.conn()).await?;
    Ok(())
}

/// Removes attempts older than `before_ms`.
pub async fn purge(tx: &mut Tx, before_ms: i64) -> StoreResult<u64> {
    let mut sql = Sql::new("DELETE FROM login_attempts WHERE at_ms < ");
    sql.bind(before_ms);
    sql.execute(tx.conn()).await
}
