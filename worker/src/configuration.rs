//! Command-line options. Every option also reads an environment variable whose
//! name matches the Spin variable of the same setting in upper case.

use clap::{Args, Parser, Subcommand};
use secrecy::SecretString;

/// The DMS worker.
#[derive(Debug, Parser)]
#[command(name = "dms-worker", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply the database migrations (idempotent; safe to run concurrently).
    Migrate(DatabaseOptions),
    /// Create an admin user. The password is read from DMS_ADMIN_PASSWORD, else
    /// from the first line of standard input; never from an argument.
    CreateAdmin(CreateAdminOptions),
    /// Generate an Ed25519 key pair for signing tokens and print it as environment
    /// variable lines (JWT_SIGNING_KID, JWT_SIGNING_KEY, JWT_VERIFYING_KEYS).
    GenerateKeys(GenerateKeysOptions),
}

#[derive(Debug, Clone, Args)]
pub struct GenerateKeysOptions {
    /// Key id written to the `kid` header of every token signed with the key.
    #[arg(long, default_value = "dms-1")]
    pub kid: String,
}

#[derive(Debug, Clone, Args)]
pub struct DatabaseOptions {
    /// PostgreSQL connection URL.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: SecretString,
}

#[derive(Debug, Clone, Args)]
pub struct CreateAdminOptions {
    #[command(flatten)]
    pub database: DatabaseOptions,
    /// Username of the new admin (3 to 50 characters, no '@').
    #[arg(long)]
    pub username: String,
    /// Email address of the new admin.
    #[arg(long)]
    pub email: String,
}
