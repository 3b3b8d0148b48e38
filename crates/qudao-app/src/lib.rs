//! Qudao's use cases.
//!
//! One function per action (`create_partner`, `invite_user`, `upload_product_image`…), taking the
//! caller's [`Ctx`] and typed input. Each checks the caller's permission, opens the transaction in
//! the caller's scope, applies the business rules from `qudao-domain`, reads and writes through
//! `qudao-store`, and writes the audit row (and, for creating requests, the idempotency record) in
//! that same transaction. HTTP handlers and CLI commands both call these; neither touches SQL.

pub mod access;
pub mod accounts;
mod app;
pub mod approvals;
pub mod audit;
pub mod backup;
pub mod catalog;
pub mod channel;
pub mod clock;
mod config;
mod ctx;
pub mod deals;
pub mod demo;
pub mod erp;
mod error;
pub mod events;
pub mod exports;
pub mod fairs;
pub mod files;
pub mod finance;
pub mod idempotency;
pub mod integration;
pub mod maintenance;
pub mod notifications;
pub mod orders;
pub mod partners;
pub mod pricing;
pub mod progress;
pub mod settings;
pub mod sheets;
pub mod stock;
pub mod threads;
pub mod tokens;

pub use app::App;
pub use config::{AppConfig, SmtpConfig};
pub use ctx::Ctx;
pub use error::{AppError, AppResult};
