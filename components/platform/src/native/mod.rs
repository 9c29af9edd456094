//! Native adapters, for devhost and tests: PostgreSQL through a blocking client
//! pool and settings from the environment.

mod postgres;

pub use self::postgres::{NativePool, PooledConnection};

use crate::db::Database;
use crate::files::Files;
use crate::host::{Clock, Config, Connector, Host};
use crate::{Request, Response, Router};

/// Runs a router for one request natively, on the calling (blocking) thread.
pub fn serve_native(
    pool: &NativePool,
    config: &dyn Config,
    clock: &dyn Clock,
    request: Request,
    router: Router,
) -> Response {
    let connector: Connector<'_> = Box::new(|| Ok(Box::new(pool.get()?) as Box<dyn Database>));
    let host = Host::new(connector, config, clock);
    router(&host, request)
}

/// Runs a router for one request natively, as [`serve_native`] does, with the
/// component's mounted files.
pub fn serve_native_with_files(
    pool: &NativePool,
    config: &dyn Config,
    clock: &dyn Clock,
    files: &dyn Files,
    request: Request,
    router: Router,
) -> Response {
    let connector: Connector<'_> = Box::new(|| Ok(Box::new(pool.get()?) as Box<dyn Database>));
    let host = Host::new(connector, config, clock).with_files(files);
    router(&host, request)
}
