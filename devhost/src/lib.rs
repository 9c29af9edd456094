//! devhost: serves every DMS component on one port exactly as `spin.toml` routes
//! them, running the synchronous routers natively on blocking threads. It exists
//! for local runs and tests where the Spin CLI is absent; it is never a production
//! runtime.

pub mod manifest;
pub mod mounts;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use bytes::Bytes;
use http::{HeaderValue, StatusCode};
use tokio::net::TcpListener;

use dms_platform::host::{MapConfig, SystemClock};
use dms_platform::native::{serve_native, serve_native_with_files, NativePool};
use dms_platform::{ApiError, Router};

use crate::manifest::Manifest;
use crate::mounts::Mounts;

/// Largest request body devhost reads; routes apply their own, smaller limits.
const MAX_REQUEST_BYTES: usize = 4 * 1024 * 1024;

/// Connections each devhost keeps open per database.
const POOL_IDLE_CONNECTIONS: usize = 32;

/// Returns the router of a component that `spin.toml` may name.
pub fn component_router(name: &str) -> Option<Router> {
    match name {
        "auth" => Some(dms_auth::route),
        "users" => Some(dms_users::route),
        "devices" => Some(dms_devices::route),
        "monitoring" => Some(dms_monitoring::route),
        "chat" => Some(dms_chat::route),
        "web" => Some(dms_web::route),
        _ => None,
    }
}

struct Component {
    name: String,
    router: Router,
    config: MapConfig,
    /// The component's `files` mounts; `None` when it has none.
    files: Option<Mounts>,
}

/// The routes, component routers and database pool that devhost serves.
pub struct App {
    routes: routefinder::Router<usize>,
    components: Vec<Component>,
    pool: NativePool,
}

impl App {
    /// Builds the app from a manifest and a source of variable values (a name in
    /// lowercase; the environment uses the same name in upper case).
    ///
    /// # Errors
    /// When the manifest names a component devhost does not know, a required
    /// variable is missing, or `database_url` is not a valid URL.
    pub fn new(
        manifest: &Manifest,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> anyhow::Result<App> {
        let app_variables = manifest.resolve_variables(lookup)?;
        let mut components = Vec::new();
        let mut index_of = HashMap::new();
        let mut names: Vec<&String> = manifest.components.keys().collect();
        names.sort();
        for name in names {
            let router = component_router(name)
                .with_context(|| format!("devhost has no router for the component {name}"))?;
            let mounts = &manifest.components[name].files;
            let files = (!mounts.is_empty()).then(|| Mounts::new(&manifest.directory, mounts));
            if let Some(files) = &files {
                for source in files.sources() {
                    if !source.is_dir() {
                        tracing::warn!(component = %name, source = %source.display(), "files mount source is missing; build it first");
                    }
                }
            }
            index_of.insert(name.clone(), components.len());
            components.push(Component {
                name: name.clone(),
                router,
                config: MapConfig(manifest.component_variables(name, &app_variables)),
                files,
            });
        }
        let mut routes = routefinder::Router::new();
        for (route, component) in &manifest.routes {
            let pattern = spin_route_to_routefinder(route);
            routes
                .add(pattern.as_str(), index_of[component])
                .map_err(|err| anyhow::anyhow!("invalid route {route}: {err}"))?;
        }
        let database_url = app_variables
            .get("database_url")
            .context("database_url is not set")?;
        let pool = NativePool::new(database_url, POOL_IDLE_CONNECTIONS)?;
        Ok(App {
            routes,
            components,
            pool,
        })
    }

    /// Loads `spin.toml` and reads variables from the environment.
    ///
    /// # Errors
    /// As [`App::new`], and when the manifest cannot be read.
    pub fn from_environment(manifest_path: &Path) -> anyhow::Result<App> {
        let manifest = Manifest::load(manifest_path)?;
        App::new(&manifest, |name| {
            std::env::var(name.to_ascii_uppercase()).ok()
        })
    }
}

/// Spin writes a wildcard as `/...`; routefinder writes it as `/*`.
fn spin_route_to_routefinder(route: &str) -> String {
    match route.strip_suffix("/...") {
        Some(prefix) => format!("{prefix}/*"),
        None => route.to_owned(),
    }
}

/// Serves requests on `listener` until the future is dropped or the task aborted.
///
/// # Errors
/// When the server fails to accept connections.
pub async fn serve(listener: TcpListener, app: App) -> anyhow::Result<()> {
    let service = axum::Router::new()
        .fallback(handle)
        .with_state(Arc::new(app))
        .into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, service)
        .await
        .context("devhost server failed")
}

