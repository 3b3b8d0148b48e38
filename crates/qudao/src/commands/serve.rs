//! `qudao serve`.

use std::time::Duration;

use anyhow::Context;
use qudao_app::App;
use qudao_web::{AppState, WebConfig};

use crate::config::Config;

/// Serves until Ctrl-C or SIGTERM, then finishes requests in flight and closes the database.
pub async fn run(config: &Config) -> anyhow::Result<()> {
    let app = super::open(config).await?;
    serve(config, app, None).await
}

/// Serves `app`; `banner` is printed once the socket listens (the demo's accounts).
pub async fn serve(config: &Config, app: App, banner: Option<String>) -> anyhow::Result<()> {
    let web = WebConfig {
        secure_cookies: config.secure_cookies,
        trust_forwarded_for: config.trust_forwarded_for,
        trusted_origins: config.trusted_origins.clone(),
        ..WebConfig::default()
    };
    let state = AppState::new(app.clone(), web);
    let listener = tokio::net::TcpListener::bind(&config.listen)
        .await
        .with_context(|| format!("listening on {}", config.listen))?;
    let address = listener.local_addr()?;
    tracing::info!(listen = %address, database = %super::redact(&config.database_url), "Qudao is serving");
    if let Some(banner) = banner {
        use std::io::Write;
        writeln!(std::io::stdout().lock(), "{}", banner.replace("{url}", &format!("http://{address}")))?;
    }
    let housekeeping = qudao_web::spawn_housekeeping(state.clone(), Duration::from_secs(600));
    let notifier = qudao_web::spawn_notifier(state.clone(), Duration::from_secs(15));
    // Live events made on other instances sharing the PostgreSQL database (none on SQLite).
    let bridge = qudao_app::events::bridge(state.app().clone()).await?;
    let deliverer = qudao_app::integration::worker::spawn(app.clone()).context("starting webhook delivery")?;
    qudao_web::serve(listener, state, shutdown_signal()).await.context("serving")?;
    deliverer.abort();
    housekeeping.abort();
    notifier.abort();
    if let Some(bridge) = bridge {
        bridge.abort();
    }
    app.db().close().await;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
