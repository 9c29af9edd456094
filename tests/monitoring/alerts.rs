//! Alerts: raised once per device and UTC hour above the limit, listed per owner
//! with filters and pages, and acknowledged once.

use serde_json::{json, Value};

use dms_tests::spawn::TestUser;
use dms_tests::{spawn_devhost, TestApp};

use crate::{dec, decimal, get_ok, id_of, reading, store};

async fn event_count(app: &TestApp, event_type: &str) -> i64 {
    app.count(&format!("outbox where event_type = '{event_type}'"))
        .await
}

/// Raises an alert for `device` in the UTC hour before `hour_end` with one
/// reading above the device's limit of 1 kWh.
async fn raise(app: &TestApp, admin: &TestUser, device: &str, hour_end: &str) {
    store(app, admin, &[reading(device, hour_end, "1.5")]).await;
}

#[tokio::test]
async fn alert_is_raised_once_above_limit() {
    // Arrange
    let app = spawn_devhost().await;
    let admin = app.create_admin("root").await;
    let ana = app.register_client("ana").await;
    let device = id_of(
        &app.create_device(&admin, "Kitchen", 1.0, Some(&ana.id))
            .await,
    );

    // Act and assert: exactly the limit is not above it.
    store(
        &app,
        &admin,
        &[
            reading(&device, "2026-06-15T10:15:00Z", "0.4"),
            reading(&device, "2026-06-15T10:30:00Z", "0.6"),
        ],
    )
    .await;
    let (_, at_limit) = app.call("GET", "/api/alerts", Some(&ana.token), None).await;
    assert_eq!(
        at_limit["total"], 0,
        "an hour at the limit raises nothing: {at_limit}"
    );
    assert_eq!(event_count(&app, "alert.raised").await, 0);

    store(
        &app,
        &admin,
        &[reading(&device, "2026-06-15T10:45:00Z", "0.000001")],
    )
    .await;
    store(
        &app,
        &admin,
        &[reading(&device, "2026-06-15T10:50:00Z", "0.5")],
    )
    .await;
    store(
        &app,
        &admin,
        &[
            reading(&device, "2026-06-15T11:00:00Z", "0.5"),
            reading(&device, "2026-06-15T10:55:00Z", "2"),
        ],
    )
    .await;
    let alerts = get_ok(&app, &ana, "/api/alerts").await;

    assert_eq!(alerts["total"], 1, "one alert for the hour: {alerts}");
    let alert = &alerts["items"][0];
    assert_eq!(alert["device_id"], device.as_str());
    assert_eq!(alert["device_name"], "Kitchen");
    assert_eq!(alert["owner_id"], ana.id.as_str());
    assert_eq!(alert["hour_start"], "2026-06-15T10:00:00Z");
    assert_eq!(
        decimal(&alert["kwh"]),
        dec("1.000001"),
        "the total when the limit was passed"
    );
    assert_eq!(alert["max_hourly_kwh"], json!(1));
    assert_eq!(alert["acknowledged_at"], Value::Null);
    assert!(alert["raised_at"].is_string(), "{alert}");
    assert_eq!(
        event_count(&app, "alert.raised").await,
        1,
        "one alert.raised event"
    );
    let pool = app.database.pool().await;
    let data: Value =
        sqlx::query_scalar("select data from outbox where event_type = 'alert.raised'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(data["id"], alert["id"], "the event carries the alert");
    assert_eq!(data["device_name"], "Kitchen");
    let day = get_ok(
        &app,
        &admin,
        &format!("/api/devices/{device}/consumption?date=2026-06-15&tz=UTC"),
    )
    .await;
    assert_eq!(decimal(&day["hours"][10]["kwh"]), dec("4.000001"));
    assert_eq!(day["hours"][10]["over_limit"], true);
}

#[tokio::test]
async fn acknowledge_works_once() {
    // Arrange
    let app = spawn_devhost().await;
    let admin = app.create_admin("root").await;
    let ana = app.register_client("ana").await;
    let bob = app.register_client("bob").await;
    let device = id_of(&app.create_device(&admin, "meter", 1.0, Some(&ana.id)).await);
    raise(&app, &admin, &device, "2026-06-15T11:00:00Z").await;
    let alert_id = id_of(&get_ok(&app, &ana, "/api/alerts").await["items"][0]);
    let path = format!("/api/alerts/{alert_id}/ack");

    // Act
    let (other, other_body) = app.call("POST", &path, Some(&bob.token), None).await;
    let (first, acknowledged) = app.call("POST", &path, Some(&ana.token), None).await;
    let (second, again) = app.call("POST", &path, Some(&ana.token), None).await;
    let (by_admin, admin_body) = app.call("POST", &path, Some(&admin.token), None).await;

    // Assert
    assert_eq!(other, 404, "another client's alert is hidden: {other_body}");
    assert_eq!(first, 200, "{acknowledged}");
    assert!(
        acknowledged["acknowledged_at"].is_string(),
        "{acknowledged}"
    );
    assert_eq!(acknowledged["acknowledged_by"], ana.id.as_str());
    assert_eq!(acknowledged["id"], alert_id.as_str());
    assert_eq!(second, 200, "{again}");
    assert_eq!(
        again, acknowledged,
        "a second acknowledgement changes nothing"
    );
    assert_eq!(by_admin, 200, "{admin_body}");
    assert_eq!(
        admin_body["acknowledged_by"],
        ana.id.as_str(),
        "still the first acknowledgement"
    );
    assert_eq!(
        event_count(&app, "alert.acknowledged").await,
        1,
        "one alert.acknowledged event"
    );
    let pool = app.database.pool().await;
    let data: Value =
        sqlx::query_scalar("select data from outbox where event_type = 'alert.acknowledged'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(data["id"], alert_id.as_str());
    assert!(
        data["acknowledged_at"].is_string(),
        "the event carries the new state: {data}"
    );
    let listed = get_ok(&app, &ana, "/api/alerts?acknowledged=true").await;
    assert_eq!(listed["total"], 1, "{listed}");
}

#[tokio::test]
async fn acknowledge_unknown_alert_is_404() {
    let app = spawn_devhost().await;
    let admin = app.create_admin("root").await;

    for id in ["not-a-uuid".to_owned(), uuid::Uuid::new_v4().to_string()] {
        let (status, body) = app
            .call(
                "POST",
                &format!("/api/alerts/{id}/ack"),
                Some(&admin.token),
                None,
            )
            .await;
        assert_eq!(status, 404, "{id}: {body}");
    }
    let (status, _) = app
        .call(
            "GET",
            &format!("/api/alerts/{}/ack", uuid::Uuid::new_v4()),
            Some(&admin.token),
            None,
        )
        .await;
    assert_eq!(status, 405, "ack takes POST");
}

#[tokio::test]
async fn clients_see_only_own_alerts() {
    // Arrange
    let app = spawn_devhost().await;
    let admin = app.create_admin("root").await;
    let ana = app.register_client("ana").await;
    let bob = app.register_client("bob").await;
    let ana_device = id_of(
        &app.create_device(&admin, "ana meter", 1.0, Some(&ana.id))
            .await,
    );
    let bob_device = id_of(
        &app.create_device(&admin, "bob meter", 1.0, Some(&bob.id))
            .await,
    );
    raise(&app, &admin, &ana_device, "2026-06-15T11:00:00Z").await;
    raise(&app, &admin, &bob_device, "2026-06-15T12:00:00Z").await;

    // Act
    let for_ana = get_ok(&app, &ana, "/api/alerts").await;
    let for_bob_by_device =
        get_ok(&app, &bob, &format!("/api/alerts?device_id={ana_device}")).await;
    let for_admin = get_ok(&app, &admin, "/api/alerts").await;

    // Assert
    assert_eq!(for_ana["total"], 1, "{for_ana}");
    assert_eq!(for_ana["items"][0]["device_id"], ana_device.as_str());
    assert_eq!(
        for_bob_by_device["total"], 0,
        "a device filter does not widen a client's view: {for_bob_by_device}"
    );
    assert_eq!(for_admin["total"], 2, "{for_admin}");
    assert_eq!(
        for_admin["items"][0]["device_id"],
        bob_device.as_str(),
        "newest hour first"
    );
}

#[tokio::test]
async fn alert_filters_and_pages() {
    // Arrange: four alerts on two devices over two days, one acknowledged.
    let app = spawn_devhost().await;
    let admin = app.create_admin("root").await;
    let first = id_of(&app.create_device(&admin, "first", 1.0, None).await);
    let second = id_of(&app.create_device(&admin, "second", 1.0, None).await);
    raise(&app, &admin, &first, "2026-06-15T10:00:00Z").await;
    raise(&app, &admin, &first, "2026-06-15T23:00:00Z").await;
    raise(&app, &admin, &first, "2026-06-16T00:00:00Z").await;
    raise(&app, &admin, &second, "2026-06-16T06:00:00Z").await;
    let oldest = get_ok(&app, &admin, "/api/alerts?to=2026-06-15T09:00:00Z").await;
    let oldest_id = id_of(&oldest["items"][0]);
    let (acked, _) = app
        .call(
            "POST",
            &format!("/api/alerts/{oldest_id}/ack"),
            Some(&admin.token),
            None,
        )
        .await;
    assert_eq!(acked, 200);
    let hours = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| item["hour_start"].as_str().unwrap().to_owned())
            .collect()
    };
    let cases: [(String, Vec<&str>); 9] = [
        (
            "".into(),
            vec![
                "2026-06-16T05:00:00Z",
                "2026-06-15T23:00:00Z",
                "2026-06-15T22:00:00Z",
                "2026-06-15T09:00:00Z",
            ],
        ),
        (format!("device_id={second}"), vec!["2026-06-16T05:00:00Z"]),
        ("from=2026-06-16".into(), vec!["2026-06-16T05:00:00Z"]),
        (
            "to=2026-06-15".into(),
            vec![
                "2026-06-15T23:00:00Z",
                "2026-06-15T22:00:00Z",
                "2026-06-15T09:00:00Z",
            ],
        ),
        (
            "from=2026-06-15T22:00:00Z&to=2026-06-15T23:00:00Z".into(),
            vec!["2026-06-15T23:00:00Z", "2026-06-15T22:00:00Z"],
        ),
        (
            "from=2026-06-16T00:00:00%2B02:00&to=2026-06-16".into(),
            vec![
                "2026-06-16T05:00:00Z",
                "2026-06-15T23:00:00Z",
                "2026-06-15T22:00:00Z",
            ],
        ),
        ("acknowledged=true".into(), vec!["2026-06-15T09:00:00Z"]),
        (
            format!("acknowledged=false&device_id={first}"),
            vec!["2026-06-15T23:00:00Z", "2026-06-15T22:00:00Z"],
        ),
        ("per_page=3&page=2".into(), vec!["2026-06-15T09:00:00Z"]),
    ];

    for (query, expected) in cases {
        // Act
        let page = get_ok(&app, &admin, &format!("/api/alerts?{query}")).await;

        // Assert
        assert_eq!(hours(&page), expected, "?{query}");
        if query.starts_with("per_page") {
            assert_eq!(page["total"], 4, "?{query}: total counts every page");
            assert_eq!(page["page"], 2, "?{query}");
            assert_eq!(page["per_page"], 3, "?{query}");
        } else {
            assert_eq!(page["total"], expected.len(), "?{query}: total");
        }
    }
}
