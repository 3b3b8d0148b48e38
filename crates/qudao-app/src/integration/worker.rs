//! The delivery worker: outbox events to webhook endpoints, at least once, signed.
//!
//! Every instance runs one. A pass (1) dispatches new outbox events into one delivery per
//! subscribed endpoint, (2) takes due deliveries under a lease (60 s, far longer than a
//! request's 15 s timeout), (3) posts them, up to 64 at a time, and (4) records each attempt
//! and where its delivery goes next — delivered, again later by the schedule in
//! `qudao_domain::integration::delivery`, or dead-lettered. An instance that dies mid-send
//! leaves leases that run out, and another instance sends those deliveries again: an ERP may
//! see an event twice and deduplicates it by `webhook-id`, never zero times.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use qudao_domain::integration::{AllowedNets, Disposition, disposition, retry_delay_ms, webhook_body};
use qudao_store::Scope;
use qudao_store::integration::deliveries::{self, Claimed, Next, Outcome};
use qudao_store::integration::{endpoints, outbox};
use tokio::task::JoinSet;

use super::signing::signature_header;
use super::target::{GuardedResolver, SharedNets, literal_address};
use crate::clock::rfc3339;
use crate::{App, AppError, AppResult};

/// How long an instance holds a delivery it took.
const LEASE_MS: i64 = 60_000;
/// How long one request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);
/// Most requests in flight per instance.
const MAX_IN_FLIGHT: usize = 64;
/// Most events dispatched per transaction.
const DISPATCH_BATCH: i64 = 1_000;
/// How often an idle worker looks for work another instance committed (its own commits wake
/// it at once).
const POLL: Duration = Duration::from_millis(250);
/// How long a turn waits for more sends to finish before recording them.
const GATHER: Duration = Duration::from_millis(20);
/// How much of an answer is kept for the delivery log.
const EXCERPT_BYTES: usize = 512;

/// One instance's deliverer.
#[derive(Debug, Clone)]
pub struct Deliverer {
    app: App,
    owner: String,
    client: reqwest::Client,
    nets: SharedNets,
}

/// What [`Deliverer::deliver_due`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pass {
    /// Events dispatched into deliveries.
    pub dispatched: usize,
    /// Attempts made.
    pub attempts: usize,
    /// Of which delivered.
    pub delivered: usize,
}

impl Deliverer {
    /// A deliverer for this instance, with its own HTTP client: no redirects, no proxy, every
    /// resolved address checked against the allowed networks.
    pub fn new(app: App) -> AppResult<Deliverer> {
        install_tls_provider();
        let nets: SharedNets = Arc::new(RwLock::new(app.config().webhook_allow_nets.clone()));
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(Duration::from_secs(5))
            .user_agent(concat!("Qudao-Webhooks/", env!("CARGO_PKG_VERSION")))
            .dns_resolver(Arc::new(GuardedResolver::new(Arc::clone(&nets))))
            .build()
            .map_err(|e| AppError::Internal(format!("webhook client: {e}")))?;
        let owner = format!("{}:{}", std::process::id(), uuid::Uuid::now_v7());
        Ok(Deliverer { app, owner, client, nets })
    }

    /// Reads the allowed networks again: the server's and the console's.
    pub async fn refresh_nets(&self) -> AppResult<AllowedNets> {
        let mut tx = self.app.db().read(&system()).await?;
        let nets = super::endpoints::allowed_nets(&self.app, &mut tx).await?;
        drop(tx);
        if let Ok(mut shared) = self.nets.write() {
            *shared = nets.clone();
        }
        Ok(nets)
    }

    /// The allowed networks as last read.
    fn nets_now(&self) -> AllowedNets {
        self.nets.read().map(|n| n.clone()).unwrap_or_default()
    }

    /// Turns waiting outbox events into deliveries; returns how many events it took.
    pub async fn dispatch(&self) -> AppResult<usize> {
        let mut total = 0;
        let mut tx = self.app.db().read(&system()).await?;
        let waiting = outbox::has_waiting(&mut tx).await?;
        drop(tx);
        if !waiting {
            return Ok(0);
        }
        loop {
            let mut tx = self.app.db().write(&system()).await?;
            let subscribers = endpoints::subscribers(&mut tx).await?;
            let done = outbox::dispatch(&mut tx, &subscribers, DISPATCH_BATCH, self.app.now_ms()).await?;
            tx.commit().await?;
            total += done.events;
            if (done.events as i64) < DISPATCH_BATCH {
                return Ok(total);
            }
        }
    }

