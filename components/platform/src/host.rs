//! The host a component router runs in: database, configuration, clock and, for
//! components with `files` mounts, static files. Each is a port with a Spin
//! adapter (inside WASM) and a native one (devhost and tests).

use chrono::{DateTime, Utc};

use crate::db::{Database, DbError};
use crate::files::Files;

/// Settings by their Spin variable name (lowercase, e.g. `database_url`).
pub trait Config {
    fn get(&self, key: &str) -> Option<String>;
}

/// The current time, replaceable in tests.
pub trait Clock {
    fn now(&self) -> DateTime<Utc>;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// Opens the database connection on first use, so routes that never touch the
/// database (the JWKS document, say) never connect.
pub type Connector<'a> = Box<dyn Fn() -> Result<Box<dyn Database + 'a>, DbError> + 'a>;

/// Everything a router needs from its runtime for one request.
pub struct Host<'a> {
    connector: Connector<'a>,
    connection: std::cell::OnceCell<Box<dyn Database + 'a>>,
    config: &'a dyn Config,
    clock: &'a dyn Clock,
    files: Option<&'a dyn Files>,
}

impl<'a> Host<'a> {
    pub fn new(connector: Connector<'a>, config: &'a dyn Config, clock: &'a dyn Clock) -> Self {
        Host {
            connector,
            connection: std::cell::OnceCell::new(),
            config,
            clock,
            files: None,
        }
    }

    /// Gives the router the component's mounted files.
    pub fn with_files(mut self, files: &'a dyn Files) -> Self {
        self.files = Some(files);
        self
    }

    /// The component's mounted files; `None` for a component without mounts.
    pub fn files(&self) -> Option<&'a dyn Files> {
        self.files
    }

    /// The request's database connection, opened on first use.
    ///
    /// # Errors
    /// When the connection cannot be opened.
    pub fn db(&self) -> Result<&dyn Database, DbError> {
        if let Some(connection) = self.connection.get() {
            return Ok(connection.as_ref());
        }
        let connection = (self.connector)()?;
        Ok(self.connection.get_or_init(|| connection).as_ref())
    }

    pub fn config(&self, key: &str) -> Option<String> {
        self.config.get(key).filter(|value| !value.is_empty())
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }
}

/// Configuration from environment variables: the Spin variable name in upper case.
#[derive(Debug, Clone, Copy, Default)]
pub struct EnvConfig;

impl Config for EnvConfig {
    fn get(&self, key: &str) -> Option<String> {
        std::env::var(key.to_ascii_uppercase()).ok()
    }
}

/// Configuration from a fixed map, for tests and for devhost's overrides.
#[derive(Debug, Clone, Default)]
pub struct MapConfig(pub std::collections::HashMap<String, String>);

impl Config for MapConfig {
    fn get(&self, key: &str) -> Option<String> {
        self.0.get(key).cloned()
    }
}
