//! Entry point of `dms-worker`: parse options, set up logging, run the command.

use clap::Parser;

use dms_worker::configuration::{Cli, Command};
use dms_worker::{admin, database, telemetry};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    telemetry::init(false);
    match run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error.cause_chain = ?err, error.message = %err, "command failed");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Migrate(options) => {
            let pool = database::connect(&options.database_url, 2).await?;
            database::migrate(&pool).await?;
            tracing::info!("migrations applied");
            Ok(())
        }
        Command::CreateAdmin(options) => {
            let password = admin::read_password(&mut std::io::stdin().lock())?;
            let pool = database::connect(&options.database.database_url, 2).await?;
            let id = admin::create_admin(&pool, &options.username, &options.email, &password).await?;
            tracing::info!(user_id = %id, username = %options.username, "admin created");
            Ok(())
        }
        Command::GenerateKeys(options) => {
            use std::io::Write;
            let lines = admin::generate_keys(&options.kid)?;
            std::io::stdout().write_all(lines.as_bytes())?;
            Ok(())
        }
    }
}
