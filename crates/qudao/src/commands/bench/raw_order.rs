//! The raw place-order transaction for scale: pgbench with `shared/bench/raw-order`'s hot script
//! on the same PostgreSQL server, or the same transaction on a scratch SQLite file.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, bail};
use qudao_store::{Db, DbOptions, Dialect};

/// Orders per second of the raw transaction on the benchmark's database server (PostgreSQL) or
/// beside its file (SQLite).
pub async fn measure(
    db_url: &str,
    dialect: Dialect,
    folder: &Path,
    dir: &Path,
    clients: usize,
    seconds: u64,
) -> anyhow::Result<f64> {
    match dialect {
        Dialect::Postgres => postgres(db_url, dir, clients, seconds).await,
        Dialect::Sqlite => {
            let file = folder.join("raw-order.sqlite");
            let _ = std::fs::remove_file(&file);
            let db = Db::connect(&format!("sqlite://{}", file.display()), &DbOptions::default()).await?;
            let rate = qudao_store::raw_order::run_sqlite(&db, Duration::from_secs(seconds)).await?;
            db.close().await;
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
            }
            Ok(rate)
        }
    }
}

/// The parts of a `postgres://user:password@host:port/db` URL the command-line tools need.
struct PgTarget {
    host: String,
    port: String,
    user: String,
    password: Option<String>,
    database: String,
}

fn parse(url: &str) -> anyhow::Result<PgTarget> {
    let rest = url.split_once("://").map(|(_, r)| r).context("not a URL")?;
    let (credentials, location) = rest.rsplit_once('@').unwrap_or(("postgres", rest));
    let (user, password) = match credentials.split_once(':') {
        Some((u, p)) => (u.to_string(), Some(p.to_string())),
        None => (credentials.to_string(), None),
    };
    let (hostport, database) = location.split_once('/').context("no database in the URL")?;
    let database = database.split('?').next().unwrap_or(database).to_string();
    let (host, port) = hostport.split_once(':').unwrap_or((hostport, "5432"));
    Ok(PgTarget { host: host.into(), port: port.into(), user, password, database })
}

fn tool(name: &str, target: &PgTarget) -> Command {
    let mut command = Command::new(name);
    command.args(["-h", &target.host, "-p", &target.port, "-U", &target.user]);
    if let Some(password) = &target.password {
        command.env("PGPASSWORD", password);
    }
    command
}

async fn postgres(url: &str, dir: &Path, clients: usize, seconds: u64) -> anyhow::Result<f64> {
    let target = parse(url)?;
    let scratch = format!("{}_raw_order", target.database);
    let schema = dir.join("order_schema.sql");
    let script = dir.join("order_hot.sql");
    if !schema.exists() || !script.exists() {
        bail!("the raw-order scripts are not in {}", dir.display());
    }
    let admin = |sql: &str| -> anyhow::Result<()> {
        let status = tool("psql", &target).args(["-d", &target.database, "-q", "-c", sql]).output()?;
        if !status.status.success() {
            bail!("psql: {}", String::from_utf8_lossy(&status.stderr));
        }
        Ok(())
    };
    admin(&format!("DROP DATABASE IF EXISTS \"{scratch}\""))?;
    admin(&format!("CREATE DATABASE \"{scratch}\""))?;
    let result = (|| -> anyhow::Result<f64> {
        let seeded = tool("psql", &target)
            .args(["-d", &scratch, "-q", "-v", "ON_ERROR_STOP=1", "-f"])
            .arg(&schema)
            .output()
            .context("running psql (is the PostgreSQL client installed?)")?;
        if !seeded.status.success() {
            bail!("seeding the raw tables: {}", String::from_utf8_lossy(&seeded.stderr));
        }
        let run = tool("pgbench", &target)
            .args(["-n", "-M", "prepared", "-c", &clients.to_string(), "-j", "2", "-T", &seconds.to_string(), "-f"])
            .arg(&script)
            .arg(&scratch)
            .output()
            .context("running pgbench")?;
        let out = String::from_utf8_lossy(&run.stdout);
        out.lines()
            .find_map(|l| l.trim().strip_prefix("tps = ")?.split_whitespace().next()?.parse::<f64>().ok())
            .with_context(|| format!("no tps in pgbench's output: {out} {}", String::from_utf8_lossy(&run.stderr)))
    })();
    let _ = admin(&format!("DROP DATABASE IF EXISTS \"{scratch}\""));
    result
}

#[cfg(test)]
mod tests {
    #[test]
    fn postgres_urls_give_the_tools_their_arguments() {
        let t = super::parse("postgres://bench:s3cret@db.local:6543/fair?sslmode=disable").unwrap();
        assert_eq!((t.host.as_str(), t.port.as_str(), t.user.as_str()), ("db.local", "6543", "bench"));
        assert_eq!((t.password.as_deref(), t.database.as_str()), (Some("s3cret"), "fair"));
        let t = super::parse("postgres://postgres@127.0.0.1/test").unwrap();
        assert_eq!((t.port.as_str(), t.password), ("5432", None));
    }
}
