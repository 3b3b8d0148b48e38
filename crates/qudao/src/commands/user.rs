//! `qudao user create`: the first administrator of an empty database.

use std::io::BufRead;

use clap::Subcommand;

use crate::config::Config;

/// User commands.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create the first brand administrator (only on a database without users; further users are
    /// invited from the console).
    Create {
        /// Login name.
        #[arg(long)]
        login: String,
        /// Display name.
        #[arg(long)]
        name: String,
        /// Read the password from the first line of standard input instead of `--password`.
        #[arg(long, conflicts_with = "password")]
        password_stdin: bool,
        /// The password (prefer --password-stdin: arguments show in the process list).
        #[arg(long, env = "QUDAO_ADMIN_PASSWORD")]
        password: Option<String>,
    },
}

/// Runs a user command.
pub async fn run(config: &Config, command: UserCommand) -> anyhow::Result<()> {
    match command {
        UserCommand::Create { login, name, password_stdin, password } => {
            let password = if password_stdin {
                let mut line = String::new();
                std::io::stdin().lock().read_line(&mut line)?;
                line.trim_end_matches(['\r', '\n']).to_string()
            } else {
                password.ok_or_else(|| anyhow::anyhow!("give --password-stdin or --password"))?
            };
            let app = super::open(config).await?;
            let result = qudao_app::access::users::create_first_admin(&app, &login, &name, &password).await;
            app.db().close().await;
            match result {
                Ok(id) => {
                    eprintln!("created administrator {login} ({id})");
                    Ok(())
                }
                Err(qudao_app::AppError::Invalid(invalid)) => {
                    let reasons: Vec<String> =
                        invalid.errors.iter().map(|e| format!("{}: {}", e.field, e.code)).collect();
                    anyhow::bail!("refused: {}", reasons.join(", "))
                }
                Err(qudao_app::AppError::Conflict("users_exist")) => {
                    anyhow::bail!("the database already has users; invite further users from the console")
                }
                Err(other) => Err(anyhow::anyhow!("{other}")),
            }
        }
    }
}
