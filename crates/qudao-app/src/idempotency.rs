//! `Idempotency-Key` for creating requests: claim before, complete inside the effect's
//! transaction, release on failure. See `qudao_store::idempotency` for why it is split so.

use qudao_store::idempotency::{self, Claim};
use qudao_store::{Scope, Tx};
use serde::Serialize;

use crate::{App, AppError, AppResult, Ctx};

/// A claimed key, handed to the use case so it can store its response in its own transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdemKey {
    owner: String,
    key: String,
}

impl IdemKey {
    /// The key with its owner (`key:…` or `user:…`), unique across callers: for ids that must be
    /// the same when the same request is retried.
    pub fn storage_key(&self) -> String {
        format!("{}/{}", self.owner, self.key)
    }
}

/// The outcome of claiming a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claimed {
    /// Go ahead; pass the key to the use case.
    Proceed(IdemKey),
    /// Send the stored response again.
    Replay {
        /// HTTP status.
        status: u16,
        /// JSON body.
        body: String,
    },
    /// Same key, different request.
    Mismatch,
    /// Same key, first request still running.
    InFlight,
}

/// A key sent with a request whose effect records it in its own (batched) transaction instead
/// of claiming it first: the order desk, where a separate claim commit per order would cost an
/// fsync each. Concurrent duplicates are caught in memory by the desk and, across instances, by
/// the key's primary key in the batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdemRequest {
    /// Who sent it (user or API key).
    pub owner: String,
    /// The key.
    pub key: String,
    /// The hash of method, path and body.
    pub request_hash: String,
}

impl IdemRequest {
    /// A key for `ctx`'s caller, after checking its form.
    pub fn new(ctx: &Ctx, key: &str, request_hash: &str) -> AppResult<IdemRequest> {
        if !valid_key(key) {
            return Err(AppError::field("Idempotency-Key", "invalid_idempotency_key"));
        }
        Ok(IdemRequest {
            owner: ctx.caller().owner_key(),
            key: key.to_string(),
            request_hash: request_hash.to_string(),
        })
    }

    /// What the key already holds, read in the use case's own transaction: `None` to go ahead.
    pub(crate) async fn lookup_in(&self, tx: &mut Tx, now_ms: i64) -> AppResult<Option<Claimed>> {
        let found = idempotency::lookup(tx, &self.owner, &self.key, &self.request_hash, now_ms).await?;
        Ok(found.map(|claim| self.claimed(claim)))
    }

    fn claimed(&self, claim: Claim) -> Claimed {
        match claim {
            Claim::Proceed => Claimed::Proceed(IdemKey { owner: self.owner.clone(), key: self.key.clone() }),
            Claim::Replay { status, body } => Claimed::Replay { status, body },
            Claim::Mismatch => Claimed::Mismatch,
            Claim::InFlight => Claimed::InFlight,
        }
    }

    /// What the key already holds: `None` to go ahead. Read without claiming; the effect's batch
    /// records the key, and its primary key refuses a duplicate that slips in meanwhile.
    pub async fn lookup(&self, app: &App) -> AppResult<Option<Claimed>> {
        let mut tx = app.db().read(&Scope::system("idempotency records are keyed by their owner")).await?;
        let found = idempotency::lookup(&mut tx, &self.owner, &self.key, &self.request_hash, app.now_ms()).await?;
        Ok(found.map(|claim| self.claimed(claim)))
    }
}

/// Checks a key as sent: 1 to 255 visible ASCII characters.
pub fn valid_key(key: &str) -> bool {
    (1..=255).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic())
}

/// Claims `key` for the caller; `request_hash` identifies the request (method, path, body).
pub async fn claim(app: &App, ctx: &Ctx, key: &str, request_hash: &str) -> AppResult<Claimed> {
    if !valid_key(key) {
        return Err(AppError::field("Idempotency-Key", "invalid_idempotency_key"));
    }
    let owner = ctx.caller().owner_key();
    let now = app.now_ms();
    let mut tx = app.db().write(&Scope::system("idempotency records are keyed by their owner")).await?;
    let claim = idempotency::claim(&mut tx, &owner, key, request_hash, now, app.config().idempotency_lock_ms).await?;
    tx.commit().await?;
    Ok(match claim {
        Claim::Proceed => Claimed::Proceed(IdemKey { owner, key: key.to_string() }),
        Claim::Replay { status, body } => Claimed::Replay { status, body },
        Claim::Mismatch => Claimed::Mismatch,
        Claim::InFlight => Claimed::InFlight,
    })
}

/// Releases a claim after the request failed, so a corrected retry can use the same key.
pub async fn release(app: &App, key: &IdemKey) -> AppResult<()> {
    let mut tx = app.db().write(&Scope::system("idempotency records are keyed by their owner")).await?;
    idempotency::release(&mut tx, &key.owner, &key.key).await?;
    tx.commit().await?;
    Ok(())
}

/// Stores the response of a successful creation in the effect's transaction. Use cases call this
/// just before committing, with the body the API returns.
pub async fn complete<T: Serialize>(tx: &mut Tx, key: Option<&IdemKey>, status: u16, body: &T) -> AppResult<()> {
    let Some(key) = key else { return Ok(()) };
    let body = serde_json::to_string(body).map_err(|e| AppError::Internal(e.to_string()))?;
    if !idempotency::complete(tx, &key.owner, &key.key, status, &body).await? {
        return Err(AppError::Conflict("idempotency_key_lost"));
    }
    Ok(())
}

/// Forgets records older than the configured keep time.
pub async fn purge(app: &App) -> AppResult<u64> {
    let before = app.now_ms() - app.config().idempotency_keep_ms;
    let mut tx = app.db().write(&Scope::system("maintenance purges old idempotency records")).await?;
    let purged = idempotency::purge(&mut tx, before).await?;
    tx.commit().await?;
    Ok(purged)
}
