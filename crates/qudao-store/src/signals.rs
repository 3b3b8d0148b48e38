//! Signals between Qudao instances sharing one PostgreSQL: `NOTIFY` sent inside the transaction
//! that made the change (so only committed changes are announced) and a `LISTEN`ing connection
//! per instance. The payload is short text naming what changed (`message:<instance>:<id>`);
//! listeners read the rest from the tables. SQLite serves one instance: nothing to signal.

use sqlx::postgres::PgListener;

use crate::{Db, Dialect, Sql, StoreResult, Tx};

/// The channel every instance listens on.
pub const CHANNEL: &str = "qudao_events";

/// Announces `payload` to the other instances when the transaction commits (PostgreSQL only).
pub async fn notify(tx: &mut Tx, payload: &str) -> StoreResult<()> {
    if tx.dialect() != Dialect::Postgres {
        return Ok(());
    }
    // pg_notify returns void, a type the Any driver cannot decode: read it as text.
    let mut sql = Sql::new("SELECT CAST(pg_notify(");
    sql.bind(CHANNEL).push(", ").bind(payload).push(") AS TEXT) AS sent");
    sql.fetch_optional(tx.conn()).await?;
    Ok(())
}

/// One instance's listening connection.
pub struct Listener {
    inner: PgListener,
}

impl std::fmt::Debug for Listener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Listener")
    }
}

impl Listener {
    /// Listens on the channel over a connection of its own; `None` on SQLite.
    pub async fn start(db: &Db) -> StoreResult<Option<Listener>> {
        if db.dialect() != Dialect::Postgres {
            return Ok(None);
        }
        let mut inner = PgListener::connect(db.url()).await?;
        inner.listen(CHANNEL).await?;
        Ok(Some(Listener { inner }))
    }

    /// The next payload. After a lost connection the listener reconnects by itself; what was
    /// announced meanwhile is lost, which streams recover from by reloading (signals are not the
    /// record).
    pub async fn next(&mut self) -> StoreResult<String> {
        Ok(self.inner.recv().await?.payload().to_owned())
    }
}
