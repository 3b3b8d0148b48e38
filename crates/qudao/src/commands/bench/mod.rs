//! `qudao bench …`: measurements that print their figures (never timed assertions in tests).

mod approvals;
mod dedup;
mod events;
mod finance;
mod order_fair;
mod pricing;
mod raw_order;
mod receiver;
mod routing;
mod webhooks;

use std::path::PathBuf;

use clap::Subcommand;

/// The benchmarks.
#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Price a cart against many promotions and tiered price lists; the last line is
    /// `cart_us_median=N`.
    Pricing {
        /// Lines in the cart.
        #[arg(long, default_value_t = 50)]
        lines: usize,
        /// Live promotions.
        #[arg(long, default_value_t = 1000)]
        promotions: usize,
        /// Carts to price.
        #[arg(long, default_value_t = 2000)]
        iterations: usize,
    },
    /// An ordering fair's burst over HTTP against a fresh database, then every invariant; the
    /// last line is `orders_per_s=N p50_ms=N p99_ms=N raw_per_s=N ratio=N invariants=ok|FAILED: …`.
    OrderFair {
        /// A fresh database (default: a new SQLite file in a temporary folder).
        #[arg(long)]
        database_url: Option<String>,
        /// Simulated partners ordering at once.
        #[arg(long, default_value_t = 64)]
        clients: usize,
        /// How long to order.
        #[arg(long, default_value_t = 20)]
        seconds: u64,
        /// The raw place-order transaction's scripts, run for scale.
        #[arg(long, default_value = "../shared/bench/raw-order")]
        raw_order_dir: PathBuf,
    },
    /// The aging report across many partners and one partner's statement of many movements, on a
    /// fresh database; the last line is `aging_ms=N statement_ms=N statement_read_ms=N
    /// statement_xlsx_ms=N partners=N movements=N`.
    Finance {
        /// A fresh database (default: a new SQLite file in a temporary folder).
        #[arg(long)]
        database_url: Option<String>,
        /// Partners owing on credit, for the aging report.
        #[arg(long, default_value_t = 5_000)]
        partners: usize,
        /// Movements of the one partner's statement.
        #[arg(long, default_value_t = 10_000)]
        movements: usize,
    },
    /// Submissions routed through a four-step approval flow with conditions, in memory and on a
    /// fresh database; the last line is `submissions=N steps_per=N eval_us=N route_ms=N
    /// act_ms=N acted=N`.
    Approvals {
        /// A fresh database (default: a new SQLite file in a temporary folder).
        #[arg(long)]
        database_url: Option<String>,
        /// Submissions to route.
        #[arg(long, default_value_t = 10_000)]
        submissions: usize,
        /// Of those, how many to approve to the end through the database.
        #[arg(long, default_value_t = 1_000)]
        acted: usize,
    },
    /// Company-name matching: precision, recall and F1 on the labelled pairs, and one
    /// registration checked against the claims on file; the last line is `precision=N recall=N
    /// f1=N check_ms=N`. With `--pairs FILE.csv` (columns `a,b` and optionally `same`) it writes
    /// `a,b,predicted` for that file first (the figures then are that file's, `NA` without
    /// `same`); with `--corpus FILE.csv` (`id,name`) and `--queries FILE.csv`
    /// (`query,expected_id`) it writes `query,returned_id` and ends with `top1=N false_match=N`.
    Dedup {
        /// A fresh database (default: a new SQLite file in a temporary folder).
        #[arg(long)]
        database_url: Option<String>,
        /// Claims on file for the timed check (0: skip the timing).
        #[arg(long, default_value_t = 100_000)]
        customers: usize,
        /// Registrations to time.
        #[arg(long, default_value_t = 200)]
        checks: usize,
        /// Pairs to judge (`a,b[,same]`, UTF-8).
        #[arg(long)]
        pairs: Option<PathBuf>,
        /// Names to search (`id,name`, UTF-8), with `--queries`.
        #[arg(long)]
        corpus: Option<PathBuf>,
        /// Names to find in the corpus (`query,expected_id`, UTF-8).
        #[arg(long)]
        queries: Option<PathBuf>,
    },
    /// Leads routed through rules over partners, in memory and through the database; the last
    /// line is `leads=N rules=N partners=N route_us=N db_leads=N db_ms=N`.
    Routing {
        /// A fresh database (default: a new SQLite file in a temporary folder).
        #[arg(long)]
        database_url: Option<String>,
        /// Leads routed in memory.
        #[arg(long, default_value_t = 10_000)]
        leads: usize,
        /// Routing rules.
        #[arg(long, default_value_t = 20)]
        rules: usize,
        /// Partners.
        #[arg(long, default_value_t = 5_000)]
        partners: usize,
        /// Leads entered through the use case and the database.
        #[arg(long, default_value_t = 500)]
        db_leads: usize,
    },
    /// Live fan-out: many event streams open on one server, one thread message posted; the last
    /// line is `streams=N fanout_ms=N p50_ms=N post_ms=N`.
    Events {
        /// A fresh database (default: a new SQLite file in a temporary folder).
        #[arg(long)]
        database_url: Option<String>,
        /// Event streams to open.
        #[arg(long, default_value_t = 1_000)]
        streams: usize,
    },
    /// Webhook delivery throughput to a local receiver, then the outbox lag under the ordering
    /// fair's load; the last line is `events_per_s=N lag_p50_ms=N lag_p99_ms=N orders_per_s=N`.
    Webhooks {
        /// A fresh database (default: a new SQLite file in a temporary folder).
        #[arg(long)]
        database_url: Option<String>,
        /// Events for the throughput run.
        #[arg(long, default_value_t = 20_000)]
        events: usize,
        /// Simulated partners ordering during the lag run.
        #[arg(long, default_value_t = 64)]
        clients: usize,
        /// Seconds of ordering during the lag run.
        #[arg(long, default_value_t = 20)]
        seconds: u64,
        /// The raw place-order transaction's scripts, run for scale.
        #[arg(long, default_value = "../shared/bench/raw-order")]
        raw_order_dir: PathBuf,
    },
}

