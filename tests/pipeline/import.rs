use std::io::Write;
use std::time::Duration;

use dms_tests::worker::{eventually, run_options, unique_prefix, Meter, TestWorker};
use dms_tests::TestDatabase;
use dms_worker::configuration::Role;
use dms_worker::{dead_letters, import};

use crate::fixtures;

#[tokio::test]
async fn import_publishes_valid_rows_and_reports_rejects() {
    // Arrange
    let database = TestDatabase::create();
    let pool = database.pool().await;
    let device = fixtures::device(&pool, "100").await;
    let unknown = uuid::Uuid::new_v4();
    let mut file = tempfile::NamedTempFile::new().unwrap();
    write!(
        file,
        "device_id,measured_at,kwh\n\
         {device},2026-03-01T10:10:00Z,0.5\n\
         {device},2026-03-01T10:20:00Z,0.2500001\n\
         not-a-uuid,2026-03-01T10:30:00Z,1\n\
         {device},yesterday,1\n\
         {device},2026-03-01T10:40:00Z,-2\n\
         {device},2026-03-01T10:50:00Z,abc\n\
         {unknown},2026-03-01T10:50:00Z,1\n\
         {device},2026-03-01T10:10:00Z,7\n\
         {device},2026-03-01T11:00:00Z\n\
         {device},2026-03-01T11:10:00Z,1e400\n"
    )
    .unwrap();
    let prefix = unique_prefix();
    let meter = Meter::connect(&prefix).await;
    let worker = TestWorker::start(run_options(&database.url(), &prefix, &[Role::Ingest])).await;

    // Act
    let (valid, mut rejected) = import::read_file(file.path()).unwrap();
    let valid = import::reject_unknown_devices(&pool, valid, &mut rejected)
        .await
        .unwrap();
    let published = import::publish(&meter.channel, &meter.topology, &valid, false)
        .await
        .unwrap();
    rejected.sort_by_key(|row| row.line);

    // Assert
    assert_eq!(published, 2);
    let lines: Vec<u64> = rejected.iter().map(|row| row.line).collect();
    assert_eq!(lines, vec![4, 5, 6, 7, 8, 9, 10, 11]);
    let expectations = [
        "not a UUID",
        "RFC 3339",
        "negative",
        "not a number",
        "unknown device",
        "repeats an earlier row",
        "expected 3 fields",
        "not a finite number",
    ];
    for (row, expected) in rejected.iter().zip(expectations) {
        assert!(
            row.reason.contains(expected),
            "line {}: {:?} should mention {expected:?}",
            row.line,
            row.reason
        );
    }
    eventually(Duration::from_secs(20), "the imported readings", || async {
        (fixtures::stored(&pool, device).await == 2).then_some(())
    })
    .await;
    assert_eq!(fixtures::total(&pool, device).await, "0.750000");
    worker.shutdown().await;
    meter.delete_topology().await;
}

#[tokio::test]
async fn import_rejects_wrong_header() {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    writeln!(file, "device,time,kwh").unwrap();

    let err = import::read_file(file.path()).unwrap_err();

    assert!(
        err.to_string().contains("device_id,measured_at,kwh"),
        "{err}"
    );
}

#[tokio::test]
async fn dead_letters_replay_after_the_device_exists() {
    // Arrange: a reading for a device that does not exist yet.
    let database = TestDatabase::create();
    let pool = database.pool().await;
    let prefix = unique_prefix();
    let meter = Meter::connect(&prefix).await;
    let worker = TestWorker::start(run_options(&database.url(), &prefix, &[Role::Ingest])).await;
    let missing = uuid::Uuid::new_v4();
    meter
        .publish_json(&fixtures::reading(
            missing,
            "2026-03-01T10:10:00Z",
            serde_json::json!(0.5),
        ))
        .await;
    meter.publish(vec![b"garbage".to_vec()]).await;
    let letters = eventually(Duration::from_secs(20), "two dead letters", || async {
        let letters = dead_letters::fetch(&meter.channel, &meter.topology, 10)
            .await
            .unwrap();
        if letters.len() == 2 {
            Some(letters)
        } else {
            dead_letters::requeue(&meter.channel, &letters)
                .await
                .unwrap();
            None
        }
    })
    .await;
    assert!(
        letters
            .iter()
            .any(|letter| letter.reason == format!("unknown device {missing}")),
        "{letters:?}"
    );
    dead_letters::requeue(&meter.channel, &letters)
        .await
        .unwrap();

    // Act: the device appears, and only the unknown-device letters are replayed.
    sqlx::query("insert into device (device_id, name, max_hourly_kwh) values ($1, 'late', 5)")
        .bind(missing)
        .execute(&pool)
        .await
        .unwrap();
    let letters = dead_letters::fetch(&meter.channel, &meter.topology, 10)
        .await
        .unwrap();
    let (chosen, kept): (Vec<_>, Vec<_>) = letters
        .into_iter()
        .partition(|letter| letter.reason.contains("unknown device"));
    let replayed = dead_letters::replay(&meter.channel, &meter.topology, &chosen)
        .await
        .unwrap();
    dead_letters::requeue(&meter.channel, &kept).await.unwrap();

    // Assert
    assert_eq!(replayed, 1);
    eventually(Duration::from_secs(20), "the replayed reading", || async {
        (fixtures::stored(&pool, missing).await == 1).then_some(())
    })
    .await;
    let remaining = dead_letters::fetch(&meter.channel, &meter.topology, 10)
        .await
        .unwrap();
    assert_eq!(remaining.len(), 1, "the malformed message stays");
    assert!(remaining[0].reason.contains("malformed JSON"));
    dead_letters::requeue(&meter.channel, &remaining)
        .await
        .unwrap();
    worker.shutdown().await;
    meter.delete_topology().await;
}
