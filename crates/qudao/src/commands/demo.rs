//! `qudao demo` and `qudao seed-demo`.

use std::io::Write;

use clap::{Args, ValueEnum};
use qudao_app::demo::{self, DemoAccount, DemoSize};

use crate::config::Config;
use crate::progress::Bar;

/// Size of the demo data.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Size {
    /// About 200 partners, 500 SKUs and two years of orders (~26,000).
    Small,
    /// 5,000 partners and 5,000 SKUs with two years of orders, for benchmarks.
    Large,
}

/// `qudao demo` options.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Seed of the demo data (the same seed gives the same data).
    #[arg(long, default_value_t = 42)]
    seed: u64,
}

/// `qudao seed-demo` options.
#[derive(Debug, Args)]
pub struct SeedArgs {
    /// How much data.
    #[arg(long, value_enum, default_value_t = Size::Small)]
    size: Size,
    /// Seed of the demo data.
    #[arg(long, default_value_t = 42)]
    seed: u64,
}

/// One account per line, tab-separated: `role  login  password  partner-name`.
fn account_lines(accounts: &[DemoAccount]) -> String {
    accounts
        .iter()
        .map(|a| {
            format!("{}\t{}\t{}\t{}", a.role.as_str(), a.login, a.password, a.partner_name.as_deref().unwrap_or(""))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Writes the demo data and prints the accounts on stdout (progress on stderr).
pub async fn run_seed(config: &Config, args: SeedArgs) -> anyhow::Result<()> {
    let app = super::open(config).await?;
    let size = match args.size {
        Size::Small => DemoSize::Small,
        Size::Large => DemoSize::Large,
    };
    let started = std::time::Instant::now();
    let result = demo::seed(&app, size, args.seed, &Bar::new()).await;
    app.db().close().await;
    let accounts = result.map_err(|e| match e {
        qudao_app::AppError::Conflict("database_not_empty") => {
            anyhow::anyhow!("the database already holds data; demo data is only written into an empty database")
        }
        other => anyhow::anyhow!("{other}"),
    })?;
    eprintln!("demo data written in {:.1} s", started.elapsed().as_secs_f64());
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", account_lines(&accounts))?;
    Ok(())
}

/// Seeds an empty database, then serves it and prints the URL and the accounts.
pub async fn run_demo(config: &Config, args: DemoArgs) -> anyhow::Result<()> {
    // A demo takes online payments through the simulator, so checkout's "pay online" can be tried.
    let config = &Config { payment_simulator: true, ..config.clone() };
    let app = super::open(config).await?;
    let accounts = if demo::is_empty(&app).await.map_err(|e| anyhow::anyhow!("{e}"))? {
        eprintln!("writing demo data (seed {}) into {}", args.seed, super::redact(&config.database_url));
        demo::seed(&app, DemoSize::Small, args.seed, &Bar::new()).await.map_err(|e| anyhow::anyhow!("{e}"))?
    } else {
        demo::stored_accounts(&app).await.map_err(|e| anyhow::anyhow!("{e}"))?
    };
    let banner = if accounts.is_empty() {
        "Qudao is running at {url}\n(this database was not made by `qudao demo`; sign in with your own accounts)"
            .to_string()
    } else {
        format!(
            "Qudao is running at {{url}}\n\nDemo accounts (role, login, password, partner):\n{}\n\nOther demo users share the password {}.",
            account_lines(&accounts),
            demo::SHARED_PASSWORD
        )
    };
    super::serve::serve(config, app, Some(banner)).await
}
