//! Bearer tokens (EdDSA JWTs through `jwt-compact`), password hashes (Argon2id) and
//! the guards every route uses. The role and status come from the database on each
//! request, so a demotion, deletion or password change applies at once.

use std::collections::HashMap;

use anyhow::Context;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use jwt_compact::alg::Ed25519;
use jwt_compact::{AlgorithmExt, Claims, Header, TimeOptions, UntrustedToken};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::db::Value;
use crate::host::Host;
use crate::http::Request;
use crate::problem::ApiError;

/// A user's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Role {
    Admin,
    Client,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Client => "client",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "admin" => Some(Role::Admin),
            "client" => Some(Role::Client),
            _ => None,
        }
    }
}

/// The claims DMS puts in a token besides `exp` and `iat`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TokenClaims {
    pub sub: Uuid,
    pub role: Role,
    pub username: String,
    pub iss: String,
    pub aud: String,
}

/// The issuer and audience every token must carry, and the keys that verify them.
pub struct TokenVerifier {
    keys: HashMap<String, ed25519_dalek::VerifyingKey>,
    issuer: String,
    audience: String,
}

/// A JSON Web Key Set with Ed25519 public keys.
#[derive(Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Jwks {
    pub keys: Vec<Jwk>,
}

/// One Ed25519 public key (RFC 8037 `OKP`).
#[derive(Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Jwk {
    pub kty: String,
    pub crv: String,
    pub x: String,
    pub kid: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alg: Option<String>,
    #[serde(default, rename = "use", skip_serializing_if = "Option::is_none")]
    pub key_use: Option<String>,
}

impl Jwk {
    /// Describes a public key for publication in `/.well-known/jwks.json`.
    pub fn from_key(kid: &str, key: &ed25519_dalek::VerifyingKey) -> Jwk {
        Jwk {
            kty: "OKP".into(),
            crv: "Ed25519".into(),
            x: URL_SAFE_NO_PAD.encode(key.as_bytes()),
            kid: kid.into(),
            alg: Some("EdDSA".into()),
            key_use: Some("sig".into()),
        }
    }
}

impl TokenVerifier {
    /// Reads `jwt_verifying_keys`, `jwt_issuer` and `jwt_audience`.
    ///
    /// # Errors
    /// When the key set is missing or contains a key that is not Ed25519.
    pub fn from_host(host: &Host<'_>) -> anyhow::Result<TokenVerifier> {
        let jwks = host
            .config("jwt_verifying_keys")
            .context("Failed to read jwt_verifying_keys: the setting is empty")?;
        TokenVerifier::new(
            &jwks,
            &host.config("jwt_issuer").unwrap_or_else(|| "dms".into()),
            &host
                .config("jwt_audience")
                .unwrap_or_else(|| "dms-api".into()),
        )
    }

    /// # Errors
    /// When `jwks` is not a key set of Ed25519 keys.
    pub fn new(jwks: &str, issuer: &str, audience: &str) -> anyhow::Result<TokenVerifier> {
        let set: Jwks = serde_json::from_str(jwks).context("Failed to parse jwt_verifying_keys")?;
        let mut keys = HashMap::new();
        for jwk in set.keys {
            anyhow::ensure!(
                jwk.kty == "OKP" && jwk.crv == "Ed25519",
                "key {} in jwt_verifying_keys is not an Ed25519 key",
                jwk.kid
            );
            let bytes = URL_SAFE_NO_PAD
                .decode(&jwk.x)
                .with_context(|| format!("Failed to decode key {}", jwk.kid))?;
            let bytes: [u8; 32] = bytes
                .try_into()
                .map_err(|_| anyhow::anyhow!("key {} is not 32 bytes long", jwk.kid))?;
            let key = ed25519_dalek::VerifyingKey::from_bytes(&bytes)
                .with_context(|| format!("Failed to load key {}", jwk.kid))?;
            keys.insert(jwk.kid, key);
        }
        Ok(TokenVerifier {
            keys,
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
        })
    }

