//! A short-lived memory of who a token belongs to, so a busy client (an ordering fair's burst)
//! is not looked up in the database on every request.
//!
//! Entries live [`CALLER_TTL_MS`] at most. Every change that could alter a caller — sign-out,
//! suspension, a role, password, territory, locale or partner status change, a revoked key, a
//! brand setting — forgets them all on this instance after it commits; other instances notice
//! within the TTL. That bounded delay is the price of the saved read per request.

use std::collections::HashMap;
use std::sync::Mutex;

use qudao_store::Caller;

/// How long a resolved caller is trusted without asking the database again.
pub const CALLER_TTL_MS: i64 = 5_000;

/// Most entries kept; past this the memory starts over (it is only a cache).
const MAX_ENTRIES: usize = 50_000;

/// Resolved callers by token hash, with the time they were resolved.
#[derive(Default)]
pub struct CallerCache {
    entries: Mutex<HashMap<String, (Caller, i64)>>,
}

impl std::fmt::Debug for CallerCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CallerCache")
    }
}

impl CallerCache {
    /// The caller of `token_hash` if resolved less than the TTL ago.
    pub fn get(&self, token_hash: &str, now_ms: i64) -> Option<Caller> {
        let entries = self.entries.lock().ok()?;
        entries.get(token_hash).filter(|(_, at)| now_ms - at < CALLER_TTL_MS && now_ms >= *at).map(|(c, _)| c.clone())
    }

    /// Remembers a caller just resolved from the database.
    pub fn put(&self, token_hash: String, caller: Caller, now_ms: i64) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
            entries.insert(token_hash, (caller, now_ms));
        }
    }

    /// Forgets every caller (after a change that could alter any of them).
    pub fn forget_all(&self) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.clear();
        }
    }
}
