//! Bad input: invalid query parameters, ids, bodies and callers each get a clear
//! problem+json, and nothing is written.

use serde_json::Value;

use dms_tests::spawn_devhost;

use crate::{array, id_of, post_raw, reading, written_rows};

#[tokio::test]
async fn bad_query_parameters_name_the_field() {
    // Arrange
    let app = spawn_devhost().await;
    let admin = app.create_admin("root").await;
    let device = id_of(&app.create_device(&admin, "meter", 1.0, None).await);
    let day = format!("/api/devices/{device}/consumption");
    let days = format!("{day}/days");
    let cases = [
        (format!("{day}?date=2026-02-30"), "date"),
        (format!("{day}?date=2026-3-1"), "date"),
        (format!("{day}?date=01/03/2026"), "date"),
        (format!("{day}?date=1969-12-31"), "date"),
        (format!("{day}?tz=Mars/Olympus"), "tz"),
        (format!("{day}?tz=europe/bucharest"), "tz"),
        (format!("{day}?tz=%2B02:00"), "tz"),
        (
            format!("{days}?from=2026-03-01&to=2026-03-02&tz=Nowhere"),
            "tz",
        ),
        (format!("{days}?from=March&to=2026-03-02"), "from"),
        ("/api/consumption?date=tomorrow".to_owned(), "date"),
        ("/api/consumption?tz=GMT+2".to_owned(), "tz"),
        ("/api/consumption?owner_id=ana".to_owned(), "owner_id"),
        ("/api/alerts?device_id=42".to_owned(), "device_id"),
        ("/api/alerts?from=yesterday".to_owned(), "from"),
        ("/api/alerts?to=2026-13-01".to_owned(), "to"),
        ("/api/alerts?from=2026-06-02&to=2026-06-01".to_owned(), "to"),
        ("/api/alerts?acknowledged=yes".to_owned(), "acknowledged"),
        ("/api/alerts?page=0".to_owned(), "page"),
        ("/api/alerts?per_page=101".to_owned(), "per_page"),
    ];

    for (path, field) in cases {
        // Act
        let (status, body) = app.call("GET", &path, Some(&admin.token), None).await;

        // Assert
        assert_eq!(status, 400, "{path}: {body}");
        assert_eq!(body["errors"][0]["field"], field, "{path}: {body}");
        assert!(
            body["detail"].as_str().unwrap_or_default().contains(field),
            "{path}: the detail names {field}"
        );
    }
}

#[tokio::test]
async fn bad_device_ids_are_404() {
    let app = spawn_devhost().await;
    let admin = app.create_admin("root").await;

    for id in ["not-a-uuid".to_owned(), uuid::Uuid::new_v4().to_string()] {
        for path in [
            format!("/api/devices/{id}/consumption?date=2026-06-01"),
            format!("/api/devices/{id}/consumption/days?from=2026-06-01&to=2026-06-02"),
        ] {
            let (status, body) = app.call("GET", &path, Some(&admin.token), None).await;
            assert_eq!(status, 404, "{path}: {body}");
        }
    }
}

#[tokio::test]
async fn anonymous_callers_get_401() {
    let app = spawn_devhost().await;
    let id = uuid::Uuid::new_v4();
    let cases = [
        ("GET", format!("/api/devices/{id}/consumption")),
        (
            "GET",
            format!("/api/devices/{id}/consumption/days?from=2026-06-01&to=2026-06-02"),
        ),
        ("GET", "/api/consumption".to_owned()),
        ("GET", "/api/alerts".to_owned()),
        ("POST", format!("/api/alerts/{id}/ack")),
        ("POST", "/api/readings".to_owned()),
    ];

    for (method, path) in cases {
        let (status, body) = app
            .call(method, &path, None, Some(Value::Array(Vec::new())))
            .await;
        assert_eq!(status, 401, "{method} {path}: {body}");
    }
    let (status, body) = app
        .call("GET", "/api/alerts", Some("not-a-token"), None)
        .await;
    assert_eq!(status, 401, "invalid token: {body}");
}

#[tokio::test]
async fn wrong_methods_get_405_with_allow() {
    let app = spawn_devhost().await;
    let id = uuid::Uuid::new_v4();
    let cases = [
        ("POST", format!("/api/devices/{id}/consumption"), "GET"),
        (
            "DELETE",
            format!("/api/devices/{id}/consumption/days"),
            "GET",
        ),
        ("PUT", "/api/consumption".to_owned(), "GET"),
        ("POST", "/api/alerts".to_owned(), "GET"),
        ("DELETE", format!("/api/alerts/{id}/ack"), "POST"),
        ("GET", "/api/readings".to_owned(), "POST"),
    ];

    for (method, path, allow) in cases {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let response = app
            .client
            .request(method.clone(), app.url(&path))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 405, "{method} {path}");
        assert_eq!(response.headers()["allow"], allow, "{method} {path}");
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json",
            "{method} {path}"
        );
    }
}

#[tokio::test]
async fn rejected_reading_requests_write_nothing() {
    // Arrange
    let app = spawn_devhost().await;
    let admin = app.create_admin("root").await;
    let ana = app.register_client("ana").await;
    let device = id_of(&app.create_device(&admin, "meter", 1.0, Some(&ana.id)).await);
    let valid_reading = reading(&device, "2026-06-15T10:15:00Z", "5");
    let too_many: Vec<String> = (0..10_001)
        .map(|index| {
            reading(
                &device,
                &format!("2026-06-15T10:{:02}:{:02}Z", index / 60 % 60, index % 60),
                "0.1",
            )
        })
        .collect();
    let oversize = format!("[{}]", " ".repeat(2 * 1024 * 1024));
    let before = written_rows(&app).await;
    let cases = [
        (
            "client",
            Some(ana.token.as_str()),
            "application/json",
            array(std::slice::from_ref(&valid_reading)),
            403,
            None,
        ),
        (
            "too many readings",
            Some(admin.token.as_str()),
            "application/json",
            array(&too_many),
            400,
            Some("body"),
        ),
        (
            "oversize body",
            Some(admin.token.as_str()),
            "application/json",
            oversize,
            413,
            None,
        ),
        (
            "malformed JSON",
            Some(admin.token.as_str()),
            "application/json",
            format!("[{valid_reading},"),
            400,
            Some("body"),
        ),
        (
            "not an object or array",
            Some(admin.token.as_str()),
            "application/json",
            "42".to_owned(),
            400,
            Some("body"),
        ),
        (
            "plain text",
            Some(admin.token.as_str()),
            "text/plain",
            array(std::slice::from_ref(&valid_reading)),
            415,
            None,
        ),
    ];

    for (name, token, content_type, body, status, field) in cases {
        // Act
        let (actual, problem) = post_raw(&app, token, content_type, body).await;

        // Assert
        assert_eq!(actual, status, "{name}: {problem}");
        assert_eq!(problem["status"], status, "{name}: problem+json");
        if let Some(field) = field {
            assert_eq!(problem["errors"][0]["field"], field, "{name}: {problem}");
        }
    }
    assert_eq!(
        written_rows(&app).await,
        before,
        "readings, totals, alerts and events unchanged"
    );
    assert_eq!(before, [0, 0, 0, 0, 1], "only the device.created event");
}
