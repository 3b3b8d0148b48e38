//! The connection pool, chosen from the URL, and the transactions every query runs in.

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions, Connection, Executor};

use crate::error::{StoreError, StoreResult};
use crate::scope::Scope;
use crate::tx::Tx;

/// The two databases Qudao runs on. The few places their SQL differs match on this.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// Embedded, the default: one file, WAL, `synchronous=FULL`.
    Sqlite,
    /// PostgreSQL 15 or later, for production and several instances.
    Postgres,
}

/// Pool settings.
#[derive(Debug, Clone)]
pub struct DbOptions {
    /// Most connections held open.
    pub max_connections: u32,
    /// How long a request waits for a connection before failing.
    pub acquire_timeout: Duration,
}

impl Default for DbOptions {
    fn default() -> Self {
        Self { max_connections: 16, acquire_timeout: Duration::from_secs(10) }
    }
}

/// The database: a pool and its dialect. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Db {
    pool: AnyPool,
    dialect: Dialect,
    url: std::sync::Arc<str>,
}

impl Db {
    /// Connects to `url` (`sqlite://path/to/file.sqlite` or `postgres://…`). A SQLite file and
    /// its folder are created when missing.
    pub async fn connect(url: &str, options: &DbOptions) -> StoreResult<Db> {
        sqlx::any::install_default_drivers();
        let dialect = dialect_of(url)?;
        let url = match dialect {
            Dialect::Sqlite => prepare_sqlite_url(url)?,
            Dialect::Postgres => url.to_string(),
        };
        let shared_url: std::sync::Arc<str> = url.clone().into();
        let connect = AnyConnectOptions::from_str(&url)?.disable_statement_logging();
        let pool = AnyPoolOptions::new()
            .max_connections(match dialect {
                // One writer at a time anyway; a few readers beside it in WAL mode.
                Dialect::Sqlite => options.max_connections.min(4),
                Dialect::Postgres => options.max_connections,
            })
            .acquire_timeout(options.acquire_timeout)
            // A local file cannot drop a connection the way a network can; skip the ping.
            .test_before_acquire(dialect == Dialect::Postgres)
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if dialect == Dialect::Sqlite {
                        // WAL lets readers work beside the writer; FULL makes an acknowledged
                        // commit survive power loss; foreign keys are off by default in SQLite.
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA synchronous = FULL").await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                        conn.execute("PRAGMA busy_timeout = 15000").await?;
                        // A 32 MB page cache and memory-mapped reads: the default 2 MB cache
                        // sent every busy transaction back to the file for pages it just read.
                        conn.execute("PRAGMA cache_size = -32768").await?;
                        conn.execute("PRAGMA mmap_size = 268435456").await?;
                        conn.execute("PRAGMA temp_store = MEMORY").await?;
                    }
                    Ok(())
                })
            })
            .connect_with(connect)
            .await?;
        Ok(Db { pool, dialect, url: shared_url })
    }

    /// A second pool of `connections` to the same database, for a worker that must never wait
    /// behind request traffic for a connection (the order desk). It belongs to the runtime it is
    /// created on.
    pub async fn dedicated(&self, connections: u32) -> StoreResult<Db> {
        let options = DbOptions { max_connections: connections.max(1), ..DbOptions::default() };
        Db::connect(&self.url, &options).await
    }

    /// Applies every embedded migration not yet applied.
    pub async fn migrate(&self) -> StoreResult<()> {
        let migrator = crate::migrate::migrator(self.dialect);
        migrator.run(&self.pool).await.map_err(|e| StoreError::Database(e.into()))?;
        Ok(())
    }

    /// The pool, for store functions that run outside a [`Tx`].
    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// The URL it was opened with (a listener opens its own connection with it).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Which database this is.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// A transaction for reads within `scope`.
    pub async fn read(&self, scope: &Scope) -> StoreResult<Tx> {
        let inner = match self.dialect {
            Dialect::Sqlite => self.pool.begin().await?,
            Dialect::Postgres => self.pool.begin_with("BEGIN READ ONLY").await?,
        };
        Tx::start(inner, scope.clone(), self.dialect).await
    }

    /// A transaction that may write, within `scope`. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`), so concurrent read-then-write transactions queue instead of failing.
    pub async fn write(&self, scope: &Scope) -> StoreResult<Tx> {
        let inner = match self.dialect {
            Dialect::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Dialect::Postgres => self.pool.begin().await?,
        };
        Tx::start(inner, scope.clone(), self.dialect).await
    }

    /// Whether the database answers; for `/readyz`.
    pub async fn ping(&self) -> StoreResult<()> {
        let mut conn = self.pool.acquire().await?;
        conn.ping().await?;
        Ok(())
    }

    /// Closes every connection; used at shutdown so SQLite checkpoints its WAL.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Refreshes the planner's statistics after bulk writes (PostgreSQL; SQLite's `optimize`).
    pub async fn analyze(&self) -> StoreResult<()> {
        let mut conn = self.pool.acquire().await?;
        match self.dialect {
            Dialect::Sqlite => conn.execute("PRAGMA optimize").await?,
            Dialect::Postgres => conn.execute("ANALYZE").await?,
        };
        Ok(())
    }

    /// Analyses the fast-growing tables whose planner statistics still describe them as nearly
    /// empty; returns the ones analysed. On PostgreSQL a foreign-key check planned while `orders`
    /// was empty keeps scanning the whole table for each new line (in a 10-second ordering fair on
    /// a new database, 51 million rows read); autovacuum notices within a minute or so, but a new
    /// system's first fair should not wait for it. Cheap when nothing is cold (one catalog read);
    /// nothing on SQLite, whose planner keeps no such statistics.
    pub async fn refresh_cold_statistics(&self) -> StoreResult<Vec<String>> {
        if self.dialect != Dialect::Postgres {
            return Ok(Vec::new());
        }
        let mut conn = self.pool.acquire().await?;
        let list = GROWING_TABLES.iter().map(|t| format!("'{t}'")).collect::<Vec<_>>().join(", ");
        // The names come from GROWING_TABLES, never from input.
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT CAST(c.relname AS TEXT) AS relname, CAST(c.reltuples AS BIGINT) AS planned, CAST(s.n_live_tup AS BIGINT) AS live \
             FROM pg_class c JOIN pg_stat_user_tables s ON s.relid = c.oid \
             WHERE s.schemaname = current_schema() AND c.relname IN ({list})"
        )))
        .fetch_all(&mut *conn)
        .await?;
        let mut cold = Vec::new();
        for row in rows {
            let name: String = sqlx::Row::try_get(&row, "relname")?;
            let planned: i64 = sqlx::Row::try_get(&row, "planned")?;
            let live: i64 = sqlx::Row::try_get(&row, "live")?;
            if live >= COLD_TABLE_ROWS && planned < live / 10 && GROWING_TABLES.contains(&name.as_str()) {
                cold.push(name);
            }
        }
        if !cold.is_empty() {
            conn.execute(sqlx::AssertSqlSafe(format!("ANALYZE {}", cold.join(", ")))).await?;
        }
        Ok(cold)
    }
}

