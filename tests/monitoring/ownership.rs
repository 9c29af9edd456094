//! Ownership: a client may read only the devices they own now, and of those only
//! the data from the periods in which the device was theirs. An admin reads all.

use chrono::{Duration, DurationRound, Utc};
use serde_json::{json, Value};

use dms_tests::spawn_devhost;

use crate::{dec, decimal, get_ok, id_of, reading, rfc3339, store};

#[tokio::test]
async fn reassignment_hides_previous_owner_data() {
    // Arrange: ana's period is moved back ten days so that older readings can
    // fall inside and before it.
    let app = spawn_devhost().await;
    let admin = app.create_admin("root").await;
    let ana = app.register_client("ana").await;
    let bob = app.register_client("bob").await;
    let device = id_of(&app.create_device(&admin, "meter", 1.0, Some(&ana.id)).await);
    let pool = app.database.pool().await;
    sqlx::query("update device_ownership set started_at = now() - interval '10 days'")
        .execute(&pool)
        .await
        .unwrap();
    let today = Utc::now().duration_trunc(Duration::days(1)).unwrap();
    let ana_day = (today - Duration::days(2)).date_naive();
    let before_ana_day = (today - Duration::days(12)).date_naive();
    store(
        &app,
        &admin,
        &[
            reading(&device, &format!("{ana_day}T10:00:00Z"), "1.5"),
            reading(&device, &format!("{before_ana_day}T10:00:00Z"), "0.25"),
        ],
    )
    .await;
    let day_path =
        |date: chrono::NaiveDate| format!("/api/devices/{device}/consumption?date={date}&tz=UTC");
    let days_path =
        format!("/api/devices/{device}/consumption/days?from={before_ana_day}&to={ana_day}&tz=UTC");
    let ana_own_day = get_ok(&app, &ana, &day_path(ana_day)).await;
    let ana_earlier_day = get_ok(&app, &ana, &day_path(before_ana_day)).await;
    let ana_days = get_ok(&app, &ana, &days_path).await;

    // Act: reassign to bob, who then gets a reading of his own.
    let (moved, moved_body) = app
        .call(
            "PUT",
            &format!("/api/devices/{device}/owner"),
            Some(&admin.token),
            Some(json!({"owner_id": bob.id})),
        )
        .await;
    let bob_reading_at = Utc::now() + Duration::minutes(1);
    store(
        &app,
        &admin,
        &[reading(&device, &rfc3339(bob_reading_at), "0.125")],
    )
    .await;
    let bob_date = bob_reading_at.date_naive();
    let (ana_after, ana_after_body) = app
        .call("GET", &day_path(ana_day), Some(&ana.token), None)
        .await;
    let (ana_days_after, _) = app.call("GET", &days_path, Some(&ana.token), None).await;
    let bob_ana_day = get_ok(&app, &bob, &day_path(ana_day)).await;
    let bob_days = get_ok(&app, &bob, &days_path).await;
    let bob_own_day = get_ok(&app, &bob, &day_path(bob_date)).await;
    let admin_ana_day = get_ok(&app, &admin, &day_path(ana_day)).await;
    let admin_earlier_day = get_ok(&app, &admin, &day_path(before_ana_day)).await;
    let ana_overview = get_ok(
        &app,
        &ana,
        &format!("/api/consumption?date={ana_day}&tz=UTC"),
    )
    .await;
    let ana_alerts = get_ok(&app, &ana, "/api/alerts").await;
    let bob_alerts = get_ok(&app, &bob, "/api/alerts").await;

    // Assert
    assert_eq!(
        decimal(&ana_own_day["total_kwh"]),
        dec("1.5"),
        "ana sees her period"
    );
    assert_eq!(
        decimal(&ana_earlier_day["total_kwh"]),
        dec("0"),
        "ana does not see before her period"
    );
    assert_eq!(decimal(&ana_days["days"][10]["total_kwh"]), dec("1.5"));
    assert_eq!(decimal(&ana_days["days"][0]["total_kwh"]), dec("0"));
    assert_eq!(moved, 200, "{moved_body}");
    assert_eq!(
        ana_after, 404,
        "the device is no longer ana's: {ana_after_body}"
    );
    assert_eq!(ana_days_after, 404);
    assert_eq!(
        ana_overview["devices"],
        json!([]),
        "ana's overview no longer lists it"
    );
    assert_eq!(
        decimal(&bob_ana_day["total_kwh"]),
        dec("0"),
        "bob does not see ana's consumption"
    );
    assert_eq!(bob_ana_day["hours"][9]["readings"], 0);
    let bob_days_total: Vec<Value> = bob_days["days"]
        .as_array()
        .unwrap()
        .iter()
        .map(|day| day["total_kwh"].clone())
        .collect();
    assert!(
        bob_days_total.iter().all(|total| decimal(total).is_zero()),
        "bob's days are empty: {bob_days}"
    );
    assert_eq!(
        decimal(&bob_own_day["total_kwh"]),
        dec("0.125"),
        "bob sees his own reading"
    );
    assert_eq!(
        decimal(&admin_ana_day["total_kwh"]),
        dec("1.5"),
        "admin sees ana's period"
    );
    assert_eq!(
        decimal(&admin_earlier_day["total_kwh"]),
        dec("0.25"),
        "admin sees before any period"
    );
    assert_eq!(
        ana_alerts["total"], 1,
        "ana keeps the alert raised in her period: {ana_alerts}"
    );
    assert_eq!(bob_alerts["total"], 0, "bob does not see it: {bob_alerts}");
}

