//! The outbox relay: publishes `outbox` rows to the events exchange in id order,
//! with publisher confirms, then marks them published. One replica relays at a
//! time: it holds a PostgreSQL advisory lock on a connection of its own, and the
//! others wait for that lock. It wakes on `NOTIFY dms_outbox` and polls once a
//! second as a fallback.
//!
//! A row is marked only after the broker confirmed it, so a crash between the two
//! publishes it again: delivery is at least once, and consumers drop event ids
//! they have seen.

use std::time::Duration;

use anyhow::Context;
use lapin::types::{AMQPValue, FieldTable};
use secrecy::SecretString;
use sqlx::postgres::PgListener;
use sqlx::{Acquire, PgPool};
use tokio_util::sync::CancellationToken;

use crate::amqp::{self, Topology};
use crate::leader::Leadership;
use crate::metrics::Metrics;

/// Advisory lock key of the relay's leadership.
pub const RELAY_LOCK: i64 = 0x646d_735f_7265_6c61; // "dms_rela"

/// Rows published per round.
const BATCH: i64 = 500;

/// How often the relay looks for rows when no notification arrives.
const POLL_INTERVAL: Duration = Duration::from_secs(1);

/// Published rows are deleted after this many hours.
const RETENTION_HOURS: i32 = 24;

/// Runs the relay until `stop` is cancelled: waits for leadership, then relays.
/// Failures are logged and retried with backoff.
///
/// # Errors
/// Never while running.
pub async fn run(
    pool: PgPool,
    amqp_url: SecretString,
    topology: Topology,
    metrics: Metrics,
    stop: CancellationToken,
) -> anyhow::Result<()> {
    tracing::info!(exchange = %topology.events_exchange(), "outbox relay starting");
    let mut delay = Duration::from_millis(500);
    while !stop.is_cancelled() {
        let Some(leadership) = Leadership::acquire(&pool, RELAY_LOCK, "outbox relay", &stop).await
        else {
            break;
        };
        match relay(&pool, &amqp_url, &topology, &metrics, &stop, &leadership).await {
            Ok(()) => {
                leadership.release().await;
                break;
            }
            Err(err) => {
                tracing::warn!(error.cause_chain = ?err, error.message = %format!("{err:#}"), "outbox relay failed; retrying");
                leadership.release().await;
            }
        }
        tokio::select! {
            () = tokio::time::sleep(delay) => {}
            () = stop.cancelled() => break,
        }
        delay = (delay * 2).min(Duration::from_secs(30));
    }
    tracing::info!("outbox relay stopped");
    Ok(())
}

async fn relay(
    pool: &PgPool,
    amqp_url: &SecretString,
    topology: &Topology,
    metrics: &Metrics,
    stop: &CancellationToken,
    leadership: &Leadership,
) -> anyhow::Result<()> {
    let connection = amqp::connect_with_backoff(amqp_url, "dms-relay", stop).await?;
    let channel = amqp::confirm_channel(&connection).await?;
    topology.declare(&channel).await?;
    let mut listener = PgListener::connect_with(pool)
        .await
        .context("Failed to open the NOTIFY listener")?;
    listener
        .listen("dms_outbox")
        .await
        .context("Failed to LISTEN dms_outbox")?;
    let mut last_cleanup = std::time::Instant::now() - Duration::from_secs(3600);

    loop {
        leadership.check().await?;
        let published = publish_pending(pool, &channel, topology, metrics).await?;
        if last_cleanup.elapsed() > Duration::from_secs(600) {
            delete_old(pool).await?;
            last_cleanup = std::time::Instant::now();
        }
        if published as i64 == BATCH {
            continue;
        }
        tokio::select! {
            notification = listener.recv() => {
                notification.context("Failed to receive a notification")?;
            }
            () = tokio::time::sleep(POLL_INTERVAL) => {}
            () = stop.cancelled() => {
                let _ = connection.close(200, "stopping").await;
                return Ok(());
            }
        }
    }
}

#[derive(sqlx::FromRow)]
struct OutboxRow {
    outbox_id: i64,
    event_id: uuid::Uuid,
    event_type: String,
    occurred_at: chrono::DateTime<chrono::Utc>,
    data: serde_json::Value,
}

/// Publishes up to one batch of unpublished rows and marks them; returns how many.
async fn publish_pending(
    pool: &PgPool,
    channel: &lapin::Channel,
    topology: &Topology,
    metrics: &Metrics,
) -> anyhow::Result<usize> {
    let rows: Vec<OutboxRow> = sqlx::query_as(
        "select outbox_id, event_id, event_type, occurred_at, data
         from outbox where published_at is null order by outbox_id limit $1",
    )
    .bind(BATCH)
    .fetch_all(pool)
    .await
    .context("Failed to read the outbox")?;
    let backlog: i64 = sqlx::query_scalar("select count(*) from outbox where published_at is null")
        .fetch_one(pool)
        .await
        .context("Failed to count the outbox backlog")?;
    metrics.outbox_backlog.set(backlog);
    if rows.is_empty() {
        return Ok(0);
    }

    let messages: Vec<_> = rows
        .iter()
        .map(|row| {
            let envelope = serde_json::json!({
                "id": row.event_id,
                "type": row.event_type,
                "occurred_at": row.occurred_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
                "data": row.data,
            });
            let mut headers = FieldTable::default();
            headers.insert(
                "x-dms-event-type".into(),
                AMQPValue::LongString(row.event_type.clone().into()),
            );
            let properties = amqp::json_properties()
                .with_message_id(row.event_id.to_string().into())
                .with_type(row.event_type.clone().into())
                .with_headers(headers);
            (
                row.event_type.clone(),
                envelope.to_string().into_bytes(),
                properties,
            )
        })
        .collect();
    amqp::publish_confirmed(channel, &topology.events_exchange(), messages).await?;

    let ids: Vec<i64> = rows.iter().map(|row| row.outbox_id).collect();
    sqlx::query("update outbox set published_at = now() where outbox_id = any($1)")
        .bind(&ids)
        .execute(pool)
        .await
        .context("Failed to mark outbox rows published")?;
    metrics.events_published.inc_by(ids.len() as u64);
    metrics.outbox_backlog.set(backlog - ids.len() as i64);
    tracing::debug!(count = ids.len(), first = ids[0], "events published");
    Ok(ids.len())
}

async fn delete_old(pool: &PgPool) -> anyhow::Result<()> {
    let mut connection = pool.acquire().await.context("Failed to get a connection")?;
    let connection = connection
        .acquire()
        .await
        .context("Failed to get a connection")?;
    let deleted = sqlx::query(
        "delete from outbox where published_at is not null and published_at < now() - make_interval(hours => $1)",
    )
    .bind(RETENTION_HOURS)
    .execute(connection)
    .await
    .context("Failed to delete old outbox rows")?
    .rows_affected();
    if deleted > 0 {
        tracing::info!(deleted, "old outbox rows deleted");
    }
    Ok(())
}
