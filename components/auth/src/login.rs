//! Sign-in with throttling: after five failed attempts for one login name from one
//! client address within 15 minutes, further attempts get 429 until the window ends.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use uuid::Uuid;

use dms_platform::auth;
use dms_platform::db::Value;
use dms_platform::http::{self as web, DEFAULT_BODY_LIMIT};
use dms_platform::model::{User, USER_COLUMNS};
use dms_platform::{ApiError, Host, Request, Response};

use crate::routes::token_response;

const MAX_FAILURES: i64 = 5;
const WINDOW_MINUTES: i64 = 15;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
struct LoginRequest {
    /// A username, or an email when it contains `@`.
    #[serde(alias = "username", alias = "email")]
    #[cfg_attr(feature = "openapi", schema(example = "admin"))]
    login: String,
    #[cfg_attr(feature = "openapi", schema(example = "a-long-password"))]
    password: String,
}

/// Signs a user in with a username or email and a password. The field `login`
/// may also be sent as `username` or `email`.
#[cfg_attr(feature = "openapi", utoipa::path(
    post, path = "/api/auth/login", tag = "auth", operation_id = "login",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = crate::routes::TokenResponse),
        (status = 400, response = dms_platform::openapi::BadRequest),
        (status = 401, response = dms_platform::openapi::Unauthorized),
        (status = 429, response = dms_platform::openapi::TooManyRequests),
    ),
))]
pub fn login(host: &Host<'_>, request: &Request) -> Result<Response, ApiError> {
    let body: LoginRequest = web::parse_json(request, DEFAULT_BODY_LIMIT)?;
    let login = body.login.trim();
    let trust_proxy = host.config("trust_forwarded_for").as_deref() == Some("true");
    let client = web::client_address(request, trust_proxy);
    let now = host.now();

    if let Some(retry_after_secs) = throttled_for(host, login, &client, now)? {
        return Err(ApiError::TooManyRequests {
            retry_after_secs,
            detail: format!("too many failed sign-ins; try again in {retry_after_secs} seconds"),
        });
    }
    match find_credentials(host, login)? {
        Some((user_id, hash)) if auth::verify_password(&body.password, &hash) => {
            clear_failures(host, login, &client)?;
            let user = load_user(host, user_id)?.ok_or_else(|| ApiError::not_found("user"))?;
            Ok(web::ok(&token_response(host, user)?))
        }
        found => {
            if found.is_none() {
                // Spend the same time on an unknown user as on a wrong password.
                auth::verify_password(&body.password, auth::DUMMY_HASH);
            }
            record_failure(host, login, &client, now)?;
            Err(ApiError::Unauthorized(
                "invalid username or password".into(),
            ))
        }
    }
}

/// Seconds until the caller may try again, when the window is full.
fn throttled_for(
    host: &Host<'_>,
    login: &str,
    client: &str,
    now: DateTime<Utc>,
) -> Result<Option<i64>, ApiError> {
    let rows = host.db()?.query(
        "select failures::int8 as failures,
                ceil(extract(epoch from window_started_at + make_interval(mins => $4)
                     - $3::text::timestamptz))::int8 as retry_after
         from login_throttle
         where login = $1 and client_addr = $2
           and window_started_at > $3::text::timestamptz - make_interval(mins => $4)",
        &[
            Value::from(login),
            Value::from(client),
            Value::instant(now),
            Value::Int32(WINDOW_MINUTES as i32),
        ],
    )?;
    let Some(row) = rows.first() else {
        return Ok(None);
    };
    if row.i64("failures")? < MAX_FAILURES {
        return Ok(None);
    }
    Ok(Some(row.i64("retry_after")?.max(1)))
}

fn record_failure(
    host: &Host<'_>,
    login: &str,
    client: &str,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    host.db()?.execute(
        "insert into login_throttle as t (login, client_addr, failures, window_started_at)
         values ($1, $2, 1, $3::text::timestamptz)
         on conflict (login, client_addr) do update set
             failures = case when t.window_started_at <= excluded.window_started_at - make_interval(mins => $4)
                             then 1 else t.failures + 1 end,
             window_started_at = case when t.window_started_at <= excluded.window_started_at - make_interval(mins => $4)
                                      then excluded.window_started_at else t.window_started_at end",
        &[
            Value::from(login),
            Value::from(client),
            Value::instant(now),
            Value::Int32(WINDOW_MINUTES as i32),
        ],
    )?;
    Ok(())
}

fn clear_failures(host: &Host<'_>, login: &str, client: &str) -> Result<(), ApiError> {
    host.db()?.execute(
        "delete from login_throttle where login = $1 and client_addr = $2",
        &[Value::from(login), Value::from(client)],
    )?;
    Ok(())
}

fn find_credentials(host: &Host<'_>, login: &str) -> Result<Option<(Uuid, String)>, ApiError> {
    let column = if login.contains('@') {
        "email"
    } else {
        "username"
    };
    let sql = format!(
        "select user_id, password_hash from app_user where {column} = $1::text::citext and deleted_at is null"
    );
    let rows = host.db()?.query(&sql, &[Value::from(login)])?;
    match rows.first() {
        Some(row) => Ok(Some((row.uuid("user_id")?, row.str("password_hash")?))),
        None => Ok(None),
    }
}

pub fn password_hash(host: &Host<'_>, user_id: Uuid) -> Result<Option<String>, ApiError> {
    let rows = host.db()?.query(
        "select password_hash from app_user where user_id = $1 and deleted_at is null",
        &[Value::Uuid(user_id)],
    )?;
    rows.first()
        .map(|row| row.str("password_hash"))
        .transpose()
        .map_err(Into::into)
}

pub fn load_user(host: &Host<'_>, user_id: Uuid) -> Result<Option<User>, ApiError> {
    let sql = format!(
        "select {USER_COLUMNS} from app_user u where u.user_id = $1 and u.deleted_at is null"
    );
    let rows = host.db()?.query(&sql, &[Value::Uuid(user_id)])?;
    rows.first()
        .map(|row| User::from_row(&row))
        .transpose()
        .map_err(Into::into)
}
