//! The days view: each day's total equals its day view, and the range is bounded.

use serde_json::Value;

use dms_tests::spawn_devhost;

use crate::{
    at, dec, decimal, get_ok, id_of, quarter_series, series_readings, series_total, store,
    stored_sum,
};

#[tokio::test]
async fn days_match_day_views() {
    // Arrange: readings every quarter-hour around the spring change in Bucharest.
    let app = spawn_devhost().await;
    let admin = app.create_admin("root").await;
    let device = id_of(&app.create_device(&admin, "meter", 1000.0, None).await);
    let series = quarter_series(at("2026-03-26T20:00:00Z"), at("2026-04-01T02:00:00Z"));
    store(&app, &admin, &series_readings(&device, &series)).await;
    let base = format!("/api/devices/{device}/consumption");

    // Act
    let days = get_ok(
        &app,
        &admin,
        &format!("{base}/days?from=2026-03-25&to=2026-04-02&tz=Europe/Bucharest"),
    )
    .await;

    // Assert
    assert_eq!(days["device_id"], device.as_str());
    assert_eq!(days["from"], "2026-03-25");
    assert_eq!(days["to"], "2026-04-02");
    assert_eq!(days["tz"], "Europe/Bucharest");
    assert_eq!(days["unit"], "kWh");
    let list = days["days"].as_array().expect("days");
    let dates: Vec<&str> = list
        .iter()
        .map(|day| day["date"].as_str().unwrap())
        .collect();
    assert_eq!(
        dates,
        [
            "2026-03-25",
            "2026-03-26",
            "2026-03-27",
            "2026-03-28",
            "2026-03-29",
            "2026-03-30",
            "2026-03-31",
            "2026-04-01",
            "2026-04-02"
        ],
        "every day of the range, in order"
    );
    assert_eq!(
        decimal(&list[0]["total_kwh"]),
        dec("0"),
        "a day without readings is zero"
    );
    assert_eq!(list[0]["readings"], 0);
    assert_eq!(list[8]["readings"], 0);
    for day in list {
        let date = day["date"].as_str().unwrap();
        let view = get_ok(
            &app,
            &admin,
            &format!("{base}?date={date}&tz=Europe/Bucharest"),
        )
        .await;
        let readings: i64 = view["hours"]
            .as_array()
            .unwrap()
            .iter()
            .map(|hour| hour["readings"].as_i64().unwrap())
            .sum();
        assert_eq!(
            decimal(&day["total_kwh"]),
            decimal(&view["total_kwh"]),
            "{date}: total equals the day view"
        );
        assert_eq!(
            day["readings"], readings,
            "{date}: readings equal the day view"
        );
    }
    assert_eq!(list[4]["readings"], 23 * 4, "2026-03-29 has 23 hours");
    let spring_day = series_total(
        &series,
        at("2026-03-28T22:00:00Z"),
        at("2026-03-29T21:00:00Z"),
    );
    assert_eq!(
        decimal(&list[4]["total_kwh"]),
        spring_day.1,
        "2026-03-29 sums its readings"
    );
    let whole: sqlx::types::Decimal = list.iter().map(|day| decimal(&day["total_kwh"])).sum();
    let stored = stored_sum(
        &app,
        &device,
        at("2026-03-24T22:00:00Z"),
        at("2026-04-02T21:00:00Z"),
    )
    .await;
    assert_eq!(
        whole, stored,
        "the days sum to the stored readings of the range"
    );
}

#[tokio::test]
async fn range_is_at_most_366_days() {
    let app = spawn_devhost().await;
    let admin = app.create_admin("root").await;
    let device = id_of(&app.create_device(&admin, "meter", 1.0, None).await);
    let base = format!("/api/devices/{device}/consumption/days");

    let longest = get_ok(
        &app,
        &admin,
        &format!("{base}?from=2024-01-01&to=2024-12-31"),
    )
    .await;
    let cases = [
        ("?from=2024-01-01&to=2025-01-01", "to"),
        ("?from=2026-03-02&to=2026-03-01", "to"),
        ("?to=2026-03-01", "from"),
        ("?from=2026-03-01", "to"),
        ("?from=2026-03-01&to=tomorrow", "to"),
    ];

    assert_eq!(
        longest["days"].as_array().unwrap().len(),
        366,
        "a leap year"
    );
    assert_eq!(longest["tz"], "UTC");
    for (query, field) in cases {
        let (status, body) = app
            .call("GET", &format!("{base}{query}"), Some(&admin.token), None)
            .await;
        assert_eq!(status, 400, "{query}: {body}");
        assert_eq!(
            body["errors"][0]["field"],
            Value::from(field),
            "{query}: {body}"
        );
    }
}
