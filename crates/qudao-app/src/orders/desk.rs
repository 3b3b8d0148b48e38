//! The order desk: the writer that commits placed orders in batches (group commit).
//!
//! Every order is checked and priced in its caller's own scope first (see `checkout`); what
//! reaches the desk is fully decided except for the things that depend on other orders: whether
//! the stock, the credit and the promotion quotas are still there. A worker takes whatever jobs
//! are waiting (up to [`MAX_BATCH`]) and runs them in **one** transaction (`commit_batch`): the
//! cancellations' own rows; a decision for each order in arrival order against the stock rows,
//! ledger accounts and promotion usage read once — an order that no longer fits is refused and
//! writes nothing, the others go on; the accepted orders written with a handful of multi-row
//! statements; then, with the shared rows locked and the decisions checked again under the
//! locks, one guarded update per stock row and per account (the guards still refuse an
//! oversell or overdraft, as a second wall), the commit, and only then the answers.
//!
//! Cancellations come through the desk too, in its batches: the desk is then the one writer of the
//! hot stock rows and of the brand's sales account, so no other transaction holds their locks
//! while a batch waits (on PostgreSQL a cancellation holding a hot stock row until its commit
//! stalled every batch behind it).
//!
//! On PostgreSQL two workers run batches side by side. They decide in turn ([`Sequence`]): a
//! batch decides on the rows as read plus what the batch decided just before will change, if
//! that one has not committed yet — a marker order read in the same statement tells. Each
//! batch then writes what locks nothing shared while the other commits, and takes the shared
//! rows only once the batch before it has committed, so the rows are held for a few
//! milliseconds per batch instead of for all of it, and in one order: no deadlock between the
//! workers. A batch whose decisions differ under the locks (the batch before failed, or a
//! writer outside the desk came between) writes nothing and its jobs run one by one. Document
//! numbers are taken outside the batch's transaction (`counters::next_n_detached`), so a failed
//! batch leaves a gap. SQLite has one writer, so one worker, whose first read is already exact.
//!
//! Per-order atomicity holds because an order is either wholly in the committed batch or wholly
//! absent; a request is acknowledged only after the commit that made its order durable. If the
//! batch transaction fails for any reason, each of its orders is retried alone, so one bad order
//! cannot sink the others. The hot rows are locked once per batch instead of once per order, and
//! the fsync of one commit serves the whole batch: that is what lets a single server take an
//! ordering fair's burst on a few hot SKUs.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use qudao_domain::accounts::{AccountKind, Posting};
use qudao_domain::ids::{AccountId, EntryId, OrderId, PartnerId, PromotionId, SkuId, WarehouseId};
use qudao_domain::stock::{Availability, allocate_warehouses};
use qudao_domain::{FieldError, Invalid};
use qudao_store::accounts::{self, HeldAccount, NewEntry, NewPosting};
use qudao_store::audit::{self, AuditRecord};
use qudao_store::idempotency::{self, Claim, Done};
use qudao_store::integration::{NewEvent, outbox};
use qudao_store::orders::{self, NewOrder, NewReservation, OrderView};
use qudao_store::stock::{self, BatchReservation};
use qudao_store::{Db, Dialect, Scope, StoreError, counters, pricing, versions};
use tokio::sync::{mpsc, oneshot, watch};

use crate::clock::{Clock, china_date};
use crate::idempotency::IdemRequest;
use crate::{AppError, AppResult, Ctx};

/// Desk workers on PostgreSQL (see [`Sequence`] before changing it).
const POSTGRES_WORKERS: usize = 2;

/// The most orders committed together.
pub const MAX_BATCH: usize = 256;

/// An order ready for the desk: everything decided but its number, its warehouses, and whether
/// stock, money and quotas still allow it.
#[derive(Debug, Clone)]
pub(crate) struct Prepared {
    /// The order to write (number and reservations filled in by the desk).
    pub order: NewOrder,
    /// The response to give (number filled in by the desk).
    pub view: OrderView,
    /// The payment's postings, by account kind of the order's partner (and the brand's sales).
    pub postings: Vec<Posting>,
    /// Limited promotions the order takes: (promotion, amount, limit).
    pub limits: Vec<(PromotionId, i64, i64)>,
    /// What must be reserved: (line, SKU, base units, SKU code).
    pub demands: Vec<(i64, SkuId, i64, String)>,
    /// The audit row (its `after` is written by the desk).
    pub audit: AuditRecord,
    /// The request's idempotency key, recorded in the batch.
    pub idem: Option<IdemRequest>,
    /// The ordering version it was priced at (see `snapshot`), when priced from the snapshot;
    /// the desk refuses it as stale if the version moved on.
    pub version: Option<i64>,
    /// The approval it starts, when the brand's flows say it needs one.
    pub approval: Option<super::approval::OrderApproval>,
}

/// What became of a prepared order.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// Placed and committed.
    Placed(Box<OrderView>),
    /// The key was already used for a finished request (a concurrent instance placed it).
    Replay {
        /// HTTP status.
        status: u16,
        /// Body.
        body: String,
    },
    /// Priced from an outdated snapshot; nothing was written, price it again.
    Stale,
}

