use std::time::Duration;

use futures_util::StreamExt;
use lapin::options::{BasicConsumeOptions, BasicGetOptions};
use lapin::types::{AMQPValue, FieldTable};
use serde_json::json;

use dms_tests::worker::{eventually, run_options, unique_prefix, Meter, TestWorker};
use dms_tests::TestDatabase;
use dms_worker::configuration::Role;

use crate::fixtures::{self, alerts, quarters, reading, stored, total};

const WAIT: Duration = Duration::from_secs(20);

#[tokio::test]
async fn readings_sum_exactly_into_quarters() {
    // Arrange
    let database = TestDatabase::create();
    let pool = database.pool().await;
    let device = fixtures::device(&pool, "100").await;
    let prefix = unique_prefix();
    let meter = Meter::connect(&prefix).await;
    let worker = TestWorker::start(run_options(&database.url(), &prefix, &[Role::Ingest])).await;

    // Act: out of order, one exactly on the hour, more than 6 decimals, single
    // messages and a gateway array.
    meter
        .publish_json(&reading(device, "2026-03-01T10:05:00Z", json!(0.1234565)))
        .await;
    meter
        .publish_json(&reading(device, "2026-03-01T10:00:00Z", json!(1.0)))
        .await;
    meter
        .publish_json(&json!([
            reading(device, "2026-03-01T09:50:00Z", json!(0.25)),
            reading(device, "2026-03-01T10:15:00Z", json!(0.1234575)),
            reading(device, "2026-03-01T10:14:59.999999Z", json!(2)),
        ]))
        .await;
    eventually(WAIT, "five stored readings", || async {
        (stored(&pool, device).await == 5).then_some(())
    })
    .await;

    // Assert
    assert_eq!(
        quarters(&pool, device).await,
        vec![
            ("09:45".to_owned(), "1.250000".to_owned(), 2),
            ("10:00".to_owned(), "2.246914".to_owned(), 3),
        ],
        "10:00 belongs to 09:45-10:00; 10:05, 10:14:59.999999 and 10:15 to 10:00-10:15; \
         0.1234565 rounds to 0.123456 and 0.1234575 to 0.123458 (half-even)"
    );
    let readings_sum: String =
        sqlx::query_scalar("select sum(kwh)::text from reading where device_id = $1")
            .bind(device)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(total(&pool, device).await, readings_sum);
    assert_eq!(readings_sum, "3.496914");
    worker.shutdown().await;
    meter.delete_topology().await;
}

#[tokio::test]
async fn repeated_messages_change_nothing() {
    let database = TestDatabase::create();
    let pool = database.pool().await;
    let device = fixtures::device(&pool, "1").await;
    let prefix = unique_prefix();
    let meter = Meter::connect(&prefix).await;
    let worker = TestWorker::start(run_options(&database.url(), &prefix, &[Role::Ingest])).await;
    let message = json!([
        reading(device, "2026-03-01T10:10:00Z", json!(0.7)),
        reading(device, "2026-03-01T10:20:00Z", json!(0.7)),
    ]);

    meter.publish_json(&message).await;
    meter.publish_json(&message).await;
    meter
        .publish_json(&reading(device, "2026-03-01T10:20:00.000Z", json!(9)))
        .await;
    meter
        .publish_json(&reading(device, "2026-03-01T11:20:00Z", json!(0.1)))
        .await;
    eventually(WAIT, "the last reading", || async {
        (stored(&pool, device).await == 3).then_some(())
    })
    .await;
    // The marker reading was published last; let the worker finish what came before.
    tokio::time::sleep(Duration::from_millis(300)).await;

    assert_eq!(total(&pool, device).await, "1.500000");
    assert_eq!(
        alerts(&pool, device).await,
        vec![("2026-03-01 10:00".to_owned(), "1.400000".to_owned())]
    );
    worker.shutdown().await;
    meter.delete_topology().await;
}

