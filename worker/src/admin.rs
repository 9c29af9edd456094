//! `create-admin`: bootstraps an admin account without going through the API.

use std::io::BufRead;

use anyhow::{bail, Context};
use secrecy::{ExposeSecret, SecretString};
use sqlx::PgPool;
use uuid::Uuid;

use dms_platform::accounts::{check_email, check_password, check_username};
use dms_platform::validate::Validator;

/// Environment variable that carries the new admin's password.
pub const PASSWORD_VARIABLE: &str = "DMS_ADMIN_PASSWORD";

/// Reads the password from DMS_ADMIN_PASSWORD, else the first line of `input`.
///
/// # Errors
/// When neither gives a password.
pub fn read_password(input: &mut dyn BufRead) -> anyhow::Result<SecretString> {
    if let Ok(password) = std::env::var(PASSWORD_VARIABLE) {
        if !password.is_empty() {
            return Ok(SecretString::from(password));
        }
    }
    let mut line = String::new();
    input
        .read_line(&mut line)
        .context("Failed to read the password from standard input")?;
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    if password.is_empty() {
        bail!("no password given: set {PASSWORD_VARIABLE} or write it to standard input");
    }
    Ok(SecretString::from(password))
}

/// Creates an admin with the given credentials.
///
/// # Errors
/// When a field is invalid, the username or email is taken, or the database fails.
pub async fn create_admin(
    pool: &PgPool,
    username: &str,
    email: &str,
    password: &SecretString,
) -> anyhow::Result<Uuid> {
    let mut validator = Validator::new();
    check_username(&mut validator, username);
    check_email(&mut validator, email);
    check_password(&mut validator, "password", password.expose_secret());
    if let Err(dms_platform::ApiError::Validation(errors)) = validator.finish() {
        let messages: Vec<String> = errors.into_iter().map(|error| error.message).collect();
        bail!("invalid admin: {}", messages.join("; "));
    }
    let hash = dms_platform::auth::hash_password(password.expose_secret())?;
    let inserted = sqlx::query_scalar::<_, Uuid>(
        "insert into app_user (username, email, password_hash, role)
         values ($1, $2, $3, 'admin') returning user_id",
    )
    .bind(username.trim())
    .bind(email.trim())
    .bind(hash)
    .fetch_one(pool)
    .await;
    match inserted {
        Ok(id) => Ok(id),
        Err(sqlx::Error::Database(err)) if err.constraint() == Some("app_user_username_key") => {
            bail!("the username {username} is already taken")
        }
        Err(sqlx::Error::Database(err)) if err.constraint() == Some("app_user_email_key") => {
            bail!("the email {email} is already registered")
        }
        Err(err) => Err(err).context("Failed to insert the admin"),
    }
}

/// A new Ed25519 key pair as environment variable lines, in the formats the
/// settings take: the seed as base64url and the public key as a JWKS document.
///
/// # Errors
/// When the system random source fails.
pub fn generate_keys(kid: &str) -> anyhow::Result<String> {
    use base64::Engine;
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed)
        .map_err(|err| anyhow::anyhow!("Failed to read random bytes: {err}"))?;
    let signing = ed25519_dalek::SigningKey::from_bytes(&seed);
    let jwks = dms_platform::auth::Jwks {
        keys: vec![dms_platform::auth::Jwk::from_key(
            kid,
            &signing.verifying_key(),
        )],
    };
    let seed_text = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(seed);
    Ok(format!(
        "JWT_SIGNING_KID={kid}\nJWT_SIGNING_KEY={seed_text}\nJWT_VERIFYING_KEYS='{}'\n",
        serde_json::to_string(&jwks)?
    ))
}
