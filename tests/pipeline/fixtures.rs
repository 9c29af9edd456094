//! Devices and readings for the pipeline tests, written straight to the database.

use serde_json::{json, Value};
use sqlx::PgPool;
use uuid::Uuid;

/// Inserts a client and a device with the given hourly limit; returns the device id.
pub async fn device(pool: &PgPool, limit: &str) -> Uuid {
    let owner: Uuid = sqlx::query_scalar(
        "insert into app_user (username, email, password_hash, role)
         values ('owner-' || substr(md5(random()::text), 1, 8), substr(md5(random()::text), 1, 8) || '@example.com', 'x', 'client')
         returning user_id",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    sqlx::query_scalar("insert into device (name, max_hourly_kwh, owner_id) values ('meter', $1::numeric, $2) returning device_id")
        .bind(limit)
        .bind(owner)
        .fetch_one(pool)
        .await
        .unwrap()
}

pub fn reading(device: Uuid, measured_at: &str, kwh: Value) -> Value {
    json!({"device_id": device, "measured_at": measured_at, "kwh": kwh})
}

/// Number of stored readings of a device.
pub async fn stored(pool: &PgPool, device: Uuid) -> i64 {
    sqlx::query_scalar("select count(*) from reading where device_id = $1")
        .bind(device)
        .fetch_one(pool)
        .await
        .unwrap()
}

/// The exact total of a device's quarter rows, as text.
pub async fn total(pool: &PgPool, device: Uuid) -> String {
    sqlx::query_scalar(
        "select coalesce(sum(kwh), 0)::text from consumption_quarter where device_id = $1",
    )
    .bind(device)
    .fetch_one(pool)
    .await
    .unwrap()
}

/// `(bucket_start, kwh, readings)` of a device's quarters, in order.
pub async fn quarters(pool: &PgPool, device: Uuid) -> Vec<(String, String, i32)> {
    sqlx::query_as(
        "select to_char(bucket_start at time zone 'UTC', 'HH24:MI'), kwh::text, readings
         from consumption_quarter where device_id = $1 order by bucket_start",
    )
    .bind(device)
    .fetch_all(pool)
    .await
    .unwrap()
}

pub async fn alerts(pool: &PgPool, device: Uuid) -> Vec<(String, String)> {
    sqlx::query_as(
        "select to_char(hour_start at time zone 'UTC', 'YYYY-MM-DD HH24:MI'), kwh::text from alert where device_id = $1 order by hour_start",
    )
    .bind(device)
    .fetch_all(pool)
    .await
    .unwrap()
}
