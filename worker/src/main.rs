//! Entry point of `dms-worker`: parse options, set up logging, run the command.

use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use tokio_util::sync::CancellationToken;

use dms_worker::amqp::{self, Topology};
use dms_worker::configuration::{
    Cli, Command, DeadLettersAction, DeadLettersOptions, ImportOptions, SimulateOptions,
};
use dms_worker::simulator::{self, SimulatorSettings};
use dms_worker::{admin, database, dead_letters, import, run, telemetry};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let json_logs = matches!(&cli.command, Command::Run(options) if options.log_json);
    telemetry::init(json_logs);
    match execute(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error.cause_chain = ?err, error.message = %format!("{err:#}"), "command failed");
            ExitCode::FAILURE
        }
    }
}

async fn execute(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Migrate(options) => {
            database::create_if_missing(&options.database_url).await?;
            let pool = database::connect(&options.database_url, 2).await?;
            database::migrate(&pool).await?;
            tracing::info!("migrations applied");
            Ok(())
        }
        Command::CreateAdmin(options) => {
            let password = admin::read_password(&mut std::io::stdin().lock())?;
            let pool = database::connect(&options.database.database_url, 2).await?;
            let id =
                admin::create_admin(&pool, &options.username, &options.email, &password).await?;
            tracing::info!(user_id = %id, username = %options.username, "admin created");
            Ok(())
        }
        Command::Bootstrap(options) => {
            let pool = database::connect(&options.database_url, 2).await?;
            match dms_worker::bootstrap::bootstrap(&pool).await? {
                None => println!("the database already has users; bootstrap changed nothing"),
                Some(created) => {
                    use secrecy::ExposeSecret;
                    match &created.admin_password {
                        Some(password) => println!(
                            "admin: {} / {} (shown once; change it on the profile page)",
                            created.admin_username,
                            password.expose_secret()
                        ),
                        None => println!(
                            "admin: {} / the password in DMS_ADMIN_PASSWORD",
                            created.admin_username
                        ),
                    }
                    println!(
                        "demo client: {} / {} (shown once)",
                        created.client_username,
                        created.client_password.expose_secret()
                    );
                }
            }
            Ok(())
        }
        Command::GenerateKeys(options) => {
            use std::io::Write;
            let lines = admin::generate_keys(&options.kid)?;
            std::io::stdout().write_all(lines.as_bytes())?;
            Ok(())
        }
        Command::Run(options) => run::run(*options).await,
        Command::Simulate(options) => simulate(options).await,
        Command::Import(options) => import_file(options).await,
        Command::DeadLetters(options) => dead_letters_command(options).await,
    }
}

async fn simulate(options: SimulateOptions) -> anyhow::Result<()> {
    let pool = database::connect(&options.database.database_url, 2).await?;
    let stop = CancellationToken::new();
    let signal_stop = stop.clone();
    tokio::spawn(async move {
        let _ = tokio::signal::ctrl_c().await;
        signal_stop.cancel();
    });
    let settings = SimulatorSettings {
        topology: Topology::new(&options.broker.amqp_prefix),
        interval: std::time::Duration::from_secs(
            options.simulator.simulator_interval_seconds.max(1),
        ),
        backfill_days: options.simulator.simulator_backfill_days,
        spike_probability: options
            .simulator
            .simulator_spike_probability
            .clamp(0.0, 1.0),
        backfill_only: options.backfill_only,
    };
    simulator::run(pool, options.broker.amqp_url, settings, stop).await
}

async fn import_file(options: ImportOptions) -> anyhow::Result<()> {
    let (valid, mut rejected) = import::read_file(&options.file)?;
    let pool = database::connect(&options.database.database_url, 2).await?;
    let valid = import::reject_unknown_devices(&pool, valid, &mut rejected).await?;
    let connection = amqp::connect(&options.broker.amqp_url, "dms-import").await?;
    let channel = amqp::confirm_channel(&connection).await?;
    let topology = Topology::new(&options.broker.amqp_prefix);
    topology.declare(&channel).await?;
    let published = import::publish(&channel, &topology, &valid, true).await?;
    let _ = connection.close(200, "done").await;

    rejected.sort_by_key(|row| row.line);
    println!("published: {published}");
    println!("rejected: {}", rejected.len());
    for row in &rejected {
        println!("  line {}: {}", row.line, row.reason);
    }
    Ok(())
}

async fn dead_letters_command(options: DeadLettersOptions) -> anyhow::Result<()> {
    let connection = amqp::connect(&options.broker.amqp_url, "dms-dead-letters").await?;
    let channel = amqp::confirm_channel(&connection).await?;
    let topology = Topology::new(&options.broker.amqp_prefix);
    topology.declare(&channel).await?;
    match options.action {
        DeadLettersAction::List { limit } => {
            let letters = dead_letters::fetch(&channel, &topology, limit).await?;
            println!("{} dead-lettered message(s) shown", letters.len());
            for (index, letter) in letters.iter().enumerate() {
                println!("#{} reason: {}", index + 1, letter.reason);
                println!("   body: {}", String::from_utf8_lossy(&letter.body));
            }
            dead_letters::requeue(&channel, &letters).await?;
        }
        DeadLettersAction::Replay { reason, limit } => {
            let letters = dead_letters::fetch(&channel, &topology, usize::MAX).await?;
            let (chosen, kept): (Vec<_>, Vec<_>) =
                letters
                    .into_iter()
                    .enumerate()
                    .partition(|(index, letter)| {
                        *index < limit
                            && reason
                                .as_deref()
                                .is_none_or(|text| letter.reason.contains(text))
                    });
            let chosen: Vec<_> = chosen.into_iter().map(|(_, letter)| letter).collect();
            let kept: Vec<_> = kept.into_iter().map(|(_, letter)| letter).collect();
            let replayed = dead_letters::replay(&channel, &topology, &chosen).await?;
            dead_letters::requeue(&channel, &kept).await?;
            println!("replayed: {replayed}");
            println!("left in the dead-letter queue: {}", kept.len());
        }
    }
    connection
        .close(200, "done")
        .await
        .context("Failed to close the connection")?;
    Ok(())
}
