//! Qudao's persistence.
//!
//! One code base for SQLite and PostgreSQL through sqlx's `Any` driver: SQL is written once in the
//! portable subset (see `DEPENDENCIES.md`), and the few places the dialects differ match on
//! [`Dialect`]. Every query runs in a [`Tx`] that carries the caller's [`Scope`]; reads a user can
//! reach filter by it in SQL, and PostgreSQL enforces it again with row-level security.
//!
//! Modules are named as in every other layer: `partners`, `catalog`, `access`, `audit`, …

pub mod access;
pub mod accounts;
pub mod approvals;
pub mod audit;
pub mod backup;
mod bulk;
pub mod catalog;
pub mod channel;
pub mod counters;
mod db;
pub mod deals;
pub mod erp;
mod error;
pub mod exports;
pub mod fairs;
pub mod files;
pub mod finance;
pub mod idempotency;
pub mod integration;
mod migrate;
pub mod notifications;
pub mod orders;
pub mod page;
pub mod partners;
pub mod pricing;
pub mod raw_order;
mod scope;
pub mod settings;
pub mod signals;
pub(crate) mod sql;
pub mod stock;
pub mod threads;
mod tx;
pub mod versions;

pub use db::{Db, DbOptions, Dialect, dialect_of};
pub use error::{StoreError, StoreResult};
pub use migrate::{MIGRATIONS, MigrationFile, latest_version as latest_schema_version};
pub use scope::{API_SCOPES, Caller, CallerAuth, Scope, permission_scope};
pub use sql::Value;
pub(crate) use sql::{RowExt, Sql};
pub use tx::Tx;