#[tokio::test]
async fn other_clients_devices_are_404() {
    let app = spawn_devhost().await;
    let admin = app.create_admin("root").await;
    let ana = app.register_client("ana").await;
    let bob = app.register_client("bob").await;
    let device = id_of(&app.create_device(&admin, "meter", 1.0, Some(&ana.id)).await);
    let unowned = id_of(&app.create_device(&admin, "spare", 1.0, None).await);

    for id in [device.as_str(), unowned.as_str()] {
        for path in [
            format!("/api/devices/{id}/consumption"),
            format!("/api/devices/{id}/consumption/days?from=2026-06-01&to=2026-06-02"),
        ] {
            let (status, body) = app.call("GET", &path, Some(&bob.token), None).await;
            assert_eq!(status, 404, "{path}: {body}");
            assert_eq!(body["status"], 404, "{path}: problem+json");
        }
    }
    let (admin_status, _) = app
        .call(
            "GET",
            &format!("/api/devices/{unowned}/consumption"),
            Some(&admin.token),
            None,
        )
        .await;
    assert_eq!(admin_status, 200, "an admin sees every device");
}

#[tokio::test]
async fn overview_lists_visible_devices_with_peaks() {
    // Arrange
    let app = spawn_devhost().await;
    let admin = app.create_admin("root").await;
    let ana = app.register_client("ana").await;
    let bob = app.register_client("bob").await;
    let busy = id_of(&app.create_device(&admin, "Busy", 2.0, Some(&ana.id)).await);
    let idle = id_of(&app.create_device(&admin, "idle", 2.0, Some(&ana.id)).await);
    let bobs = id_of(&app.create_device(&admin, "Bob's", 2.0, Some(&bob.id)).await);
    let pool = app.database.pool().await;
    sqlx::query("update device_ownership set started_at = now() - interval '400 days'")
        .execute(&pool)
        .await
        .unwrap();
    store(
        &app,
        &admin,
        &[
            reading(&busy, "2026-06-15T06:00:00Z", "0.5"),
            reading(&busy, "2026-06-15T07:30:00Z", "1.25"),
            reading(&busy, "2026-06-15T08:00:00Z", "0.5"),
            reading(&busy, "2026-06-15T18:00:00Z", "1.75"),
            reading(&bobs, "2026-06-15T12:00:00Z", "3"),
        ],
    )
    .await;
    let names = |overview: &Value| -> Vec<String> {
        overview["devices"]
            .as_array()
            .unwrap()
            .iter()
            .map(|device| device["name"].as_str().unwrap().to_owned())
            .collect()
    };

    // Act
    let for_ana = get_ok(
        &app,
        &ana,
        "/api/consumption?date=2026-06-15&tz=Asia/Kolkata",
    )
    .await;
    let ana_asks_for_bob = get_ok(
        &app,
        &ana,
        &format!("/api/consumption?date=2026-06-15&owner_id={}", bob.id),
    )
    .await;
    let admin_for_bob = get_ok(
        &app,
        &admin,
        &format!("/api/consumption?date=2026-06-15&owner_id={}", bob.id),
    )
    .await;
    let for_admin = get_ok(&app, &admin, "/api/consumption?date=2026-06-15").await;

    // Assert
    assert_eq!(for_ana["date"], "2026-06-15");
    assert_eq!(for_ana["tz"], "Asia/Kolkata");
    assert_eq!(names(&for_ana), ["Busy", "idle"], "ana's devices by name");
    let busy_day = &for_ana["devices"][0];
    assert_eq!(busy_day["device_id"], busy.as_str());
    assert_eq!(busy_day["max_hourly_kwh"], json!(2));
    assert_eq!(decimal(&busy_day["total_kwh"]), dec("4"));
    assert_eq!(
        busy_day["peak_hour"],
        json!({"start": "2026-06-15T17:30:00Z", "end": "2026-06-15T18:30:00Z", "kwh": 1.75}),
        "the 23:00 local hour of Kolkata"
    );
    let idle_day = &for_ana["devices"][1];
    assert_eq!(idle_day["device_id"], idle.as_str());
    assert_eq!(idle_day["total_kwh"], json!(0));
    assert_eq!(idle_day["peak_hour"], Value::Null, "no peak without energy");
    assert_eq!(
        names(&ana_asks_for_bob),
        ["Busy", "idle"],
        "a client's owner_id is ignored"
    );
    assert_eq!(
        names(&admin_for_bob),
        ["Bob's"],
        "an admin filters by owner"
    );
    assert_eq!(decimal(&admin_for_bob["devices"][0]["total_kwh"]), dec("3"));
    assert_eq!(
        names(&for_admin),
        ["Bob's", "Busy", "idle"],
        "an admin sees every device"
    );
    assert_eq!(
        for_admin["devices"][1]["peak_hour"]["start"], "2026-06-15T07:00:00Z",
        "in UTC 07:00-08:00 holds 1.75 kWh, before the 17:00 hour's tie"
    );
}
