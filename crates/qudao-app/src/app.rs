//! The application: the database, the file storage, the clock and the configuration, shared by
//! every request and command.

use std::sync::Arc;

use qudao_store::{Db, Tx};

use crate::access::CallerCache;
use crate::clock::Clock;
use crate::files::FileStore;
use crate::orders::Desk;
use crate::orders::OrderingCache;
use crate::pricing::PricingCache;
use crate::progress::ProgressBoard;
use crate::{AppConfig, AppResult, Ctx};

/// Everything a use case needs besides its input. Cheap to clone.
#[derive(Clone)]
pub struct App {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    config: AppConfig,
    files: Arc<dyn FileStore>,
    clock: Arc<dyn Clock>,
    progress: ProgressBoard,
    pricing: PricingCache,
    ordering: OrderingCache,
    desk: std::sync::OnceLock<Desk>,
    callers: CallerCache,
    /// Woken after a commit that wrote outbox events, so this instance's delivery worker sends
    /// them at once instead of at its next poll.
    outbox: Arc<tokio::sync::Notify>,
    /// The payment providers (see `finance::payments`).
    payments: crate::finance::payments::Providers,
    /// The live events of this instance (see `events`).
    events: crate::events::Hub,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App").field("db", &self.inner.db.dialect()).finish_non_exhaustive()
    }
}

impl App {
    /// Assembles the application.
    pub fn new(db: Db, config: AppConfig, files: Arc<dyn FileStore>, clock: Arc<dyn Clock>) -> App {
        let payments = crate::finance::payments::Providers::new(config.payment_simulator);
        App {
            inner: Arc::new(Inner {
                db,
                config,
                files,
                clock,
                progress: ProgressBoard::default(),
                pricing: PricingCache::default(),
                ordering: OrderingCache::default(),
                desk: std::sync::OnceLock::new(),
                callers: CallerCache::default(),
                outbox: Arc::new(tokio::sync::Notify::new()),
                payments,
                events: crate::events::Hub::default(),
            }),
        }
    }

    /// The database.
    pub fn db(&self) -> &Db {
        &self.inner.db
    }

    /// The configuration.
    pub fn config(&self) -> &AppConfig {
        &self.inner.config
    }

    /// The payment providers.
    pub fn payments(&self) -> &crate::finance::payments::Providers {
        &self.inner.payments
    }

    /// The live events of this instance.
    pub fn events(&self) -> &crate::events::Hub {
        &self.inner.events
    }

    /// The file storage.
    pub fn files(&self) -> &dyn FileStore {
        self.inner.files.as_ref()
    }

    /// The progress of long work running in this instance.
    pub fn progress(&self) -> &ProgressBoard {
        &self.inner.progress
    }

    /// The promotion book cache.
    pub(crate) fn pricing_cache(&self) -> &PricingCache {
        &self.inner.pricing
    }

    /// What checkout reads and rarely changes (see `orders::snapshot`).
    pub(crate) fn ordering_cache(&self) -> &OrderingCache {
        &self.inner.ordering
    }

    /// Recently resolved callers (see [`CallerCache`]).
    pub fn callers(&self) -> &CallerCache {
        &self.inner.callers
    }

    /// The order desk, started on first use (it needs the async runtime).
    pub(crate) fn desk(&self) -> &Desk {
        self.inner.desk.get_or_init(|| {
            Desk::start(self.inner.db.clone(), Arc::clone(&self.inner.clock), Arc::clone(&self.inner.outbox))
        })
    }

    /// Tells this instance's delivery worker that events were committed.
    pub fn outbox_written(&self) {
        self.inner.outbox.notify_one();
    }

    /// Waits until [`App::outbox_written`] is called (the delivery worker).
    pub(crate) async fn outbox_signal(&self) {
        self.inner.outbox.notified().await;
    }

    /// Now, from the injected clock.
    pub fn now_ms(&self) -> i64 {
        self.inner.clock.now_ms()
    }

    /// A read transaction in the caller's scope.
    pub(crate) async fn read(&self, ctx: &Ctx) -> AppResult<Tx> {
        Ok(self.inner.db.read(&ctx.scope()).await?)
    }

    /// A write transaction in the caller's scope.
    pub(crate) async fn write(&self, ctx: &Ctx) -> AppResult<Tx> {
        Ok(self.inner.db.write(&ctx.scope()).await?)
    }
}
