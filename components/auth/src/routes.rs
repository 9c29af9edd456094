//! Routing of the `auth` component and its small handlers.

use anyhow::Context;
use http::{Method, StatusCode};
use serde::{Deserialize, Serialize};

use dms_platform::accounts::{
    check_email, check_password, check_time_zone, check_username, unique_user_conflict,
};
use dms_platform::auth::{self, Jwks, Role, TokenIssuer};
use dms_platform::db::Value;
use dms_platform::events::USER_JSON;
use dms_platform::http::{self as web, DEFAULT_BODY_LIMIT};
use dms_platform::model::{User, USER_COLUMNS};
use dms_platform::validate::Validator;
use dms_platform::{respond, ApiError, Host, Request, Response};

use crate::login;

/// Routes one request of the `auth` component.
pub fn route(host: &Host<'_>, request: Request) -> Response {
    let path = request.uri().path().trim_end_matches('/').to_owned();
    let method = request.method().clone();
    respond(match (path.as_str(), method) {
        ("/api/auth/register", Method::POST) => register(host, &request),
        ("/api/auth/login", Method::POST) => login::login(host, &request),
        ("/api/auth/me", Method::GET) => me(host, &request),
        ("/api/auth/password", Method::POST) => change_password(host, &request),
        ("/api/auth/verify", Method::GET) => verify(host, &request),
        ("/.well-known/jwks.json", Method::GET) => jwks(host),
        ("/api/health", Method::GET) => health(host),
        ("/api/auth/register" | "/api/auth/login" | "/api/auth/password", _) => {
            Err(ApiError::MethodNotAllowed(&["POST"]))
        }
        ("/api/auth/me" | "/api/auth/verify" | "/.well-known/jwks.json" | "/api/health", _) => {
            Err(ApiError::MethodNotAllowed(&["GET"]))
        }
        _ => Err(ApiError::not_found("route")),
    })
}

/// The body of register and login answers.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenResponse {
    /// The JWT to send as `Authorization: Bearer <token>`.
    pub access_token: String,
    #[cfg_attr(feature = "openapi", schema(example = "Bearer"))]
    pub token_type: &'static str,
    /// Seconds until the token expires.
    pub expires_in: i64,
    pub user: User,
}

/// Signs a token for `user` and wraps it in the token response.
pub fn token_response(host: &Host<'_>, user: User) -> Result<TokenResponse, ApiError> {
    let issuer = TokenIssuer::from_host(host)?;
    let role = Role::parse(&user.role).context("unknown role in app_user row")?;
    let access_token = issuer.issue(user.id, role, &user.username, host.now())?;
    Ok(TokenResponse {
        access_token,
        token_type: "Bearer",
        expires_in: issuer.ttl_seconds(),
        user,
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
struct RegisterRequest {
    /// 3 to 50 letters, digits, `.`, `_` or `-`; no `@`.
    #[cfg_attr(
        feature = "openapi",
        schema(example = "jane", min_length = 3, max_length = 50)
    )]
    username: String,
    #[cfg_attr(
        feature = "openapi",
        schema(example = "jane@example.com", max_length = 254)
    )]
    email: String,
    /// 8 to 128 characters.
    #[cfg_attr(feature = "openapi", schema(min_length = 8, max_length = 128))]
    password: String,
    /// An IANA time zone name such as `Europe/Bucharest`.
    #[serde(default)]
    timezone: Option<String>,
}

/// Registers a client and signs them in.
#[cfg_attr(feature = "openapi", utoipa::path(
    post, path = "/api/auth/register", tag = "auth", operation_id = "register",
    request_body = RegisterRequest,
    responses(
        (status = 201, description = "The new client, signed in", body = TokenResponse,
            headers(("Location" = String, description = "The new user's URL"))),
        (status = 400, response = dms_platform::openapi::BadRequest),
        (status = 409, response = dms_platform::openapi::Conflict),
        (status = 422, response = dms_platform::openapi::ValidationFailed),
    ),
))]
fn register(host: &Host<'_>, request: &Request) -> Result<Response, ApiError> {
    let body: RegisterRequest = web::parse_json(request, DEFAULT_BODY_LIMIT)?;
    let mut validator = Validator::new();
    check_username(&mut validator, &body.username);
    check_email(&mut validator, &body.email);
    check_time_zone(&mut validator, body.timezone.as_deref());
    check_password(&mut validator, "password", &body.password);
    validator.finish()?;

    let hash = auth::hash_password(&body.password)?;
    let user = insert_client(host, &body, &hash)?;
    let location = format!("/api/users/{}", user.id);
    Ok(web::created(&location, &token_response(host, user)?))
}

fn insert_client(host: &Host<'_>, body: &RegisterRequest, hash: &str) -> Result<User, ApiError> {
    let sql = format!(
        "insert into app_user as u (username, email, password_hash, role, timezone)
         values ($1, $2, $3, 'client', $4)
         returning {USER_COLUMNS}"
    );
    let rows = host
        .db()?
        .query(
            &sql,
            &[
                Value::from(body.username.trim()),
                Value::from(body.email.trim()),
                Value::from(hash),
                Value::opt_str(body.timezone.as_deref()),
            ],
        )
        .map_err(unique_user_conflict)?;
    let row = rows.first().context("insert returned no row")?;
    Ok(User::from_row(&row)?)
}

