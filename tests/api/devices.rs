use serde_json::{json, Value};

use dms_tests::spawn_devhost;

#[tokio::test]
async fn admin_creates_assigns_and_client_sees_only_own() {
    // Arrange
    let app = spawn_devhost().await;
    let root = app.create_admin("root").await;
    let ana = app.register_client("ana").await;
    let bob = app.register_client("bob").await;

    // Act
    let response = app
        .client
        .post(app.url("/api/devices"))
        .bearer_auth(&root.token)
        .json(&json!({"name": "Kitchen meter", "description": "ground floor", "location": "Cluj", "max_hourly_kwh": 2.5}))
        .send()
        .await
        .unwrap();
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let device: Value = response.json().await.unwrap();
    let id = device["id"].as_str().unwrap().to_owned();
    let (assigned, assigned_body) = app
        .call(
            "PUT",
            &format!("/api/devices/{id}/owner"),
            Some(&root.token),
            Some(json!({"owner_id": ana.id})),
        )
        .await;
    app.create_device(&root, "Bob's meter", 3.0, Some(&bob.id))
        .await;
    let (_, ana_list) = app
        .call("GET", "/api/devices", Some(&ana.token), None)
        .await;
    let (ana_get, _) = app
        .call("GET", &format!("/api/devices/{id}"), Some(&ana.token), None)
        .await;
    let (bob_get, bob_body) = app
        .call("GET", &format!("/api/devices/{id}"), Some(&bob.token), None)
        .await;
    let (_, admin_list) = app
        .call("GET", "/api/devices", Some(&root.token), None)
        .await;
    let (_, filtered) = app
        .call(
            "GET",
            &format!("/api/devices?owner_id={}", bob.id),
            Some(&root.token),
            None,
        )
        .await;

    // Assert
    assert_eq!(location, format!("/api/devices/{id}"));
    assert_eq!(device["max_hourly_kwh"], json!(2.5));
    assert_eq!(device["owner_id"], Value::Null);
    assert_eq!(assigned, 200, "{assigned_body}");
    assert_eq!(assigned_body["owner_id"], ana.id.as_str());
    assert_eq!(ana_list["total"], 1);
    assert_eq!(ana_list["items"][0]["id"], id.as_str());
    assert_eq!(ana_get, 200);
    assert_eq!(
        bob_get, 404,
        "another client's device is hidden: {bob_body}"
    );
    assert_eq!(admin_list["total"], 2);
    assert_eq!(filtered["total"], 1);
    assert_eq!(filtered["items"][0]["name"], "Bob's meter");
}

#[tokio::test]
async fn reassignment_keeps_ownership_periods() {
    let app = spawn_devhost().await;
    let root = app.create_admin("root").await;
    let ana = app.register_client("ana").await;
    let bob = app.register_client("bob").await;
    let device = app.create_device(&root, "meter", 4.0, Some(&ana.id)).await;
    let id = device["id"].as_str().unwrap();

    let (same, _) = app
        .call(
            "PUT",
            &format!("/api/devices/{id}/owner"),
            Some(&root.token),
            Some(json!({"owner_id": ana.id})),
        )
        .await;
    let (to_bob, _) = app
        .call(
            "PUT",
            &format!("/api/devices/{id}/owner"),
            Some(&root.token),
            Some(json!({"owner_id": bob.id})),
        )
        .await;
    let (unassigned, body) = app
        .call(
            "PUT",
            &format!("/api/devices/{id}/owner"),
            Some(&root.token),
            Some(json!({"owner_id": null})),
        )
        .await;
    let (to_admin, admin_body) = app
        .call(
            "PUT",
            &format!("/api/devices/{id}/owner"),
            Some(&root.token),
            Some(json!({"owner_id": root.id})),
        )
        .await;
    let (ana_after, _) = app
        .call("GET", &format!("/api/devices/{id}"), Some(&ana.token), None)
        .await;

    assert_eq!(same, 200);
    assert_eq!(to_bob, 200);
    assert_eq!(unassigned, 200);
    assert_eq!(body["owner_id"], Value::Null);
    assert_eq!(to_admin, 422, "only clients own devices: {admin_body}");
    assert_eq!(admin_body["errors"][0]["field"], "owner_id");
    assert_eq!(ana_after, 404);
    assert_eq!(
        app.count("device_ownership").await,
        2,
        "ana's period and bob's period"
    );
    assert_eq!(
        app.count("device_ownership where ended_at is null").await,
        0
    );
    assert_eq!(
        app.count("outbox where event_type = 'device.updated'")
            .await,
        2,
        "no event for an assignment that changed nothing"
    );
}

