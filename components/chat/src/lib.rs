//! The `chat` component: support chat sessions and messages over REST.

use dms_platform::{respond, ApiError, Host, Request, Response};

/// Routes one request of the `chat` component.
pub fn route(_host: &Host<'_>, _request: Request) -> Response {
    respond(Err(ApiError::not_found("route")))
}

#[cfg(target_arch = "wasm32")]
mod spin_entry {
    #[spin_sdk::http_component]
    fn handle(request: http::Request<bytes::Bytes>) -> http::Response<bytes::Bytes> {
        dms_platform::serve_spin(request, crate::route)
    }
}
