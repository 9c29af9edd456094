//! Native adapters, for devhost and tests: PostgreSQL through a blocking client
//! pool and settings from the environment.

mod postgres;

pub use self::postgres::{NativePool, PooledConnection};

use crate::db::Database;
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
    let connector: Connector<'_> =
        Box::new(|| Ok(Box::new(pool.get()?) as Box<dyn Database>));
    let host = Host::new(connector, config, clock);
    router(&host, request)
}