/// A cancellation for the desk, already checked in its caller's scope (the order is visible and
/// the caller may cancel it); the desk re-checks the status under its lock.
#[derive(Debug, Clone)]
pub(crate) struct Cancel {
    /// Who cancels, for the audit row and the reversing entry.
    pub ctx: Ctx,
    /// The order.
    pub id: OrderId,
    /// Why, as the caller wrote it.
    pub reason: Option<String>,
    /// What the cancellation does to the order's running approval: ends it as a plain
    /// cancellation, or records the approver's rejection or the submitter's withdrawal that
    /// caused it (refused if the approval moved on meanwhile).
    pub approval: crate::approvals::Close,
}

enum Job {
    Place { prepared: Box<Prepared>, reply: oneshot::Sender<AppResult<Outcome>> },
    Cancel { cancel: Box<Cancel>, reply: oneshot::Sender<AppResult<OrderView>> },
}

impl Job {
    /// Orders the job places.
    fn orders(&self) -> usize {
        usize::from(matches!(self, Job::Place { .. }))
    }

    fn refuse(self, error: AppError) {
        match self {
            Job::Place { reply, .. } => {
                let _ = reply.send(Err(error));
            }
            Job::Cancel { reply, .. } => {
                let _ = reply.send(Err(error));
            }
        }
    }
}

/// The handle requests submit to. One per application; its worker ends when the application is
/// dropped.
pub(crate) struct Desk {
    sender: mpsc::Sender<Job>,
    in_flight: Arc<Mutex<HashSet<(String, String)>>>,
}

impl std::fmt::Debug for Desk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Desk")
    }
}

impl Desk {
    /// Starts the workers, each on a thread of its own with its own connections, so that neither
    /// their wake-ups nor their connections wait behind request traffic: every statement of a
    /// batch is a round trip, and under load a task on the shared runtime waits its turn for
    /// each. PostgreSQL gets two workers, whose batches overlap but for their short locked end
    /// (see `commit_batch`); SQLite one, as it has one writer.
    pub(crate) fn start(db: Db, clock: Arc<dyn Clock>, outbox: Arc<tokio::sync::Notify>) -> Desk {
        let (sender, receiver) = mpsc::channel(4 * MAX_BATCH);
        let receiver = Arc::new(tokio::sync::Mutex::new(receiver));
        let sequence = Arc::new(Sequence::default());
        let workers = match db.dialect() {
            Dialect::Postgres => POSTGRES_WORKERS,
            Dialect::Sqlite => 1,
        };
        for n in 0..workers {
            let (db, clock, receiver, sequence, outbox) =
                (db.clone(), Arc::clone(&clock), Arc::clone(&receiver), Arc::clone(&sequence), Arc::clone(&outbox));
            let spawned = std::thread::Builder::new().name(format!("order-desk-{n}")).spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                    Ok(runtime) => runtime,
                    Err(error) => {
                        tracing::error!(%error, "the order desk could not start its runtime");
                        return;
                    }
                };
                runtime.block_on(async move {
                    let worker = Worker::connect(db, sequence, outbox).await;
                    work(&worker, clock, receiver, n == 0).await;
                    worker.db.close().await;
                    if let Some(numbers) = &worker.numbers {
                        numbers.close().await;
                    }
                });
            });
            if let Err(error) = spawned {
                tracing::error!(%error, "the order desk could not start");
            }
        }
        Desk { sender, in_flight: Arc::new(Mutex::new(HashSet::new())) }
    }

    /// Submits an order and waits until it is committed or refused.
    pub(crate) async fn submit(&self, prepared: Prepared) -> AppResult<Outcome> {
        let key = prepared.idem.as_ref().map(|i| (i.owner.clone(), i.key.clone()));
        if let Some(key) = &key {
            let mut in_flight = self.in_flight.lock().map_err(|_| AppError::Internal("desk lock".into()))?;
            if !in_flight.insert(key.clone()) {
                return Err(AppError::Conflict("idempotency_key_in_flight"));
            }
        }
        let (reply, answer) = oneshot::channel();
        let result = self.send(Job::Place { prepared: Box::new(prepared), reply }, answer).await;
        if let Some(key) = key
            && let Ok(mut in_flight) = self.in_flight.lock()
        {
            in_flight.remove(&key);
        }
        result
    }

    /// Cancels an order in the desk's next batch and waits for the commit.
    pub(crate) async fn cancel(&self, cancel: Cancel) -> AppResult<OrderView> {
        let (reply, answer) = oneshot::channel();
        self.send(Job::Cancel { cancel: Box::new(cancel), reply }, answer).await
    }

    async fn send<T>(&self, job: Job, answer: oneshot::Receiver<AppResult<T>>) -> AppResult<T> {
        match self.sender.send(job).await {
            Ok(()) => answer.await.unwrap_or_else(|_| Err(AppError::Internal("the order desk stopped".into()))),
            Err(_) => Err(AppError::Internal("the order desk stopped".into())),
        }
    }
}

