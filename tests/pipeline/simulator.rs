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
    simulator::run(
        pool.clone(),
        SecretString::from(amqp_url()),
        settings,
        CancellationToken::new(),
    )
    .await
    .unwrap();

    // Assert: 144 ten-minute readings a day per device.
    for device in &devices {
        eventually(Duration::from_secs(30), "a day of readings", || async {
            (fixtures::stored(&pool, *device).await == 144).then_some(())
        })
        .await;
    }
    let (readings_sum, quarters_sum): (String, String) = sqlx::query_as(
        "select (select sum(kwh)::text from reading), (select sum(kwh)::text from consumption_quarter)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        readings_sum, quarters_sum,
        "totals equal the stored readings"
    );
    let peak: f64 = sqlx::query_scalar("select max(kwh)::float8 from consumption_hour")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(
        peak > 0.5 && peak < 2.0,
        "peak hour {peak} kWh is near 70% of the 2 kWh limit, below it without spikes"
    );
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
    let mut options = run_options(
        &database.url(),
        &prefix,
        &[Role::Ingest, Role::Relay, Role::Simulator],
    );
    options.simulator.simulator_interval_seconds = 1;
    let worker = TestWorker::start(options).await;
    eventually(
        Duration::from_secs(20),
        "readings of the first device",
        || async { (fixtures::stored(&pool, first).await > 0).then_some(()) },
    )
    .await;

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
    eventually(
        Duration::from_secs(20),
        "readings of the new device",
        || async { (fixtures::stored(&pool, second).await > 0).then_some(()) },
    )
    .await;
    worker.shutdown().await;
    meter.delete_topology().await;
}

#[tokio::test]
async fn week_backfill_matches_api_totals_and_alerts() {
    // Arrange: ten devices and the API on the same database.
    let app = dms_tests::spawn_devhost().await;
    let admin = app.create_admin("root").await;
    let pool = app.database.pool().await;
    let mut devices = Vec::new();
    for index in 0..10 {
        let device = app
            .create_device(&admin, &format!("meter {index}"), 1.5, None)
            .await;
        devices.push(
            device["id"]
                .as_str()
                .unwrap()
                .parse::<uuid::Uuid>()
                .unwrap(),
        );
    }
    let prefix = unique_prefix();
    let worker =
        TestWorker::start(run_options(&app.database.url(), &prefix, &[Role::Ingest])).await;
    let settings = SimulatorSettings {
        topology: Topology::new(&prefix),
        interval: Duration::from_secs(600),
        backfill_days: 7,
        spike_probability: 0.02,
        backfill_only: true,
    };

    // Act
    simulator::run(
        pool.clone(),
        SecretString::from(amqp_url()),
        settings,
        CancellationToken::new(),
    )
    .await
    .unwrap();
    for device in &devices {
        eventually(Duration::from_secs(60), "a week of readings", || async {
            (fixtures::stored(&pool, *device).await == 7 * 144).then_some(())
        })
        .await;
    }

    // Assert: every UTC day's total from the API equals the sum of its readings.
    let today = chrono::Utc::now().date_naive();
    for device in &devices {
        for back in 0..=7 {
            let date = today - chrono::Duration::days(back);
            let (status, day) = app
                .call(
                    "GET",
                    &format!("/api/devices/{device}/consumption?date={date}&tz=UTC"),
                    Some(&admin.token),
                    None,
                )
                .await;
            assert_eq!(status, 200, "{day}");
            let expected: String = sqlx::query_scalar(
                "select coalesce(sum(kwh), 0)::text from reading
                 where device_id = $1 and measured_at > $2::date::timestamptz at time zone 'UTC' and measured_at <= ($2::date + 1)::timestamptz at time zone 'UTC'",
            )
            .bind(device)
            .bind(date)
            .fetch_one(&pool)
            .await
            .unwrap();
            let api: f64 = day["total_kwh"].as_f64().unwrap();
            let stored: f64 = expected.parse().unwrap();
            assert_eq!(
                format!("{api:.6}"),
                format!("{stored:.6}"),
                "device {device} on {date}"
            );
            let hours: f64 = day["hours"]
                .as_array()
                .unwrap()
                .iter()
                .map(|hour| hour["kwh"].as_f64().unwrap())
                .sum();
            assert!(
                (hours - api).abs() < 1e-6,
                "the hours add up to the day on {date}"
            );
        }
    }
    // The alerts match the UTC hours over the limit one for one.
    let mut from_api = std::collections::BTreeSet::new();
    let mut page = 1;
    loop {
        let (status, body) = app
            .call(
                "GET",
                &format!("/api/alerts?per_page=100&page={page}"),
                Some(&admin.token),
                None,
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let items = body["items"].as_array().unwrap();
        for alert in items {
            from_api.insert((
                alert["device_id"].as_str().unwrap().to_owned(),
                alert["hour_start"].as_str().unwrap().to_owned(),
            ));
        }
        if items.len() < 100 {
            break;
        }
        page += 1;
    }
    let over: Vec<(uuid::Uuid, chrono::DateTime<chrono::Utc>)> = sqlx::query_as(
        "select h.device_id, h.hour_start from consumption_hour h join device d using (device_id) where h.kwh > d.max_hourly_kwh",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let from_hours: std::collections::BTreeSet<(String, String)> = over
        .into_iter()
        .map(|(device, hour)| {
            (
                device.to_string(),
                hour.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            )
        })
        .collect();
    assert!(
        !from_hours.is_empty(),
        "spikes at 2% push some hours over the limit"
    );
    let normalize = |set: &std::collections::BTreeSet<(String, String)>| -> std::collections::BTreeSet<(String, i64)> {
        set.iter()
            .map(|(device, hour)| (device.clone(), chrono::DateTime::parse_from_rfc3339(hour).unwrap().timestamp()))
            .collect()
    };
    assert_eq!(
        normalize(&from_api),
        normalize(&from_hours),
        "one alert per UTC hour over the limit"
    );
    worker.shutdown().await;
}