#[tokio::test]
async fn redelivery_after_crash_between_commit_and_ack_changes_nothing() {
    // Arrange: a consumer stores the batch and dies before acknowledging it.
    let database = TestDatabase::create();
    let pool = database.pool().await;
    let device = fixtures::device(&pool, "1").await;
    let prefix = unique_prefix();
    let meter = Meter::connect(&prefix).await;
    let body = json!([
        reading(device, "2026-03-01T10:10:00Z", json!(0.6)),
        reading(device, "2026-03-01T10:20:00Z", json!(0.6)),
    ]);
    meter.publish_json(&body).await;
    {
        let crashing = Meter::connect(&prefix).await;
        let mut consumer = crashing
            .channel
            .basic_consume(
                &crashing.topology.ingest_queue(),
                "crashing",
                BasicConsumeOptions::default(),
                FieldTable::default(),
            )
            .await
            .unwrap();
        let delivery = consumer.next().await.unwrap().unwrap();
        let parsed: Vec<_> =
            dms_platform::readings::parse_body(&delivery.data, 1000, chrono::Utc::now())
                .unwrap()
                .into_iter()
                .map(Result::unwrap)
                .collect();
        dms_worker::ingest::store(&pool, &parsed).await.unwrap();
        // The crash: the connection goes away without an acknowledgement.
        crashing.connection.close(320, "crash").await.unwrap();
    }
    assert_eq!(
        alerts(&pool, device).await.len(),
        1,
        "the first consumer raised the alert"
    );

    // Act
    let worker = TestWorker::start(run_options(&database.url(), &prefix, &[Role::Ingest])).await;
    eventually(
        WAIT,
        "the redelivered message to be acknowledged",
        || async {
            let message = meter
                .channel
                .basic_get(
                    &meter.topology.ingest_queue(),
                    BasicGetOptions { no_ack: true },
                )
                .await
                .unwrap();
            let queue = meter
                .channel
                .queue_declare(
                    &meter.topology.ingest_queue(),
                    lapin::options::QueueDeclareOptions {
                        passive: true,
                        ..Default::default()
                    },
                    FieldTable::default(),
                )
                .await
                .unwrap();
            (message.is_none() && queue.message_count() == 0).then_some(())
        },
    )
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;

    // Assert
    assert_eq!(stored(&pool, device).await, 2);
    assert_eq!(total(&pool, device).await, "1.200000");
    assert_eq!(alerts(&pool, device).await.len(), 1);
    worker.shutdown().await;
    meter.delete_topology().await;
}

#[tokio::test]
async fn hour_at_limit_raises_nothing_and_above_raises_one() {
    let database = TestDatabase::create();
    let pool = database.pool().await;
    let at_limit = fixtures::device(&pool, "1.5").await;
    let above = fixtures::device(&pool, "1.5").await;
    let prefix = unique_prefix();
    let meter = Meter::connect(&prefix).await;
    let worker = TestWorker::start(run_options(&database.url(), &prefix, &[Role::Ingest])).await;

    meter
        .publish_json(&json!([
            reading(at_limit, "2026-03-01T10:30:00Z", json!(0.75)),
            reading(at_limit, "2026-03-01T11:00:00Z", json!(0.75)),
        ]))
        .await;
    for minute in [10, 20, 30, 40, 50] {
        meter
            .publish_json(&reading(
                above,
                &format!("2026-03-01T10:{minute}:00Z"),
                json!(0.5),
            ))
            .await;
    }
    eventually(WAIT, "all readings", || async {
        (stored(&pool, at_limit).await == 2 && stored(&pool, above).await == 5).then_some(())
    })
    .await;

    assert_eq!(total(&pool, at_limit).await, "1.500000");
    assert!(
        alerts(&pool, at_limit).await.is_empty(),
        "equal to the limit is not above it"
    );
    let raised = alerts(&pool, above).await;
    assert_eq!(
        raised.len(),
        1,
        "one alert however many readings follow: {raised:?}"
    );
    assert_eq!(raised[0].0, "2026-03-01 10:00");
    let at_raise: f64 = raised[0].1.parse().unwrap();
    assert!(
        at_raise > 1.5,
        "the hour's total when the alert was raised, {at_raise}, is above the limit"
    );
    let events: i64 = sqlx::query_scalar(
        "select count(*) from outbox where event_type = 'alert.raised' and data->>'device_id' = $1",
    )
    .bind(above.to_string())
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(events, 1);
    worker.shutdown().await;
    meter.delete_topology().await;
}

