//! The ingest consumer: takes readings from the ingest queue in batches (bounded by
//! count and by a short wait), stores each batch in one SQL statement, sends each
//! bad reading to the dead-letter exchange with its reason, and acknowledges the
//! batch only after the commit and the dead-letter confirms.
//!
//! Delivery tags die with their channel, so after a broker or channel failure the
//! consumer reconnects and starts over; the broker redelivers what was not
//! acknowledged, and the `(device_id, measured_at)` key makes the repeats change
//! nothing.

use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use futures_util::StreamExt;
use lapin::message::Delivery;
use lapin::options::{BasicAckOptions, BasicCancelOptions, BasicConsumeOptions, BasicQosOptions};
use lapin::types::{AMQPValue, FieldTable};
use lapin::Channel;
use secrecy::SecretString;
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;

use dms_platform::readings::{self, Outcome, Reading, Rejected};

use crate::amqp::{self, Topology, REJECT_REASON_HEADER};
use crate::metrics::Metrics;

/// Most readings one message may carry (a gateway's array).
pub const MAX_READINGS_PER_MESSAGE: usize = 1000;

/// Header in which DMS publishers put the publish time in milliseconds since the
/// epoch, to measure alert latency more finely than the AMQP timestamp's seconds.
pub const PUBLISHED_AT_HEADER: &str = "x-dms-published-at";

/// Batching settings of the consumer.
#[derive(Debug, Clone)]
pub struct IngestSettings {
    pub topology: Topology,
    pub batch_size: usize,
    pub batch_wait: Duration,
}

/// Runs the consumer until `stop` is cancelled, reconnecting with backoff after
/// any broker failure. On stop it finishes and acknowledges the batch in hand.
///
/// # Errors
/// Never while running; it logs failures and reconnects.
pub async fn run(
    pool: PgPool,
    amqp_url: SecretString,
    settings: IngestSettings,
    metrics: Metrics,
    stop: CancellationToken,
) -> anyhow::Result<()> {
    tracing::info!(queue = %settings.topology.ingest_queue(), batch_size = settings.batch_size, "ingest consumer starting");
    let mut delay = Duration::from_millis(500);
    while !stop.is_cancelled() {
        let Ok(connection) = amqp::connect_with_backoff(&amqp_url, "dms-ingest", &stop).await
        else {
            break;
        };
        let started = Instant::now();
        match consume(&connection, &pool, &settings, &metrics, &stop).await {
            Ok(()) => {
                // Closing returns the prefetched, unacknowledged messages to the
                // queue at once rather than when the socket finally drops.
                if let Err(err) = connection.close(200, "stopping").await {
                    tracing::warn!(error.message = %err, "closing the RabbitMQ connection failed");
                }
                break;
            }
            Err(err) => {
                tracing::warn!(error.cause_chain = ?err, error.message = %format!("{err:#}"), "ingest consumer failed; reconnecting");
            }
        }
        // Close what is left of a broken connection; its state no longer matters.
        let _ = connection.close(0, "reconnecting").await;
        if started.elapsed() > Duration::from_secs(60) {
            delay = Duration::from_millis(500);
        }
        tokio::select! {
            () = tokio::time::sleep(delay) => {}
            () = stop.cancelled() => break,
        }
        delay = (delay * 2).min(Duration::from_secs(30));
    }
    tracing::info!("ingest consumer stopped");
    Ok(())
}

