//! The `users` component: user administration for admins, the caller's own profile,
//! and the list of support admins.

mod admin;
#[cfg(feature = "openapi")]
pub mod openapi;
mod profile;
mod sql;

use http::Method;

use dms_platform::http::path_segments;
use dms_platform::{respond, ApiError, Host, Request, Response};

/// Routes one request of the `users` component.
pub fn route(host: &Host<'_>, request: Request) -> Response {
    let method = request.method().clone();
    let segments = path_segments(&request);
    respond(match (segments.as_slice(), method) {
        (["api", "users"], Method::GET) => admin::list(host, &request),
        (["api", "users"], Method::POST) => admin::create(host, &request),
        (["api", "users"], _) => Err(ApiError::MethodNotAllowed(&["GET", "POST"])),
        (["api", "users", "me"], Method::GET) => profile::show(host, &request),
        (["api", "users", "me"], Method::PATCH) => profile::update(host, &request),
        (["api", "users", "me"], _) => Err(ApiError::MethodNotAllowed(&["GET", "PATCH"])),
        (["api", "users", id], Method::GET) => admin::show(host, &request, id),
        (["api", "users", id], Method::PATCH) => admin::update(host, &request, id),
        (["api", "users", id], Method::DELETE) => admin::delete(host, &request, id),
        (["api", "users", _], _) => Err(ApiError::MethodNotAllowed(&["GET", "PATCH", "DELETE"])),
        (["api", "admins"], Method::GET) => profile::admins(host, &request),
        (["api", "admins"], _) => Err(ApiError::MethodNotAllowed(&["GET"])),
        _ => Err(ApiError::not_found("route")),
    })
}

#[cfg(target_arch = "wasm32")]
mod spin_entry {
    #[spin_sdk::http_component]
    fn handle(request: http::Request<bytes::Bytes>) -> http::Response<bytes::Bytes> {
        dms_platform::serve_spin(request, crate::route)
    }
}