#[tokio::test]
async fn bad_readings_go_to_dead_letters_with_reasons() {
    // Arrange
    let database = TestDatabase::create();
    let pool = database.pool().await;
    let device = fixtures::device(&pool, "100").await;
    let prefix = unique_prefix();
    let meter = Meter::connect(&prefix).await;
    let worker = TestWorker::start(run_options(&database.url(), &prefix, &[Role::Ingest])).await;
    let future = (chrono::Utc::now() + chrono::Duration::minutes(10)).to_rfc3339();
    let unknown = uuid::Uuid::new_v4();

    // Act
    meter.publish(vec![b"{not json".to_vec()]).await;
    meter
        .publish(vec![br#"{"device_id": "x", "kwh": NaN}"#.to_vec()])
        .await;
    meter
        .publish_json(&json!([
            reading(device, "2026-03-01T10:10:00Z", json!(1)),
            {"device_id": device, "kwh": 1},
            reading(unknown, "2026-03-01T10:10:00Z", json!(1)),
            reading(device, "2026-03-01T10:20:00Z", json!(-1)),
            reading(device, "2026-03-01T10:30:00Z", json!("NaN")),
            reading(device, "2026-03-01T10:40:00Z", json!(1000000.5)),
            reading(device, &future, json!(1)),
            reading(device, "2026-03-01T10:50:00Z", json!(2)),
        ]))
        .await;

    // Assert
    eventually(WAIT, "the good readings", || async {
        (stored(&pool, device).await == 2).then_some(())
    })
    .await;
    let mut reasons = Vec::new();
    let deadline = tokio::time::Instant::now() + WAIT;
    while reasons.len() < 8 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "only {} dead letters: {reasons:?}",
            reasons.len()
        );
        match meter
            .channel
            .basic_get(
                &meter.topology.dead_letter_queue(),
                BasicGetOptions { no_ack: true },
            )
            .await
            .unwrap()
        {
            Some(message) => {
                let headers = message
                    .delivery
                    .properties
                    .headers()
                    .clone()
                    .unwrap_or_default();
                match headers.inner().get("x-dms-reject-reason") {
                    Some(AMQPValue::LongString(reason)) => reasons.push(reason.to_string()),
                    other => panic!("dead letter without a reason: {other:?}"),
                }
            }
            None => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
    for expected in [
        "malformed JSON",
        "malformed JSON",
        "measured_at is missing",
        "unknown device",
        "negative",
        "not a finite number",
        "above the maximum",
        "in the future",
    ] {
        let position = reasons.iter().position(|reason| reason.contains(expected));
        assert!(
            position.is_some(),
            "no dead letter for {expected:?} in {reasons:?}"
        );
        reasons.remove(position.unwrap());
    }
    assert!(reasons.is_empty(), "unexpected dead letters: {reasons:?}");
    assert_eq!(total(&pool, device).await, "3.000000");
    let metrics = reqwest::get(format!("{}/metrics", worker.address))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("dms_dead_lettered_messages_total 8"),
        "{metrics}"
    );
    assert!(
        metrics.contains("dms_readings_ingested_total 2"),
        "{metrics}"
    );
    worker.shutdown().await;
    meter.delete_topology().await;
}

#[tokio::test]
async fn replicas_consume_side_by_side() {
    let database = TestDatabase::create();
    let pool = database.pool().await;
    let devices = [
        fixtures::device(&pool, "5").await,
        fixtures::device(&pool, "5").await,
    ];
    let prefix = unique_prefix();
    let meter = Meter::connect(&prefix).await;
    let first = TestWorker::start(run_options(&database.url(), &prefix, &[Role::Ingest])).await;
    let second = TestWorker::start(run_options(&database.url(), &prefix, &[Role::Ingest])).await;

    // Both devices' readings of the same hours, interleaved across many messages,
    // so both replicas update the same quarter and hour rows at once.
    let mut bodies = Vec::new();
    for minute in 0..240 {
        let at = chrono::DateTime::parse_from_rfc3339("2026-03-01T00:00:00Z").unwrap()
            + chrono::Duration::minutes(minute + 1);
        let at = at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        bodies.push(
            json!([
                reading(devices[0], &at, json!(0.1)),
                reading(devices[1], &at, json!(0.1))
            ])
            .to_string()
            .into_bytes(),
        );
    }
    meter.publish(bodies).await;
    eventually(Duration::from_secs(60), "480 readings", || async {
        (stored(&pool, devices[0]).await + stored(&pool, devices[1]).await == 480).then_some(())
    })
    .await;

    for device in devices {
        assert_eq!(total(&pool, device).await, "24.000000");
        let hours: Vec<String> = sqlx::query_scalar(
            "select kwh::text from consumption_hour where device_id = $1 order by hour_start",
        )
        .bind(device)
        .fetch_all(&pool)
        .await
        .unwrap();
        assert_eq!(
            hours,
            vec!["6.000000"; 4],
            "each hour holds its 60 readings"
        );
        assert_eq!(
            alerts(&pool, device).await.len(),
            4,
            "every hour passed 5 kWh once"
        );
    }
    first.shutdown().await;
    second.shutdown().await;
    meter.delete_topology().await;
}

#[tokio::test]
async fn health_endpoints_answer() {
    let database = TestDatabase::create();
    let prefix = unique_prefix();
    let worker = TestWorker::start(run_options(&database.url(), &prefix, &[])).await;

    let health = reqwest::get(format!("{}/healthz", worker.address))
        .await
        .unwrap();
    let ready = reqwest::get(format!("{}/readyz", worker.address))
        .await
        .unwrap();
    let metrics = reqwest::get(format!("{}/metrics", worker.address))
        .await
        .unwrap();

    assert_eq!(health.status(), 200);
    assert_eq!(ready.status(), 200, "{}", ready.text().await.unwrap());
    assert_eq!(metrics.status(), 200);
    let text = metrics.text().await.unwrap();
    for name in [
        "dms_readings_ingested_total",
        "dms_readings_rejected_total",
        "dms_dead_lettered_messages_total",
        "dms_ingest_batch_seconds_bucket",
        "dms_outbox_backlog",
        "dms_sockets_connected",
        "dms_alert_latency_seconds_bucket",
    ] {
        assert!(text.contains(name), "{name} missing from /metrics");
    }
    assert!(
        text.trim_end().ends_with("# EOF"),
        "OpenMetrics text ends with # EOF"
    );
    worker.shutdown().await;
}

#[tokio::test]
async fn readiness_reports_unreachable_database() {
    let prefix = unique_prefix();
    let options = run_options(
        "postgres://postgres@127.0.0.1:5432/dms_no_such_database?sslmode=disable",
        &prefix,
        &[],
    );
    let worker = TestWorker::start(options).await;

    let ready = reqwest::get(format!("{}/readyz", worker.address))
        .await
        .unwrap();

    assert_eq!(ready.status(), 503);
    let body: serde_json::Value = ready.json().await.unwrap();
    assert_eq!(body["database"], "unreachable");
    assert_eq!(body["broker"], "ok");
    worker.shutdown().await;
}

/// Checks the structure of the Prometheus (OpenMetrics) text: comment lines of the
/// known kinds, samples `name{labels} value` with a numeric value, `# EOF` last.
fn check_exposition(text: &str) {
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.last(), Some(&"# EOF"), "the text ends with # EOF");
    for line in &lines[..lines.len() - 1] {
        if let Some(comment) = line.strip_prefix("# ") {
            let kind = comment.split_whitespace().next().unwrap_or_default();
            assert!(
                ["HELP", "TYPE", "UNIT"].contains(&kind),
                "unknown comment line {line:?}"
            );
            continue;
        }
        let (name, value) = line
            .rsplit_once(' ')
            .unwrap_or_else(|| panic!("sample without a value: {line:?}"));
        let name = name.split('{').next().unwrap();
        assert!(
            name.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
            "invalid metric name in {line:?}"
        );
        assert!(
            value.parse::<f64>().is_ok() || value == "+Inf",
            "invalid value in {line:?}"
        );
    }
}

