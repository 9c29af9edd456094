//! Local days across daylight-saving changes and in +05:30 and +05:45 zones: one
//! reading per UTC quarter-hour over the day and two hours around it, and each
//! bucket must hold exactly its readings.

use chrono::Duration;

use dms_tests::spawn::TestUser;
use dms_tests::{spawn_devhost, TestApp};

use crate::{
    at, decimal, get_ok, id_of, quarter_series, series_readings, series_total, store, stored_sum,
};

struct Case {
    zone: &'static str,
    date: &'static str,
    buckets: usize,
    /// UTC instants of the day's first and last local midnight.
    start: &'static str,
    end: &'static str,
}

async fn check_day(app: &TestApp, admin: &TestUser, case: &Case) {
    let label = format!("{} {}", case.zone, case.date);
    let device = id_of(&app.create_device(admin, &label, 1000.0, None).await);
    let (start, end) = (at(case.start), at(case.end));
    let series = quarter_series(start - Duration::hours(2), end + Duration::hours(2));
    store(app, admin, &series_readings(&device, &series)).await;

    let path = format!(
        "/api/devices/{device}/consumption?date={}&tz={}",
        case.date, case.zone
    );
    let day = get_ok(app, admin, &path).await;

    let hours = day["hours"].as_array().expect("hours");
    assert_eq!(hours.len(), case.buckets, "{label}: bucket count");
    assert_eq!(day["tz"], case.zone, "{label}");
    assert_eq!(
        hours[0]["start"], case.start,
        "{label}: first bucket starts at local midnight"
    );
    assert_eq!(
        hours[hours.len() - 1]["end"],
        case.end,
        "{label}: last bucket ends at the next local midnight"
    );
    let mut previous_end = case.start.to_owned();
    for hour in hours {
        let (bucket_start, bucket_end) = (
            hour["start"].as_str().unwrap(),
            hour["end"].as_str().unwrap(),
        );
        assert_eq!(
            bucket_start, previous_end,
            "{label}: buckets are contiguous"
        );
        assert_eq!(
            at(bucket_end) - at(bucket_start),
            Duration::hours(1),
            "{label} {bucket_start}: one hour"
        );
        let (count, kwh) = series_total(&series, at(bucket_start), at(bucket_end));
        assert_eq!(hour["readings"], count, "{label} {bucket_start}: readings");
        assert_eq!(count, 4, "{label} {bucket_start}: four quarters in an hour");
        assert_eq!(decimal(&hour["kwh"]), kwh, "{label} {bucket_start}: kWh");
        previous_end = bucket_end.to_owned();
    }
    let (_, expected_total) = series_total(&series, start, end);
    assert_eq!(
        decimal(&day["total_kwh"]),
        expected_total,
        "{label}: total of the day's readings"
    );
    assert_eq!(
        stored_sum(app, &device, start, end).await,
        expected_total,
        "{label}: total of stored readings"
    );
}

#[tokio::test]
async fn daylight_saving_days_have_23_or_25_hours() {
    let app = spawn_devhost().await;
    let admin = app.create_admin("root").await;
    let cases = [
        Case {
            zone: "Europe/Bucharest",
            date: "2026-03-29",
            buckets: 23,
            start: "2026-03-28T22:00:00Z",
            end: "2026-03-29T21:00:00Z",
        },
        Case {
            zone: "Europe/Bucharest",
            date: "2026-10-25",
            buckets: 25,
            start: "2026-10-24T21:00:00Z",
            end: "2026-10-25T22:00:00Z",
        },
        Case {
            zone: "America/New_York",
            date: "2026-03-08",
            buckets: 23,
            start: "2026-03-08T05:00:00Z",
            end: "2026-03-09T04:00:00Z",
        },
        Case {
            zone: "America/New_York",
            date: "2026-11-01",
            buckets: 25,
            start: "2026-11-01T04:00:00Z",
            end: "2026-11-02T05:00:00Z",
        },
    ];

    for case in &cases {
        check_day(&app, &admin, case).await;
    }
}

#[tokio::test]
async fn half_and_quarter_hour_zones_sum_exactly() {
    let app = spawn_devhost().await;
    let admin = app.create_admin("root").await;
    let cases = [
        Case {
            zone: "Asia/Kolkata",
            date: "2026-06-15",
            buckets: 24,
            start: "2026-06-14T18:30:00Z",
            end: "2026-06-15T18:30:00Z",
        },
        Case {
            zone: "Asia/Kathmandu",
            date: "2026-06-15",
            buckets: 24,
            start: "2026-06-14T18:15:00Z",
            end: "2026-06-15T18:15:00Z",
        },
    ];

    for case in &cases {
        check_day(&app, &admin, case).await;
    }
}
