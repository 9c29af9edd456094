//! `dms-bench`: measures the readings pipeline on this machine. Each command
//! creates its own database and AMQP prefix and removes them afterwards.
//!
//! - `ingest`: 1,000,000 readings from 1,000 devices, published with confirms,
//!   until the worker has committed them all; once with one reading per message
//!   and once with gateway arrays of 100.
//! - `broker-ceiling`: a bare lapin publish-and-consume loop without a database.
//! - `insert-ceiling`: bare batched inserts of the same rows into PostgreSQL.
//! - `alert-latency`: publish of a crossing reading to the alert row, p50/p99.

mod setup;

use std::time::{Duration, Instant};

use anyhow::Context;
use clap::{Parser, Subcommand};
use futures_util::StreamExt;
use lapin::options::{BasicAckOptions, BasicConsumeOptions, BasicPublishOptions};
use lapin::types::{AMQPValue, FieldTable};
use tokio_util::sync::CancellationToken;

use dms_worker::amqp;
use dms_worker::configuration::Role;

use crate::setup::{BenchDatabase, BenchPrefix};

#[derive(Debug, Parser)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// End-to-end ingest throughput.
    Ingest {
        /// Readings per message: 1 for single readings, 100 for gateway arrays.
        #[arg(long, default_value_t = 1)]
        per_message: usize,
        #[arg(long, default_value_t = 1_000_000)]
        readings: usize,
        #[arg(long, default_value_t = 1000)]
        devices: usize,
        /// Readings per SQL statement in the consumer.
        #[arg(long, default_value_t = 5000)]
        batch_size: usize,
    },
    /// Messages per second through RabbitMQ alone: publish with confirms, consume, acknowledge.
    BrokerCeiling {
        #[arg(long, default_value_t = 1_000_000)]
        messages: usize,
    },
    /// Rows per second of bare batched inserts into PostgreSQL.
    InsertCeiling {
        #[arg(long, default_value_t = 1_000_000)]
        readings: usize,
        #[arg(long, default_value_t = 1000)]
        devices: usize,
        #[arg(long, default_value_t = 2000)]
        batch_size: usize,
    },
    /// Latency from publishing a crossing reading to its alert row.
    AlertLatency {
        #[arg(long, default_value_t = 300)]
        alerts: usize,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    dms_worker::telemetry::init(false);
    match Cli::parse().command {
        Command::Ingest {
            per_message,
            readings,
            devices,
            batch_size,
        } => ingest(per_message, readings, devices, batch_size).await,
        Command::BrokerCeiling { messages } => broker_ceiling(messages).await,
        Command::InsertCeiling {
            readings,
            devices,
            batch_size,
        } => insert_ceiling(readings, devices, batch_size).await,
        Command::AlertLatency { alerts } => alert_latency(alerts).await,
    }
}

/// Builds the `index`-th reading of the benchmark: device `index % devices`, one minute
/// apart per device, so that no two share a key.
fn reading(devices: &[uuid::Uuid], index: usize) -> serde_json::Value {
    let device = devices[index % devices.len()];
    let minute = (index / devices.len()) as i64;
    let at = chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z").unwrap()
        + chrono::Duration::minutes(minute + 1);
    serde_json::json!({"device_id": device, "measured_at": at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true), "kwh": 0.001})
}