#[tokio::test]
async fn metrics_are_valid_and_move_with_readings() {
    let database = TestDatabase::create();
    let pool = database.pool().await;
    let device = fixtures::device(&pool, "100").await;
    let prefix = unique_prefix();
    let meter = Meter::connect(&prefix).await;
    let worker = TestWorker::start(run_options(&database.url(), &prefix, &[Role::Ingest])).await;
    let metrics_url = format!("{}/metrics", worker.address);
    let before = reqwest::get(&metrics_url)
        .await
        .unwrap()
        .text()
        .await
        .unwrap();

    meter
        .publish_json(&json!([
            reading(device, "2026-03-01T10:10:00Z", json!(1)),
            reading(device, "2026-03-01T10:20:00Z", json!(-1))
        ]))
        .await;
    eventually(WAIT, "the reading", || async {
        (stored(&pool, device).await == 1).then_some(())
    })
    .await;
    let after = eventually(WAIT, "the counters", || async {
        let text = reqwest::get(&metrics_url)
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        text.contains("dms_dead_lettered_messages_total 1")
            .then_some(text)
    })
    .await;

    check_exposition(&before);
    check_exposition(&after);
    assert!(before.contains("dms_readings_ingested_total 0"), "{before}");
    assert!(after.contains("dms_readings_ingested_total 1"), "{after}");
    assert!(after.contains("dms_readings_rejected_total 1"), "{after}");
    assert!(
        after.contains("dms_ingest_batch_seconds_count 1"),
        "{after}"
    );
    worker.shutdown().await;
}

