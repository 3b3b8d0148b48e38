//! The database side of `qudao backup` and `qudao restore`: every table's rows read from one
//! consistent snapshot while writers go on, and written back into an empty database in one
//! transaction.
//!
//! Rows travel as JSON values (every column is TEXT, BIGINT or SMALLINT: `null`, a number or a
//! string), so a backup taken from SQLite restores into PostgreSQL and back. Tables are listed in
//! the order the migrations created them, which is also an order in which every foreign key points
//! backwards; the three tables that refer to themselves (regions, categories, partners) are loaded
//! parents first.

use futures_util::TryStreamExt;
use sqlx::{Acquire, Column, Executor, Row};

use crate::error::{StoreError, StoreResult};
use crate::scope::Scope;
use crate::sql::Value;
use crate::{Db, Dialect, Sql, Tx};

/// Tables whose rows may refer to another row of the same table, and the column that does.
pub const SELF_REFERENCES: [(&str, &str); 4] = [
    ("regions", "parent_id"),
    ("categories", "parent_id"),
    ("partners", "parent_id"),
    ("registrations", "claimed_from"),
];

/// The schema version a database is at: the newest migration applied (0 when none).
pub async fn schema_version(db: &Db) -> StoreResult<i64> {
    let mut conn = db.pool().acquire().await?;
    let exists = match db.dialect() {
        Dialect::Sqlite => "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
        Dialect::Postgres => {
            "SELECT COUNT(*) FROM pg_tables WHERE schemaname = 'public' AND tablename = '_sqlx_migrations'"
        }
    };
    if Sql::new(exists).fetch_i64(&mut conn).await? == 0 {
        return Ok(0);
    }
    Sql::new("SELECT CAST(COALESCE(MAX(version), 0) AS BIGINT) FROM _sqlx_migrations WHERE success = TRUE")
        .fetch_i64(&mut conn)
        .await
}

/// Migrates a database only up to schema `version`.
pub async fn migrate_to(db: &Db, version: i64) -> StoreResult<()> {
    let migrator = crate::migrate::migrator_up_to(db.dialect(), version);
    migrator.run(db.pool()).await.map_err(|e| StoreError::Database(e.into()))
}

/// The application's tables in creation order.
async fn tables(conn: &mut sqlx::AnyConnection, dialect: Dialect) -> StoreResult<Vec<String>> {
    let sql = match dialect {
        Dialect::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
             AND name <> '_sqlx_migrations' ORDER BY rowid"
        }
        Dialect::Postgres => {
            "SELECT CAST(c.relname AS TEXT) AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname <> '_sqlx_migrations' ORDER BY c.oid"
        }
    };
    let rows = Sql::new(sql).fetch_all(conn).await?;
    rows.iter().map(|row| row.try_get::<String, _>("name").map_err(StoreError::from)).collect()
}

/// What [`Snapshot::rows`] hands over.
pub enum Dumped<'a> {
    /// The table's column names, once, before its rows.
    Columns(&'a [String]),
    /// One row's values: null, an integer or a string each.
    Row(Vec<serde_json::Value>),
}

/// A read of the whole database at one moment: a repeatable-read snapshot on PostgreSQL, a read
/// transaction in WAL mode on SQLite; writers are not held up.
pub struct Snapshot {
    tx: sqlx::Transaction<'static, sqlx::Any>,
    dialect: Dialect,
}

impl Snapshot {
    /// Opens the snapshot.
    pub async fn open(db: &Db) -> StoreResult<Snapshot> {
        let mut tx = match db.dialect() {
            Dialect::Sqlite => db.pool().begin().await?,
            Dialect::Postgres => db.pool().begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").await?,
        };
        if db.dialect() == Dialect::Postgres {
            // Row-level security applies to the table owner too (FORCE); the system scope sees all.
            tx.execute("SELECT set_config('qudao.scope', 'system', true)").await?;
        }
        Ok(Snapshot { tx, dialect: db.dialect() })
    }

    /// The tables to dump, in creation order.
    pub async fn tables(&mut self) -> StoreResult<Vec<String>> {
        let conn = self.tx.acquire().await?;
        tables(conn, self.dialect).await
    }

