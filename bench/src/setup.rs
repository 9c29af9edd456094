//! What every benchmark needs: its own database and AMQP prefix, a confirm
//! channel, pipelined publishing and the worker's options.

use anyhow::Context;
use lapin::options::{BasicPublishOptions, ExchangeDeleteOptions, QueueDeleteOptions};
use secrecy::SecretString;
use sqlx::PgPool;

use dms_worker::amqp::{self, Topology};
use dms_worker::configuration::{
    AiOptions, BrokerOptions, DatabaseOptions, IngestOptions, Role, RunOptions, SimulatorOptions,
};

/// Messages published before waiting for their confirms.
const PUBLISH_WINDOW: usize = 5000;

pub fn server_url() -> String {
    std::env::var("DMS_BENCH_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

pub fn amqp_url() -> String {
    std::env::var("DMS_BENCH_AMQP")
        .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".into())
}

/// A migrated database of its own.
pub struct BenchDatabase {
    pub name: String,
    pub url: String,
    pub pool: PgPool,
}

impl BenchDatabase {
    pub async fn create() -> anyhow::Result<BenchDatabase> {
        let name = format!("dms_bench_{}", uuid::Uuid::new_v4().simple());
        let admin = PgPool::connect(&format!("{}/postgres?sslmode=disable", server_url()))
            .await
            .context("connect to PostgreSQL")?;
        sqlx::query(&format!("create database {name}"))
            .execute(&admin)
            .await?;
        admin.close().await;
        let url = format!("{}/{name}?sslmode=disable", server_url());
        let pool = PgPool::connect(&url).await?;
        dms_worker::database::MIGRATOR.run(&pool).await?;
        sqlx::query("create table bench_publish (device_id uuid primary key, published_at timestamptz not null)").execute(&pool).await?;
        Ok(BenchDatabase { name, url, pool })
    }

    /// Inserts `count` devices with the given limit; returns their ids.
    pub async fn devices(&self, count: usize, limit: &str) -> anyhow::Result<Vec<uuid::Uuid>> {
        let ids = sqlx::query_scalar(
            "insert into device (name, max_hourly_kwh) select 'bench ' || n, $2::numeric from generate_series(1, $1) as n returning device_id",
        )
        .bind(count as i32)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(ids)
    }

    pub async fn drop(self) -> anyhow::Result<()> {
        self.pool.close().await;
        let admin = PgPool::connect(&format!("{}/postgres?sslmode=disable", server_url())).await?;
        sqlx::query(&format!("drop database {} with (force)", self.name))
            .execute(&admin)
            .await?;
        admin.close().await;
        Ok(())
    }
}

/// An AMQP prefix of its own.
pub struct BenchPrefix(pub String);

impl BenchPrefix {
    pub fn new() -> BenchPrefix {
        BenchPrefix(format!("bench-{}", uuid::Uuid::new_v4().simple()))
    }

    pub async fn delete(&self) {
        let Ok(connection) =
            amqp::connect(&SecretString::from(amqp_url()), "dms-bench-cleanup").await
        else {
            return;
        };
        let Ok(channel) = connection.create_channel().await else {
            return;
        };
        let topology = Topology::new(&self.0);
        for queue in [
            topology.ingest_queue(),
            topology.dead_letter_queue(),
            topology.bot_queue(),
        ] {
            let _ = channel
                .queue_delete(&queue, QueueDeleteOptions::default())
                .await;
        }
        for exchange in [
            topology.readings_exchange(),
            topology.dead_letter_exchange(),
            topology.events_exchange(),
        ] {
            let _ = channel
                .exchange_delete(&exchange, ExchangeDeleteOptions::default())
                .await;
        }
        let _ = connection.close(200, "done").await;
    }
}

/// A confirm channel with the prefix's topology declared.
pub async fn confirm_channel(prefix: &BenchPrefix) -> anyhow::Result<lapin::Channel> {
    let connection = amqp::connect(&SecretString::from(amqp_url()), "dms-bench").await?;
    let channel = amqp::confirm_channel(&connection).await?;
    Topology::new(&prefix.0).declare(&channel).await?;
    // The connection lives as long as the channel needs it.
    std::mem::forget(connection);
    Ok(channel)
}

/// Publishes persistent messages in windows, waiting for each window's confirms.
pub async fn publish_all(
    channel: &lapin::Channel,
    exchange: &str,
    bodies: &[Vec<u8>],
) -> anyhow::Result<()> {
    for window in bodies.chunks(PUBLISH_WINDOW) {
        let mut confirms = Vec::with_capacity(window.len());
        for body in window {
            confirms.push(
                channel
                    .basic_publish(
                        exchange,
                        amqp::READING_KEY,
                        BasicPublishOptions::default(),
                        body,
                        amqp::json_properties(),
                    )
                    .await?,
            );
        }
        for confirm in confirms {
            anyhow::ensure!(confirm.await?.is_ack(), "the broker rejected a message");
        }
    }
    Ok(())
}

/// Reads one counter from the worker's /metrics.
pub async fn counter(url: &str, name: &str) -> Option<f64> {
    let text = reqwest::get(url).await.ok()?.text().await.ok()?;
    text.lines()
        .find(|line| line.starts_with(name) && line[name.len()..].starts_with(' '))
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|value| value.parse().ok())
}

pub fn run_options(database_url: &str, prefix: &str, roles: &[Role]) -> RunOptions {
    RunOptions {
        database: DatabaseOptions {
            database_url: SecretString::from(database_url.to_owned()),
        },
        broker: BrokerOptions {
            amqp_url: SecretString::from(amqp_url()),
            amqp_prefix: prefix.to_owned(),
        },
        roles: roles.to_vec(),
        listen_addr: "127.0.0.1:0".into(),
        jwt_verifying_keys: String::new(),
        jwt_issuer: "dms".into(),
        jwt_audience: "dms-api".into(),
        cors_origins: Vec::new(),
        ingest: IngestOptions {
            ingest_batch_size: 5000,
            ingest_batch_wait_ms: 25,
        },
        simulator: SimulatorOptions {
            simulator_interval_seconds: 600,
            simulator_backfill_days: 0,
            simulator_spike_probability: 0.0,
        },
        ai: AiOptions {
            ai_base_url: "http://127.0.0.1:9".into(),
            ai_model: "bench".into(),
            ai_token: None,
            ai_timeout_seconds: 1,
            ai_max_tokens: 1,
        },
        log_json: false,
    }
}
