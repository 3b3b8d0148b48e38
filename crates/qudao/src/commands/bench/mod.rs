//! `qudao bench …`: measurements that print their figures (never timed assertions in tests).

mod finance;
mod order_fair;
mod pricing;
mod raw_order;
mod receiver;
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