    /// One full pass, for tests and commands: turns until nothing is left due now, each
    /// turn's sends awaited before the next — the same turns the server's [`Deliverer::run`]
    /// overlaps with its sends.
    pub async fn deliver_due(&self) -> AppResult<Pass> {
        self.refresh_nets().await?;
        let mut pass = Pass::default();
        let mut finished: Vec<Outcome> = Vec::new();
        loop {
            let (dispatched, taken) = self.turn(&finished, MAX_IN_FLIGHT).await?;
            pass.dispatched += dispatched;
            if taken.is_empty() {
                return Ok(pass);
            }
            let mut sends = JoinSet::new();
            for claimed in taken {
                let (client, nets, now) = (self.client.clone(), self.nets_now(), self.app.now_ms());
                sends.spawn(async move { send(&client, &nets, claimed, now).await });
            }
            finished = sends.join_all().await;
            pass.attempts += finished.len();
            pass.delivered += finished.iter().filter(|o| o.next == Next::Delivered).count();
        }
    }

    /// One turn of the server's loop, in a single write transaction (one commit, which on
    /// SQLite is one fsync of the writer the order desk also needs): records the attempts that
    /// finished, dispatches new events, and takes up to `room` due deliveries — the ones just
    /// dispatched included. With nothing finished it first looks with reads only, so an idle
    /// worker writes nothing.
    async fn turn(&self, finished: &[Outcome], room: usize) -> AppResult<(usize, Vec<Claimed>)> {
        let now = self.app.now_ms();
        if finished.is_empty() {
            let mut tx = self.app.db().read(&system()).await?;
            let waiting = outbox::has_waiting(&mut tx).await?;
            let due = room > 0 && deliveries::has_due(&mut tx, now).await?;
            drop(tx);
            if !waiting && !due {
                return Ok((0, Vec::new()));
            }
        }
        let mut tx = self.app.db().write(&system()).await?;
        if !finished.is_empty() {
            deliveries::record(&mut tx, &self.owner, finished).await?;
        }
        let subscribers = endpoints::subscribers(&mut tx).await?;
        let dispatched = outbox::dispatch(&mut tx, &subscribers, DISPATCH_BATCH, now).await?.events;
        let taken = if room > 0 {
            deliveries::claim(&mut tx, &self.owner, room as i64, now, now + LEASE_MS).await?
        } else {
            Vec::new()
        };
        tx.commit().await?;
        Ok((dispatched, taken))
    }

    /// Delivers forever: sends overlap with the next turn, and a commit on this instance that
    /// wrote events wakes the worker at once.
    pub async fn run(self) {
        let mut sends: JoinSet<Outcome> = JoinSet::new();
        let mut finished: Vec<Outcome> = Vec::new();
        let mut last_nets = Instant::now() - Duration::from_secs(3_600);
        loop {
            if last_nets.elapsed() > Duration::from_secs(10) {
                if let Err(error) = self.refresh_nets().await {
                    tracing::warn!(%error, "webhook networks not read");
                }
                last_nets = Instant::now();
            }
            let room = MAX_IN_FLIGHT.saturating_sub(sends.len());
            match self.turn(&finished, room).await {
                Ok((_, taken)) => {
                    finished.clear();
                    for claimed in taken {
                        let (client, nets, now) = (self.client.clone(), self.nets_now(), self.app.now_ms());
                        sends.spawn(async move { send(&client, &nets, claimed, now).await });
                    }
                }
                // The finished attempts are kept and recorded next turn; if their leases run out
                // first, those deliveries are simply sent again.
                Err(error) => tracing::warn!(%error, "webhook turn failed"),
            }
            tokio::select! {
                Some(done) = sends.join_next(), if !sends.is_empty() => {
                    if let Ok(outcome) = done {
                        finished.push(outcome);
                    }
                    // Gather a batch before the next turn — until half the room is free or a
                    // moment has passed — so each turn's commit covers many deliveries.
                    let gather = tokio::time::Instant::now() + GATHER;
                    while sends.len() > MAX_IN_FLIGHT / 2 {
                        match tokio::time::timeout_at(gather, sends.join_next()).await {
                            Ok(Some(Ok(outcome))) => finished.push(outcome),
                            Ok(Some(Err(_))) => {}
                            Ok(None) | Err(_) => break,
                        }
                    }
                    while let Some(Ok(outcome)) = sends.try_join_next() {
                        finished.push(outcome);
                    }
                }
                () = self.app.outbox_signal() => {}
                () = tokio::time::sleep(POLL) => {}
            }
        }
    }
}

