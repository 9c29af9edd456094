//! `POST /api/readings`: per-reading results, rounding and idempotency.

use serde_json::json;
use sqlx::types::Decimal;

use dms_tests::spawn_devhost;

use crate::{array, dec, get_ok, id_of, post_raw, reading, store};

#[tokio::test]
async fn batch_reports_each_reading() {
    // Arrange
    let app = spawn_devhost().await;
    let admin = app.create_admin("root").await;
    let device = id_of(&app.create_device(&admin, "meter", 100.0, None).await);
    let unknown = uuid::Uuid::new_v4().to_string();
    let body = array(&[
        reading(&device, "2026-06-15T10:15:00Z", "1.5"),
        reading(&device, "2026-06-15T10:30:00Z", "-0.5"),
        reading(&unknown, "2026-06-15T10:30:00Z", "1"),
        reading(&device, "2026-06-15T10:15:00Z", "9"),
        reading(&device, "2026-06-15T10:45:00Z", "0.1234565"),
        "7".to_owned(),
        reading(&device, "2026-06-15T11:00:00+02:00", "0.25"),
    ]);

    // Act
    let (status, report) = post_raw(&app, Some(&admin.token), "application/json", body).await;

    // Assert
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["stored"], 3, "{report}");
    assert_eq!(report["duplicates"], 1, "{report}");
    assert_eq!(report["rejected"], 3, "{report}");
    let expected = [
        (0, "stored", None),
        (1, "rejected", Some("negative")),
        (2, "rejected", Some("unknown device")),
        (3, "duplicate", None),
        (4, "stored", None),
        (5, "rejected", Some("JSON object")),
        (6, "stored", None),
    ];
    let results = report["results"].as_array().expect("results");
    assert_eq!(results.len(), expected.len(), "{report}");
    for (result, (index, status, reason)) in results.iter().zip(expected) {
        assert_eq!(result["index"], index, "index of {result}");
        assert_eq!(
            result["status"], status,
            "status of reading {index}: {result}"
        );
        match reason {
            Some(reason) => assert!(
                result["reason"]
                    .as_str()
                    .unwrap_or_default()
                    .contains(reason),
                "reason of reading {index}: {result}"
            ),
            None => assert!(
                result.get("reason").is_none(),
                "no reason for reading {index}: {result}"
            ),
        }
    }
    let pool = app.database.pool().await;
    let stored: Vec<(String, String)> =
        sqlx::query_as("select to_char(measured_at at time zone 'UTC', 'HH24:MI'), kwh::text from reading order by measured_at")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(
        stored,
        [
            ("09:00".to_owned(), "0.250000".to_owned()),
            ("10:15".into(), "1.500000".into()),
            ("10:45".into(), "0.123456".into())
        ],
        "the first of a duplicate pair wins and 0.1234565 rounds half-even"
    );
}

#[tokio::test]
async fn repeated_request_changes_nothing() {
    // Arrange
    let app = spawn_devhost().await;
    let admin = app.create_admin("root").await;
    let device = id_of(&app.create_device(&admin, "meter", 100.0, None).await);
    let readings = [
        reading(&device, "2026-06-15T10:15:00Z", "1.25"),
        reading(&device, "2026-06-15T10:30:00Z", "2.000001"),
    ];
    let path = format!("/api/devices/{device}/consumption?date=2026-06-15&tz=UTC");
    store(&app, &admin, &readings).await;
    let before = get_ok(&app, &admin, &path).await;

    // Act
    let report = store(&app, &admin, &readings).await;
    let after = get_ok(&app, &admin, &path).await;

    // Assert
    assert_eq!(report["stored"], 0, "{report}");
    assert_eq!(report["duplicates"], 2, "{report}");
    assert_eq!(report["results"][1]["status"], "duplicate", "{report}");
    assert_eq!(after, before, "the day view is unchanged");
    assert_eq!(after["total_kwh"], json!(3.250001));
    assert_eq!(after["hours"][10]["readings"], 2);
    assert_eq!(app.count("reading").await, 2);
    let pool = app.database.pool().await;
    let quarters: Decimal = sqlx::query_scalar("select sum(kwh) from consumption_quarter")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(quarters, dec("3.250001"), "quarter totals unchanged");
}

#[tokio::test]
async fn single_reading_object_is_accepted() {
    let app = spawn_devhost().await;
    let admin = app.create_admin("root").await;
    let device = id_of(&app.create_device(&admin, "meter", 100.0, None).await);

    let body = reading(&device, "2026-06-15T10:15:00Z", "0.5");
    let (status, report) = post_raw(
        &app,
        Some(&admin.token),
        "application/json; charset=utf-8",
        body,
    )
    .await;

    assert_eq!(status, 200, "{report}");
    assert_eq!(report["stored"], 1, "{report}");
    assert_eq!(report["results"], json!([{"index": 0, "status": "stored"}]));
}

#[tokio::test]
async fn deleted_device_readings_are_unknown() {
    let app = spawn_devhost().await;
    let admin = app.create_admin("root").await;
    let device = id_of(&app.create_device(&admin, "meter", 100.0, None).await);
    let (deleted, _) = app
        .call(
            "DELETE",
            &format!("/api/devices/{device}"),
            Some(&admin.token),
            None,
        )
        .await;

    let body = array(&[reading(&device, "2026-06-15T10:15:00Z", "0.5")]);
    let (status, report) = post_raw(&app, Some(&admin.token), "application/json", body).await;

    assert_eq!(deleted, 204);
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["results"][0]["reason"], "unknown device", "{report}");
    assert_eq!(app.count("reading").await, 0);
}
