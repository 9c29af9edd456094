//! The `devices` component: metering devices, their limits and their owners.

mod handlers;
#[cfg(feature = "openapi")]
pub mod openapi;
mod sql;

use http::Method;

use dms_platform::http::path_segments;
use dms_platform::{respond, ApiError, Host, Request, Response};

/// Routes one request of the `devices` component.
pub fn route(host: &Host<'_>, request: Request) -> Response {
    let method = request.method().clone();
    let segments = path_segments(&request);
    respond(match (segments.as_slice(), method) {
        (["api", "devices"], Method::GET) => handlers::list(host, &request),
        (["api", "devices"], Method::POST) => handlers::create(host, &request),
        (["api", "devices"], _) => Err(ApiError::MethodNotAllowed(&["GET", "POST"])),
        (["api", "devices", id], Method::GET) => handlers::show(host, &request, id),
        (["api", "devices", id], Method::PATCH) => handlers::update(host, &request, id),
        (["api", "devices", id], Method::DELETE) => handlers::delete(host, &request, id),
        (["api", "devices", _], _) => Err(ApiError::MethodNotAllowed(&["GET", "PATCH", "DELETE"])),
        (["api", "devices", id, "owner"], Method::PUT) => handlers::set_owner(host, &request, id),
        (["api", "devices", _, "owner"], _) => Err(ApiError::MethodNotAllowed(&["PUT"])),
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