/// Installs ring as the process's TLS crypto provider: reqwest is built without a default one
/// (see Cargo.toml), and every HTTP client of the process needs one. An error means one is
/// already installed, which is as good.
pub fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Starts this instance's delivery worker.
pub fn spawn(app: App) -> AppResult<tokio::task::JoinHandle<()>> {
    let deliverer = Deliverer::new(app)?;
    Ok(tokio::spawn(deliverer.run()))
}

fn system() -> Scope {
    Scope::system("the webhook deliverer works the brand's outbox")
}

/// Posts one delivery and says what happens to it next.
async fn send(client: &reqwest::Client, nets: &AllowedNets, claimed: Claimed, now_ms: i64) -> Outcome {
    let started = Instant::now();
    let answer = post(client, nets, &claimed, now_ms).await;
    let duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    let (status, retry_after_ms, error, excerpt) = match answer {
        Ok(answer) => (Some(answer.status), answer.retry_after_ms, None, answer.excerpt),
        Err(error) => (None, None, Some(error), None),
    };
    let first = claimed.first_attempt_ms.unwrap_or(now_ms);
    let (next, disable_endpoint) = match disposition(status, first, now_ms) {
        Disposition::Delivered => (Next::Delivered, false),
        Disposition::DeadLetter => (Next::Dead, false),
        // A 410 disables the endpoint; its delivery waits, pending, in case an admin enables
        // it again (the retry window still ends it).
        Disposition::DisableEndpoint | Disposition::Retry => {
            let attempt = u32::try_from(claimed.attempts + 1).unwrap_or(u32::MAX);
            (Next::RetryAt(now_ms + retry_delay_ms(attempt, jitter(), retry_after_ms)), status == Some(410))
        }
    };
    Outcome {
        id: claimed.id,
        endpoint_id: claimed.endpoint_id,
        at_ms: now_ms,
        duration_ms,
        status,
        error,
        excerpt,
        next,
        disable_endpoint,
    }
}

/// An endpoint's answer.
struct Answer {
    status: u16,
    retry_after_ms: Option<i64>,
    excerpt: Option<String>,
}

async fn post(client: &reqwest::Client, nets: &AllowedNets, claimed: &Claimed, now_ms: i64) -> Result<Answer, String> {
    let url = reqwest::Url::parse(&claimed.url).map_err(|_| "the endpoint's URL does not parse".to_string())?;
    // The resolver checks names; an address written in the URL never reaches it.
    if let Some(ip) = literal_address(&url)
        && !nets.permits(ip)
    {
        return Err(super::target::Refused::Address(ip).to_string());
    }
    let body = webhook_body(&claimed.event_type, &rfc3339(claimed.occurred_ms), &claimed.data_json);
    let timestamp = now_ms.div_euclid(1_000);
    let secrets = claimed.signing_secrets(now_ms);
    let id = claimed.event_id.to_string();
    let signature = signature_header(&secrets, &id, timestamp, body.as_bytes()).map_err(|e| e.to_string())?;
    let response = client
        .post(url)
        .header("content-type", "application/json")
        .header("webhook-id", &id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(body)
        .send()
        .await
        .map_err(describe)?;
    let status = response.status().as_u16();
    let retry_after_ms = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok())
        .filter(|s| *s >= 0)
        .map(|s| s.saturating_mul(1_000));
    let excerpt = read_excerpt(response).await;
    Ok(Answer { status, retry_after_ms, excerpt })
}

/// The first bytes of the answer, as text, for the delivery log.
async fn read_excerpt(mut response: reqwest::Response) -> Option<String> {
    let mut bytes: Vec<u8> = Vec::new();
    while bytes.len() < EXCERPT_BYTES {
        match response.chunk().await {
            Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
            _ => break,
        }
    }
    bytes.truncate(EXCERPT_BYTES);
    let text = String::from_utf8_lossy(&bytes).trim().to_string();
    (!text.is_empty()).then_some(text)
}

/// A transport error in words an admin can act on.
fn describe(error: reqwest::Error) -> String {
    use std::error::Error;
    let mut text = if error.is_timeout() {
        "timed out".to_string()
    } else if error.is_connect() {
        "could not connect".to_string()
    } else {
        "request failed".to_string()
    };
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// A draw in `[0, 1)` for the retry jitter.
fn jitter() -> f64 {
    let mut bytes = [0_u8; 4];
    match getrandom::fill(&mut bytes) {
        Ok(()) => f64::from(u32::from_le_bytes(bytes)) / (f64::from(u32::MAX) + 1.0),
        Err(_) => 0.0,
    }
}
