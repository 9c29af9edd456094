//! Who is on a socket: the handshake's token, verified with the JWKS, and the
//! user's current role and status from `app_user`, read again at every join and
//! every stored change, as the HTTP components do on each request.

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use dms_platform::auth::{Role, TokenVerifier};

/// The user of a socket, as the database had them at the last check.
#[derive(Debug, Clone)]
pub struct SocketUser {
    pub id: Uuid,
    pub username: String,
    pub is_admin: bool,
    /// The token's `iat`, compared with `password_changed_at` at every check.
    pub issued_at: DateTime<Utc>,
}

/// Why a socket or one of its requests was rejected.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("missing token: connect with auth {{\"token\": \"<access token>\"}}")]
    MissingToken,
    #[error("{0}")]
    InvalidToken(String),
    #[error("invalid token: the user no longer exists")]
    UserGone,
    #[error("invalid token: the password has changed since it was issued; sign in again")]
    PasswordChanged,
    #[error("the role changed since this socket connected; reconnect")]
    RoleChanged,
    #[error("the database is unavailable; try again")]
    Unavailable(#[source] sqlx::Error),
}

/// Verifies a handshake token and loads its user.
///
/// # Errors
/// [`AuthError`] for a missing, invalid or revoked token, or an unreachable
/// database.
pub async fn authenticate(
    pool: &PgPool,
    verifier: &TokenVerifier,
    token: Option<&str>,
    now: DateTime<Utc>,
) -> Result<SocketUser, AuthError> {
    let token = token
        .map(str::trim)
        .filter(|token| !token.is_empty())
        .ok_or(AuthError::MissingToken)?;
    let verified = verifier
        .verify(token, now)
        .map_err(|err| AuthError::InvalidToken(err.to_string()))?;
    let current = load_user(pool, verified.claims.sub, verified.issued_at).await?;
    Ok(current)
}

/// Checks that a socket's user still exists with the role they connected with
/// and that their token predates no password change.
///
/// # Errors
/// [`AuthError`] when the user was deleted, demoted or promoted, or changed
/// their password; or when the database is unreachable.
pub async fn recheck(pool: &PgPool, user: &SocketUser) -> Result<(), AuthError> {
    let current = load_user(pool, user.id, user.issued_at).await?;
    if current.is_admin != user.is_admin {
        return Err(AuthError::RoleChanged);
    }
    Ok(())
}

async fn load_user(
    pool: &PgPool,
    id: Uuid,
    issued_at: DateTime<Utc>,
) -> Result<SocketUser, AuthError> {
    let row: Option<(String, String, DateTime<Utc>)> = sqlx::query_as(
        "select username::text, role, password_changed_at from app_user
         where user_id = $1 and deleted_at is null",
    )
    .bind(id)
    .fetch_optional(pool)
    .await
    .map_err(AuthError::Unavailable)?;
    let (username, role, password_changed_at) = row.ok_or(AuthError::UserGone)?;
    // Tokens carry whole seconds, so compare at that precision.
    if issued_at.timestamp() < password_changed_at.timestamp() {
        return Err(AuthError::PasswordChanged);
    }
    Ok(SocketUser {
        id,
        username,
        is_admin: Role::parse(&role) == Some(Role::Admin),
        issued_at,
    })
}

impl AuthError {
    /// The `code` sent with the error to the client.
    pub fn code(&self) -> &'static str {
        match self {
            AuthError::Unavailable(_) => "unavailable",
            _ => "unauthorized",
        }
    }
}
