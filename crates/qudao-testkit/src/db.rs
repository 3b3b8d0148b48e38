//! Fresh databases for tests.

use std::sync::OnceLock;

use sqlx::{AnyConnection, Connection, Executor};
use tokio::sync::OnceCell;

/// A database a test runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A temporary SQLite file.
    Sqlite,
    /// A throw-away PostgreSQL database.
    Postgres,
}

fn pg_admin_url() -> Option<String> {
    std::env::var("QUDAO_TEST_PG_URL").ok().filter(|u| !u.is_empty())
}

/// The backends this run covers: SQLite always, PostgreSQL when configured.
pub async fn backends() -> Vec<Backend> {
    let mut list = vec![Backend::Sqlite];
    match pg_admin_url() {
        Some(_) => list.push(Backend::Postgres),
        None if std::env::var("QUDAO_TEST_REQUIRE_PG").is_ok_and(|v| v == "1") => {
            panic!("QUDAO_TEST_REQUIRE_PG=1 but QUDAO_TEST_PG_URL is not set")
        }
        None => {
            static WARNED: OnceLock<()> = OnceLock::new();
            WARNED.get_or_init(|| eprintln!("note: QUDAO_TEST_PG_URL is not set; PostgreSQL runs are skipped"));
        }
    }
    list
}

/// A test's database and how to get rid of it.
pub(crate) struct TestDatabase {
    pub url: String,
    pg_name: Option<String>,
    _dir: Option<tempfile::TempDir>,
}

/// Replaces the database name at the end of a PostgreSQL URL.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map(|(b, q)| (b, Some(q))).unwrap_or((url, None));
    let base = match base.rfind('/') {
        Some(slash) if slash > "postgres://".len() => &base[..slash],
        _ => base,
    };
    match query {
        Some(query) => format!("{base}/{name}?{query}"),
        None => format!("{base}/{name}"),
    }
}

/// The migrated template database, created once per process (and once per migration set across
/// processes, under an advisory lock).
async fn template() -> &'static str {
    static TEMPLATE: OnceCell<String> = OnceCell::const_new();
    TEMPLATE
        .get_or_init(|| async {
            sqlx::any::install_default_drivers();
            let admin = pg_admin_url().expect("QUDAO_TEST_PG_URL");
            let digest: u64 = qudao_store::MIGRATIONS
                .iter()
                .flat_map(|m| m.postgres.bytes())
                .fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
            let name = format!("qudao_tpl_{digest:016x}");
            let mut conn = AnyConnection::connect(&admin).await.expect("connect to PostgreSQL (QUDAO_TEST_PG_URL)");
            conn.execute("SELECT pg_advisory_lock(727274)").await.expect("lock");
            let exists: Option<(i64,)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT CAST(1 AS BIGINT) FROM pg_database WHERE datname = '{name}'"
            )))
            .fetch_optional(&mut conn)
            .await
            .expect("look for the template");
            if exists.is_none() {
                conn.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).await.expect("create template");
                let db = qudao_store::Db::connect(&with_database(&admin, &name), &Default::default())
                    .await
                    .expect("connect to template");
                db.migrate().await.expect("migrate template");
                db.close().await;
            }
            conn.execute("SELECT pg_advisory_unlock(727274)").await.expect("unlock");
            conn.close().await.ok();
            name
        })
        .await
}

impl TestDatabase {
    pub async fn create(backend: Backend) -> TestDatabase {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}/qudao.sqlite", dir.path().display());
                TestDatabase { url, pg_name: None, _dir: Some(dir) }
            }
            Backend::Postgres => {
                let template = template().await;
                let admin = pg_admin_url().expect("QUDAO_TEST_PG_URL");
                let name = format!("qudao_t_{}", uuid::Uuid::now_v7().simple());
                let mut conn = AnyConnection::connect(&admin).await.expect("connect to PostgreSQL");
                let mut attempts = 0;
                loop {
                    let create = format!("CREATE DATABASE {name} TEMPLATE {template}");
                    match conn.execute(sqlx::AssertSqlSafe(create)).await {
                        Ok(_) => break,
                        // Another test may be copying the template at this very moment.
                        Err(error) if attempts < 20 => {
                            attempts += 1;
                            let _ = error;
                            tokio::time::sleep(std::time::Duration::from_millis(100 * attempts)).await;
                        }
                        Err(error) => panic!("create test database: {error}"),
                    }
                }
                conn.close().await.ok();
                TestDatabase { url: with_database(&admin, &name), pg_name: Some(name), _dir: None }
            }
        }
    }

    pub async fn drop_now(&self) {
        let (Some(name), Some(admin)) = (&self.pg_name, pg_admin_url()) else { return };
        if let Ok(mut conn) = AnyConnection::connect(&admin).await {
            let _ = conn.execute(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))).await;
            conn.close().await.ok();
        }
    }
}

/// A fresh database of its own for a test (a restore's target): migrated on PostgreSQL (a copy of
/// the template), not even created on SQLite. Dropped with [`ScratchDatabase::drop_now`].
pub struct ScratchDatabase(TestDatabase);

impl ScratchDatabase {
    /// A new one on `backend`.
    pub async fn create(backend: Backend) -> ScratchDatabase {
        ScratchDatabase(TestDatabase::create(backend).await)
    }

    /// Its URL.
    pub fn url(&self) -> &str {
        &self.0.url
    }

    /// Drops it (PostgreSQL; a SQLite file goes with its folder).
    pub async fn drop_now(&self) {
        self.0.drop_now().await;
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn database_names_are_replaced_in_urls() {
        assert_eq!(super::with_database("postgres://u@h:5432/test", "x"), "postgres://u@h:5432/x");
        assert_eq!(
            super::with_database("postgres://u@h/test?sslmode=disable", "x"),
            "postgres://u@h/x?sslmode=disable"
        );
    }
}
