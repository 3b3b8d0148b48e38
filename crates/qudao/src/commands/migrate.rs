//! `qudao migrate`.

use crate::config::Config;

/// Applies every migration not yet applied.
pub async fn run(config: &Config) -> anyhow::Result<()> {
    let app = super::open(config).await?;
    app.db().close().await;
    eprintln!("migrations applied to {}", super::redact(&config.database_url));
    Ok(())
}
