//! The OpenAPI description of the `users` routes, for the native document
//! generator. Compiled only with the `openapi` feature.

use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(paths(
    crate::admin::list,
    crate::admin::create,
    crate::profile::show,
    crate::profile::update,
    crate::admin::show,
    crate::admin::update,
    crate::admin::delete,
    crate::profile::admins,
))]
struct UsersApi;

/// Returns the OpenAPI document of the `users` routes.
pub fn document() -> utoipa::openapi::OpenApi {
    UsersApi::openapi()
}