async fn consume(
    connection: &lapin::Connection,
    pool: &PgPool,
    settings: &IngestSettings,
    metrics: &Metrics,
    stop: &CancellationToken,
) -> anyhow::Result<()> {
    let channel = amqp::confirm_channel(connection).await?;
    settings.topology.declare(&channel).await?;
    // Room for one batch of single readings plus the next one arriving meanwhile.
    let prefetch = u16::try_from(settings.batch_size.saturating_mul(2)).unwrap_or(u16::MAX);
    channel
        .basic_qos(prefetch, BasicQosOptions::default())
        .await
        .context("Failed to set the prefetch count")?;
    let consumer_tag = format!("dms-ingest-{}", uuid::Uuid::new_v4().simple());
    let mut consumer = channel
        .basic_consume(
            &settings.topology.ingest_queue(),
            &consumer_tag,
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await
        .context("Failed to start consuming")?;
    tracing::info!(consumer_tag, prefetch, "consuming readings");

    loop {
        let first = tokio::select! {
            next = consumer.next() => next,
            () = stop.cancelled() => {
                let _ = channel.basic_cancel(&consumer_tag, BasicCancelOptions::default()).await;
                return Ok(());
            }
        };
        let mut batch = Batch::default();
        batch.push(first.context("the consumer stream ended")??);
        let deadline = tokio::time::Instant::now() + settings.batch_wait;
        while batch.readings < settings.batch_size {
            tokio::select! {
                next = consumer.next() => batch.push(next.context("the consumer stream ended")??),
                () = tokio::time::sleep_until(deadline) => break,
                () = stop.cancelled() => break,
            }
        }
        let started = Instant::now();
        let (messages, readings) = (batch.deliveries.len(), batch.readings);
        process_batch(&channel, pool, settings, metrics, stop, batch).await?;
        metrics
            .ingest_batch_seconds
            .observe(started.elapsed().as_secs_f64());
        tracing::debug!(
            messages,
            readings,
            elapsed_ms = started.elapsed().as_secs_f64() * 1000.0,
            "batch stored"
        );
        if stop.is_cancelled() {
            let _ = channel
                .basic_cancel(&consumer_tag, BasicCancelOptions::default())
                .await;
            return Ok(());
        }
    }
}

/// Deliveries taken together, with an estimate of their readings.
#[derive(Default)]
struct Batch {
    deliveries: Vec<Delivery>,
    readings: usize,
}

impl Batch {
    fn push(&mut self, delivery: Delivery) {
        // An array counts by its commas, roughly one per reading; exact counts come
        // from parsing, which happens once the batch is complete.
        let first = delivery
            .data
            .iter()
            .find(|byte| !byte.is_ascii_whitespace());
        self.readings += if first == Some(&b'[') {
            delivery
                .data
                .iter()
                .filter(|byte| **byte == b'{')
                .count()
                .max(1)
        } else {
            1
        };
        self.deliveries.push(delivery);
    }
}

/// One message's parsed content.
struct Parsed {
    valid: Vec<Reading>,
    rejected: Vec<Rejected>,
}

async fn process_batch(
    channel: &Channel,
    pool: &PgPool,
    settings: &IngestSettings,
    metrics: &Metrics,
    stop: &CancellationToken,
    batch: Batch,
) -> anyhow::Result<()> {
    let now = chrono::Utc::now();
    let mut dead_letters: Vec<(Vec<u8>, String)> = Vec::new();
    let mut parsed = Vec::with_capacity(batch.deliveries.len());
    for delivery in &batch.deliveries {
        match readings::parse_body(&delivery.data, MAX_READINGS_PER_MESSAGE, now) {
            Ok(items) => {
                let (valid, rejected) = split(items);
                parsed.push(Parsed { valid, rejected });
            }
            Err(reason) => {
                dead_letters.push((delivery.data.clone(), reason));
                parsed.push(Parsed {
                    valid: Vec::new(),
                    rejected: Vec::new(),
                });
            }
        }
    }
    for message in &parsed {
        for rejected in &message.rejected {
            dead_letters.push((rejected.raw.clone().into_bytes(), rejected.reason.clone()));
        }
    }
    let valid: Vec<Reading> = parsed
        .iter()
        .flat_map(|message| message.valid.iter().cloned())
        .collect();
    metrics
        .readings_rejected
        .inc_by((dead_letters.len()) as u64);

    if !valid.is_empty() {
        let stored = match store_with_retry(pool, &valid, stop).await {
            Ok(stored) => stored,
            Err(StoreError::Stopped) => {
                bail!("stopped before the batch could be stored; it will be redelivered")
            }
            Err(StoreError::Rejected(err)) => {
                tracing::error!(error.message = %err, readings = valid.len(), "the database rejected a batch; storing its messages one by one");
                store_each(pool, &parsed, stop, &mut dead_letters).await?
            }
        };
        for (reading, outcome) in valid.iter().zip(&stored.outcomes) {
            match outcome {
                Outcome::Stored => {
                    metrics.readings_ingested.inc();
                }
                Outcome::Duplicate => {
                    metrics.readings_duplicate.inc();
                }
                Outcome::UnknownDevice => {
                    metrics.readings_rejected.inc();
                    dead_letters.push((
                        reading_json(reading),
                        format!("unknown device {}", reading.device_id),
                    ));
                }
            };
        }
        if stored.alerts_raised > 0 {
            metrics.alerts_raised.inc_by(stored.alerts_raised);
            if let Some(published_at) = batch.deliveries.iter().filter_map(published_at).max() {
                let latency = (chrono::Utc::now() - published_at)
                    .num_microseconds()
                    .unwrap_or(0);
                metrics
                    .alert_latency_seconds
                    .observe(latency as f64 / 1_000_000.0);
            }
        }
    }

    if !dead_letters.is_empty() {
        dead_letter(channel, &settings.topology, &dead_letters).await?;
        metrics
            .messages_dead_lettered
            .inc_by(dead_letters.len() as u64);
        for (_, reason) in dead_letters.iter().take(3) {
            tracing::warn!(reason = %reason, "reading dead-lettered");
        }
        if dead_letters.len() > 3 {
            tracing::warn!(
                more = dead_letters.len() - 3,
                "further readings dead-lettered"
            );
        }
    }

    let last = batch
        .deliveries
        .last()
        .context("a batch has at least one delivery")?;
    channel
        .basic_ack(last.delivery_tag, BasicAckOptions { multiple: true })
        .await
        .context("Failed to acknowledge the batch")?;
    Ok(())
}

/// Stores each message's readings on their own, so that one message the database
/// rejects (it should not happen after validation) is dead-lettered without
/// holding back the rest. Its readings count as duplicates in the outcomes.
async fn store_each(
    pool: &PgPool,
    parsed: &[Parsed],
    stop: &CancellationToken,
    dead_letters: &mut Vec<(Vec<u8>, String)>,
) -> anyhow::Result<Stored> {
    let mut outcomes = Vec::new();
    let mut alerts_raised = 0;
    for message in parsed.iter().filter(|message| !message.valid.is_empty()) {
        match store_with_retry(pool, &message.valid, stop).await {
            Ok(stored) => {
                outcomes.extend(stored.outcomes);
                alerts_raised += stored.alerts_raised;
            }
            Err(StoreError::Stopped) => {
                bail!("stopped before the batch could be stored; it will be redelivered")
            }
            Err(StoreError::Rejected(err)) => {
                for reading in &message.valid {
                    dead_letters.push((reading_json(reading), format!("storage failed: {err}")));
                    outcomes.push(Outcome::Duplicate);
                }
            }
        }
    }
    Ok(Stored {
        outcomes,
        alerts_raised,
    })
}

fn split(items: Vec<Result<Reading, Rejected>>) -> (Vec<Reading>, Vec<Rejected>) {
    let mut valid = Vec::new();
    let mut rejected = Vec::new();
    for item in items {
        match item {
            Ok(reading) => valid.push(reading),
            Err(reject) => rejected.push(reject),
        }
    }
    (valid, rejected)
}

fn reading_json(reading: &Reading) -> Vec<u8> {
    serde_json::json!({
        "device_id": reading.device_id,
        "measured_at": reading.measured_at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
        "kwh": serde_json::value::RawValue::from_string(reading.kwh.to_string()).ok(),
    })
    .to_string()
    .into_bytes()
}

fn published_at(delivery: &Delivery) -> Option<chrono::DateTime<chrono::Utc>> {
    let headers = delivery.properties.headers().as_ref();
    let from_header = headers.and_then(|headers| match headers.inner().get(PUBLISHED_AT_HEADER) {
        Some(AMQPValue::LongLongInt(millis)) => chrono::DateTime::from_timestamp_millis(*millis),
        _ => None,
    });
    from_header.or_else(|| {
        delivery
            .properties
            .timestamp()
            .and_then(|seconds| chrono::DateTime::from_timestamp(i64::try_from(seconds).ok()?, 0))
    })
}

/// Publishes rejected readings (or whole messages) to the dead-letter exchange,
/// each with its reason, and waits for the confirms.
async fn dead_letter(
    channel: &Channel,
    topology: &Topology,
    items: &[(Vec<u8>, String)],
) -> anyhow::Result<()> {
    let messages: Vec<_> = items
        .iter()
        .map(|(body, reason)| {
            let mut headers = FieldTable::default();
            headers.insert(
                REJECT_REASON_HEADER.into(),
                AMQPValue::LongString(reason.clone().into()),
            );
            (
                amqp::READING_KEY.to_owned(),
                body.clone(),
                amqp::json_properties().with_headers(headers),
            )
        })
        .collect();
    amqp::publish_confirmed(channel, &topology.dead_letter_exchange(), messages)
        .await
        .context("Failed to dead-letter rejected readings")?;
    Ok(())
}

/// The outcome of storing a batch.
pub struct Stored {
    pub outcomes: Vec<Outcome>,
    pub alerts_raised: u64,
}

/// The reason a batch was not stored.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("stopped before the batch could be stored")]
    Stopped,
    #[error(transparent)]
    Rejected(sqlx::Error),
}

