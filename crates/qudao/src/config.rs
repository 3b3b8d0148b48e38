//! Configuration: defaults, then a TOML file, then `QUDAO_*` environment variables, then
//! command-line flags — each overriding the one before.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// Flags shared by every subcommand. Each also reads its `QUDAO_*` variable through the layered
/// configuration, so flags need not repeat `env = …` here.
#[derive(Debug, Clone, Args, Default, Serialize)]
pub struct ConfigArgs {
    /// Configuration file (TOML). Default: `qudao.toml` if it exists.
    #[arg(long, global = true)]
    #[serde(skip)]
    pub config: Option<PathBuf>,
    /// Database URL: `sqlite://path/to/file.sqlite` (default `sqlite://qudao-data/qudao.sqlite`)
    /// or `postgres://user@host/db`.
    #[arg(long, global = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
    /// Address to listen on (default 127.0.0.1:8080).
    #[arg(long, global = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<String>,
    /// Folder for uploaded files (default qudao-data/files).
    #[arg(long, global = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub files_dir: Option<PathBuf>,
    /// Log as JSON lines instead of text.
    #[arg(long, global = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_json: Option<bool>,
}

/// The effective configuration.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Config {
    /// Database URL.
    pub database_url: String,
    /// Listen address.
    pub listen: String,
    /// Folder for uploaded files.
    pub files_dir: PathBuf,
    /// Log as JSON lines.
    pub log_json: bool,
    /// Log filter (`info`, `qudao=debug,tower_http=info`); `RUST_LOG` also works.
    pub log: String,
    /// Mark cookies `Secure`; set when served over HTTPS.
    pub secure_cookies: bool,
    /// Trust `X-Forwarded-For` from a reverse proxy.
    pub trust_forwarded_for: bool,
    /// Largest database pool.
    pub max_connections: u32,
    /// Origins besides the server's own allowed to post (a separate front end).
    pub trusted_origins: Vec<String>,
    /// Private networks webhook endpoints may point at (`127.0.0.0/8,10.0.0.0/8`; on-premise
    /// ERPs live there). Empty: public addresses only.
    pub webhook_allow_nets: String,
    /// Take online payments through the payment simulator (`QUDAO_PAYMENT_SIMULATOR=true`):
    /// demos and tests only — anyone holding a payment's link can pay it. `qudao demo` turns it on.
    pub payment_simulator: bool,
    /// The SMTP relay notifications are e-mailed through, `host:port` (`QUDAO_SMTP=127.0.0.1:25`);
    /// empty: no e-mail. Plain SMTP: a local or private-network relay.
    pub smtp: String,
    /// The From address of notification e-mail.
    pub mail_from: String,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            database_url: "sqlite://qudao-data/qudao.sqlite".into(),
            listen: "127.0.0.1:8080".into(),
            files_dir: PathBuf::from("qudao-data/files"),
            log_json: false,
            log: "info".into(),
            secure_cookies: false,
            trust_forwarded_for: false,
            max_connections: 16,
            trusted_origins: Vec::new(),
            webhook_allow_nets: String::new(),
            payment_simulator: false,
            smtp: String::new(),
            mail_from: "Qudao <noreply@qudao.local>".into(),
        }
    }
}

/// Loads the configuration in order of precedence: flags, environment, file, defaults.
pub fn load(args: &ConfigArgs) -> anyhow::Result<Config> {
    let mut figment = Figment::from(Serialized::defaults(Config::default()));
    match &args.config {
        Some(path) => {
            anyhow::ensure!(path.exists(), "configuration file {} does not exist", path.display());
            figment = figment.merge(Toml::file(path));
        }
        None => figment = figment.merge(Toml::file("qudao.toml")),
    }
    figment = figment.merge(Env::prefixed("QUDAO_").split("__")).merge(Serialized::defaults(args));
    figment.extract().context("reading the configuration")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[expect(clippy::result_large_err, reason = "figment's Jail closures return its own error type")]
    fn flags_beat_environment_which_beats_the_file() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "qudao.toml",
                "listen = \"0.0.0.0:1\"\ndatabase_url = \"sqlite://file.sqlite\"\nsecure_cookies = true",
            )?;
            jail.set_env("QUDAO_LISTEN", "0.0.0.0:2");
            jail.set_env("QUDAO_WEBHOOK_ALLOW_NETS", "127.0.0.0/8,10.0.0.0/8");
            let config = load(&ConfigArgs::default()).map_err(|e| e.to_string())?;
            assert_eq!(config.listen, "0.0.0.0:2");
            assert_eq!(config.database_url, "sqlite://file.sqlite");
            assert!(config.secure_cookies);
            assert_eq!(config.webhook_allow_nets, "127.0.0.0/8,10.0.0.0/8");
            let flags = ConfigArgs { listen: Some("0.0.0.0:3".into()), ..ConfigArgs::default() };
            assert_eq!(load(&flags).map_err(|e| e.to_string())?.listen, "0.0.0.0:3");
            Ok(())
        });
    }

    #[test]
    #[expect(clippy::result_large_err, reason = "figment's Jail closures return its own error type")]
    fn defaults_use_embedded_sqlite() {
        figment::Jail::expect_with(|_| {
            let config = load(&ConfigArgs::default()).map_err(|e| e.to_string())?;
            assert!(config.database_url.starts_with("sqlite://"));
            Ok(())
        });
    }
}