    /// Checks the signature (EdDSA only, key chosen by `kid`), the expiry and
    /// not-before times, the issuer and the audience.
    ///
    /// # Errors
    /// 401 for any token that fails a check.
    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<VerifiedToken, ApiError> {
        let rejected = |reason: &str| {
            ApiError::Unauthorized(format!("invalid token: {reason}; sign in again"))
        };
        let untrusted = UntrustedToken::new(token).map_err(|_| rejected("malformed"))?;
        if untrusted.algorithm() != "EdDSA" {
            return Err(rejected("unsupported algorithm"));
        }
        let kid = untrusted
            .header()
            .key_id
            .as_deref()
            .ok_or_else(|| rejected("no key id"))?;
        let key = self.keys.get(kid).ok_or_else(|| rejected("unknown key"))?;
        let verified = Ed25519
            .validator::<TokenClaims>(key)
            .validate(&untrusted)
            .map_err(|_| rejected("bad signature"))?;
        let options = TimeOptions::new(Duration::seconds(30), move || now);
        let claims = verified.claims();
        claims
            .validate_expiration(&options)
            .map_err(|_| rejected("expired"))?;
        if claims.not_before.is_some() {
            claims
                .validate_maturity(&options)
                .map_err(|_| rejected("not yet valid"))?;
        }
        if claims.custom.iss != self.issuer {
            return Err(rejected("wrong issuer"));
        }
        if claims.custom.aud != self.audience {
            return Err(rejected("wrong audience"));
        }
        Ok(VerifiedToken {
            claims: claims.custom.clone(),
            issued_at: claims.issued_at.ok_or_else(|| rejected("no issue time"))?,
        })
    }
}

/// A token whose signature and times were checked.
#[derive(Debug, Clone)]
pub struct VerifiedToken {
    pub claims: TokenClaims,
    pub issued_at: DateTime<Utc>,
}

/// Signs tokens. Only the `auth` component has the private key.
pub struct TokenIssuer {
    key: ed25519_dalek::SigningKey,
    kid: String,
    issuer: String,
    audience: String,
    ttl: Duration,
}

impl TokenIssuer {
    /// Reads `jwt_signing_key` (base64url of the 32-byte seed), `jwt_signing_kid`,
    /// `jwt_issuer`, `jwt_audience` and `jwt_ttl_seconds`.
    ///
    /// # Errors
    /// When the key is missing or malformed, or the lifetime is not a positive number.
    pub fn from_host(host: &Host<'_>) -> anyhow::Result<TokenIssuer> {
        let seed = host
            .config("jwt_signing_key")
            .context("Failed to read jwt_signing_key: the setting is empty")?;
        let ttl = host
            .config("jwt_ttl_seconds")
            .unwrap_or_else(|| "3600".into())
            .parse::<i64>()
            .ok()
            .filter(|seconds| *seconds > 0)
            .context("jwt_ttl_seconds must be a positive whole number")?;
        Ok(TokenIssuer {
            key: signing_key_from_seed(&seed)?,
            kid: host
                .config("jwt_signing_kid")
                .unwrap_or_else(|| "dms-1".into()),
            issuer: host.config("jwt_issuer").unwrap_or_else(|| "dms".into()),
            audience: host
                .config("jwt_audience")
                .unwrap_or_else(|| "dms-api".into()),
            ttl: Duration::seconds(ttl),
        })
    }

    pub fn ttl_seconds(&self) -> i64 {
        self.ttl.num_seconds()
    }

    /// # Errors
    /// When signing fails (it does not for Ed25519; the type allows it).
    pub fn issue(
        &self,
        user_id: Uuid,
        role: Role,
        username: &str,
        now: DateTime<Utc>,
    ) -> anyhow::Result<String> {
        let header = Header::empty()
            .with_key_id(self.kid.clone())
            .with_token_type("JWT");
        let mut claims = Claims::new(TokenClaims {
            sub: user_id,
            role,
            username: username.to_owned(),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
        });
        claims.issued_at = Some(now);
        claims.expiration = Some(now + self.ttl);
        Ed25519
            .token(&header, &claims, &self.key)
            .context("Failed to sign the token")
    }
}

