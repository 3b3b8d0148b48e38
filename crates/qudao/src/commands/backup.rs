//! `qudao backup` and `qudao restore`.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use qudao_store::{Db, DbOptions};

use crate::config::Config;
use crate::progress::Bar;

/// `qudao backup --out FILE`.
#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The backup file to write (must not exist yet).
    #[arg(long)]
    pub out: PathBuf,
}

/// `qudao restore --from FILE`.
#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// The backup file to restore.
    #[arg(long)]
    pub from: PathBuf,
    /// Only check the file whole, write nothing.
    #[arg(long)]
    pub verify_only: bool,
}

async fn connect(config: &Config) -> anyhow::Result<Db> {
    let options = DbOptions { max_connections: 4, ..DbOptions::default() };
    Db::connect(&config.database_url, &options)
        .await
        .with_context(|| format!("connecting to {}", super::redact(&config.database_url)))
}

/// Writes a consistent backup of the configured database while it keeps serving.
pub async fn backup(config: &Config, args: &BackupArgs) -> anyhow::Result<()> {
    let db = connect(config).await?;
    let now = qudao_app::clock::Clock::now_ms(&qudao_app::clock::SystemClock);
    let summary =
        qudao_app::backup::backup(&db, &args.out, now, &Bar::new()).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    db.close().await;
    eprintln!(
        "backup of {} (schema {}) written to {}: {} tables, {} rows",
        super::redact(&config.database_url),
        summary.manifest.schema,
        args.out.display(),
        summary.tables,
        summary.rows
    );
    Ok(())
}

/// Checks a backup whole, then restores it into the configured (empty) database.
pub async fn restore(config: &Config, args: &RestoreArgs) -> anyhow::Result<()> {
    if args.verify_only {
        let summary = qudao_app::backup::verify(&args.from).map_err(|e| anyhow::anyhow!("{e}"))?;
        eprintln!(
            "{} is whole: schema {}, {} tables, {} rows, taken from {}",
            args.from.display(),
            summary.manifest.schema,
            summary.tables,
            summary.rows,
            summary.manifest.dialect
        );
        return Ok(());
    }
    let db = connect(config).await?;
    let result = qudao_app::backup::restore(&db, &args.from, &Bar::new()).await;
    db.close().await;
    let summary = match result {
        Ok(summary) => summary,
        Err(qudao_app::AppError::Conflict("database_not_empty")) => {
            anyhow::bail!("restore refused: {} already holds users or partners", super::redact(&config.database_url))
        }
        Err(error) => anyhow::bail!("{error}"),
    };
    eprintln!(
        "restored {} into {}: {} tables, {} rows",
        args.from.display(),
        super::redact(&config.database_url),
        summary.tables,
        summary.rows
    );
    Ok(())
}