/// Tables that start empty on a new system and then grow with every order: the ones whose
/// cold-start statistics `refresh_cold_statistics` corrects.
const GROWING_TABLES: &[&str] = &[
    "orders",
    "order_lines",
    "order_reservations",
    "journal_entries",
    "journal_postings",
    "stock_moves",
    "audit_log",
    "idempotency_keys",
];

/// Rows from which a table's "nearly empty" statistics are worth correcting.
const COLD_TABLE_ROWS: i64 = 500;

/// The dialect named by a URL's scheme.
pub fn dialect_of(url: &str) -> StoreResult<Dialect> {
    if url.starts_with("sqlite:") {
        Ok(Dialect::Sqlite)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Dialect::Postgres)
    } else {
        Err(StoreError::Database(sqlx::Error::Configuration(
            "the database URL must start with sqlite: or postgres://".into(),
        )))
    }
}

/// Creates the SQLite file's folder and asks for the file to be created (`mode=rwc`).
fn prepare_sqlite_url(url: &str) -> StoreResult<String> {
    let rest = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if path != ":memory:"
        && let Some(parent) = std::path::Path::new(path).parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent).map_err(|e| StoreError::Database(sqlx::Error::Io(e)))?;
    }
    let query = if query.contains("mode=") {
        query.to_string()
    } else if query.is_empty() {
        "mode=rwc".to_string()
    } else {
        format!("{query}&mode=rwc")
    };
    Ok(format!("sqlite://{path}?{query}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dialects_come_from_the_scheme() {
        assert_eq!(dialect_of("sqlite://x.db").unwrap(), Dialect::Sqlite);
        assert_eq!(dialect_of("postgres://u@h/db").unwrap(), Dialect::Postgres);
        assert!(dialect_of("mysql://u@h/db").is_err());
    }

    #[test]
    fn sqlite_urls_ask_for_creation() {
        let dir = std::env::temp_dir().join(format!("qudao-url-{}", std::process::id()));
        let url = format!("sqlite://{}/q.sqlite", dir.display());
        assert!(prepare_sqlite_url(&url).unwrap().ends_with("/q.sqlite?mode=rwc"));
        assert!(dir.exists());
        let _ = std::fs::remove_dir_all(dir);
    }
}
