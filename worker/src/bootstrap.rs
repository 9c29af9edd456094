//! `dms-worker bootstrap`: prepares an empty database for a first local run. It
//! creates the first admin (password from DMS_ADMIN_PASSWORD, else random and
//! printed once) and a demo client with a few devices. A database that already
//! has a user is left untouched.

use anyhow::Context;
use rand::distributions::{Alphanumeric, DistString};
use secrecy::{ExposeSecret, SecretString};
use sqlx::PgPool;

use crate::admin::{create_admin, PASSWORD_VARIABLE};

/// Demo devices: name, location, hourly limit in kWh.
const DEMO_DEVICES: [(&str, &str, &str); 3] = [
    ("Kitchen meter", "Cluj-Napoca, ground floor", "2.5"),
    ("Heat pump", "Cluj-Napoca, basement", "6"),
    ("Workshop", "Cluj-Napoca, garden", "4"),
];

/// What bootstrap created, with the passwords to show once.
pub struct Bootstrapped {
    pub admin_username: String,
    pub admin_password: Option<SecretString>,
    pub client_username: String,
    pub client_password: SecretString,
}

/// Creates the admin, the demo client and its devices when no user exists.
/// Returns `None` for a database that already has users.
///
/// # Errors
/// When the database fails.
pub async fn bootstrap(pool: &PgPool) -> anyhow::Result<Option<Bootstrapped>> {
    let users: i64 = sqlx::query_scalar("select count(*) from app_user")
        .fetch_one(pool)
        .await
        .context("Failed to count users")?;
    if users > 0 {
        return Ok(None);
    }
    let (admin_password, shown) = match std::env::var(PASSWORD_VARIABLE) {
        Ok(password) if !password.is_empty() => (SecretString::from(password), None),
        _ => {
            let password = SecretString::from(random_password());
            (password.clone(), Some(password))
        }
    };
    create_admin(pool, "admin", "admin@dms.local", &admin_password).await?;

    let client_password = SecretString::from(random_password());
    let hash = dms_platform::auth::hash_password(client_password.expose_secret())?;
    let client_id: uuid::Uuid = sqlx::query_scalar(
        "insert into app_user (username, email, password_hash, role, timezone)
         values ('demo', 'demo@dms.local', $1, 'client', 'Europe/Bucharest') returning user_id",
    )
    .bind(hash)
    .fetch_one(pool)
    .await
    .context("Failed to create the demo client")?;
    for (name, location, limit) in DEMO_DEVICES {
        sqlx::query(
            "insert into device (name, location, max_hourly_kwh, owner_id) values ($1, $2, $3::numeric, $4)",
        )
        .bind(name)
        .bind(location)
        .bind(limit)
        .bind(client_id)
        .execute(pool)
        .await
        .context("Failed to create a demo device")?;
    }
    // The demo client is a long-standing customer: their ownership periods start a
    // year back, so the simulator's backfilled history is theirs to see.
    sqlx::query(
        "update device_ownership set started_at = now() - interval '365 days'
         where owner_id = $1 and ended_at is null",
    )
    .bind(client_id)
    .execute(pool)
    .await
    .context("Failed to date the demo ownership periods")?;
    Ok(Some(Bootstrapped {
        admin_username: "admin".into(),
        admin_password: shown,
        client_username: "demo".into(),
        client_password,
    }))
}

fn random_password() -> String {
    Alphanumeric.sample_string(&mut rand::thread_rng(), 20)
}
