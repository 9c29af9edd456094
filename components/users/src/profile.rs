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
struct ProfileChanges {
    #[serde(default, deserialize_with = "double_option")]
    email: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    timezone: Option<Option<String>>,
}

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

#[derive(Debug, Serialize)]
struct AdminSummary {
    id: Uuid,
    username: String,
}

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