    /// How many rows `table` holds in the snapshot (for progress).
    pub async fn count(&mut self, table: &str) -> StoreResult<u64> {
        check_name(table)?;
        let conn = self.tx.acquire().await?;
        let n = Sql::new(&format!("SELECT COUNT(*) FROM {table}")).fetch_i64(conn).await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Streams `table` to `each`: its column names first (none for an empty table), then every
    /// row's values, in a stable order.
    pub async fn rows(&mut self, table: &str, mut each: impl FnMut(Dumped<'_>) -> StoreResult<()>) -> StoreResult<()> {
        check_name(table)?;
        let order = if self.dialect == Dialect::Sqlite { " ORDER BY rowid" } else { "" };
        let query = format!("SELECT * FROM {table}{order}");
        let conn = self.tx.acquire().await?;
        let mut stream = sqlx::query(sqlx::AssertSqlSafe(query)).fetch(&mut *conn);
        let mut named = false;
        while let Some(row) = stream.try_next().await? {
            if !named {
                let names: Vec<String> = row.columns().iter().map(|c| c.name().to_string()).collect();
                each(Dumped::Columns(&names))?;
                named = true;
            }
            let mut values = Vec::with_capacity(row.columns().len());
            for index in 0..row.columns().len() {
                values.push(value_at(&row, index)?);
            }
            each(Dumped::Row(values))?;
        }
        if !named {
            each(Dumped::Columns(&[]))?;
        }
        Ok(())
    }
}

/// One column's value as JSON: null, an integer or a string.
fn value_at(row: &sqlx::any::AnyRow, index: usize) -> StoreResult<serde_json::Value> {
    if let Ok(v) = row.try_get::<Option<i64>, _>(index) {
        return Ok(v.map_or(serde_json::Value::Null, serde_json::Value::from));
    }
    if let Ok(v) = row.try_get::<Option<String>, _>(index) {
        return Ok(v.map_or(serde_json::Value::Null, serde_json::Value::from));
    }
    Err(StoreError::Corrupt(format!("column {index} is neither an integer nor text")))
}

/// Table and column names come from the database's own catalog; still, only plain identifiers go
/// into SQL text.
fn check_name(name: &str) -> StoreResult<()> {
    if !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
        Ok(())
    } else {
        Err(StoreError::Corrupt(format!("unexpected table or column name {name:?}")))
    }
}

/// Whether the database holds anything a person made (users or partners): a restore goes only
/// into an empty one.
pub async fn holds_data(db: &Db) -> StoreResult<bool> {
    let mut tx = db.read(&Scope::system("a restore checks that the database is empty")).await?;
    let users = Sql::new("SELECT COUNT(*) FROM users").fetch_i64(tx.conn()).await?;
    let partners = Sql::new("SELECT COUNT(*) FROM partners").fetch_i64(tx.conn()).await?;
    Ok(users + partners > 0)
}

/// The restore's one transaction: as the database owner (not the application role, which may
/// not delete the rows the migrations seeded) and in the system scope.
pub struct Loader {
    tx: Tx,
    tables: Vec<String>,
}

impl Loader {
    /// Begins: every table the migrations seeded is emptied (the backup holds those rows as they
    /// were), and on SQLite foreign keys are checked at commit. `None` when the database holds
    /// users or partners — checked again here, inside the loading transaction, so nothing written
    /// since an earlier check is ever wiped.
    pub async fn begin(db: &Db) -> StoreResult<Option<Loader>> {
        let mut inner = match db.dialect() {
            Dialect::Sqlite => db.pool().begin_with("BEGIN IMMEDIATE").await?,
            Dialect::Postgres => db.pool().begin().await?,
        };
        match db.dialect() {
            Dialect::Sqlite => {
                inner.execute("PRAGMA defer_foreign_keys = ON").await?;
            }
            Dialect::Postgres => {
                inner.execute("SELECT set_config('qudao.scope', 'system', true)").await?;
            }
        }
        let tables = tables(&mut inner, db.dialect()).await?;
        let mut tx = Tx::owner(inner, Scope::system("restoring a backup"), db.dialect());
        let users = Sql::new("SELECT COUNT(*) FROM users").fetch_i64(tx.conn()).await?;
        let partners = Sql::new("SELECT COUNT(*) FROM partners").fetch_i64(tx.conn()).await?;
        if users + partners > 0 {
            return Ok(None);
        }
        for table in tables.iter().rev() {
            Sql::new(&format!("DELETE FROM {table}")).execute(tx.conn()).await?;
        }
        Ok(Some(Loader { tx, tables }))
    }

    /// The target's tables, to check a backup's against.
    pub fn tables(&self) -> &[String] {
        &self.tables
    }

    /// Inserts rows of `table`.
    pub async fn insert(
        &mut self,
        table: &str,
        columns: &[String],
        rows: &[Vec<serde_json::Value>],
    ) -> StoreResult<()> {
        check_name(table)?;
        for column in columns {
            check_name(column)?;
        }
        let values: Vec<Vec<Value>> = rows
            .iter()
            .map(|row| {
                row.iter()
                    .map(|v| match v {
                        serde_json::Value::Number(n) => n.as_i64().map(Value::Int).unwrap_or(Value::NullInt),
                        serde_json::Value::String(s) => Value::Text(s.clone()),
                        _ => Value::NullText,
                    })
                    .collect()
            })
            .collect();
        let head = format!("INSERT INTO {table} ({}) VALUES", columns.join(", "));
        crate::bulk::insert_rows(&mut self.tx, &head, &values, "").await?;
        Ok(())
    }

    /// Commits everything at once.
    pub async fn commit(self) -> StoreResult<()> {
        self.tx.commit().await
    }
}
