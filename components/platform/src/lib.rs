//! Shared library of the DMS components: the ports a router runs against (database,
//! configuration, clock) with their Spin and native adapters, problem+json errors,
//! strict JSON bodies, pagination, tokens and guards.

pub mod accounts;
pub mod auth;
pub mod db;
pub mod energy;
pub mod events;
pub mod files;
pub mod host;
pub mod http;
pub mod model;
#[cfg(feature = "openapi")]
pub mod openapi;
pub mod problem;
pub mod readings;
pub mod support;
pub mod validate;

#[cfg(feature = "native")]
pub mod native;
#[cfg(target_arch = "wasm32")]
pub mod spin;

use bytes::Bytes;

pub use crate::host::Host;
pub use crate::http::Request;
pub use crate::problem::ApiError;

pub type Response = ::http::Response<Bytes>;

/// A component's router: one request in, one response out.
pub type Router = fn(&Host<'_>, Request) -> Response;

/// Turns a handler's result into the response, errors as problem+json.
pub fn respond(result: Result<Response, ApiError>) -> Response {
    result.unwrap_or_else(ApiError::into_response)
}

/// Runs a router for one request inside Spin: database through `pg4`, settings
/// from Spin variables.
#[cfg(target_arch = "wasm32")]
pub fn serve_spin(request: Request, router: Router) -> Response {
    let config = spin::SpinConfig;
    let clock = host::SystemClock;
    let connector: host::Connector<'_> = Box::new(|| {
        let url = host::Config::get(&config, "database_url")
            .ok_or_else(|| db::DbError::Connection("database_url is not set".into()))?;
        Ok(Box::new(spin::SpinDatabase::open(&url)?) as Box<dyn db::Database>)
    });
    let host = Host::new(connector, &config, &clock);
    router(&host, request)
}

/// Runs a router for one request inside Spin, as [`serve_spin`] does, with the
/// component's `files` mounts read from the root of its file system. Only
/// components whose WIT world allows `wasi:filesystem` may call it.
// NOTE: the tests run the web router natively; this entry with Spin's mount at
// `/` has not run under a Spin runtime here (no Spin CLI in this environment).
#[cfg(target_arch = "wasm32")]
pub fn serve_spin_with_files(request: Request, router: Router) -> Response {
    let config = spin::SpinConfig;
    let clock = host::SystemClock;
    let files = files::DirectoryFiles::new("/");
    let connector: host::Connector<'_> = Box::new(|| {
        Err(db::DbError::Connection(
            "this component has no database".into(),
        ))
    });
    let host = Host::new(connector, &config, &clock).with_files(&files);
    router(&host, request)
}