async fn handle(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: http::Request<Body>,
) -> http::Response<Body> {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let Some(index) = app.routes.best_match(&path).map(|found| *found.handler()) else {
        return to_axum(ApiError::not_found("route").into_response());
    };
    let (parts, body) = request.into_parts();
    let body = match axum::body::to_bytes(body, MAX_REQUEST_BYTES).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return to_axum(
                ApiError::PayloadTooLarge {
                    limit: MAX_REQUEST_BYTES,
                }
                .into_response(),
            )
        }
    };
    let mut request = http::Request::from_parts(parts, body);
    add_spin_headers(&mut request, peer);

    let worker_app = Arc::clone(&app);
    let response = tokio::task::spawn_blocking(move || {
        let component = &worker_app.components[index];
        match &component.files {
            Some(files) => serve_native_with_files(
                &worker_app.pool,
                &component.config,
                &SystemClock,
                files,
                request,
                component.router,
            ),
            None => serve_native(
                &worker_app.pool,
                &component.config,
                &SystemClock,
                request,
                component.router,
            ),
        }
    })
    .await;
    let response = match response {
        Ok(response) => response,
        Err(err) => {
            tracing::error!(error.message = %err, %method, %path, "component panicked");
            let mut response = http::Response::new(Bytes::from_static(
                b"{\"title\":\"Internal Server Error\",\"status\":500}",
            ));
            *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
            response
        }
    };
    tracing::info!(
        component = %app.components[index].name,
        %method,
        %path,
        status = response.status().as_u16(),
        elapsed_ms = started.elapsed().as_secs_f64() * 1000.0,
        "request"
    );
    to_axum(response)
}

/// Adds the headers Spin sends to every component.
fn add_spin_headers(request: &mut http::Request<Bytes>, peer: SocketAddr) {
    let path_and_query = request
        .uri()
        .path_and_query()
        .map_or("/".to_owned(), ToString::to_string);
    let host = request
        .headers()
        .get(http::header::HOST)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("localhost")
        .to_owned();
    let headers = request.headers_mut();
    let mut insert = |name: &'static str, value: String| {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    };
    insert("spin-client-addr", peer.to_string());
    insert("spin-full-url", format!("http://{host}{path_and_query}"));
    insert("spin-path-info", String::new());
}

fn to_axum(response: http::Response<Bytes>) -> http::Response<Body> {
    response.map(Body::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A path only `route` should serve: each `:name` and the trailing wildcard
    /// replaced by a plain segment.
    fn sample_path(route: &str) -> String {
        let route = route
            .strip_suffix("/...")
            .map_or(route.to_owned(), |prefix| format!("{prefix}/sample"));
        route
            .split('/')
            .map(|segment| {
                if segment.starts_with(':') {
                    "sample"
                } else {
                    segment
                }
            })
            .collect::<Vec<_>>()
            .join("/")
    }

    /// Guards the order of spin.toml: routefinder 0.5 (as Spin 3.6 uses it)
    /// picks a route by an ordering that depends on the order routes are added.
    #[test]
    fn project_routes_each_win_their_own_paths() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spin.toml");
        let manifest = Manifest::load(&path).unwrap();
        let mut routes = routefinder::Router::new();
        for (index, (route, _)) in manifest.routes.iter().enumerate() {
            routes
                .add(spin_route_to_routefinder(route).as_str(), index)
                .unwrap();
        }

        for (index, (route, component)) in manifest.routes.iter().enumerate() {
            let sample = sample_path(route);
            let chosen = routes.best_match(&sample).map(|found| *found.handler());
            let chosen_route = chosen.map(|chosen| &manifest.routes[chosen].0);
            assert_eq!(
                chosen,
                Some(index),
                "{sample} should go to {route} ({component}), not {chosen_route:?}"
            );
        }
    }
}