/// Runs a benchmark.
pub async fn run(command: BenchCommand) -> anyhow::Result<()> {
    match command {
        BenchCommand::Pricing { lines, promotions, iterations } => pricing::pricing(lines, promotions, iterations),
        BenchCommand::OrderFair { database_url, clients, seconds, raw_order_dir } => {
            let options = order_fair::Options { database_url, clients, seconds, raw_order_dir, webhooks: false };
            order_fair::run(options).await.map(|_| ())
        }
        BenchCommand::Finance { database_url, partners, movements } => {
            finance::run(finance::Options { database_url, partners, movements }).await
        }
        BenchCommand::Approvals { database_url, submissions, acted } => {
            approvals::run(approvals::Options { database_url, submissions, acted }).await
        }
        BenchCommand::Dedup { database_url, customers, checks, pairs, corpus, queries } => {
            dedup::run(dedup::Options { database_url, customers, checks, pairs, corpus, queries }).await
        }
        BenchCommand::Routing { database_url, leads, rules, partners, db_leads } => {
            routing::run(routing::Options { database_url, leads, rules, partners, db_leads }).await
        }
        BenchCommand::Events { database_url, streams } => events::run(events::Options { database_url, streams }).await,
        BenchCommand::Webhooks { database_url, events, clients, seconds, raw_order_dir } => {
            let fair = order_fair::Options {
                database_url: database_url.clone(),
                clients,
                seconds,
                raw_order_dir,
                webhooks: true,
            };
            webhooks::run(webhooks::Options { database_url, events, fair }).await
        }
    }
}

/// A fresh database for a benchmark — the one named, or a new SQLite file in a temporary folder
/// — migrated, with the app on it (its files in the same folder).
pub(crate) async fn fresh_app(
    name: &str,
    database_url: Option<&str>,
    connections: u32,
    config: qudao_app::AppConfig,
) -> anyhow::Result<qudao_app::App> {
    use anyhow::Context;
    let folder = std::env::temp_dir().join(format!("qudao-bench-{name}-{}-{}", std::process::id(), now_ms()));
    std::fs::create_dir_all(&folder)?;
    let url = database_url.map_or_else(|| format!("sqlite://{}/qudao.sqlite", folder.display()), str::to_owned);
    let options = qudao_store::DbOptions { max_connections: connections, ..qudao_store::DbOptions::default() };
    let db = qudao_store::Db::connect(&url, &options)
        .await
        .with_context(|| format!("connecting to {}", super::redact(&url)))?;
    db.migrate().await.context("migrating")?;
    let files = qudao_app::files::LocalDiskStore::new(folder.join("files")).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(qudao_app::App::new(db, config, std::sync::Arc::new(files), std::sync::Arc::new(qudao_app::clock::SystemClock)))
}

/// Signs a seeded user in and gives the use-case context a request of theirs would carry.
pub(crate) async fn signed_in(app: &qudao_app::App, login: &str, password: &str) -> anyhow::Result<qudao_app::Ctx> {
    let signed = qudao_app::access::auth::sign_in(
        app,
        qudao_app::access::auth::SignIn {
            login: login.into(),
            password: password.into(),
            ip: "127.0.0.1".into(),
            user_agent: None,
            api: false,
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(qudao_app::Ctx::new(signed.caller, None, None))
}

/// A plain active distributor for a benchmark's own database: code, name, tier and region given.
pub(crate) fn bench_partner(
    id: qudao_domain::ids::PartnerId,
    code: String,
    name: String,
    tier: qudao_domain::ids::TierId,
    region: &qudao_store::partners::regions::Region,
    now_ms: i64,
) -> qudao_store::partners::NewPartner {
    qudao_store::partners::NewPartner {
        id,
        code,
        name,
        name_en: None,
        short_name: None,
        kind: qudao_domain::partners::PartnerKind::Distributor,
        tier_id: tier,
        region_id: region.id,
        region_path: region.path.clone(),
        parent_id: None,
        credit_code: None,
        status: qudao_domain::partners::PartnerStatus::Active,
        remark: None,
        search_key: String::new(),
        now_ms,
    }
}

/// Now, in epoch milliseconds.
pub(crate) fn now_ms() -> i64 {
    qudao_app::clock::Clock::now_ms(&qudao_app::clock::SystemClock)
}

/// A small deterministic generator, so every run asks for the same things.
pub(crate) struct SplitMix(pub u64);

impl SplitMix {
    /// The next number.
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number below `n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}