/// Orders committed between two checks of the planner's statistics.
const STATISTICS_EVERY: usize = 250;

async fn work(
    worker: &Worker,
    clock: Arc<dyn Clock>,
    receiver: Arc<tokio::sync::Mutex<mpsc::Receiver<Job>>>,
    stats: bool,
) {
    let db = &worker.db;
    let mut since_statistics = 0;
    loop {
        let jobs = {
            let mut receiver = receiver.lock().await;
            let Some(first) = receiver.recv().await else { break };
            let mut jobs = vec![first];
            while jobs.len() < MAX_BATCH {
                match receiver.try_recv() {
                    Ok(job) => jobs.push(job),
                    Err(_) => break,
                }
            }
            jobs
        };
        since_statistics += jobs.iter().map(Job::orders).sum::<usize>();
        if stats && since_statistics >= STATISTICS_EVERY {
            since_statistics = 0;
            match db.refresh_cold_statistics().await {
                Ok(tables) if !tables.is_empty() => {
                    tracing::info!(?tables, "analysed tables that outgrew their statistics")
                }
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "could not check the planner's statistics"),
            }
        }
        let started = std::time::Instant::now();
        let result = {
            let batch = Batch::of(&jobs);
            commit_batch(worker, clock.now_ms(), &batch).await
        };
        tracing::debug!(jobs = jobs.len(), ms = started.elapsed().as_secs_f64() * 1e3, "order batch");
        match result {
            Ok(done) => answer(jobs, done),
            Err(error) => {
                if jobs.len() > 1 {
                    tracing::warn!(%error, jobs = jobs.len(), "order batch failed; running its jobs one by one");
                }
                for job in jobs {
                    run_alone(worker, clock.as_ref(), job).await;
                }
            }
        }
    }
}

/// Times a job running alone is tried again because the rows moved between its decision and
/// its locks (the batch before it failed, or a writer outside the desk came between).
const ALONE_ATTEMPTS: usize = 3;

/// Runs one job of a failed batch as a batch of its own, and answers it.
async fn run_alone(worker: &Worker, clock: &dyn Clock, job: Job) {
    let mut attempt = 1;
    let single = loop {
        let batch = Batch::of(std::slice::from_ref(&job));
        match commit_batch(worker, clock.now_ms(), &batch).await {
            Err(BatchError::Moved) if attempt < ALONE_ATTEMPTS => attempt += 1,
            other => break other,
        }
    };
    match single {
        Ok(done) => answer(vec![job], done),
        Err(BatchError::KeyTaken) => {
            if let Job::Place { prepared, reply } = job {
                let _ = reply.send(replay(&worker.db, &prepared, clock.now_ms()).await);
            }
        }
        Err(BatchError::Guard | BatchError::Moved) => job.refuse(AppError::Conflict("stock_or_balance_changed")),
        Err(BatchError::Cancel(error) | BatchError::Approval(error)) => job.refuse(error),
        Err(BatchError::Store(error)) => job.refuse(AppError::Store(error)),
    }
}

impl Worker {
    /// A worker's connections: its own, and on PostgreSQL a second one for document numbers.
    /// Should a connection of its own fail, it shares the request pool: slower, still correct.
    async fn connect(db: Db, sequence: Arc<Sequence>, outbox: Arc<tokio::sync::Notify>) -> Worker {
        let own = match db.dedicated(1).await {
            Ok(own) => own,
            Err(error) => {
                tracing::warn!(%error, "the order desk shares the request pool");
                db.clone()
            }
        };
        let numbers = match db.dialect() {
            Dialect::Sqlite => None,
            Dialect::Postgres => {
                let numbers = match db.dedicated(1).await {
                    Ok(numbers) => counters::prepare_detached(&numbers).await.map(|()| numbers),
                    Err(error) => Err(error),
                };
                numbers.map_err(|error| tracing::warn!(%error, "the order desk takes its numbers in its batches")).ok()
            }
        };
        Worker { db: own, numbers, sequence, outbox }
    }
}

/// A batch's jobs split by kind, each in arrival order.
struct Batch<'a> {
    places: Vec<&'a Prepared>,
    cancels: Vec<&'a Cancel>,
}

impl<'a> Batch<'a> {
    fn of(jobs: &'a [Job]) -> Self {
        let mut batch = Batch { places: Vec::new(), cancels: Vec::new() };
        for job in jobs {
            match job {
                Job::Place { prepared, .. } => batch.places.push(prepared),
                Job::Cancel { cancel, .. } => batch.cancels.push(cancel),
            }
        }
        batch
    }
}

/// What a committed batch gives each job, per kind in arrival order.
struct Answers {
    places: Vec<AppResult<Outcome>>,
    cancels: Vec<AppResult<OrderView>>,
}

