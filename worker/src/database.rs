//! The worker's PostgreSQL pool and the migrations.

use anyhow::Context;
use secrecy::{ExposeSecret, SecretString};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;
use std::str::FromStr;
use std::time::Duration;

/// The SQL migrations, embedded at build time from `migrations/`.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

/// Opens a pool of at most `max_connections`.
///
/// # Errors
/// When the URL is invalid or the first connection fails.
pub async fn connect(url: &SecretString, max_connections: u32) -> anyhow::Result<PgPool> {
    let options = PgConnectOptions::from_str(url.expose_secret())
        .context("Failed to parse DATABASE_URL")?
        .application_name("dms-worker");
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(options)
        .await
        .context("Failed to connect to PostgreSQL (is it running, and is DATABASE_URL right?)")
}

/// Builds a pool that connects on first use, so the worker starts (and reports
/// itself not ready) while the database is still down.
///
/// # Errors
/// When the URL is invalid.
pub fn connect_lazy(url: &SecretString, max_connections: u32) -> anyhow::Result<PgPool> {
    let options = PgConnectOptions::from_str(url.expose_secret())
        .context("Failed to parse DATABASE_URL")?
        .application_name("dms-worker");
    Ok(PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(5))
        .connect_lazy_with(options))
}

/// Creates the database named in the URL when it does not exist yet.
///
/// # Errors
/// When the server is unreachable or refuses to create it.
pub async fn create_if_missing(url: &SecretString) -> anyhow::Result<()> {
    use sqlx::migrate::MigrateDatabase;
    let exists = sqlx::Postgres::database_exists(url.expose_secret())
        .await
        .context("Failed to reach PostgreSQL (is it running, and is DATABASE_URL right?)")?;
    if !exists {
        sqlx::Postgres::create_database(url.expose_secret())
            .await
            .context("Failed to create the database")?;
        tracing::info!("database created");
    }
    Ok(())
}

/// Applies every pending migration. sqlx holds an advisory lock meanwhile, so
/// concurrent runs wait for each other and the second one finds nothing to do.
///
/// # Errors
/// When a migration fails or an applied one was changed.
pub async fn migrate(pool: &PgPool) -> anyhow::Result<()> {
    MIGRATOR
        .run(pool)
        .await
        .context("Failed to apply migrations")?;
    Ok(())
}
