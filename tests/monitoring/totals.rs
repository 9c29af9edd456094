//! The day view's exact totals for known inputs, and its defaults.

use chrono::{FixedOffset, Utc};
use serde_json::json;

use dms_tests::spawn_devhost;

use crate::{at, dec, decimal, get_ok, id_of, reading, store, stored_sum};

#[tokio::test]
async fn day_totals_are_exact() {
    // Arrange
    let app = spawn_devhost().await;
    let admin = app.create_admin("root").await;
    let device = id_of(&app.create_device(&admin, "meter", 1.0, None).await);
    // Out of order, on and next to hour boundaries, and with more than 6 decimals.
    store(
        &app,
        &admin,
        &[
            reading(&device, "2026-06-15T10:00:00Z", "0.4"),
            reading(&device, "2026-06-15T09:30:00Z", "0.1234565"),
            reading(&device, "2026-06-15T10:00:00.000001Z", "0.2"),
            reading(&device, "2026-06-16T00:00:00Z", "0.7"),
            reading(&device, "2026-06-15T00:00:00Z", "5"),
            reading(&device, "2026-06-15T09:15:00Z", "0.6000005"),
            reading(&device, "2026-06-15T23:59:59.999Z", "0.000001"),
        ],
    )
    .await;

    // Act
    let day = get_ok(
        &app,
        &admin,
        &format!("/api/devices/{device}/consumption?date=2026-06-15&tz=UTC"),
    )
    .await;

    // Assert
    let hours = day["hours"].as_array().expect("hours");
    assert_eq!(hours.len(), 24);
    assert_eq!(day["device_id"], device.as_str());
    assert_eq!(day["date"], "2026-06-15");
    assert_eq!(day["tz"], "UTC");
    assert_eq!(day["unit"], "kWh");
    assert_eq!(day["max_hourly_kwh"], json!(1));
    assert_eq!(hours[0]["start"], "2026-06-15T00:00:00Z");
    assert_eq!(hours[0]["end"], "2026-06-15T01:00:00Z");
    assert_eq!(hours[0]["readings"], 0, "00:00 belongs to the day before");
    assert_eq!(
        decimal(&hours[9]["kwh"]),
        dec("1.123456"),
        "09:15, 09:30 and 10:00, rounded half-even"
    );
    assert_eq!(hours[9]["readings"], 3);
    assert_eq!(hours[9]["over_limit"], true, "1.123456 is above 1");
    assert_eq!(
        decimal(&hours[10]["kwh"]),
        dec("0.2"),
        "10:00:00.000001 starts the next hour"
    );
    assert_eq!(hours[10]["over_limit"], false);
    assert_eq!(
        decimal(&hours[23]["kwh"]),
        dec("0.700001"),
        "next midnight ends the last hour"
    );
    assert_eq!(hours[23]["readings"], 2);
    assert_eq!(decimal(&day["total_kwh"]), dec("2.023457"));
    let stored = stored_sum(
        &app,
        &device,
        at("2026-06-15T00:00:00Z"),
        at("2026-06-16T00:00:00Z"),
    )
    .await;
    assert_eq!(
        decimal(&day["total_kwh"]),
        stored,
        "total equals the stored readings of the day"
    );
}

#[tokio::test]
async fn hour_at_limit_is_not_over() {
    let app = spawn_devhost().await;
    let admin = app.create_admin("root").await;
    let device = id_of(&app.create_device(&admin, "meter", 0.5, None).await);
    store(
        &app,
        &admin,
        &[
            reading(&device, "2026-06-15T08:30:00Z", "0.25"),
            reading(&device, "2026-06-15T09:00:00Z", "0.25"),
        ],
    )
    .await;

    let day = get_ok(
        &app,
        &admin,
        &format!("/api/devices/{device}/consumption?date=2026-06-15&tz=UTC"),
    )
    .await;

    assert_eq!(day["hours"][8]["kwh"], json!(0.5));
    assert_eq!(day["hours"][8]["over_limit"], false);
}

#[tokio::test]
async fn zone_defaults_to_saved_then_utc() {
    // Arrange
    let app = spawn_devhost().await;
    let admin = app.create_admin("root").await;
    let ana = app.register_client("ana").await;
    let device = id_of(&app.create_device(&admin, "meter", 1.0, Some(&ana.id)).await);
    let path = format!("/api/devices/{device}/consumption");
    let pool = app.database.pool().await;
    sqlx::query("update app_user set timezone = 'Asia/Kolkata' where user_id = $1::uuid")
        .bind(&ana.id)
        .execute(&pool)
        .await
        .unwrap();
    let kolkata = FixedOffset::east_opt(5 * 3600 + 1800).unwrap();
    let today_before = (
        Utc::now().with_timezone(&kolkata).date_naive(),
        Utc::now().date_naive(),
    );

    // Act
    let saved = get_ok(&app, &ana, &path).await;
    let unset = get_ok(&app, &admin, &path).await;
    let explicit = get_ok(
        &app,
        &ana,
        &format!("{path}?tz=America/New_York&date=2026-06-15"),
    )
    .await;

    // Assert
    let today_after = (
        Utc::now().with_timezone(&kolkata).date_naive(),
        Utc::now().date_naive(),
    );
    let dates = |pick: fn(&(chrono::NaiveDate, chrono::NaiveDate)) -> chrono::NaiveDate| {
        [
            pick(&today_before).to_string(),
            pick(&today_after).to_string(),
        ]
    };
    assert_eq!(saved["tz"], "Asia/Kolkata", "the user's saved zone");
    assert!(
        dates(|pair| pair.0).contains(&saved["date"].as_str().unwrap().to_owned()),
        "today in Kolkata: {saved}"
    );
    assert_eq!(saved["hours"].as_array().unwrap().len(), 24);
    assert_eq!(unset["tz"], "UTC", "no saved zone");
    assert!(
        dates(|pair| pair.1).contains(&unset["date"].as_str().unwrap().to_owned()),
        "today in UTC: {unset}"
    );
    assert_eq!(explicit["tz"], "America/New_York");
    assert_eq!(explicit["hours"][0]["start"], "2026-06-15T04:00:00Z");
}