#[tokio::test]
async fn patch_and_delete_device() {
    let app = spawn_devhost().await;
    let root = app.create_admin("root").await;
    let ana = app.register_client("ana").await;
    let device = app.create_device(&root, "meter", 4.0, Some(&ana.id)).await;
    let id = device["id"].as_str().unwrap();

    let (patched, body) = app
        .call(
            "PATCH",
            &format!("/api/devices/{id}"),
            Some(&root.token),
            Some(json!({"name": "Main meter", "description": null, "location": "Iasi", "max_hourly_kwh": 10000})),
        )
        .await;
    let (deleted, _) = app
        .call(
            "DELETE",
            &format!("/api/devices/{id}"),
            Some(&root.token),
            None,
        )
        .await;
    let (gone, _) = app
        .call(
            "GET",
            &format!("/api/devices/{id}"),
            Some(&root.token),
            None,
        )
        .await;
    let (_, list) = app
        .call("GET", "/api/devices", Some(&ana.token), None)
        .await;
    let (patch_gone, _) = app
        .call(
            "PATCH",
            &format!("/api/devices/{id}"),
            Some(&root.token),
            Some(json!({"name": "x"})),
        )
        .await;

    assert_eq!(patched, 200, "{body}");
    assert_eq!(body["name"], "Main meter");
    assert_eq!(body["description"], Value::Null);
    assert_eq!(body["location"], "Iasi");
    assert_eq!(body["max_hourly_kwh"], json!(10000));
    assert_eq!(deleted, 204);
    assert_eq!(gone, 404);
    assert_eq!(list["total"], 0);
    assert_eq!(patch_gone, 404);
    assert_eq!(
        app.count("device_ownership where ended_at is null").await,
        0
    );
    let events: Vec<String> = {
        let pool = app.database.pool().await;
        sqlx::query_scalar("select event_type from outbox order by outbox_id")
            .fetch_all(&pool)
            .await
            .unwrap()
    };
    assert_eq!(
        events,
        ["device.created", "device.updated", "device.deleted"]
    );
}

#[tokio::test]
async fn device_event_carries_full_state() {
    let app = spawn_devhost().await;
    let root = app.create_admin("root").await;
    let device = app.create_device(&root, "meter", 1.25, None).await;

    let pool = app.database.pool().await;
    let (event_id, data): (uuid::Uuid, Value) = sqlx::query_as("select event_id, data from outbox")
        .fetch_one(&pool)
        .await
        .unwrap();

    assert!(!event_id.is_nil());
    assert_eq!(data["id"], device["id"]);
    assert_eq!(data["name"], "meter");
    assert_eq!(data["max_hourly_kwh"], json!(1.25));
    assert_eq!(
        data["created_at"].as_str().unwrap().len(),
        "2026-01-01T00:00:00.000000Z".len()
    );
}

#[tokio::test]
async fn unknown_and_malformed_ids_are_404() {
    let app = spawn_devhost().await;
    let root = app.create_admin("root").await;

    for path in [
        "/api/devices/not-a-uuid",
        &format!("/api/devices/{}", uuid::Uuid::new_v4()),
    ] {
        let (status, body) = app.call("GET", path, Some(&root.token), None).await;
        assert_eq!(status, 404, "{path}: {body}");
    }
}