fn answer(jobs: Vec<Job>, done: Answers) {
    let mut places = done.places.into_iter();
    let mut cancels = done.cancels.into_iter();
    for job in jobs {
        match job {
            Job::Place { reply, .. } => {
                let _ = reply.send(places.next().unwrap_or(Err(AppError::Internal("no outcome".into()))));
            }
            Job::Cancel { reply, .. } => {
                let _ = reply.send(cancels.next().unwrap_or(Err(AppError::Internal("no outcome".into()))));
            }
        }
    }
}

/// Why a whole batch was not committed.
#[derive(Debug, thiserror::Error)]
enum BatchError {
    /// A guarded update refused: the rows changed under the batch.
    #[error("a guarded update refused")]
    Guard,
    /// A row changed between the batch's decision and its locks so that a decision differs.
    #[error("the rows moved between decision and locks")]
    Moved,
    /// An idempotency key was recorded by someone else meanwhile.
    #[error("an idempotency key was already recorded")]
    KeyTaken,
    /// A cancellation failed after it had written: the batch cannot commit as it stands.
    #[error("a cancellation failed: {0}")]
    Cancel(AppError),
    /// An order's approval could not start.
    #[error("an approval could not start: {0}")]
    Approval(AppError),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

async fn replay(db: &Db, prepared: &Prepared, now_ms: i64) -> AppResult<Outcome> {
    let Some(idem) = &prepared.idem else { return Err(AppError::Conflict("duplicate")) };
    let mut tx = db.read(&Scope::system("idempotency records are keyed by their owner")).await?;
    match idempotency::lookup(&mut tx, &idem.owner, &idem.key, &idem.request_hash, now_ms).await? {
        Some(Claim::Replay { status, body }) => Ok(Outcome::Replay { status, body }),
        Some(Claim::Mismatch) => Err(AppError::Conflict("idempotency_key_mismatch")),
        _ => Err(AppError::Conflict("idempotency_key_in_flight")),
    }
}

/// The answers decided before an order takes anything: priced from an outdated snapshot
/// (`Stale`), or its idempotency key already used — the same request done (`Replay`), another
/// body (mismatch), or still running elsewhere. One query for the version, one for the keys.
async fn answered_early(
    tx: &mut qudao_store::Tx,
    batch: &[&Prepared],
    current: Option<i64>,
    now_ms: i64,
) -> Result<Vec<Option<AppResult<Outcome>>>, BatchError> {
    let asked: Vec<(&str, &str, &str)> = batch
        .iter()
        .filter_map(|p| p.idem.as_ref())
        .map(|i| (i.owner.as_str(), i.key.as_str(), i.request_hash.as_str()))
        .collect();
    let mut claims = idempotency::lookup_many(tx, &asked, now_ms).await?.into_iter();
    Ok(batch
        .iter()
        .map(|p| {
            let claim = if p.idem.is_some() { claims.next().flatten() } else { None };
            match claim {
                Some(Claim::Replay { status, body }) => Some(Ok(Outcome::Replay { status, body })),
                Some(Claim::Mismatch) => Some(Err(AppError::Conflict("idempotency_key_mismatch"))),
                Some(Claim::InFlight) => Some(Err(AppError::Conflict("idempotency_key_in_flight"))),
                Some(Claim::Proceed) | None if p.version.is_some_and(|v| Some(v) != current) => {
                    Some(Ok(Outcome::Stale))
                }
                Some(Claim::Proceed) | None => None,
            }
        })
        .collect())
}

/// The in-memory state of the rows a batch holds.
struct Held {
    /// Active warehouses, preferred first.
    warehouses: Vec<WarehouseId>,
    /// Available stock per (SKU, warehouse).
    available: HashMap<(SkuId, WarehouseId), i64>,
    /// Accounts per (partner, kind).
    accounts: HashMap<(PartnerId, AccountKind), HeldAccount>,
    /// Usage per (promotion, partner).
    usage: HashMap<(PromotionId, PartnerId), i64>,
}

impl Held {
    fn of(
        stock: Vec<stock::HeldStock>,
        accounts: Vec<HeldAccount>,
        usage: HashMap<(PromotionId, PartnerId), i64>,
        warehouses: &[WarehouseId],
    ) -> Held {
        Held {
            warehouses: warehouses.to_vec(),
            available: stock.into_iter().map(|s| ((s.sku_id, s.warehouse_id), s.on_hand - s.reserved)).collect(),
            accounts: accounts.into_iter().map(|a| ((a.partner_id, a.kind), a)).collect(),
            usage,
        }
    }

