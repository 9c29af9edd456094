//! The OpenAPI description of the `devices` routes, for the native document
//! generator. Compiled only with the `openapi` feature.

use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(paths(
    crate::handlers::list,
    crate::handlers::create,
    crate::handlers::show,
    crate::handlers::update,
    crate::handlers::delete,
    crate::handlers::set_owner,
))]
struct DevicesApi;

/// Returns the OpenAPI document of the `devices` routes.
pub fn document() -> utoipa::openapi::OpenApi {
    DevicesApi::openapi()
}