/// Decodes an Ed25519 private key given as base64url of its 32-byte seed.
///
/// # Errors
/// When the text is not base64url or not 32 bytes.
pub fn signing_key_from_seed(seed: &str) -> anyhow::Result<ed25519_dalek::SigningKey> {
    let bytes = URL_SAFE_NO_PAD
        .decode(seed.trim().trim_end_matches('='))
        .context("jwt_signing_key is not base64url")?;
    let bytes: [u8; 32] = bytes
        .try_into()
        .map_err(|_| anyhow::anyhow!("jwt_signing_key must be a 32-byte Ed25519 seed"))?;
    Ok(ed25519_dalek::SigningKey::from_bytes(&bytes))
}

/// The signed-in user, as the database has them now.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub id: Uuid,
    pub username: String,
    pub role: Role,
}

impl CurrentUser {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// # Errors
    /// 403 for anyone but an admin.
    pub fn require_admin(&self) -> Result<(), ApiError> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(ApiError::Forbidden(
                "this action requires the admin role".into(),
            ))
        }
    }
}

/// Takes the bearer token from the `Authorization` header.
///
/// # Errors
/// 401 when the header is missing or is not a bearer token.
pub fn bearer_token(request: &Request) -> Result<&str, ApiError> {
    let header = request
        .headers()
        .get(http::header::AUTHORIZATION)
        .ok_or_else(|| {
            ApiError::Unauthorized("the Authorization header is missing; sign in and send `Authorization: Bearer <token>`".into())
        })?;
    let text = header
        .to_str()
        .map_err(|_| ApiError::Unauthorized("invalid Authorization header".into()))?;
    match text.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(token.trim())
        }
        _ => Err(ApiError::Unauthorized(
            "the Authorization header must be `Bearer <token>`".into(),
        )),
    }
}

/// Verifies the request's token and loads the user's current role and status.
/// A deleted user, or a token issued before the last password change, is 401.
///
/// # Errors
/// 401 for a missing, invalid or revoked token; 503 when the database is down.
pub fn authenticate(host: &Host<'_>, request: &Request) -> Result<CurrentUser, ApiError> {
    let token = bearer_token(request)?;
    let verifier = TokenVerifier::from_host(host)?;
    let verified = verifier.verify(token, host.now())?;
    load_current_user(host, &verified)
}

fn load_current_user(host: &Host<'_>, token: &VerifiedToken) -> Result<CurrentUser, ApiError> {
    let rows = host.db()?.query(
        "select username::text as username, role,
                password_changed_at at time zone 'UTC' as password_changed_at
         from app_user where user_id = $1 and deleted_at is null",
        &[Value::Uuid(token.claims.sub)],
    )?;
    let row = rows
        .first()
        .ok_or_else(|| ApiError::Unauthorized("invalid token: the user no longer exists".into()))?;
    // Tokens carry whole seconds, so compare at that precision.
    let changed_at = row.instant("password_changed_at")?.timestamp();
    if token.issued_at.timestamp() < changed_at {
        return Err(ApiError::Unauthorized(
            "invalid token: the password has changed since it was issued; sign in again".into(),
        ));
    }
    let role = Role::parse(&row.str("role")?)
        .ok_or_else(|| anyhow::anyhow!("unknown role in app_user row"))?;
    Ok(CurrentUser {
        id: token.claims.sub,
        username: row.str("username")?,
        role,
    })
}

/// Hashes a password with Argon2id and a random salt.
///
/// # Errors
/// When the system random source fails.
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    use argon2::password_hash::{PasswordHasher, SaltString};
    let mut salt_bytes = [0u8; 16];
    getrandom::fill(&mut salt_bytes)
        .map_err(|err| anyhow::anyhow!("Failed to read random bytes for a salt: {err}"))?;
    let salt = SaltString::encode_b64(&salt_bytes)
        .map_err(|err| anyhow::anyhow!("Failed to encode the salt: {err}"))?;
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|err| anyhow::anyhow!("Failed to hash the password: {err}"))
}

/// Checks a password against a stored Argon2 hash.
pub fn verify_password(password: &str, hash: &str) -> bool {
    use argon2::password_hash::{PasswordHash, PasswordVerifier};
    PasswordHash::new(hash)
        .map(|parsed| {
            argon2::Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash of a random password, compared against when the user does not exist, so
/// an unknown user costs as much time as a wrong password.
pub const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$7Ry4T3dTfsoxfJ4Y0GpqMmcwS+qa0xnWfW/Fw4mnC8M";
