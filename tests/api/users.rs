use serde_json::json;

use dms_tests::spawn_devhost;

#[tokio::test]
async fn admin_manages_users() {
    let app = spawn_devhost().await;
    let root = app.create_admin("root").await;

    let (created, user) = app
        .call(
            "POST",
            "/api/users",
            Some(&root.token),
            Some(json!({"username": "bob", "email": "bob@example.com", "password": "bob-password", "role": "client"})),
        )
        .await;
    let id = user["id"].as_str().unwrap().to_owned();
    let (shown, shown_user) = app
        .call("GET", &format!("/api/users/{id}"), Some(&root.token), None)
        .await;
    let (patched, patched_user) = app
        .call(
            "PATCH",
            &format!("/api/users/{id}"),
            Some(&root.token),
            Some(json!({"email": "robert@example.com", "timezone": "Asia/Kathmandu"})),
        )
        .await;
    let (cleared, cleared_user) = app
        .call(
            "PATCH",
            &format!("/api/users/{id}"),
            Some(&root.token),
            Some(json!({"timezone": null})),
        )
        .await;
    let (deleted, _) = app
        .call(
            "DELETE",
            &format!("/api/users/{id}"),
            Some(&root.token),
            None,
        )
        .await;
    let (gone, _) = app
        .call("GET", &format!("/api/users/{id}"), Some(&root.token), None)
        .await;
    let (deleted_again, _) = app
        .call(
            "DELETE",
            &format!("/api/users/{id}"),
            Some(&root.token),
            None,
        )
        .await;

    assert_eq!(created, 201, "{user}");
    assert_eq!(shown, 200);
    assert_eq!(shown_user["username"], "bob");
    assert_eq!(patched, 200, "{patched_user}");
    assert_eq!(patched_user["email"], "robert@example.com");
    assert_eq!(patched_user["timezone"], "Asia/Kathmandu");
    assert_eq!(cleared, 200);
    assert_eq!(cleared_user["timezone"], serde_json::Value::Null);
    assert_eq!(
        cleared_user["email"], "robert@example.com",
        "absent fields stay"
    );
    assert_eq!(deleted, 204);
    assert_eq!(gone, 404);
    assert_eq!(deleted_again, 404);
    assert_eq!(
        app.count("outbox where event_type = 'user.updated'").await,
        2
    );
    assert_eq!(
        app.count("outbox where event_type = 'user.deleted'").await,
        1
    );
}