#[tokio::test]
async fn graceful_shutdown_loses_nothing() {
    // Arrange: a long stream in the queue.
    let database = TestDatabase::create();
    let pool = database.pool().await;
    let device = fixtures::device(&pool, "1000").await;
    let prefix = unique_prefix();
    let meter = Meter::connect(&prefix).await;
    let bodies: Vec<Vec<u8>> = (0..3000)
        .map(|minute| {
            let at = chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z").unwrap()
                + chrono::Duration::minutes(minute + 1);
            reading(
                device,
                &at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                json!(0.001),
            )
            .to_string()
            .into_bytes()
        })
        .collect();
    meter.publish(bodies).await;
    let mut options = run_options(&database.url(), &prefix, &[Role::Ingest]);
    options.ingest.ingest_batch_size = 100;

    // Act: stop mid-stream, then let a second worker take the rest.
    let worker = TestWorker::start(options.clone()).await;
    eventually(WAIT, "the stream under way", || async {
        (stored(&pool, device).await > 0).then_some(())
    })
    .await;
    worker.shutdown().await;
    let at_shutdown = stored(&pool, device).await;
    let waiting = eventually(
        WAIT,
        "the unacknowledged messages back in the queue",
        || async {
            let queue = meter
                .channel
                .queue_declare(
                    &meter.topology.ingest_queue(),
                    lapin::options::QueueDeclareOptions {
                        passive: true,
                        ..Default::default()
                    },
                    FieldTable::default(),
                )
                .await
                .unwrap();
            let waiting = i64::from(queue.message_count());
            (at_shutdown + waiting == 3000).then_some(waiting)
        },
    )
    .await;
    let second = TestWorker::start(options).await;
    eventually(Duration::from_secs(60), "all readings", || async {
        (stored(&pool, device).await == 3000).then_some(())
    })
    .await;

    // Assert: what the first worker stored was acknowledged, the rest waited.
    assert!(
        at_shutdown < 3000,
        "the shutdown came mid-stream ({at_shutdown} stored)"
    );
    assert_eq!(
        at_shutdown + waiting,
        3000,
        "every message was either stored and acknowledged, or left in the queue"
    );
    assert_eq!(total(&pool, device).await, "3.000000");
    second.shutdown().await;
}

#[tokio::test]
async fn changed_limit_applies_from_next_reading() {
    let database = TestDatabase::create();
    let pool = database.pool().await;
    let device = fixtures::device(&pool, "5").await;
    let prefix = unique_prefix();
    let meter = Meter::connect(&prefix).await;
    let worker = TestWorker::start(run_options(&database.url(), &prefix, &[Role::Ingest])).await;

    meter
        .publish_json(&reading(device, "2026-03-01T10:10:00Z", json!(2)))
        .await;
    eventually(WAIT, "the first reading", || async {
        (stored(&pool, device).await == 1).then_some(())
    })
    .await;
    let before_change = alerts(&pool, device).await;
    sqlx::query("update device set max_hourly_kwh = 1 where device_id = $1")
        .bind(device)
        .execute(&pool)
        .await
        .unwrap();
    meter
        .publish_json(&reading(device, "2026-03-01T10:20:00Z", json!(0.5)))
        .await;
    eventually(WAIT, "the second reading", || async {
        (stored(&pool, device).await == 2).then_some(())
    })
    .await;

    assert!(before_change.is_empty(), "2 kWh is below the limit of 5");
    let raised = alerts(&pool, device).await;
    assert_eq!(
        raised,
        vec![("2026-03-01 10:00".to_owned(), "2.500000".to_owned())],
        "the lowered limit applies to the next reading"
    );
    let limit: String =
        sqlx::query_scalar("select max_hourly_kwh::text from alert where device_id = $1")
            .bind(device)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(limit, "1.000000", "the alert records the limit in force");
    worker.shutdown().await;
}
