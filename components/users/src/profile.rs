//! What every signed-in user may do: read and change their own profile, and list
//! the admins they can ask for support.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use dms_platform::auth;
use dms_platform::http::{self as web, double_option, DEFAULT_BODY_LIMIT};
use dms_platform::model::User;
use dms_platform::{ApiError, Host, Request, Response};

use crate::admin::{apply_changes, UserChanges};
use crate::sql;

/// Returns the caller's own profile.
#[cfg_attr(feature = "openapi", utoipa::path(
    get, path = "/api/users/me", tag = "users", operation_id = "get_profile",
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "The signed-in user", body = User),
        (status = 404, response = dms_platform::openapi::NotFound),
    ),
))]
pub fn show(host: &Host<'_>, request: &Request) -> Result<Response, ApiError> {
    let current = auth::authenticate(host, request)?;
    let rows = host
        .db()?
        .query(&sql::select_user(), &[current.id.into()])?;
    let row = rows.first().ok_or_else(|| ApiError::not_found("user"))?;
    Ok(web::ok(&User::from_row(&row)?))
}

/// The fields a user may change on their own profile.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
struct ProfileChanges {
    /// Cannot be null.
    #[serde(default, deserialize_with = "double_option")]
    email: Option<Option<String>>,
    /// An IANA time zone name; `null` clears it (views then use UTC).
    #[serde(default, deserialize_with = "double_option")]
    timezone: Option<Option<String>>,
}

/// Changes the caller's email or time zone: an absent field stays.
#[cfg_attr(feature = "openapi", utoipa::path(
    patch, path = "/api/users/me", tag = "users", operation_id = "update_profile",
    security(("bearerAuth" = [])),
    request_body = ProfileChanges,
    responses(
        (status = 200, description = "The changed profile", body = User),
        (status = 404, response = dms_platform::openapi::NotFound),
        (status = 409, response = dms_platform::openapi::Conflict),
        (status = 422, response = dms_platform::openapi::ValidationFailed),
    ),
))]
pub fn update(host: &Host<'_>, request: &Request) -> Result<Response, ApiError> {
    let current = auth::authenticate(host, request)?;
    let body: ProfileChanges = web::parse_json(request, DEFAULT_BODY_LIMIT)?;
    let changes = UserChanges {
        email: body.email,
        timezone: body.timezone,
        ..UserChanges::default()
    };
    Ok(web::ok(&apply_changes(host, current.id, &changes)?))
}

/// An admin a client can ask for support.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
struct AdminSummary {
    id: Uuid,
    username: String,
}

/// Lists the active admins, for choosing whom to ask for support.
#[cfg_attr(feature = "openapi", utoipa::path(
    get, path = "/api/admins", tag = "users", operation_id = "list_admins",
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "Every active admin", body = Vec<AdminSummary>),
    ),
))]
pub fn admins(host: &Host<'_>, request: &Request) -> Result<Response, ApiError> {
    auth::authenticate(host, request)?;
    let rows = host.db()?.query(sql::LIST_ADMINS, &[])?;
    let admins = rows
        .iter()
        .map(|row| {
            Ok(AdminSummary {
                id: row.uuid("user_id")?,
                username: row.str("username")?,
            })
        })
        .collect::<Result<Vec<_>, dms_platform::db::DbError>>()?;
    Ok(web::ok(&admins))
}
