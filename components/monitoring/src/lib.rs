//! The `monitoring` component: consumption views, alerts and the HTTP entry for
//! readings.

mod access;
mod alerts;
mod consumption;
mod local_day;
#[cfg(feature = "openapi")]
pub mod openapi;
mod overview;
mod params;
mod readings;
mod sql;

use http::Method;

use dms_platform::http::path_segments;
use dms_platform::{respond, ApiError, Host, Request, Response};

/// Routes one request of the `monitoring` component.
pub fn route(host: &Host<'_>, request: Request) -> Response {
    let method = request.method().clone();
    let segments = path_segments(&request);
    respond(match (segments.as_slice(), method) {
        (["api", "devices", id, "consumption"], Method::GET) => {
            consumption::day(host, &request, id)
        }
        (["api", "devices", id, "consumption", "days"], Method::GET) => {
            consumption::days(host, &request, id)
        }
        (
            ["api", "devices", _, "consumption"] | ["api", "devices", _, "consumption", "days"],
            _,
        ) => Err(ApiError::MethodNotAllowed(&["GET"])),
        (["api", "consumption"], Method::GET) => overview::day(host, &request),
        (["api", "consumption"], _) => Err(ApiError::MethodNotAllowed(&["GET"])),
        (["api", "alerts"], Method::GET) => alerts::list(host, &request),
        (["api", "alerts"], _) => Err(ApiError::MethodNotAllowed(&["GET"])),
        (["api", "alerts", id, "ack"], Method::POST) => alerts::acknowledge(host, &request, id),
        (["api", "alerts", _, "ack"], _) => Err(ApiError::MethodNotAllowed(&["POST"])),
        (["api", "readings"], Method::POST) => readings::ingest(host, &request),
        (["api", "readings"], _) => Err(ApiError::MethodNotAllowed(&["POST"])),
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