    /// Decides one order against the held rows; on success returns its reservations and applies
    /// them (and its payment and quotas) to the held state.
    fn take(&mut self, p: &Prepared) -> AppResult<Vec<NewReservation>> {
        let partner = p.order.partner_id;
        let mut reservations = Vec::new();
        let mut taken: HashMap<(SkuId, WarehouseId), i64> = HashMap::new();
        for (line_no, sku, quantity, code) in &p.demands {
            let options: Vec<Availability> = self
                .warehouses
                .iter()
                .map(|w| Availability {
                    warehouse: *w,
                    available: self.available.get(&(*sku, *w)).copied().unwrap_or(0)
                        - taken.get(&(*sku, *w)).copied().unwrap_or(0),
                })
                .collect();
            let Some(parts) = allocate_warehouses(*quantity, &options) else {
                let left: i64 = options.iter().map(|o| o.available.max(0)).sum();
                return Err(Invalid::from(FieldError::with_param(
                    "lines",
                    "insufficient_stock",
                    format!("{code}: {left}"),
                ))
                .into());
            };
            for (warehouse, q) in parts {
                *taken.entry((*sku, warehouse)).or_insert(0) += q;
                reservations.push(NewReservation {
                    line_no: *line_no,
                    sku_id: *sku,
                    warehouse_id: warehouse,
                    quantity: q,
                });
            }
        }
        for posting in p.postings.iter().filter(|p| p.account.is_partner() && p.amount > 0) {
            let field = if posting.account == AccountKind::Rebate { "rebate" } else { "payment" };
            // A partner finance never set up has no accounts: no credit line, no balance.
            let Some(account) = self.accounts.get(&(partner, posting.account)) else {
                return Err(crate::accounts::overdraft_error(field, posting.account));
            };
            let ceiling = posting.account.ceiling(account.credit_line).unwrap_or(i64::MAX);
            if account.balance + posting.amount > ceiling {
                return Err(crate::accounts::overdraft_error(field, posting.account));
            }
        }
        for (promotion, amount, limit) in &p.limits {
            if self.usage.get(&(*promotion, partner)).copied().unwrap_or(0) + amount > *limit {
                return Err(AppError::Conflict("prices_changed"));
            }
        }
        for (key, q) in taken {
            *self.available.entry(key).or_insert(0) -= q;
        }
        for posting in p.postings.iter().filter(|p| p.account.is_partner()) {
            if let Some(account) = self.accounts.get_mut(&(partner, posting.account)) {
                account.balance += posting.amount;
            }
        }
        for (promotion, amount, _) in &p.limits {
            *self.usage.entry((*promotion, partner)).or_insert(0) += amount;
        }
        Ok(reservations)
    }
}

/// What a batch changes in the rows other batches decide on, from its decision until its commit
/// ends: the next batch decides on the rows as read plus these, while this one has not committed.
#[derive(Debug, Default)]
struct Deltas {
    /// Change of available stock per (SKU, warehouse).
    stock: HashMap<(SkuId, WarehouseId), i64>,
    /// Change of balance per (partner, account kind).
    accounts: HashMap<(PartnerId, AccountKind), i64>,
    /// Change of promotion usage per (promotion, partner).
    usage: HashMap<(PromotionId, PartnerId), i64>,
}

impl Deltas {
    /// Adds them to rows read before they were committed.
    fn apply_to(&self, held: &mut Held) {
        for (key, change) in &self.stock {
            if let Some(available) = held.available.get_mut(key) {
                *available += change;
            }
        }
        for (key, change) in &self.accounts {
            if let Some(account) = held.accounts.get_mut(key) {
                account.balance += change;
            }
        }
        for (key, change) in &self.usage {
            *held.usage.entry(*key).or_insert(0) += change;
        }
    }
}

/// A batch between its decision and the end of its commit.
struct InFlight {
    /// What it changes.
    deltas: Deltas,
    /// An order whose row shows whether the batch has committed, with the status it must then
    /// have (a cancellation's), or any status (an order it placed).
    marker: Option<(OrderId, Option<&'static str>)>,
    /// `None` while it runs, then whether it committed.
    done: watch::Receiver<Option<bool>>,
}

/// The order in which batches decide, and so take their locks and commit: the last batch to
/// decide. Shared by the workers.
///
/// Only the last batch's changes are added to what a deciding batch reads, which is right with
/// [`POSTGRES_WORKERS`] = 2: a worker runs one batch at a time, so when one decides, its own
/// previous batch has ended and only the other worker's can still be uncommitted. More workers
/// would need every uncommitted batch's changes.
#[derive(Default)]
struct Sequence {
    last: tokio::sync::Mutex<Option<Arc<InFlight>>>,
}

/// A batch's place in the sequence; dropped without [`Ticket::committed`], the batch failed.
struct Ticket(watch::Sender<Option<bool>>);

impl Ticket {
    fn committed(self) {
        self.0.send_replace(Some(true));
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        self.0.send_if_modified(|done| {
            let unset = done.is_none();
            if unset {
                *done = Some(false);
            }
            unset
        });
    }
}

/// What a worker works with.
struct Worker {
    /// Its own connection.
    db: Db,
    /// A second connection for document numbers (PostgreSQL), taken outside the batch's
    /// transaction; `None` takes them inside it (SQLite, whose one writer is the batch).
    numbers: Option<Db>,
    sequence: Arc<Sequence>,
    /// Woken after a commit, so the delivery worker sends the batch's events at once.
    outbox: Arc<tokio::sync::Notify>,
}

/// Commits one batch:
///
/// 1. what takes no lock: the ordering version, the idempotency keys, the warehouses, and the
///    cancellations' own rows;
/// 2. in turn with the other worker, the decision: the stock rows, accounts and usage read
///    without locks, plus what the batch decided just before changes if it has not committed
///    yet (a marker row tells), each order decided in arrival order;
/// 3. the numbers, then everything that locks nothing shared: orders, lines, reservations,
///    stock moves, journal entries, audit rows and idempotency records;
/// 4. once the batch before has committed: the shared rows locked and every decision checked
///    again against them (on PostgreSQL; SQLite's one writer cannot have been overtaken); if
///    one differs, the batch fails and its jobs run one by one. Then the guarded updates of
///    stock, accounts and usage, and the commit.
///
/// Only step 4 holds the shared rows, and it is short; the batches' steps 1–3 overlap.
async fn commit_batch(worker: &Worker, now_ms: i64, jobs: &Batch<'_>) -> Result<Answers, BatchError> {
    let t0 = std::time::Instant::now();
    let db = &worker.db;
    let mut tx = db.write(&Scope::system("the order desk writes orders each checked in its caller's scope")).await?;
    // Nothing in a batch reads back what it inserts: the inserts can travel together.
    tx.group_inserts();
    let batch = &jobs.places;
    let (early, warehouses) = if batch.is_empty() {
        (Vec::new(), Vec::new())
    } else {
        let current = match batch.iter().any(|p| p.version.is_some()) {
            true => Some(versions::ordering(&mut tx).await?),
            false => None,
        };
        let early = answered_early(&mut tx, batch, current, now_ms).await?;
        let warehouses = stock::warehouses(&mut tx).await?.into_iter().filter(|w| w.active).map(|w| w.id).collect();
        (early, warehouses)
    };
    let cancelled = match super::lifecycle::cancel_batch(&mut tx, &jobs.cancels, now_ms).await {
        Ok(cancelled) => cancelled,
        Err(error) => return Err(BatchError::Cancel(error)),
    };
    let t_early = t0.elapsed();

    let mut skus: Vec<SkuId> = batch.iter().flat_map(|p| p.demands.iter().map(|d| d.1)).collect();
    skus.sort_unstable();
    skus.dedup();
    let mut partners: Vec<PartnerId> = batch.iter().map(|p| p.order.partner_id).collect();
    partners.sort_unstable();
    partners.dedup();
    let with_usage = batch.iter().any(|p| !p.limits.is_empty());

    // The decision, in turn.
    let mut turn = worker.sequence.last.lock().await;
    let before = turn.clone();
    let pending = before.as_ref().filter(|b| b.done.borrow().is_none());
    let marker = pending.and_then(|b| b.marker);
    let peeked = orders::peek_batch(&mut tx, &skus, &partners, with_usage, marker).await?;
    let visible = peeked.marker_visible;
    let mut held = Held::of(peeked.stock, peeked.accounts, peeked.usage, &warehouses);
    if let Some(pending) = pending
        && marker.is_some()
        && !visible
        // A batch that failed meanwhile changed nothing.
        && pending.done.borrow().is_none_or(|committed| committed)
    {
        pending.deltas.apply_to(&mut held);
    }
    let decisions = decide(&mut held, batch, &early);
    let (sender, done) = watch::channel(None);
    let ticket = Ticket(sender);
    let (deltas, marker) = deltas_of(batch, &decisions, &cancelled);
    *turn = Some(Arc::new(InFlight { deltas, marker, done }));
    drop(turn);
    let t_decide = t0.elapsed();
    let finished: Result<Answers, BatchError> = async {
        let accepted = decisions.iter().filter(|d| d.is_ok()).count() as u64;
        let date = china_date(now_ms);
        let mut number = match (accepted, &worker.numbers) {
            (0, _) => 0,
            (n, Some(numbers)) => counters::next_n_detached(numbers, &format!("order:{date}"), n).await?,
            (n, None) => counters::next_n(&mut tx, &format!("order:{date}"), n).await?,
        };
        let sales: AccountId =
            accounts::BRAND_SALES_CNY.parse().map_err(|_| StoreError::Corrupt("brand account".into()))?;

        let mut orders_out: Vec<NewOrder> = Vec::new();
        let mut views: Vec<Option<OrderView>> = Vec::new();
        let mut reservations: Vec<BatchReservation> = Vec::new();
        let mut entries: Vec<(EntryId, NewEntry<'_>)> = Vec::new();
        let mut audits: Vec<AuditRecord> = Vec::new();
        let mut usage: Vec<(PromotionId, PartnerId, i64)> = Vec::new();
        let mut bodies: Vec<(usize, String)> = Vec::new();
        let mut events: Vec<NewEvent> = Vec::new();
        let mut approvals: Vec<(usize, &super::approval::OrderApproval)> = Vec::new();
        for (index, (p, decision)) in batch.iter().zip(&decisions).enumerate() {
            let Ok(held_stock) = decision else {
                views.push(None);
                continue;
            };
            let mut order = p.order.clone();
            order.number = qudao_domain::docnum::format("SO", date, number);
            number += 1;
            order.placed_ms = now_ms;
            order.approved_ms = order.approved_ms.map(|_| now_ms);
            order.reservations = held_stock.clone();
            let id = order.id.to_string();
            for r in &order.reservations {
                reservations.push(BatchReservation {
                    sku_id: r.sku_id,
                    warehouse_id: r.warehouse_id,
                    quantity: r.quantity,
                    order_id: id.clone(),
                    by: order.placed_by,
                });
            }
            let postings: Vec<NewPosting> = p
                .postings
                .iter()
                .filter_map(|posting| {
                    let account = if posting.account.is_partner() {
                        held.accounts.get(&(order.partner_id, posting.account)).map(|a| a.id)?
                    } else {
                        sales
                    };
                    Some(NewPosting { account, amount: posting.amount })
                })
                .collect();
            if postings.len() != p.postings.len() {
                return Err(BatchError::Store(StoreError::Corrupt(format!(
                    "accounts of partner {}",
                    order.partner_id
                ))));
            }
            if !postings.is_empty() {
                entries.push((
                    EntryId::new(),
                    NewEntry {
                        partner: Some(order.partner_id),
                        template: "order_payment",
                        reference: Some(("order", id.clone())),
                        memo: None,
                        created_by: order.placed_by,
                        at_ms: now_ms,
                        postings,
                    },
                ));
            }
            usage.extend(p.limits.iter().map(|(promotion, amount, _)| (*promotion, order.partner_id, *amount)));
            let mut view = p.view.clone();
            view.summary.number = order.number.clone();
            view.summary.placed_ms = now_ms;
            view.approved_ms = order.approved_ms;
            let mut record = p.audit.clone();
            record.at_ms = now_ms;
            record.after = serde_json::to_string(&serde_json::json!({
                "number": order.number, "status": order.status, "total": order.total, "lines": order.lines.len(),
                "payment": order.payment,
            }))
            .ok();
            audits.push(record);
            // Serialised once: the response to replay and the outbox events' data.
            let body = serde_json::to_string(&view).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            events.extend(crate::integration::events::placed_events(&view, &body, now_ms));
            if p.idem.is_some() {
                bodies.push((index, body));
            }
            if let Some(approval) = &p.approval {
                approvals.push((orders_out.len(), approval));
            }
            orders_out.push(order);
            views.push(Some(view));
        }

        // Everything that locks nothing shared, sent now.
        if !orders_out.is_empty() {
            orders::insert_batch(&mut tx, &orders_out).await?;
            stock::reserve_moves(&mut tx, &reservations, now_ms).await?;
            accounts::post_entries(&mut tx, &entries).await?;
            audit::insert_batch(&mut tx, &audits).await?;
            outbox::append(&mut tx, &events).await?;
        }
        for (at, approval) in approvals {
            let order = &orders_out[at];
            let partner =
                views.iter().flatten().find(|v| v.summary.id == order.id).map(|v| v.summary.partner_name.clone());
            super::approval::begin(&mut tx, approval, order, &partner.unwrap_or_default(), now_ms)
                .await
                .map_err(BatchError::Approval)?;
        }
        let done: Vec<Done<'_>> = bodies
            .iter()
            .filter_map(|(index, body)| {
                let idem = batch[*index].idem.as_ref()?;
                Some(Done { owner: &idem.owner, key: &idem.key, request_hash: &idem.request_hash, status: 201, body })
            })
            .collect();
        if !done.is_empty() && idempotency::record_done(&mut tx, &done, now_ms).await? != done.len() as u64 {
            return Err(BatchError::KeyTaken);
        }
        tx.send_grouped().await?;
        let t_write = t0.elapsed();

        // The shared rows, once the batch before has committed.
        if let Some(before) = &before {
            let mut done = before.done.clone();
            // A sender dropped without a value is a batch that failed: done either way.
            let _ = done.wait_for(Option::is_some).await;
        }
        let t_wait = t0.elapsed();
        let decisions = if db.dialect() == Dialect::Postgres {
            // Every stock row and account the end updates — the cancellations' too — locked in
            // key order before any is updated, so the end never locks them out of order.
            let mut lock_skus = skus.clone();
            lock_skus.extend(cancelled.releases.iter().map(|r| r.sku_id));
            lock_skus.sort_unstable();
            lock_skus.dedup();
            let mut lock_partners = partners.clone();
            lock_partners.extend(cancelled.movements.iter().map(|(_, m)| m.partner));
            lock_partners.sort_unstable();
            lock_partners.dedup();
            let mut locked = hold_rows(&mut tx, &lock_skus, &lock_partners, with_usage, &warehouses).await?;
            let checked = decide(&mut locked, batch, &early);
            if !same_decisions(&decisions, &checked) {
                tracing::info!(orders = batch.len(), "the rows moved under a batch between its decision and its locks");
                return Err(BatchError::Moved);
            }
            checked
        } else {
            decisions
        };
        if let Err(error) = super::lifecycle::release_cancelled(&mut tx, &cancelled, now_ms).await {
            return Err(BatchError::Cancel(error));
        }
        if !stock::reserve_rows(&mut tx, &reservations).await? || !accounts::post_balances(&mut tx, &entries).await? {
            return Err(BatchError::Guard);
        }
        if !usage.is_empty() {
            orders::add_promotion_usage(&mut tx, &usage).await?;
        }
        let t_locked = t0.elapsed();
        let wrote = !orders_out.is_empty() || cancelled.results.iter().any(Result::is_ok);
        if wrote {
            tx.commit().await?;
            worker.outbox.notify_one();
        }
        tracing::debug!(
            ?t_early,
            ?t_decide,
            ?t_write,
            ?t_wait,
            ?t_locked,
            total = ?t0.elapsed(),
            orders = batch.len(),
            cancels = cancelled.results.len(),
            "order batch phases"
        );
        let places = decisions
            .into_iter()
            .zip(views)
            .zip(early)
            .map(|((decision, view), early)| match (decision, view) {
                _ if early.is_some() => early.unwrap_or(Err(AppError::Internal("no early answer".into()))),
                (Ok(_), Some(view)) => Ok(Outcome::Placed(Box::new(view))),
                (Err(error), _) => Err(error),
                (Ok(_), None) => Err(AppError::Internal("accepted order without a view".into())),
            })
            .collect();
        Ok(Answers { places, cancels: cancelled.results })
    }
    .await;
    if finished.is_err()
        && let Some(before) = &before
    {
        // The next batch waits only for this one: this one's end must come after the end of
        // the batch before, or their locked ends could overlap.
        let _ = before.done.clone().wait_for(Option::is_some).await;
    }
    match &finished {
        Ok(_) => ticket.committed(),
        Err(_) => drop(ticket),
    }
    finished
}

/// The stock rows, accounts and (when needed) promotion usage a batch decides on, locked until
/// commit (on PostgreSQL).
async fn hold_rows(
    tx: &mut qudao_store::Tx,
    skus: &[SkuId],
    partners: &[PartnerId],
    with_usage: bool,
    warehouses: &[WarehouseId],
) -> Result<Held, BatchError> {
    let stock = stock::hold(tx, skus).await?;
    let accounts = accounts::hold(tx, partners).await?;
    let usage = if with_usage { pricing::hold_usage(tx, partners).await? } else { HashMap::new() };
    Ok(Held::of(stock, accounts, usage, warehouses))
}

/// Each order decided in arrival order against `held`; those answered early are not decided.
fn decide(
    held: &mut Held,
    batch: &[&Prepared],
    early: &[Option<AppResult<Outcome>>],
) -> Vec<AppResult<Vec<NewReservation>>> {
    batch
        .iter()
        .zip(early)
        .map(|(p, early)| match early {
            Some(_) => Err(AppError::Conflict("answered_early")),
            None => held.take(p),
        })
        .collect()
}

/// Whether two decisions of a batch write the same: the same orders accepted, with the same
/// reservations (a refusal's reason may differ; the later one is given).
fn same_decisions(a: &[AppResult<Vec<NewReservation>>], b: &[AppResult<Vec<NewReservation>>]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|pair| match pair {
            (Ok(x), Ok(y)) => x == y,
            (Err(_), Err(_)) => true,
            _ => false,
        })
}

/// What a decided batch will change, for the batch deciding next, and the marker row that will
/// show its commit.
fn deltas_of(
    batch: &[&Prepared],
    decisions: &[AppResult<Vec<NewReservation>>],
    cancelled: &super::lifecycle::CancelBatch<'_>,
) -> (Deltas, Option<(OrderId, Option<&'static str>)>) {
    let mut deltas = Deltas::default();
    let mut marker = None;
    for (p, decision) in batch.iter().zip(decisions) {
        let Ok(reservations) = decision else { continue };
        let partner = p.order.partner_id;
        marker.get_or_insert((p.order.id, None));
        for r in reservations {
            *deltas.stock.entry((r.sku_id, r.warehouse_id)).or_insert(0) -= r.quantity;
        }
        for posting in p.postings.iter().filter(|p| p.account.is_partner()) {
            *deltas.accounts.entry((partner, posting.account)).or_insert(0) += posting.amount;
        }
        for (promotion, amount, _) in &p.limits {
            *deltas.usage.entry((*promotion, partner)).or_insert(0) += amount;
        }
    }
    for r in &cancelled.releases {
        *deltas.stock.entry((r.sku_id, r.warehouse_id)).or_insert(0) += r.quantity;
    }
    for (_, movement) in &cancelled.movements {
        for posting in movement.postings.iter().filter(|p| p.account.is_partner()) {
            *deltas.accounts.entry((movement.partner, posting.account)).or_insert(0) += posting.amount;
        }
    }
    for (promotion, partner, change) in &cancelled.given_back {
        *deltas.usage.entry((*promotion, *partner)).or_insert(0) += change;
    }
    if marker.is_none()
        && let Some(view) = cancelled.results.iter().find_map(|r| r.as_ref().ok())
    {
        marker = Some((view.summary.id, Some("cancelled")));
    }
    (deltas, marker)
}
