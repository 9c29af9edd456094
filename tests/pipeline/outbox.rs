use std::time::Duration;

use futures_util::StreamExt;
use lapin::options::{BasicConsumeOptions, QueueBindOptions, QueueDeclareOptions};
use lapin::types::FieldTable;
use sqlx::PgPool;

use dms_tests::worker::{eventually, run_options, unique_prefix, Meter, TestWorker};
use dms_tests::TestDatabase;
use dms_worker::configuration::Role;

/// Writes `count` events straight to the outbox, numbered in their data.
async fn write_events(pool: &PgPool, from: i64, count: i64) {
    sqlx::query(
        "insert into outbox (event_type, data)
         select 'device.updated', jsonb_build_object('n', n) from generate_series($1::int8, $2::int8) as n order by n",
    )
    .bind(from)
    .bind(from + count - 1)
    .execute(pool)
    .await
    .unwrap();
}

/// A queue bound to every event of the test's exchange.
async fn listen(meter: &Meter) -> lapin::Consumer {
    let queue = meter
        .channel
        .queue_declare(
            "",
            QueueDeclareOptions {
                exclusive: true,
                auto_delete: true,
                ..Default::default()
            },
            FieldTable::default(),
        )
        .await
        .unwrap();
    meter
        .channel
        .queue_bind(
            queue.name().as_str(),
            &meter.topology.events_exchange(),
            "#",
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await
        .unwrap();
    meter
        .channel
        .basic_consume(
            queue.name().as_str(),
            "listener",
            BasicConsumeOptions {
                no_ack: true,
                ..Default::default()
            },
            FieldTable::default(),
        )
        .await
        .unwrap()
}

/// Receives events until `expected` distinct numbers arrived; returns them in
/// arrival order, repeats included.
async fn receive(consumer: &mut lapin::Consumer, expected: usize) -> Vec<i64> {
    let mut numbers = Vec::new();
    let mut distinct = std::collections::HashSet::new();
    while distinct.len() < expected {
        let delivery = tokio::time::timeout(Duration::from_secs(20), consumer.next())
            .await
            .unwrap_or_else(|_| panic!("only {} of {expected} events arrived", distinct.len()))
            .unwrap()
            .unwrap();
        let event: serde_json::Value = serde_json::from_slice(&delivery.data).unwrap();
        assert!(
            event["id"].is_string() && event["occurred_at"].is_string(),
            "envelope: {event}"
        );
        assert_eq!(event["type"], "device.updated");
        let number = event["data"]["n"].as_i64().unwrap();
        distinct.insert(number);
        numbers.push(number);
    }
    numbers
}

#[tokio::test]
async fn relay_publishes_events_in_order_and_marks_them() {
    // Arrange
    let database = TestDatabase::create();
    let pool = database.pool().await;
    let prefix = unique_prefix();
    let meter = Meter::connect(&prefix).await;
    let mut consumer = listen(&meter).await;
    write_events(&pool, 1, 300).await;

    // Act
    let worker = TestWorker::start(run_options(&database.url(), &prefix, &[Role::Relay])).await;
    let first = receive(&mut consumer, 300).await;
    // A later change wakes the relay through NOTIFY.
    write_events(&pool, 301, 5).await;
    let second = receive(&mut consumer, 5).await;

    // Assert
    assert_eq!(
        first,
        (1..=300).collect::<Vec<_>>(),
        "events in outbox order, each once"
    );
    assert_eq!(second, (301..=305).collect::<Vec<_>>());
    eventually(
        Duration::from_secs(5),
        "every row marked published",
        || async {
            let pending: i64 =
                sqlx::query_scalar("select count(*) from outbox where published_at is null")
                    .fetch_one(&pool)
                    .await
                    .unwrap();
            (pending == 0).then_some(())
        },
    )
    .await;
    worker.shutdown().await;
    meter.delete_topology().await;
}

#[tokio::test]
async fn relay_crash_loses_no_event() {
    let database = TestDatabase::create();
    let pool = database.pool().await;
    let prefix = unique_prefix();
    let meter = Meter::connect(&prefix).await;
    let mut consumer = listen(&meter).await;
    write_events(&pool, 1, 2000).await;

    let crashing = TestWorker::start(run_options(&database.url(), &prefix, &[Role::Relay])).await;
    eventually(Duration::from_secs(20), "some events published", || async {
        let published: i64 =
            sqlx::query_scalar("select count(*) from outbox where published_at is not null")
                .fetch_one(&pool)
                .await
                .unwrap();
        (published > 0).then_some(())
    })
    .await;
    crashing.kill();
    write_events(&pool, 2001, 100).await;
    let worker = TestWorker::start(run_options(&database.url(), &prefix, &[Role::Relay])).await;
    let numbers = receive(&mut consumer, 2100).await;

    let mut sorted = numbers.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(
        sorted,
        (1..=2100).collect::<Vec<_>>(),
        "every event at least once"
    );
    worker.shutdown().await;
    meter.delete_topology().await;
}

#[tokio::test]
async fn two_relays_never_publish_at_once() {
    let database = TestDatabase::create();
    let pool = database.pool().await;
    let prefix = unique_prefix();
    let meter = Meter::connect(&prefix).await;
    let mut consumer = listen(&meter).await;
    let first = TestWorker::start(run_options(&database.url(), &prefix, &[Role::Relay])).await;
    let second = TestWorker::start(run_options(&database.url(), &prefix, &[Role::Relay])).await;

    for round in 0..10 {
        write_events(&pool, round * 100 + 1, 100).await;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let numbers = receive(&mut consumer, 1000).await;
    let holders: i64 = sqlx::query_scalar("select count(*) from pg_locks where locktype = 'advisory' and granted and database = (select oid from pg_database where datname = current_database())")
        .fetch_one(&pool)
        .await
        .unwrap();

    assert_eq!(
        numbers,
        (1..=1000).collect::<Vec<_>>(),
        "one relay at a time keeps the order and sends each once"
    );
    assert_eq!(holders, 1, "exactly one replica holds the relay lock");
    first.shutdown().await;
    second.shutdown().await;
    meter.delete_topology().await;
}
