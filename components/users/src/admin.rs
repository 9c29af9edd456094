//! Admin-only user administration: list, create, show, update and delete.

use anyhow::Context;
use serde::Deserialize;

use dms_platform::accounts::{
    check_email, check_password, check_time_zone, check_username, unique_user_conflict,
};
use dms_platform::auth::{self, Role};
use dms_platform::db::Value;
use dms_platform::http::{self as web, double_option, Page, Pagination, DEFAULT_BODY_LIMIT};
use dms_platform::model::User;
use dms_platform::validate::Validator;
use dms_platform::{ApiError, Host, Request, Response};

use crate::sql;

/// Lists users, newest first, optionally by role or a search text.
#[cfg_attr(feature = "openapi", utoipa::path(
    get, path = "/api/users", tag = "users", operation_id = "list_users",
    security(("bearerAuth" = [])),
    params(
        ("page" = Option<i64>, Query, description = "Page number, from 1", minimum = 1),
        ("per_page" = Option<i64>, Query, description = "Page size, 1 to 100 (default 20)", minimum = 1, maximum = 100),
        ("role" = Option<Role>, Query, description = "Only users with this role"),
        ("q" = Option<String>, Query, description = "Only users whose username or email contains this text"),
    ),
    responses(
        (status = 200, description = "A page of users", body = Page<User>),
        (status = 400, response = dms_platform::openapi::BadRequest),
        (status = 403, response = dms_platform::openapi::Forbidden),
    ),
))]
pub fn list(host: &Host<'_>, request: &Request) -> Result<Response, ApiError> {
    auth::authenticate(host, request)?.require_admin()?;
    let params = web::query_params(request);
    let pagination = Pagination::from_query(&params)?;
    let role = match params.get("role").map(String::as_str) {
        None | Some("") => None,
        Some(text) => Some(
            Role::parse(text)
                .ok_or_else(|| ApiError::bad_request("role", "role must be admin or client"))?,
        ),
    };
    let search = params.get("q").map(|q| q.trim()).filter(|q| !q.is_empty());
    let filters = [
        Value::opt_str(role.map(Role::as_str)),
        Value::opt_str(search),
    ];

    let db = host.db()?;
    let mut list_params = filters.to_vec();
    list_params.extend([
        Value::Int64(pagination.per_page),
        Value::Int64(pagination.offset()),
    ]);
    let rows = db.query(&sql::list_users(), &list_params)?;
    let items = rows
        .iter()
        .map(|row| User::from_row(&row))
        .collect::<Result<Vec<_>, _>>()?;
    let total = db
        .query(sql::COUNT_USERS, &filters)?
        .first()
        .context("count returned no row")?
        .i64("total")?;
    Ok(web::ok(&Page {
        items,
        page: pagination.page,
        per_page: pagination.per_page,
        total,
    }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
struct CreateUser {
    /// 3 to 50 letters, digits, `.`, `_` or `-`; no `@`.
    #[cfg_attr(feature = "openapi", schema(min_length = 3, max_length = 50))]
    username: String,
    #[cfg_attr(feature = "openapi", schema(max_length = 254))]
    email: String,
    /// 8 to 128 characters.
    #[cfg_attr(feature = "openapi", schema(min_length = 8, max_length = 128))]
    password: String,
    role: Role,
    #[serde(default)]
    timezone: Option<String>,
}

/// Creates a user of either role.
#[cfg_attr(feature = "openapi", utoipa::path(
    post, path = "/api/users", tag = "users", operation_id = "create_user",
    security(("bearerAuth" = [])),
    request_body = CreateUser,
    responses(
        (status = 201, description = "The new user", body = User,
            headers(("Location" = String, description = "The new user's URL"))),
        (status = 403, response = dms_platform::openapi::Forbidden),
        (status = 409, response = dms_platform::openapi::Conflict),
        (status = 422, response = dms_platform::openapi::ValidationFailed),
    ),
))]
pub fn create(host: &Host<'_>, request: &Request) -> Result<Response, ApiError> {
    auth::authenticate(host, request)?.require_admin()?;
    let body: CreateUser = web::parse_json(request, DEFAULT_BODY_LIMIT)?;
    let mut validator = Validator::new();
    check_username(&mut validator, &body.username);
    check_email(&mut validator, &body.email);
    check_password(&mut validator, "password", &body.password);
    check_time_zone(&mut validator, body.timezone.as_deref());
    validator.finish()?;

    let hash = auth::hash_password(&body.password)?;
    let rows = host
        .db()?
        .query(
            &sql::insert_user(),
            &[
                Value::from(body.username.trim()),
                Value::from(body.email.trim()),
                Value::from(hash),
                Value::from(body.role.as_str()),
                Value::opt_str(body.timezone.as_deref()),
            ],
        )
        .map_err(unique_user_conflict)?;
    let user = User::from_row(&rows.first().context("insert returned no row")?)?;
    Ok(web::created(&format!("/api/users/{}", user.id), &user))
}

/// Returns one user.
#[cfg_attr(feature = "openapi", utoipa::path(
    get, path = "/api/users/{id}", tag = "users", operation_id = "get_user",
    security(("bearerAuth" = [])),
    params(("id" = uuid::Uuid, Path, description = "The user's id")),
    responses(
        (status = 200, description = "The user", body = User),
        (status = 403, response = dms_platform::openapi::Forbidden),
        (status = 404, response = dms_platform::openapi::NotFound),
    ),
))]
pub fn show(host: &Host<'_>, request: &Request, id: &str) -> Result<Response, ApiError> {
    auth::authenticate(host, request)?.require_admin()?;
    let id = web::path_uuid(id, "user")?;
    let rows = host.db()?.query(&sql::select_user(), &[Value::Uuid(id)])?;
    let row = rows.first().ok_or_else(|| ApiError::not_found("user"))?;
    Ok(web::ok(&User::from_row(&row)?))
}

