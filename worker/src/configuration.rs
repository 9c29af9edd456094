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
    /// Run the worker's roles until stopped (SIGINT or SIGTERM).
    Run(Box<RunOptions>),
    /// Run only the simulator: publish simulated readings for every device.
    Simulate(SimulateOptions),
    /// Validate a CSV file of readings (header `device_id,measured_at,kwh`) and
    /// publish the valid rows through the readings exchange.
    Import(ImportOptions),
    /// Inspect or replay dead-lettered readings.
    DeadLetters(DeadLettersOptions),
    /// On an empty database, create the first admin (password from
    /// DMS_ADMIN_PASSWORD, else random and printed once) and a demo client with a
    /// few devices. A database with users is left untouched.
    Bootstrap(DatabaseOptions),
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

/// A job of `dms-worker run`. Every role may run on several replicas; the README
/// says how they share the work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum Role {
    /// Competing consumer of the readings queue.
    Ingest,
    /// Publishes the outbox to the events exchange (one replica at a time).
    Relay,
    /// Publishes simulated readings (one replica at a time).
    Simulator,
    /// Replies to clients' chat messages (competing consumers).
    Bot,
    /// Serves Socket.IO and relays events to the sockets of this replica.
    Chat,
}

/// RabbitMQ settings shared by every command that talks to the broker.
#[derive(Debug, Clone, Args)]
pub struct BrokerOptions {
    /// AMQP URL of RabbitMQ.
    #[arg(
        long,
        env = "AMQP_URL",
        hide_env_values = true,
        default_value = "amqp://guest:guest@127.0.0.1:5672/%2f"
    )]
    pub amqp_url: SecretString,
    /// Prefix of every exchange and queue name.
    #[arg(long, env = "AMQP_PREFIX", default_value = "dms")]
    pub amqp_prefix: String,
}

#[derive(Debug, Clone, Args)]
pub struct RunOptions {
    #[command(flatten)]
    pub database: DatabaseOptions,
    #[command(flatten)]
    pub broker: BrokerOptions,
    /// Roles to run, comma-separated. The chat role needs JWT_VERIFYING_KEYS.
    #[arg(
        long,
        env = "WORKER_ROLES",
        value_delimiter = ',',
        default_value = "ingest,relay,simulator,bot,chat"
    )]
    pub roles: Vec<Role>,
    /// Address of the HTTP listener: Socket.IO at /socket.io/, and /healthz,
    /// /readyz and /metrics. Port 0 picks a free port.
    #[arg(long, env = "LISTEN_ADDR", default_value = "0.0.0.0:4000")]
    pub listen_addr: String,
    /// JWKS document with the public keys that verify tokens.
    #[arg(long, env = "JWT_VERIFYING_KEYS", default_value = "")]
    pub jwt_verifying_keys: String,
    /// Expected `iss` claim of tokens.
    #[arg(long, env = "JWT_ISSUER", default_value = "dms")]
    pub jwt_issuer: String,
    /// Expected `aud` claim of tokens.
    #[arg(long, env = "JWT_AUDIENCE", default_value = "dms-api")]
    pub jwt_audience: String,
    /// Origins allowed to open Socket.IO connections from a browser, comma-separated
    /// (the dashboard's origin when it is served from another port).
    #[arg(long, env = "CORS_ORIGINS", value_delimiter = ',', default_value = "")]
    pub cors_origins: Vec<String>,
    #[command(flatten)]
    pub ingest: IngestOptions,
    #[command(flatten)]
    pub simulator: SimulatorOptions,
    #[command(flatten)]
    pub ai: AiOptions,
    /// Write logs as JSON lines instead of text.
    #[arg(long, env = "LOG_JSON", default_value_t = false)]
    pub log_json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct IngestOptions {
    /// Most readings stored in one SQL statement.
    #[arg(long, env = "INGEST_BATCH_SIZE", default_value_t = 5000)]
    pub ingest_batch_size: usize,
    /// Maximum wait, in milliseconds, for a batch to fill before it is stored.
    #[arg(long, env = "INGEST_BATCH_WAIT_MS", default_value_t = 25)]
    pub ingest_batch_wait_ms: u64,
}

#[derive(Debug, Clone, Args)]
pub struct SimulatorOptions {
    /// Seconds between two readings of a device.
    #[arg(long, env = "SIMULATOR_INTERVAL_SECONDS", default_value_t = 600)]
    pub simulator_interval_seconds: u64,
    /// Days of history to publish first (0: none), then continue in real time.
    #[arg(long, env = "SIMULATOR_BACKFILL_DAYS", default_value_t = 0)]
    pub simulator_backfill_days: u32,
    /// Probability that a reading is a spike that pushes its hour above the limit.
    #[arg(long, env = "SIMULATOR_SPIKE_PROBABILITY", default_value_t = 0.01)]
    pub simulator_spike_probability: f64,
}

#[derive(Debug, Clone, Args)]
pub struct AiOptions {
    /// Base URL of an OpenAI-compatible API (chat completions at /chat/completions).
    #[arg(
        long,
        env = "AI_BASE_URL",
        default_value = "https://router.huggingface.co/v1"
    )]
    pub ai_base_url: String,
    /// Model name sent with each request.
    #[arg(
        long,
        env = "AI_MODEL",
        default_value = "meta-llama/Llama-3.1-8B-Instruct"
    )]
    pub ai_model: String,
    /// Bearer token of the AI API; without one the bot hands unmatched questions to
    /// a human at once.
    #[arg(long, env = "AI_TOKEN", hide_env_values = true)]
    pub ai_token: Option<SecretString>,
    /// Seconds to wait for the AI's reply.
    #[arg(long, env = "AI_TIMEOUT_SECONDS", default_value_t = 15)]
    pub ai_timeout_seconds: u64,
    /// Maximum number of tokens in one AI reply.
    #[arg(long, env = "AI_MAX_TOKENS", default_value_t = 300)]
    pub ai_max_tokens: u32,
}

#[derive(Debug, Clone, Args)]
pub struct SimulateOptions {
    #[command(flatten)]
    pub database: DatabaseOptions,
    #[command(flatten)]
    pub broker: BrokerOptions,
    #[command(flatten)]
    pub simulator: SimulatorOptions,
    /// Publish the backfill and stop, without continuing in real time.
    #[arg(long)]
    pub backfill_only: bool,
}

#[derive(Debug, Clone, Args)]
pub struct ImportOptions {
    #[command(flatten)]
    pub database: DatabaseOptions,
    #[command(flatten)]
    pub broker: BrokerOptions,
    /// CSV file with the header `device_id,measured_at,kwh`.
    pub file: std::path::PathBuf,
}

#[derive(Debug, Clone, Args)]
pub struct DeadLettersOptions {
    #[command(flatten)]
    pub broker: BrokerOptions,
    #[command(subcommand)]
    pub action: DeadLettersAction,
}

#[derive(Debug, Clone, Subcommand)]
pub enum DeadLettersAction {
    /// Show the dead-lettered messages with their reasons; they stay queued.
    List {
        /// Show at most this many.
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
    /// Republish chosen dead-lettered messages to the readings exchange and remove
    /// them from the dead-letter queue. The others stay queued.
    Replay {
        /// Replay only messages whose reason contains this text (for example
        /// "unknown device").
        #[arg(long)]
        reason: Option<String>,
        /// Replay at most this many.
        #[arg(long, default_value_t = 1000)]
        limit: usize,
    },
}
