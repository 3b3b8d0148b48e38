//! `qudao bench webhooks`: how fast the outbox reaches an ERP.
//!
//! First the outbox lag under load: the ordering fair of `qudao bench order-fair` on a fresh
//! database with the delivery worker sending its events to a local receiver as they commit, and
//! the time from each order's placing to its events arriving. Then the delivery throughput on
//! the same database server: `events` order events written to the outbox, a new endpoint on a
//! local receiver, and the worker as `qudao serve` runs it — events per second until the
//! receiver has them all (the fair's events were all delivered before, so only these count).

use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use qudao_app::clock::SystemClock;
use qudao_app::files::LocalDiskStore;
use qudao_app::integration::Deliverer;
use qudao_app::{App, AppConfig};
use qudao_domain::ids::{EndpointId, EventId};
use qudao_domain::integration::{AllowedNets, Subscription};
use qudao_store::integration::{NewEndpoint, NewEvent, endpoints, outbox};
use qudao_store::{Db, DbOptions, Scope};

use super::receiver::Receiver;

/// What to run.
#[derive(Debug)]
pub struct Options {
    /// A fresh database, or a temporary SQLite file.
    pub database_url: Option<String>,
    /// Events for the throughput run.
    pub events: usize,
    /// The ordering fair's options for the lag run.
    pub fair: super::order_fair::Options,
}

/// Webhooks may reach the local receiver.
pub(crate) fn loopback_config() -> AppConfig {
    AppConfig { webhook_allow_nets: AllowedNets::parse("127.0.0.0/8").unwrap_or_default(), ..AppConfig::default() }
}

/// Subscribes `url` to every event.
pub(crate) async fn subscribe(app: &App, url: &str) -> anyhow::Result<()> {
    let mut tx = app.db().write(&Scope::system("the benchmark subscribes its receiver")).await?;
    let endpoint = NewEndpoint {
        id: EndpointId::new(),
        url: url.to_string(),
        description: "bench".into(),
        subscription: Subscription::All,
        secret: qudao_app::integration::signing::new_secret()?,
        created_by: None,
        at_ms: super::now_ms(),
    };
    endpoints::insert(&mut tx, &endpoint).await?;
    tx.commit().await?;
    Ok(())
}

/// Runs both parts; the last line is `events_per_s=N lag_p50_ms=N lag_p99_ms=N orders_per_s=N`.
pub async fn run(options: Options) -> anyhow::Result<()> {
    let fair = super::order_fair::run(super::order_fair::Options { webhooks: true, ..options.fair }).await?;
    let folder = std::env::temp_dir().join(format!("qudao-bench-hooks-{}-{}", std::process::id(), super::now_ms()));
    std::fs::create_dir_all(&folder)?;
    let url = options.database_url.clone().unwrap_or_else(|| format!("sqlite://{}/qudao.sqlite", folder.display()));
    let db = Db::connect(&url, &DbOptions { max_connections: 16, ..DbOptions::default() })
        .await
        .with_context(|| format!("connecting to {}", super::super::redact(&url)))?;
    db.migrate().await.context("migrating")?;
    let dialect = db.dialect();
    let files = LocalDiskStore::new(folder.join("files")).map_err(|e| anyhow::anyhow!("{e}"))?;
    let app = App::new(db, loopback_config(), Arc::new(files), Arc::new(SystemClock));
    let receiver = Receiver::start().await?;
    subscribe(&app, &receiver.url).await?;

    // A typical order.submitted body, about a kilobyte and a half.
    let data = format!(
        "{{\"order\":{{\"id\":\"{}\",\"number\":\"SO-20261129-0001\",\"status\":\"approved\",\"total\":123456,\
         \"lines\":[{}]}}}}",
        qudao_domain::ids::OrderId::new(),
        (1..=6)
            .map(|n| format!(
                "{{\"line_no\":{n},\"sku\":\"S-BEV-{n:04}-01\",\"name_zh\":\"澜溪柠檬味汽水 330ml\",\"quantity\":24,\
                 \"unit\":\"CASE\",\"base_quantity\":576,\"unit_price\":250,\"amount\":144000}}"
            ))
            .collect::<Vec<_>>()
            .join(",")
    );
    let events = options.events.max(1);
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "webhooks: writing {events} events to the outbox on {dialect:?}")?;
    }
    let now = super::now_ms();
    for chunk in (0..events).collect::<Vec<_>>().chunks(500) {
        let rows: Vec<NewEvent> = chunk
            .iter()
            .map(|_| NewEvent {
                id: EventId::new(),
                event_type: "order.submitted",
                partner_id: None,
                object_kind: "order",
                object_id: qudao_domain::ids::OrderId::new().to_string(),
                occurred_ms: now,
                data_json: data.clone(),
            })
            .collect();
        let mut tx = app.db().write(&Scope::system("the benchmark fills the outbox")).await?;
        outbox::append(&mut tx, &rows).await?;
        tx.commit().await?;
    }
    let deliverer = Deliverer::new(app.clone())?;
    let started = Instant::now();
    let worker = tokio::spawn(deliverer.run());
    while receiver.distinct() < events {
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(600),
            "only {} of {events} delivered",
            receiver.distinct()
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let elapsed = started.elapsed().as_secs_f64();
    worker.abort();
    let events_per_s = events as f64 / elapsed;
    let sent = receiver.received.lock().map_or(0, |r| r.count);
    {
        let mut out = std::io::stdout().lock();
        writeln!(
            out,
            "webhooks: {events} events delivered in {elapsed:.2} s ({events_per_s:.0}/s), {sent} requests, \
             signed, to one endpoint"
        )?;
    }
    drop(receiver);
    app.db().close().await;
    let _ = std::fs::remove_dir_all(&folder);

    let lag = fair.lag.unwrap_or_default();
    writeln!(
        std::io::stdout().lock(),
        "events_per_s={events_per_s:.0} lag_p50_ms={:.1} lag_p99_ms={:.1} orders_per_s={:.0}",
        lag.p50_ms,
        lag.p99_ms,
        fair.orders_per_s
    )?;
    Ok(())
}
