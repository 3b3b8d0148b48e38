//! Housekeeping that keeps the tables small: expired sessions, old sign-in attempts and
//! idempotency records. Safe to run on every instance at once.

use qudao_store::Scope;
use qudao_store::access::{login_attempts, sessions};

use crate::{App, AppResult};

/// What one pass removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    /// Sessions past their timeouts.
    pub sessions: u64,
    /// Sign-in attempts older than a day.
    pub login_attempts: u64,
    /// Idempotency records past their keep time.
    pub idempotency_keys: u64,
}

/// Runs one housekeeping pass.
pub async fn purge(app: &App) -> AppResult<Purged> {
    let now = app.now_ms();
    let scope = Scope::system("housekeeping removes expired rows");
    let mut tx = app.db().write(&scope).await?;
    let sessions = sessions::purge_expired(&mut tx, now, app.config().session_idle_ms).await?;
    let login_attempts = login_attempts::purge(&mut tx, now - 24 * 3_600_000).await?;
    tx.commit().await?;
    let idempotency_keys = crate::idempotency::purge(app).await?;
    Ok(Purged { sessions, login_attempts, idempotency_keys })
}