/// Stores readings in one statement, retrying with backoff (up to 30 s between
/// tries) while the database is unreachable or the statement is a deadlock victim.
///
/// # Errors
/// When `stop` is cancelled before the batch could be stored, or the database
/// rejects the statement for a reason that retrying cannot fix.
pub async fn store_with_retry(
    pool: &PgPool,
    batch: &[Reading],
    stop: &CancellationToken,
) -> Result<Stored, StoreError> {
    let mut delay = Duration::from_millis(100);
    let mut attempt = 1u32;
    loop {
        match store(pool, batch).await {
            Ok(stored) => return Ok(stored),
            Err(err) if is_transient(&err) => {
                tracing::warn!(attempt, readings = batch.len(), retry_in_ms = delay.as_millis() as u64, error.message = %err, "storing readings failed; retrying");
            }
            Err(err) => return Err(StoreError::Rejected(err)),
        }
        tokio::select! {
            () = tokio::time::sleep(delay) => {}
            () = stop.cancelled() => return Err(StoreError::Stopped),
        }
        delay = (delay * 2).min(Duration::from_secs(30));
        attempt += 1;
    }
}

/// Runs the ingest statement once.
///
/// # Errors
/// Any database error.
pub async fn store(pool: &PgPool, batch: &[Reading]) -> Result<Stored, sqlx::Error> {
    let [device_ids, times, kwhs] = readings::ingest_params(batch);
    let rows: Vec<(
        String,
        Option<uuid::Uuid>,
        Option<chrono::NaiveDateTime>,
        i64,
    )> = sqlx::query_as(&readings::ingest_sql())
        .bind(device_ids)
        .bind(times)
        .bind(kwhs)
        .fetch_all(pool)
        .await?;
    let rows = rows
        .into_iter()
        .map(|(kind, device_id, measured_at, count)| {
            readings::IngestRow::from_columns(&kind, device_id, measured_at, count)
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(|err| sqlx::Error::Decode(err.into()))?;
    let summary = readings::summarize(batch, &rows);
    Ok(Stored {
        outcomes: summary.outcomes,
        alerts_raised: summary.alerts_raised,
    })
}

/// Tells whether a failed statement may succeed when tried again: lost or refused
/// connections, deadlocks and serialization failures, an administrator's
/// termination of the backend.
pub fn is_transient(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Io(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::Tls(_) => true,
        sqlx::Error::Database(db) => {
            let code = db.code().unwrap_or_default();
            // 40001 serialization, 40P01 deadlock, 57P01..57P03 shutdown and
            // termination, 08xxx connection exceptions, 53300 too many connections.
            matches!(
                code.as_ref(),
                "40001" | "40P01" | "57P01" | "57P02" | "57P03" | "53300"
            ) || code.starts_with("08")
        }
        sqlx::Error::Protocol(_) => true,
        _ => false,
    }
}