#[tokio::test]
async fn list_filters_searches_and_pages() {
    let app = spawn_devhost().await;
    let root = app.create_admin("root").await;
    for name in ["alice", "albert", "bob", "carol"] {
        app.register_client(name).await;
    }

    let (_, clients) = app
        .call("GET", "/api/users?role=client", Some(&root.token), None)
        .await;
    let (_, admins) = app
        .call("GET", "/api/users?role=admin", Some(&root.token), None)
        .await;
    let (_, search) = app
        .call("GET", "/api/users?q=AL", Some(&root.token), None)
        .await;
    let (_, by_email) = app
        .call("GET", "/api/users?q=carol%40ex", Some(&root.token), None)
        .await;
    let (_, page_two) = app
        .call(
            "GET",
            "/api/users?page=2&per_page=2",
            Some(&root.token),
            None,
        )
        .await;
    let (bad_role, _) = app
        .call("GET", "/api/users?role=owner", Some(&root.token), None)
        .await;
    let (bad_size, size_error) = app
        .call("GET", "/api/users?per_page=101", Some(&root.token), None)
        .await;
    let (bad_page, _) = app
        .call("GET", "/api/users?page=0", Some(&root.token), None)
        .await;

    assert_eq!(clients["total"], 4);
    assert_eq!(admins["total"], 1);
    let names: Vec<&str> = search["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["albert", "alice"]);
    assert_eq!(by_email["total"], 1);
    assert_eq!(page_two["total"], 5);
    assert_eq!(page_two["page"], 2);
    assert_eq!(page_two["per_page"], 2);
    assert_eq!(page_two["items"].as_array().unwrap().len(), 2);
    assert_eq!(bad_role, 400);
    assert_eq!(bad_size, 400);
    assert_eq!(size_error["errors"][0]["field"], "per_page");
    assert_eq!(bad_page, 400);
}

#[tokio::test]
async fn names_and_emails_are_unique_without_case() {
    let app = spawn_devhost().await;
    let root = app.create_admin("root").await;
    app.register_client("ana").await;

    let (name_status, name_body) = app
        .call(
            "POST",
            "/api/auth/register",
            None,
            Some(json!({"username": "ANA", "email": "other@example.com", "password": "long-password"})),
        )
        .await;
    let (email_status, email_body) = app
        .call(
            "POST",
            "/api/users",
            Some(&root.token),
            Some(json!({"username": "other", "email": "ANA@EXAMPLE.COM", "password": "long-password", "role": "admin"})),
        )
        .await;

    assert_eq!(name_status, 409, "{name_body}");
    assert_eq!(name_body["errors"][0]["field"], "username");
    assert_eq!(email_status, 409, "{email_body}");
    assert_eq!(email_body["errors"][0]["field"], "email");
    assert_eq!(app.count("app_user").await, 2);
}

#[tokio::test]
async fn last_admin_cannot_be_deleted_or_demoted() {
    let app = spawn_devhost().await;
    let root = app.create_admin("root").await;

    let (delete, delete_body) = app
        .call(
            "DELETE",
            &format!("/api/users/{}", root.id),
            Some(&root.token),
            None,
        )
        .await;
    let (demote, demote_body) = app
        .call(
            "PATCH",
            &format!("/api/users/{}", root.id),
            Some(&root.token),
            Some(json!({"role": "client"})),
        )
        .await;
    let (me, me_body) = app
        .call("GET", "/api/users/me", Some(&root.token), None)
        .await;

    assert_eq!(delete, 409, "{delete_body}");
    assert_eq!(demote, 409, "{demote_body}");
    assert_eq!(me, 200);
    assert_eq!(me_body["role"], "admin");
    assert_eq!(
        app.count("outbox").await,
        0,
        "no event for a refused change"
    );
}

#[tokio::test]
async fn two_admins_deleting_each_other_at_once_leave_one() {
    for round in 0..5 {
        // Arrange
        let app = spawn_devhost().await;
        let first = app.create_admin("first").await;
        let second = app.create_admin("second").await;

        // Act
        let second_path = format!("/api/users/{}", second.id);
        let first_path = format!("/api/users/{}", first.id);
        let (a, b) = tokio::join!(
            app.call("DELETE", &second_path, Some(&first.token), None),
            app.call("DELETE", &first_path, Some(&second.token), None),
        );

        // Assert
        let remaining = app
            .count("app_user where role = 'admin' and deleted_at is null")
            .await;
        assert_eq!(remaining, 1, "round {round}: statuses {} and {}", a.0, b.0);
        let mut statuses = [a.0, b.0];
        statuses.sort();
        assert!(
            statuses == [204, 401] || statuses == [204, 409],
            "round {round}: one delete wins, the other is refused: {statuses:?}"
        );
    }
}

#[tokio::test]
async fn concurrent_demotions_keep_an_admin() {
    let app = spawn_devhost().await;
    let first = app.create_admin("first").await;
    let second = app.create_admin("second").await;

    let first_path = format!("/api/users/{}", first.id);
    let second_path = format!("/api/users/{}", second.id);
    let (a, b) = tokio::join!(
        app.call(
            "PATCH",
            &first_path,
            Some(&first.token),
            Some(json!({"role": "client"}))
        ),
        app.call(
            "PATCH",
            &second_path,
            Some(&second.token),
            Some(json!({"role": "client"}))
        ),
    );

    let remaining = app
        .count("app_user where role = 'admin' and deleted_at is null")
        .await;
    assert_eq!(remaining, 1, "statuses {} {}", a.0, b.0);
}

#[tokio::test]
async fn profile_and_admins_for_any_user() {
    let app = spawn_devhost().await;
    let root = app.create_admin("root").await;
    let ana = app.register_client("ana").await;

    let (patched, profile) = app
        .call(
            "PATCH",
            "/api/users/me",
            Some(&ana.token),
            Some(json!({"email": "ana@new.example", "timezone": "America/New_York"})),
        )
        .await;
    let (role_change, role_body) = app
        .call(
            "PATCH",
            "/api/users/me",
            Some(&ana.token),
            Some(json!({"role": "admin"})),
        )
        .await;
    let (bad_zone, zone_body) = app
        .call(
            "PATCH",
            "/api/users/me",
            Some(&ana.token),
            Some(json!({"timezone": "Europe/Atlantis"})),
        )
        .await;
    let (admins_status, admins) = app.call("GET", "/api/admins", Some(&ana.token), None).await;

    assert_eq!(patched, 200);
    assert_eq!(profile["email"], "ana@new.example");
    assert_eq!(profile["timezone"], "America/New_York");
    assert_eq!(role_change, 400, "role is not a profile field: {role_body}");
    assert_eq!(bad_zone, 422);
    assert_eq!(zone_body["errors"][0]["field"], "timezone");
    assert_eq!(admins_status, 200);
    assert_eq!(admins, json!([{"id": root.id, "username": "root"}]));
}

#[tokio::test]
async fn deleting_client_releases_devices_and_ends_ownership() {
    let app = spawn_devhost().await;
    let root = app.create_admin("root").await;
    let ana = app.register_client("ana").await;
    let device = app.create_device(&root, "meter", 5.0, Some(&ana.id)).await;

    let (status, _) = app
        .call(
            "DELETE",
            &format!("/api/users/{}", ana.id),
            Some(&root.token),
            None,
        )
        .await;
    let (_, after) = app
        .call(
            "GET",
            &format!("/api/devices/{}", device["id"].as_str().unwrap()),
            Some(&root.token),
            None,
        )
        .await;

    assert_eq!(status, 204);
    assert_eq!(after["owner_id"], serde_json::Value::Null);
    assert_eq!(
        app.count("device_ownership where ended_at is null").await,
        0
    );
    assert_eq!(app.count("device_ownership").await, 1);
    assert_eq!(
        app.count("outbox where event_type = 'device.updated'")
            .await,
        1
    );
}
