//! `qudao`: the whole channel sales management system as one binary.
//!
//! Subcommands only parse their arguments, load the configuration and call the use cases and the
//! web layer; no business rule lives here.

mod commands;
mod config;
mod logging;
mod progress;

use clap::{Parser, Subcommand};

use crate::config::ConfigArgs;

/// mimalloc instead of the system allocator: pricing a cart, serialising an order and every
/// request in between allocate many small short-lived values, and glibc's malloc and free were
/// about a fifth of the profile of `qudao bench pricing` and of the order-fair server.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Qudao (渠道): channel sales management — partners, catalog, ordering, finance and more.
#[derive(Debug, Parser)]
#[command(name = "qudao", version, about)]
struct Cli {
    #[command(flatten)]
    config: ConfigArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve Qudao over HTTP; migrations apply at start.
    Serve,
    /// Write the demo data set into the database if it is empty, print the accounts, and serve.
    Demo(commands::demo::DemoArgs),
    /// Write the demo data set and exit; prints the accounts, one per line, tab-separated.
    SeedDemo(commands::demo::SeedArgs),
    /// Apply the database migrations and exit.
    Migrate,
    /// Write a consistent backup of the database to a file while it keeps serving (SQLite or
    /// PostgreSQL; the file restores into either).
    Backup(commands::backup::BackupArgs),
    /// Check a backup file whole and restore it into an empty database; a truncated, corrupted or
    /// newer-schema file is refused before anything is written.
    Restore(commands::backup::RestoreArgs),
    /// Run a benchmark and print its figures.
    Bench {
        #[command(subcommand)]
        command: commands::bench::BenchCommand,
    },
    /// Play the brand's ERP against a running Qudao (tests and demos): receive its webhooks,
    /// ship, invoice and collect through its ERP API.
    ErpSim(commands::erp_sim::ErpSimArgs),
    /// Manage users.
    User {
        #[command(subcommand)]
        command: commands::user::UserCommand,
    },
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let config = match config::load(&cli.config) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("qudao: configuration error: {error:#}");
            return std::process::ExitCode::from(2);
        }
    };
    logging::init(&config);
    let result = match cli.command {
        Command::Serve => commands::serve::run(&config).await,
        Command::Demo(args) => commands::demo::run_demo(&config, args).await,
        Command::SeedDemo(args) => commands::demo::run_seed(&config, args).await,
        Command::Migrate => commands::migrate::run(&config).await,
        Command::Backup(args) => commands::backup::backup(&config, &args).await,
        Command::Restore(args) => commands::backup::restore(&config, &args).await,
        Command::User { command } => commands::user::run(&config, command).await,
        Command::Bench { command } => commands::bench::run(command).await,
        Command::ErpSim(args) => commands::erp_sim::run(args).await,
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("qudao: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
