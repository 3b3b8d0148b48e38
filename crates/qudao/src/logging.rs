//! Structured logs on stderr: text for people, JSON lines for log collectors.

use tracing_subscriber::EnvFilter;

use crate::config::Config;

/// Installs the global subscriber; `RUST_LOG` overrides the configured filter.
pub fn init(config: &Config) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&config.log));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if config.log_json {
        builder.json().flatten_event(true).init();
    } else {
        builder.init();
    }
}
