//! The OpenAPI description of the `auth` routes, for the native document
//! generator. Compiled only with the `openapi` feature.

use utoipa::{OpenApi, ToSchema};
use uuid::Uuid;

use dms_platform::auth::Role;

/// The body of `GET /api/auth/verify`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct VerifiedUser {
    id: Uuid,
    role: Role,
}

/// The body of `GET /api/health`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct Health {
    /// `ok`, or `unavailable` when the database is unreachable.
    #[schema(pattern = "^(ok|unavailable)$")]
    status: String,
    /// `ok` or `unreachable`.
    #[schema(pattern = "^(ok|unreachable)$")]
    database: String,
}

#[derive(OpenApi)]
#[openapi(paths(
    crate::routes::register,
    crate::login::login,
    crate::routes::me,
    crate::routes::change_password,
    crate::routes::verify,
    crate::routes::jwks,
    crate::routes::health,
))]
struct AuthApi;

/// Returns the OpenAPI document of the `auth` routes.
pub fn document() -> utoipa::openapi::OpenApi {
    AuthApi::openapi()
}
