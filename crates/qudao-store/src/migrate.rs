//! Migrations, one folder per dialect with the same file names, embedded in the binary.

use std::borrow::Cow;

use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{AssertSqlSafe, SqlSafeStr};

use crate::Dialect;

/// One migration file: its name (`0001_foundation.sql`) and its SQL for each dialect.
pub struct MigrationFile {
    /// The file name, identical in both folders.
    pub name: &'static str,
    /// The SQLite text.
    pub sqlite: &'static str,
    /// The PostgreSQL text.
    pub postgres: &'static str,
}

macro_rules! migration {
    ($name:literal) => {
        MigrationFile {
            name: $name,
            sqlite: include_str!(concat!("../migrations/sqlite/", $name)),
            postgres: include_str!(concat!("../migrations/postgres/", $name)),
        }
    };
}

/// Every migration, oldest first. Never edit one that has shipped; add a new file to both
/// folders and a line here.
pub const MIGRATIONS: &[MigrationFile] = &[
    migration!("0001_foundation.sql"),
    migration!("0002_stock_and_ledger.sql"),
    migration!("0003_orders.sql"),
    migration!("0004_ordering_version.sql"),
    migration!("0005_integration.sql"),
    migration!("0006_finance_and_channel.sql"),
    migration!("0007_approvals.sql"),
    migration!("0008_threads_and_notifications.sql"),
    migration!("0009_approval_payloads.sql"),
    migration!("0010_registrations.sql"),
    migration!("0011_leads.sql"),
    migration!("0012_opportunities.sql"),
    migration!("0013_followup_pictures.sql"),
];

/// The schema version of the newest embedded migration (`0013_followup_pictures.sql` is 13).
pub fn latest_version() -> i64 {
    MIGRATIONS.len() as i64
}

/// The sqlx migrator for `dialect`, built from the embedded files.
pub(crate) fn migrator(dialect: Dialect) -> Migrator {
    migrator_up_to(dialect, latest_version())
}

/// The migrator that stops at schema `version` (a restore loads a backup into the schema it was
/// taken from, then migrates the rest of the way).
pub(crate) fn migrator_up_to(dialect: Dialect, version: i64) -> Migrator {
    let migrations = MIGRATIONS
        .iter()
        .take(usize::try_from(version).unwrap_or(0))
        .map(|file| {
            let (number, description) = file.name.trim_end_matches(".sql").split_once('_').unwrap_or(("0", file.name));
            let version: i64 = number.parse().unwrap_or(0);
            let sql = match dialect {
                Dialect::Sqlite => file.sqlite,
                Dialect::Postgres => file.postgres,
            };
            Migration::new(
                version,
                Cow::Owned(description.replace('_', " ")),
                MigrationType::Simple,
                AssertSqlSafe(sql).into_sql_str(),
                false,
            )
        })
        .collect();
    Migrator::with_migrations(migrations)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The two folders must hold the same file names, and every file must be listed in
    /// [`MIGRATIONS`], so neither database can drift from the other.
    #[test]
    fn both_dialects_have_the_same_migration_files_and_all_are_embedded() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        let names = |sub: &str| -> Vec<String> {
            let mut names: Vec<String> = std::fs::read_dir(dir.join(sub))
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            names
        };
        let sqlite = names("sqlite");
        let postgres = names("postgres");
        assert_eq!(sqlite, postgres);
        let embedded: Vec<String> = MIGRATIONS.iter().map(|m| m.name.to_string()).collect();
        assert_eq!(sqlite, embedded);
        for (index, name) in embedded.iter().enumerate() {
            assert!(name.starts_with(&format!("{:04}_", index + 1)), "{name} is out of sequence");
        }
    }

    #[test]
    fn every_table_exists_in_both_dialects() {
        for file in MIGRATIONS {
            let tables = |sql: &str| -> Vec<String> {
                let mut t: Vec<String> = sql
                    .lines()
                    .filter_map(|l| l.strip_prefix("CREATE TABLE "))
                    .map(|l| l.split_whitespace().next().unwrap_or("").to_string())
                    .collect();
                t.sort();
                t
            };
            assert_eq!(tables(file.sqlite), tables(file.postgres), "{}", file.name);
        }
    }
}
