//! Failures of the broker and the database mid-stream. These restart RabbitMQ or
//! kill connections, so their names start with `serial_`: they run alone, after
//! every other test, and bring the services back even when they fail.

use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use dms_tests::worker::{eventually, run_options, unique_prefix, Meter, TestWorker};
use dms_tests::TestDatabase;
use dms_worker::configuration::Role;

use crate::fixtures;

/// Starts RabbitMQ's application again when dropped, also after a panic.
struct BrokerGuard;

impl Drop for BrokerGuard {
    fn drop(&mut self) {
        let _ = Command::new("rabbitmqctl")
            .args(["-q", "start_app"])
            .status();
        let _ = Command::new("rabbitmqctl")
            .args(["-q", "await_startup"])
            .status();
    }
}

fn rabbitmqctl(arguments: &[&str]) {
    let status = Command::new("rabbitmqctl")
        .args(arguments)
        .status()
        .expect("run rabbitmqctl");
    assert!(status.success(), "rabbitmqctl {arguments:?} failed");
}

/// Publishes numbered readings one message at a time until told to stop, retrying
/// each until the broker confirms it (reconnecting as needed); returns how many
/// were confirmed.
async fn publish_until(
    prefix: String,
    device: uuid::Uuid,
    count: usize,
    pause: Arc<AtomicBool>,
) -> usize {
    let mut meter = None;
    let start = chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z").unwrap();
    for index in 0..count {
        let at = (start + chrono::Duration::minutes(index as i64))
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let body = json!({"device_id": device, "measured_at": at, "kwh": 0.001})
            .to_string()
            .into_bytes();
        loop {
            while pause.load(Ordering::SeqCst) {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            if meter.is_none() {
                meter = try_connect(&prefix).await;
                if meter.is_none() {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    continue;
                }
            }
            let current: &Meter = meter.as_ref().unwrap();
            let messages = vec![(
                dms_worker::amqp::READING_KEY.to_owned(),
                body.clone(),
                dms_worker::amqp::json_properties(),
            )];
            match dms_worker::amqp::publish_confirmed(
                &current.channel,
                &current.topology.readings_exchange(),
                messages,
            )
            .await
            {
                Ok(_) => {
                    // Spread the stream over a few seconds so the failure lands
                    // in its middle.
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    break;
                }
                Err(_) => {
                    meter = None;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        }
    }
    count
}

async fn try_connect(prefix: &str) -> Option<Meter> {
    let url = secrecy::SecretString::from(dms_tests::worker::amqp_url());
    let connection = dms_worker::amqp::connect(&url, "dms-test-meter")
        .await
        .ok()?;
    let channel = dms_worker::amqp::confirm_channel(&connection).await.ok()?;
    let topology = dms_worker::amqp::Topology::new(prefix);
    topology.declare(&channel).await.ok()?;
    Some(Meter {
        connection,
        channel,
        topology,
    })
}

#[tokio::test]
async fn serial_broker_restart_loses_and_doubles_nothing() {
    // Arrange
    let _guard = BrokerGuard;
    let database = TestDatabase::create();
    let pool = database.pool().await;
    let device = fixtures::device(&pool, "1000").await;
    let prefix = unique_prefix();
    let meter = Meter::connect(&prefix).await;
    let worker = TestWorker::start(run_options(&database.url(), &prefix, &[Role::Ingest])).await;
    let pause = Arc::new(AtomicBool::new(false));
    let publisher = tokio::spawn(publish_until(
        prefix.to_string(),
        device,
        600,
        pause.clone(),
    ));

    // Act: stop the broker mid-stream, then start it again.
    eventually(Duration::from_secs(30), "the stream under way", || async {
        (fixtures::stored(&pool, device).await > 50).then_some(())
    })
    .await;
    rabbitmqctl(&["-q", "stop_app"]);
    tokio::time::sleep(Duration::from_secs(2)).await;
    rabbitmqctl(&["-q", "start_app"]);
    rabbitmqctl(&["-q", "await_startup"]);
    let confirmed = tokio::time::timeout(Duration::from_secs(120), publisher)
        .await
        .expect("publisher finished")
        .unwrap();

    // Assert: every confirmed reading is counted exactly once.
    eventually(
        Duration::from_secs(90),
        "every confirmed reading",
        || async { (fixtures::stored(&pool, device).await == confirmed as i64).then_some(()) },
    )
    .await;
    let expected = format!("{:.6}", confirmed as f64 * 0.001);
    assert_eq!(fixtures::total(&pool, device).await, expected);
    let counted: i64 = sqlx::query_scalar(
        "select sum(readings)::int8 from consumption_quarter where device_id = $1",
    )
    .bind(device)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(counted, confirmed as i64);
    worker.shutdown().await;
    drop(meter);
}

#[tokio::test]
async fn serial_killed_database_connections_lose_and_double_nothing() {
    // Arrange
    let database = TestDatabase::create();
    let pool = database.pool().await;
    let device = fixtures::device(&pool, "1000").await;
    let prefix = unique_prefix();
    let meter = Meter::connect(&prefix).await;
    let worker = TestWorker::start(run_options(&database.url(), &prefix, &[Role::Ingest])).await;
    let publisher = tokio::spawn(publish_until(
        prefix.to_string(),
        device,
        600,
        Arc::new(AtomicBool::new(false)),
    ));

    // Act: kill the worker's database connections several times mid-stream.
    let admin = sqlx::PgPool::connect(&format!(
        "{}/postgres?sslmode=disable",
        dms_tests::database::server_url()
    ))
    .await
    .unwrap();
    for _ in 0..5 {
        eventually(Duration::from_secs(30), "progress", || async {
            (fixtures::stored(&pool, device).await > 0).then_some(())
        })
        .await;
        let killed: Vec<bool> = sqlx::query_scalar(
            "select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and application_name = 'dms-worker'",
        )
        .bind(&database.name)
        .fetch_all(&admin)
        .await
        .unwrap();
        assert!(!killed.is_empty(), "the worker had connections to kill");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let confirmed = tokio::time::timeout(Duration::from_secs(120), publisher)
        .await
        .expect("publisher finished")
        .unwrap();

    // Assert
    eventually(
        Duration::from_secs(90),
        "every confirmed reading",
        || async { (fixtures::stored(&pool, device).await == confirmed as i64).then_some(()) },
    )
    .await;
    assert_eq!(
        fixtures::total(&pool, device).await,
        format!("{:.6}", confirmed as f64 * 0.001)
    );
    let counted: i64 = sqlx::query_scalar(
        "select sum(readings)::int8 from consumption_quarter where device_id = $1",
    )
    .bind(device)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(counted, confirmed as i64);
    worker.shutdown().await;
    meter.delete_topology().await;
}
