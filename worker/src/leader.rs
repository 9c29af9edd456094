//! Leadership for roles that one replica plays at a time (the outbox relay and the
//! simulator): a session-level PostgreSQL advisory lock held on a connection of
//! its own. When that connection drops, the lock is released and a standing-by
//! replica takes over.

use std::time::Duration;

use anyhow::Context;
use sqlx::{Connection, PgConnection, PgPool};
use tokio::sync::Mutex;
use tokio_util::sync::CancellationToken;

/// How often a replica standing by tries to take the lock.
const STANDBY_INTERVAL: Duration = Duration::from_secs(2);

/// A held advisory lock.
pub struct Leadership {
    connection: Mutex<PgConnection>,
    key: i64,
    role: &'static str,
}

impl Leadership {
    /// Waits until this replica holds the lock `key`; `None` when stopped first.
    pub async fn acquire(
        pool: &PgPool,
        key: i64,
        role: &'static str,
        stop: &CancellationToken,
    ) -> Option<Leadership> {
        let mut announced = false;
        loop {
            match try_lock(pool, key).await {
                Ok(Some(connection)) => {
                    tracing::info!(role, "leadership acquired");
                    return Some(Leadership {
                        connection: Mutex::new(connection),
                        key,
                        role,
                    });
                }
                Ok(None) if !announced => {
                    tracing::info!(role, "another replica leads; standing by");
                    announced = true;
                }
                Ok(None) => {}
                Err(err) => {
                    tracing::warn!(role, error.message = %format!("{err:#}"), "leadership check failed; retrying")
                }
            }
            tokio::select! {
                () = tokio::time::sleep(STANDBY_INTERVAL) => {}
                () = stop.cancelled() => return None,
            }
        }
    }

    /// Confirms the lock's connection is alive (and so the lock still held).
    ///
    /// # Errors
    /// When the connection is gone.
    pub async fn check(&self) -> anyhow::Result<()> {
        let mut connection = self.connection.lock().await;
        sqlx::query("select 1")
            .execute(&mut *connection)
            .await
            .with_context(|| format!("lost the {} leadership connection", self.role))?;
        Ok(())
    }

    /// Releases the lock and closes its connection.
    pub async fn release(self) {
        let mut connection = self.connection.into_inner();
        // The lock also ends with the connection, so a failure here changes nothing.
        let _ = sqlx::query("select pg_advisory_unlock($1)")
            .bind(self.key)
            .execute(&mut connection)
            .await;
        let _ = connection.close().await;
        tracing::info!(role = self.role, "leadership released");
    }
}

async fn try_lock(pool: &PgPool, key: i64) -> anyhow::Result<Option<PgConnection>> {
    let mut connection = PgConnection::connect_with(&pool.connect_options())
        .await
        .context("Failed to open a leadership connection")?;
    let locked: bool = sqlx::query_scalar("select pg_try_advisory_lock($1)")
        .bind(key)
        .fetch_one(&mut connection)
        .await
        .context("Failed to try the advisory lock")?;
    if locked {
        Ok(Some(connection))
    } else {
        let _ = connection.close().await;
        Ok(None)
    }
}
