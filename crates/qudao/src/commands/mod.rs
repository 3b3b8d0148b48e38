//! One file per subcommand.

pub mod backup;
pub mod bench;
pub mod demo;
pub mod erp_sim;
pub mod migrate;
pub mod serve;
pub mod user;

use std::sync::Arc;

use anyhow::Context;
use qudao_app::clock::SystemClock;
use qudao_app::files::LocalDiskStore;
use qudao_app::{App, AppConfig};
use qudao_store::{Db, DbOptions};

use crate::config::Config;

/// Connects to the configured database, applies migrations and assembles the application.
pub async fn open(config: &Config) -> anyhow::Result<App> {
    let options = DbOptions { max_connections: config.max_connections, ..DbOptions::default() };
    let db = Db::connect(&config.database_url, &options)
        .await
        .with_context(|| format!("connecting to {}", redact(&config.database_url)))?;
    db.migrate().await.context("applying migrations")?;
    let files = LocalDiskStore::new(&config.files_dir).map_err(|e| anyhow::anyhow!("{e}"))?;
    let webhook_allow_nets = qudao_domain::integration::AllowedNets::parse(&config.webhook_allow_nets)
        .map_err(|bad| anyhow::anyhow!("QUDAO_WEBHOOK_ALLOW_NETS: not networks: {}", bad.join(", ")))?;
    let smtp = match config.smtp.trim() {
        "" => None,
        relay => {
            let (host, port) = relay.rsplit_once(':').unwrap_or((relay, "25"));
            let port = port.parse().map_err(|_| anyhow::anyhow!("QUDAO_SMTP: not host:port: {relay}"))?;
            Some(qudao_app::SmtpConfig { host: host.to_owned(), port, from: config.mail_from.clone() })
        }
    };
    let app_config =
        AppConfig { webhook_allow_nets, payment_simulator: config.payment_simulator, smtp, ..AppConfig::default() };
    Ok(App::new(db, app_config, Arc::new(files), Arc::new(SystemClock)))
}

/// A database URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_are_hidden_in_messages() {
        assert_eq!(super::redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(super::redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(super::redact("sqlite://x.sqlite"), "sqlite://x.sqlite");
    }
}
