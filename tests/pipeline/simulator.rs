use std::time::Duration;

use secrecy::SecretString;
use tokio_util::sync::CancellationToken;

use dms_tests::worker::{amqp_url, eventually, run_options, unique_prefix, Meter, TestWorker};
use dms_tests::TestDatabase;
use dms_worker::amqp::Topology;
use dms_worker::configuration::Role;
use dms_worker::simulator::{self, SimulatorSettings};

use crate::fixtures;

#[tokio::test]
async fn backfill_fills_a_day_for_every_device() {
    // Arrange
    let database = TestDatabase::create();
    let pool = database.pool().await;
    let mut devices = Vec::new();
    for _ in 0..3 {
        devices.push(fixtures::device(&pool, "2").await);
    }
    let prefix = unique_prefix();
    let meter = Meter::connect(&prefix).await;
    let worker = TestWorker::start(run_options(&database.url(), &prefix, &[Role::Ingest])).await;
    let settings = SimulatorSettings {
        topology: Topology::new(&prefix),
        interval: Duration::from_secs(600),
        backfill_days: 1,
        spike_probability: 0.0,
        backfill_only: true,
    };

    // Act
    simulator::run(pool.clone(), SecretString::from(amqp_url()), settings, CancellationToken::new()).await.unwrap();

    // Assert: 144 ten-minute readings a day per device.
    for device in &devices {
        eventually(Duration::from_secs(30), "a day of readings", || async { (fixtures::stored(&pool, *device).await == 144).then_some(()) }).await;
    }
    let (readings_sum, quarters_sum): (String, String) = sqlx::query_as(
        "select (select sum(kwh)::text from reading), (select sum(kwh)::text from consumption_quarter)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(readings_sum, quarters_sum, "totals equal the stored readings");
    let peak: f64 = sqlx::query_scalar("select max(kwh)::float8 from consumption_hour").fetch_one(&pool).await.unwrap();
    assert!(peak > 0.5 && peak < 2.0, "peak hour {peak} kWh is near 70% of the 2 kWh limit, below it without spikes");
    assert!(fixtures::alerts(&pool, devices[0]).await.is_empty());
    worker.shutdown().await;
    meter.delete_topology().await;
}

#[tokio::test]
async fn simulator_follows_new_devices_without_restart() {
    // Arrange
    let database = TestDatabase::create();
    let pool = database.pool().await;
    let first = fixtures::device(&pool, "1").await;
    let prefix = unique_prefix();
    let meter = Meter::connect(&prefix).await;
    let mut options = run_options(&database.url(), &prefix, &[Role::Ingest, Role::Relay, Role::Simulator]);
    options.simulator.simulator_interval_seconds = 1;
    let worker = TestWorker::start(options).await;
    eventually(Duration::from_secs(20), "readings of the first device", || async { (fixtures::stored(&pool, first).await > 0).then_some(()) }).await;

    // Act: a device created the way the devices component does it.
    let second: uuid::Uuid = sqlx::query_scalar(
        "with inserted as (insert into device (name, max_hourly_kwh) values ('new', 1) returning *),
              event as (insert into outbox (event_type, data) select 'device.created', jsonb_build_object('id', device_id) from inserted)
         select device_id from inserted",
    )
    .fetch_one(&pool)
    .await
    .unwrap();

    // Assert
    eventually(Duration::from_secs(20), "readings of the new device", || async { (fixtures::stored(&pool, second).await > 0).then_some(()) }).await;
    worker.shutdown().await;
    meter.delete_topology().await;
}