/// Returns the signed-in user.
#[cfg_attr(feature = "openapi", utoipa::path(
    get, path = "/api/auth/me", tag = "auth", operation_id = "current_user",
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "The signed-in user", body = User),
        (status = 401, response = dms_platform::openapi::Unauthorized),
        (status = 404, response = dms_platform::openapi::NotFound),
    ),
))]
fn me(host: &Host<'_>, request: &Request) -> Result<Response, ApiError> {
    let current = auth::authenticate(host, request)?;
    let user = login::load_user(host, current.id)?.ok_or_else(|| ApiError::not_found("user"))?;
    Ok(web::ok(&user))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
struct PasswordRequest {
    current_password: String,
    /// 8 to 128 characters.
    #[cfg_attr(feature = "openapi", schema(min_length = 8, max_length = 128))]
    new_password: String,
}

/// Changes the caller's password. Every token issued before the change stops
/// working, so the response carries a new one.
#[cfg_attr(feature = "openapi", utoipa::path(
    post, path = "/api/auth/password", tag = "auth", operation_id = "change_password",
    security(("bearerAuth" = [])),
    request_body = PasswordRequest,
    responses(
        (status = 200, description = "The password is changed; a new token", body = TokenResponse),
        (status = 400, response = dms_platform::openapi::BadRequest),
        (status = 401, response = dms_platform::openapi::Unauthorized),
        (status = 404, response = dms_platform::openapi::NotFound),
        (status = 422, response = dms_platform::openapi::ValidationFailed),
    ),
))]
fn change_password(host: &Host<'_>, request: &Request) -> Result<Response, ApiError> {
    let current = auth::authenticate(host, request)?;
    let body: PasswordRequest = web::parse_json(request, DEFAULT_BODY_LIMIT)?;
    let mut validator = Validator::new();
    check_password(&mut validator, "new_password", &body.new_password);
    validator.finish()?;

    let stored =
        login::password_hash(host, current.id)?.ok_or_else(|| ApiError::not_found("user"))?;
    if !auth::verify_password(&body.current_password, &stored) {
        return Err(ApiError::invalid(
            "current_password",
            "current_password is wrong",
        ));
    }
    let hash = auth::hash_password(&body.new_password)?;
    let user = store_password(host, current.id, &hash)?;
    Ok(web::ok(&token_response(host, user)?))
}

fn store_password(host: &Host<'_>, user_id: uuid::Uuid, hash: &str) -> Result<User, ApiError> {
    // Truncated to whole seconds, as token issue times are, so a token issued in
    // this second stays valid and every earlier one is revoked.
    let user_json = USER_JSON;
    let sql = format!(
        "with updated as (
             update app_user as u set password_hash = $2, password_changed_at = date_trunc('second', now())
             where user_id = $1 and deleted_at is null
             returning u.*
         ),
         event as (
             insert into outbox (event_type, data) select 'user.updated', {user_json} from updated u
         )
         select {USER_COLUMNS} from updated u"
    );
    let rows = host
        .db()?
        .query(&sql, &[Value::Uuid(user_id), Value::from(hash)])?;
    let row = rows.first().ok_or_else(|| ApiError::not_found("user"))?;
    Ok(User::from_row(&row)?)
}

/// Checks a token for an ingress `auth-url`.
#[cfg_attr(feature = "openapi", utoipa::path(
    get, path = "/api/auth/verify", tag = "auth", operation_id = "verify_token",
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "The token is valid", body = crate::openapi::VerifiedUser,
            headers(
                ("X-User-Id" = uuid::Uuid, description = "The user's id"),
                ("X-User-Role" = String, description = "`admin` or `client`"),
            )),
        (status = 401, response = dms_platform::openapi::Unauthorized),
    ),
))]
fn verify(host: &Host<'_>, request: &Request) -> Result<Response, ApiError> {
    let current = auth::authenticate(host, request)?;
    let mut response = web::json_response(
        StatusCode::OK,
        &serde_json::json!({"id": current.id, "role": current.role.as_str()}),
    );
    let headers = response.headers_mut();
    headers.insert(
        "x-user-id",
        current.id.to_string().parse().context("user id header")?,
    );
    headers.insert(
        "x-user-role",
        http::HeaderValue::from_static(current.role.as_str()),
    );
    Ok(response)
}

/// Returns the public keys that verify tokens.
#[cfg_attr(feature = "openapi", utoipa::path(
    get, path = "/.well-known/jwks.json", tag = "auth", operation_id = "jwks",
    responses(
        (status = 200, description = "The JSON Web Key Set (Ed25519 keys)", body = Jwks),
    ),
))]
fn jwks(host: &Host<'_>) -> Result<Response, ApiError> {
    let text = host
        .config("jwt_verifying_keys")
        .context("jwt_verifying_keys is not set")?;
    let set: Jwks = serde_json::from_str(&text).context("Failed to parse jwt_verifying_keys")?;
    let mut response = web::ok(&set);
    response.headers_mut().insert(
        http::header::CACHE_CONTROL,
        http::HeaderValue::from_static("public, max-age=300"),
    );
    Ok(response)
}

/// Reports whether the database is reachable.
#[cfg_attr(feature = "openapi", utoipa::path(
    get, path = "/api/health", tag = "auth", operation_id = "health",
    responses(
        (status = 200, description = "The database is reachable", body = crate::openapi::Health),
        (status = 503, description = "The database is unreachable", body = crate::openapi::Health),
    ),
))]
fn health(host: &Host<'_>) -> Result<Response, ApiError> {
    let reachable = host
        .db()
        .and_then(|db| db.query("select 1 as ok", &[]))
        .is_ok();
    if reachable {
        Ok(web::ok(
            &serde_json::json!({"status": "ok", "database": "ok"}),
        ))
    } else {
        Ok(web::json_response(
            StatusCode::SERVICE_UNAVAILABLE,
            &serde_json::json!({"status": "unavailable", "database": "unreachable"}),
        ))
    }
}
