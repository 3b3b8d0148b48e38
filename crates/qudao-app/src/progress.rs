//! Progress of long work (imports, and later exports and recomputations), for the UI to poll.
//!
//! Entries live in this instance's memory, keyed by their owner and an id the client chose, so
//! nobody can watch another caller's work. They are not in the database on purpose: an import
//! runs in one transaction, and on SQLite no other writer could record progress until it commits.
//! Behind a load balancer, polling reaches the right instance only with sticky sessions;
//! elsewhere it simply finds nothing and the page shows an indeterminate bar.

use std::collections::HashMap;
use std::sync::Mutex;

use serde::Serialize;
use utoipa::ToSchema;

/// How far a piece of work has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct ProgressView {
    /// Steps done.
    pub done: u64,
    /// Steps in all.
    pub total: u64,
    /// Whether the work has ended (successfully or not).
    pub finished: bool,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    view: ProgressView,
    updated_ms: i64,
}

/// The progress of every running or recent piece of work in this instance.
#[derive(Debug, Default)]
pub struct ProgressBoard {
    entries: Mutex<HashMap<(String, String), Entry>>,
}

/// How long a finished or abandoned entry is kept.
const KEEP_MS: i64 = 3_600_000;

/// Whether a client-chosen progress id is acceptable: 8 to 64 of `A-Z a-z 0-9 - _`.
pub fn valid_id(id: &str) -> bool {
    (8..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl ProgressBoard {
    fn update(&self, owner: &str, id: &str, now_ms: i64, change: impl FnOnce(&mut ProgressView)) {
        if !valid_id(id) {
            return;
        }
        let Ok(mut entries) = self.entries.lock() else { return };
        entries.retain(|_, entry| now_ms - entry.updated_ms < KEEP_MS);
        let entry = entries
            .entry((owner.to_string(), id.to_string()))
            .or_insert(Entry { view: ProgressView { done: 0, total: 0, finished: false }, updated_ms: now_ms });
        change(&mut entry.view);
        entry.updated_ms = now_ms;
    }

    /// Work of `total` steps starts.
    pub fn start(&self, owner: &str, id: &str, total: u64, now_ms: i64) {
        self.update(owner, id, now_ms, |view| *view = ProgressView { done: 0, total, finished: false });
    }

    /// `done` steps are done.
    pub fn advance(&self, owner: &str, id: &str, done: u64, now_ms: i64) {
        self.update(owner, id, now_ms, |view| view.done = done.min(view.total.max(done)));
    }

    /// The work has ended.
    pub fn finish(&self, owner: &str, id: &str, now_ms: i64) {
        self.update(owner, id, now_ms, |view| {
            view.finished = true;
            view.done = view.total.max(view.done);
        });
    }

    /// The progress of `owner`'s work `id`, if this instance knows it.
    pub fn get(&self, owner: &str, id: &str) -> Option<ProgressView> {
        let entries = self.entries.lock().ok()?;
        entries.get(&(owner.to_string(), id.to_string())).map(|entry| entry.view)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_is_kept_per_owner_and_forgotten_after_an_hour() {
        let board = ProgressBoard::default();
        board.start("user:a", "import-123", 100, 0);
        board.advance("user:a", "import-123", 40, 10);
        assert_eq!(board.get("user:a", "import-123"), Some(ProgressView { done: 40, total: 100, finished: false }));
        assert_eq!(board.get("user:b", "import-123"), None, "another caller sees nothing");
        board.finish("user:a", "import-123", 20);
        assert_eq!(board.get("user:a", "import-123").map(|v| (v.done, v.finished)), Some((100, true)));
        board.start("user:a", "other-job-1", 5, KEEP_MS + 30);
        assert_eq!(board.get("user:a", "import-123"), None, "old entries are dropped");
        board.start("user:a", "bad id!", 5, 0);
        assert_eq!(board.get("user:a", "bad id!"), None);
    }
}
