//! The `auth` component: registration, sign-in, the current user, password change,
//! token verification for an ingress, the public key set and the health check.

mod login;
#[cfg(feature = "openapi")]
pub mod openapi;
mod routes;

pub use routes::route;

#[cfg(target_arch = "wasm32")]
mod spin_entry {
    /// Spin's entry point: converts nothing itself, the router does the work.
    #[spin_sdk::http_component]
    fn handle(request: http::Request<bytes::Bytes>) -> http::Response<bytes::Bytes> {
        dms_platform::serve_spin(request, crate::route)
    }
}
