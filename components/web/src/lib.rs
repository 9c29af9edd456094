//! The `web` component: the dashboard's built files (`web/dist`, mounted at `/`),
//! `GET /config.json` with the Socket.IO address, the OpenAPI document at
//! `GET /api/openapi.json` and Swagger UI under `/docs`, both built into the
//! mount. Spin routes every path no other component claims here, so an unknown
//! `/api/...` or `/.well-known/...` path gets the API's problem+json 404, and
//! any other unknown path gets the dashboard's `index.html` for its client-side
//! router.

mod static_files;

use http::Method;
use serde_json::json;

use dms_platform::http as web;
use dms_platform::{respond, ApiError, Host, Request, Response};

/// Where the build writes the OpenAPI document, relative to the mount.
const OPENAPI_FILE: &str = "api/openapi.json";

/// Routes one request of the `web` component.
pub fn route(host: &Host<'_>, request: Request) -> Response {
    respond(route_request(host, &request))
}

fn route_request(host: &Host<'_>, request: &Request) -> Result<Response, ApiError> {
    let path = request.uri().path();
    let readable = matches!(*request.method(), Method::GET | Method::HEAD);
    match path {
        "/config.json" if readable => Ok(static_files::strip_body_for_head(request, config(host))),
        "/api/openapi.json" if readable => static_files::serve_file(host, request, OPENAPI_FILE),
        "/config.json" | "/api/openapi.json" => Err(ApiError::MethodNotAllowed(&["GET", "HEAD"])),
        _ if is_api_path(path) => Err(ApiError::not_found("route")),
        _ if !readable => Err(ApiError::MethodNotAllowed(&["GET", "HEAD"])),
        _ => static_files::serve_path(host, request),
    }
}

/// `{"socket_url"}`: where the dashboard opens its Socket.IO connection, read
/// at run time so that one build serves every deployment. An empty string means
/// the page's own origin.
fn config(host: &Host<'_>) -> Response {
    let socket_url = host.config("socket_url").unwrap_or_default();
    web::ok(&json!({ "socket_url": socket_url }))
}

/// Paths of the API and of well-known documents: never answered with the
/// dashboard, so a client calling a missing endpoint gets a 404 it can read.
fn is_api_path(path: &str) -> bool {
    let under = |prefix: &str| {
        path.strip_prefix(prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    };
    under("/api") || under("/.well-known")
}

#[cfg(target_arch = "wasm32")]
mod spin_entry {
    #[spin_sdk::http_component]
    fn handle(request: http::Request<bytes::Bytes>) -> http::Response<bytes::Bytes> {
        dms_platform::serve_spin_with_files(request, crate::route)
    }
}

#[cfg(test)]
mod tests;