/// An admin's changes to a user. Absent fields stay; `timezone: null` clears the zone.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserChanges {
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    pub email: Option<Option<String>>,
    /// Cannot be null. Demoting the last admin is 409.
    #[serde(default, deserialize_with = "double_option")]
    pub role: Option<Option<Role>>,
    #[serde(default, deserialize_with = "double_option")]
    pub timezone: Option<Option<String>>,
    /// A new password, 8 to 128 characters; it revokes the user's tokens.
    #[serde(default)]
    pub password: Option<String>,
}

/// Changes a user: an absent field stays, `timezone: null` clears the zone.
#[cfg_attr(feature = "openapi", utoipa::path(
    patch, path = "/api/users/{id}", tag = "users", operation_id = "update_user",
    security(("bearerAuth" = [])),
    params(("id" = uuid::Uuid, Path, description = "The user's id")),
    request_body = UserChanges,
    responses(
        (status = 200, description = "The changed user", body = User),
        (status = 403, response = dms_platform::openapi::Forbidden),
        (status = 404, response = dms_platform::openapi::NotFound),
        (status = 409, response = dms_platform::openapi::Conflict),
        (status = 422, response = dms_platform::openapi::ValidationFailed),
    ),
))]
pub fn update(host: &Host<'_>, request: &Request, id: &str) -> Result<Response, ApiError> {
    auth::authenticate(host, request)?.require_admin()?;
    let id = web::path_uuid(id, "user")?;
    let changes: UserChanges = web::parse_json(request, DEFAULT_BODY_LIMIT)?;
    let user = apply_changes(host, id, &changes)?;
    Ok(web::ok(&user))
}

/// Validates and stores user changes in one statement.
///
/// # Errors
/// 422 for invalid values, 404 for an unknown user, 409 for a taken name or for
/// demoting the last admin.
pub fn apply_changes(
    host: &Host<'_>,
    id: uuid::Uuid,
    changes: &UserChanges,
) -> Result<User, ApiError> {
    let mut validator = Validator::new();
    if let Some(username) = &changes.username {
        check_username(&mut validator, username);
    }
    match &changes.email {
        Some(Some(email)) => check_email(&mut validator, email),
        Some(None) => {
            validator.check(false, "email", "email cannot be null; give an address");
        }
        None => {}
    }
    validator.check(
        !matches!(changes.role, Some(None)),
        "role",
        "role cannot be null; use admin or client",
    );
    if let Some(Some(zone)) = &changes.timezone {
        check_time_zone(&mut validator, Some(zone));
    }
    if let Some(password) = &changes.password {
        check_password(&mut validator, "password", password);
    }
    validator.finish()?;

    let hash = changes
        .password
        .as_deref()
        .map(auth::hash_password)
        .transpose()?;
    let email = changes.email.clone().flatten();
    let role = changes.role.flatten();
    let params = [
        Value::Uuid(id),
        Value::Bool(email.is_some()),
        Value::opt_str(email.as_deref().map(str::trim)),
        Value::Bool(role.is_some()),
        Value::opt_str(role.map(Role::as_str)),
        Value::Bool(changes.timezone.is_some()),
        Value::opt_str(changes.timezone.clone().flatten().as_deref()),
        Value::Bool(hash.is_some()),
        Value::opt_str(hash.as_deref()),
        Value::Bool(changes.username.is_some()),
        Value::opt_str(changes.username.as_deref().map(str::trim)),
    ];
    let rows = host
        .db()?
        .query(&sql::update_user(), &params)
        .map_err(unique_user_conflict)?;
    let row = rows.first().context("update returned no row")?;
    if row.i64("found")? == 0 {
        return Err(ApiError::not_found("user"));
    }
    if row.opt_uuid("user_id")?.is_none() {
        return Err(ApiError::conflict(
            "role",
            "the last admin cannot be demoted; promote another admin first",
        ));
    }
    Ok(User::from_row(&row)?)
}

/// Deletes a user (soft: their history stays). The last admin cannot be deleted.
#[cfg_attr(feature = "openapi", utoipa::path(
    delete, path = "/api/users/{id}", tag = "users", operation_id = "delete_user",
    security(("bearerAuth" = [])),
    params(("id" = uuid::Uuid, Path, description = "The user's id")),
    responses(
        (status = 204, description = "The user is deleted"),
        (status = 403, response = dms_platform::openapi::Forbidden),
        (status = 404, response = dms_platform::openapi::NotFound),
        (status = 409, response = dms_platform::openapi::Conflict),
    ),
))]
pub fn delete(host: &Host<'_>, request: &Request, id: &str) -> Result<Response, ApiError> {
    auth::authenticate(host, request)?.require_admin()?;
    let id = web::path_uuid(id, "user")?;
    let rows = host.db()?.query(&sql::delete_user(), &[Value::Uuid(id)])?;
    let row = rows.first().context("delete returned no row")?;
    if row.i64("found")? == 0 {
        return Err(ApiError::not_found("user"));
    }
    if row.i64("deleted")? == 0 {
        return Err(ApiError::Conflict {
            detail: "the last admin cannot be deleted; promote another admin first".into(),
            field: None,
        });
    }
    Ok(web::no_content())
}