async fn ingest(
    per_message: usize,
    total: usize,
    device_count: usize,
    batch_size: usize,
) -> anyhow::Result<()> {
    let database = BenchDatabase::create().await?;
    let devices = database.devices(device_count, "1000").await?;
    let prefix = BenchPrefix::new();
    let channel = setup::confirm_channel(&prefix).await?;
    let topology = amqp::Topology::new(&prefix.0);

    let bodies: Vec<Vec<u8>> = (0..total)
        .collect::<Vec<_>>()
        .chunks(per_message)
        .map(|chunk| {
            if per_message == 1 {
                reading(&devices, chunk[0]).to_string().into_bytes()
            } else {
                serde_json::Value::Array(
                    chunk
                        .iter()
                        .map(|index| reading(&devices, *index))
                        .collect(),
                )
                .to_string()
                .into_bytes()
            }
        })
        .collect();
    let message_count = bodies.len();

    // The worker runs first; the clock starts with the first publish and stops
    // when the last reading is committed, so publishing and ingesting overlap as
    // they do in production.
    let mut options = setup::run_options(&database.url, &prefix.0, &[Role::Ingest]);
    options.ingest.ingest_batch_size = batch_size;
    let stop = CancellationToken::new();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let metrics_url = format!("http://{}/metrics", listener.local_addr()?);
    let worker = tokio::spawn(dms_worker::run::serve(options, listener, stop.clone()));
    while setup::counter(&metrics_url, "dms_readings_ingested_total")
        .await
        .is_none()
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let started = Instant::now();
    let exchange = topology.readings_exchange();
    let publisher = tokio::spawn(async move {
        setup::publish_all(&channel, &exchange, &bodies)
            .await
            .map(|()| Instant::now())
    });
    loop {
        let ingested = setup::counter(&metrics_url, "dms_readings_ingested_total")
            .await
            .unwrap_or(0.0) as usize;
        if ingested >= total {
            break;
        }
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(1800),
            "only {ingested} of {total} readings after 30 minutes"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let seconds = started.elapsed().as_secs_f64();
    let published_at = publisher.await??;
    let publish_seconds = (published_at - started).as_secs_f64();
    stop.cancel();
    worker.await??;
    println!("published {total} readings in {message_count} messages in {publish_seconds:.1} s ({:.0} messages/s)", message_count as f64 / publish_seconds);
    let stored: i64 = sqlx::query_scalar("select sum(readings)::int8 from consumption_quarter")
        .fetch_one(&database.pool)
        .await?;
    anyhow::ensure!(
        stored as usize == total,
        "{stored} readings counted, expected {total}"
    );
    println!(
        "ingest, {per_message} reading(s) per message, batches of {batch_size}: {total} readings published and committed in {seconds:.1} s = {:.0} readings/s ({:.0} messages/s)",
        total as f64 / seconds,
        message_count as f64 / seconds
    );
    prefix.delete().await;
    database.drop().await
}

async fn broker_ceiling(messages: usize) -> anyhow::Result<()> {
    let prefix = BenchPrefix::new();
    let channel = setup::confirm_channel(&prefix).await?;
    let topology = amqp::Topology::new(&prefix.0);
    let body = reading(&[uuid::Uuid::nil()], 0).to_string().into_bytes();
    let bodies = vec![body; messages];

    // The consumer runs first; the clock runs from the first publish to the last
    // acknowledgement, as in the ingest benchmark.
    let consumer_channel = setup::confirm_channel(&prefix).await?;
    consumer_channel
        .basic_qos(10_000, Default::default())
        .await?;
    let mut consumer = consumer_channel
        .basic_consume(
            &topology.ingest_queue(),
            "ceiling",
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await?;
    let consuming = tokio::spawn(async move {
        let mut received = 0usize;
        while received < messages {
            let delivery = consumer.next().await.context("the consumer ended")??;
            received += 1;
            if received.is_multiple_of(1000) || received == messages {
                consumer_channel
                    .basic_ack(delivery.delivery_tag, BasicAckOptions { multiple: true })
                    .await?;
            }
        }
        anyhow::Ok(Instant::now())
    });
    let started = Instant::now();
    setup::publish_all(&channel, &topology.readings_exchange(), &bodies).await?;
    let publish_seconds = started.elapsed().as_secs_f64();
    let finished = consuming.await??;
    let total_seconds = (finished - started).as_secs_f64();
    println!(
        "broker ceiling: {messages} messages published with confirms and consumed with acknowledgements in {total_seconds:.1} s = {:.0} messages/s (publishing alone took {publish_seconds:.1} s, {:.0}/s)",
        messages as f64 / total_seconds,
        messages as f64 / publish_seconds
    );
    prefix.delete().await;
    Ok(())
}

async fn insert_ceiling(
    total: usize,
    device_count: usize,
    batch_size: usize,
) -> anyhow::Result<()> {
    let database = BenchDatabase::create().await?;
    let devices = database.devices(device_count, "1000").await?;
    let rows: Vec<(String, String, String)> = (0..total)
        .map(|index| {
            let value = reading(&devices, index);
            (
                value["device_id"].as_str().unwrap().to_owned(),
                value["measured_at"].as_str().unwrap().to_owned(),
                "0.001".to_owned(),
            )
        })
        .collect();
    let started = Instant::now();
    for chunk in rows.chunks(batch_size) {
        let ids: Vec<&str> = chunk.iter().map(|row| row.0.as_str()).collect();
        let times: Vec<&str> = chunk.iter().map(|row| row.1.as_str()).collect();
        let kwhs: Vec<&str> = chunk.iter().map(|row| row.2.as_str()).collect();
        sqlx::query(
            "insert into reading (device_id, measured_at, kwh)
             select t.d::uuid, t.m::timestamptz, t.k::numeric from unnest($1::text[], $2::text[], $3::text[]) as t(d, m, k)
             on conflict do nothing",
        )
        .bind(ids)
        .bind(times)
        .bind(kwhs)
        .execute(&database.pool)
        .await?;
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "insert ceiling: {total} rows in batches of {batch_size} in {seconds:.1} s = {:.0} rows/s",
        total as f64 / seconds
    );
    database.drop().await
}

async fn alert_latency(alerts: usize) -> anyhow::Result<()> {
    let database = BenchDatabase::create().await?;
    let devices = database.devices(alerts, "1").await?;
    let prefix = BenchPrefix::new();
    let channel = setup::confirm_channel(&prefix).await?;
    let topology = amqp::Topology::new(&prefix.0);
    let stop = CancellationToken::new();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let worker = tokio::spawn(dms_worker::run::serve(
        setup::run_options(&database.url, &prefix.0, &[Role::Ingest]),
        listener,
        stop.clone(),
    ));
    tokio::time::sleep(Duration::from_secs(2)).await;

    // One crossing reading per device, 20 a second, each timed at publish.
    for device in &devices {
        let body = serde_json::json!({"device_id": device, "measured_at": "2026-01-01T10:30:00Z", "kwh": 1.5}).to_string();
        let mut headers = FieldTable::default();
        let published_at = chrono::Utc::now();
        headers.insert(
            "x-dms-published-at".into(),
            AMQPValue::LongLongInt(published_at.timestamp_millis()),
        );
        channel
            .basic_publish(
                &topology.readings_exchange(),
                amqp::READING_KEY,
                BasicPublishOptions::default(),
                body.as_bytes(),
                amqp::json_properties().with_headers(headers),
            )
            .await?
            .await?;
        sqlx::query("insert into bench_publish (device_id, published_at) values ($1, $2)")
            .bind(device)
            .bind(published_at)
            .execute(&database.pool)
            .await?;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let raised: i64 = sqlx::query_scalar("select count(*) from alert")
            .fetch_one(&database.pool)
            .await?;
        if raised as usize >= alerts {
            break;
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "only {raised} of {alerts} alerts raised"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (p50, p99, max): (f64, f64, f64) = sqlx::query_as(
        "select percentile_cont(0.5) within group (order by ms), percentile_cont(0.99) within group (order by ms), max(ms)
         from (select (extract(epoch from a.raised_at - p.published_at) * 1000)::float8 as ms
               from alert a join bench_publish p using (device_id)) as latency",
    )
    .fetch_one(&database.pool)
    .await?;
    println!("alert latency over {alerts} alerts (publish -> alert row): p50 {p50:.1} ms, p99 {p99:.1} ms, max {max:.1} ms");
    stop.cancel();
    worker.await??;
    prefix.delete().await;
    database.drop().await
}
