//! End-to-end tests of the monitoring component through devhost and a real
//! PostgreSQL. Readings go in through `POST /api/readings`, which runs the same
//! storing statement as the AMQP consumer.

mod alerts;
mod bad_input;
mod days;
mod ownership;
mod readings;
mod time_zones;
mod totals;

use std::str::FromStr;

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;
use sqlx::types::Decimal;

use dms_tests::spawn::TestUser;
use dms_tests::TestApp;

/// Formats one reading as JSON text, with `kwh` sent exactly as written.
pub fn reading(device_id: &str, measured_at: &str, kwh: &str) -> String {
    format!(r#"{{"device_id":"{device_id}","measured_at":"{measured_at}","kwh":{kwh}}}"#)
}

/// Joins readings given as JSON text into a JSON array.
pub fn array(readings: &[String]) -> String {
    format!("[{}]", readings.join(","))
}

/// Posts a raw body to `POST /api/readings`; returns the status and the JSON.
pub async fn post_raw(
    app: &TestApp,
    token: Option<&str>,
    content_type: &str,
    body: String,
) -> (u16, Value) {
    let mut request = app
        .client
        .post(app.url("/api/readings"))
        .header("content-type", content_type)
        .body(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("devhost answers");
    let status = response.status().as_u16();
    let text = response.text().await.expect("a body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// Stores readings as `admin` and checks that none was rejected.
pub async fn store(app: &TestApp, admin: &TestUser, readings: &[String]) -> Value {
    let (status, report) =
        post_raw(app, Some(&admin.token), "application/json", array(readings)).await;
    assert_eq!(status, 200, "store readings: {report}");
    assert_eq!(report["rejected"], 0, "no reading rejected: {report}");
    report
}

/// GETs a path and checks for 200.
pub async fn get_ok(app: &TestApp, user: &TestUser, path: &str) -> Value {
    let (status, body) = app.call("GET", path, Some(&user.token), None).await;
    assert_eq!(status, 200, "GET {path}: {body}");
    body
}

/// Reads a JSON number as an exact decimal. serde_json keeps it as the nearest
/// `f64` and prints the shortest text that reads back the same, so values of up to
/// 15 significant digits (all these tests use) come back exactly.
pub fn decimal(value: &Value) -> Decimal {
    let text = value.to_string();
    Decimal::from_str(&text)
        .or_else(|_| Decimal::from_scientific(&text))
        .unwrap_or_else(|_| panic!("{text} is not a number"))
}

pub fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).expect("a decimal literal")
}

pub fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("an RFC 3339 time")
        .with_timezone(&Utc)
}

pub fn rfc3339(instant: DateTime<Utc>) -> String {
    instant.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// Sums the stored readings of a device whose energy falls in `[start, end)`:
/// those measured after `start` up to and including `end`.
pub async fn stored_sum(
    app: &TestApp,
    device_id: &str,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Decimal {
    let pool = app.database.pool().await;
    let sum: Option<Decimal> = sqlx::query_scalar(
        "select sum(kwh) from reading where device_id = $1 and measured_at > $2 and measured_at <= $3",
    )
    .bind(uuid::Uuid::parse_str(device_id).expect("a device id"))
    .bind(start)
    .bind(end)
    .fetch_one(&pool)
    .await
    .expect("sum readings");
    pool.close().await;
    sum.unwrap_or_default()
}

/// A reading for every UTC quarter-hour boundary in `(start, end]`, with varied
/// exact values; returns the readings' times and kWh texts.
pub fn quarter_series(start: DateTime<Utc>, end: DateTime<Utc>) -> Vec<(DateTime<Utc>, String)> {
    let mut series = Vec::new();
    let mut measured_at = start + Duration::minutes(15);
    let mut index = 0u32;
    while measured_at <= end {
        let milli_kwh = 1000 * (index % 13 + 1) + index % 7;
        series.push((measured_at, format!("0.{milli_kwh:06}")));
        measured_at += Duration::minutes(15);
        index += 1;
    }
    series
}

/// Formats the readings of a series for one device as JSON text.
pub fn series_readings(device_id: &str, series: &[(DateTime<Utc>, String)]) -> Vec<String> {
    series
        .iter()
        .map(|(measured_at, kwh)| reading(device_id, &rfc3339(*measured_at), kwh))
        .collect()
}

/// Counts and sums exactly the series' readings whose energy falls in
/// `[start, end)`.
pub fn series_total(
    series: &[(DateTime<Utc>, String)],
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> (i64, Decimal) {
    let inside: Vec<Decimal> = series
        .iter()
        .filter(|(measured_at, _)| *measured_at > start && *measured_at <= end)
        .map(|(_, kwh)| dec(kwh))
        .collect();
    (inside.len() as i64, inside.into_iter().sum())
}

/// Counts the rows a rejected request must not change.
pub async fn written_rows(app: &TestApp) -> [i64; 5] {
    [
        app.count("reading").await,
        app.count("consumption_quarter").await,
        app.count("consumption_hour").await,
        app.count("alert").await,
        app.count("outbox").await,
    ]
}

pub fn id_of(resource: &Value) -> String {
    resource["id"].as_str().expect("an id").to_owned()
}
