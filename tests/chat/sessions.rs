use serde_json::{json, Value};

use dms_tests::spawn_devhost;

use crate::{chat_event_types, events, execute, open_session, send};

#[tokio::test]
async fn create_session_returns_201_and_event() {
    let app = spawn_devhost().await;
    let ana = app.register_client("ana").await;

    let response = app
        .client
        .post(app.url("/api/chat/sessions"))
        .bearer_auth(&ana.token)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let session: Value = response.json().await.unwrap();
    let id = session["id"].as_str().unwrap();
    let session_events = events(&app, "chat.session").await;

    assert_eq!(status, 201, "{session}");
    assert_eq!(location, format!("/api/chat/sessions/{id}"));
    assert_eq!(session["client_id"], ana.id.as_str());
    assert_eq!(session["admin_id"], Value::Null);
    assert_eq!(session["status"], "open");
    assert_eq!(session["needs_human"], false);
    assert_eq!(session["unread"], 0);
    assert_eq!(session["closed_at"], Value::Null);
    assert!(session["created_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(session["last_activity_at"], session["created_at"]);
    assert_eq!(session_events.len(), 1);
    let data = &session_events[0];
    assert_eq!(data["id"], id);
    assert_eq!(data["client_id"], ana.id.as_str());
    assert_eq!(data["status"], "open");
    assert_eq!(data["created_at"], session["created_at"]);
    assert_eq!(data["unread_by_client"], 0);
    assert_eq!(data["unread_by_admin"], 0);
}

#[tokio::test]
async fn empty_body_creates_session() {
    let app = spawn_devhost().await;
    let ana = app.register_client("ana").await;

    let response = app
        .client
        .post(app.url("/api/chat/sessions"))
        .bearer_auth(&ana.token)
        .send()
        .await
        .unwrap();

    assert_eq!(response.status().as_u16(), 201);
}

#[tokio::test]
async fn second_create_returns_open_session() {
    let app = spawn_devhost().await;
    let admin = app.create_admin("root").await;
    let ana = app.register_client("ana").await;
    let first = open_session(&app, &ana).await;

    let (status, second) = app
        .call(
            "POST",
            "/api/chat/sessions",
            Some(&ana.token),
            Some(json!({"admin_id": admin.id})),
        )
        .await;

    assert_eq!(status, 200, "{second}");
    assert_eq!(second["id"], first["id"]);
    assert_eq!(
        second["admin_id"],
        Value::Null,
        "the open session stays as it was"
    );
    assert_eq!(app.count("chat_session").await, 1);
    assert_eq!(events(&app, "chat.session").await.len(), 1);
}

#[tokio::test]
async fn create_after_close_opens_new_session() {
    let app = spawn_devhost().await;
    let ana = app.register_client("ana").await;
    let first = open_session(&app, &ana).await;
    let first_id = first["id"].as_str().unwrap();
    app.call(
        "POST",
        &format!("/api/chat/sessions/{first_id}/close"),
        Some(&ana.token),
        None,
    )
    .await;

    let (status, second) = app
        .call("POST", "/api/chat/sessions", Some(&ana.token), None)
        .await;

    assert_eq!(status, 201, "{second}");
    assert_ne!(second["id"], first["id"]);
    assert_eq!(app.count("chat_session").await, 2);
}

#[tokio::test]
async fn create_with_chosen_admin() {
    let app = spawn_devhost().await;
    let admin = app.create_admin("root").await;
    let ana = app.register_client("ana").await;
    let bob = app.register_client("bob").await;

    let (not_admin, not_admin_body) = app
        .call(
            "POST",
            "/api/chat/sessions",
            Some(&ana.token),
            Some(json!({"admin_id": bob.id})),
        )
        .await;
    let (unknown, _) = app
        .call(
            "POST",
            "/api/chat/sessions",
            Some(&ana.token),
            Some(json!({"admin_id": "00000000-0000-4000-8000-000000000000"})),
        )
        .await;
    let written_before = app.count("chat_session").await;
    let (status, session) = app
        .call(
            "POST",
            "/api/chat/sessions",
            Some(&ana.token),
            Some(json!({"admin_id": admin.id})),
        )
        .await;

    assert_eq!(not_admin, 422, "{not_admin_body}");
    assert_eq!(not_admin_body["errors"][0]["field"], "admin_id");
    assert_eq!(unknown, 422);
    assert_eq!(written_before, 0);
    assert_eq!(status, 201, "{session}");
    assert_eq!(session["admin_id"], admin.id.as_str());
    assert_eq!(
        events(&app, "chat.session").await[0]["admin_id"],
        admin.id.as_str()
    );
}

#[tokio::test]
async fn alias_creates_session() {
    let app = spawn_devhost().await;
    let ana = app.register_client("ana").await;

    let (status, session) = app
        .call(
            "POST",
            "/chat/api/sessions",
            Some(&ana.token),
            Some(json!({})),
        )
        .await;
    let (again, same) = app
        .call(
            "POST",
            "/chat/api/sessions",
            Some(&ana.token),
            Some(json!({})),
        )
        .await;

    assert_eq!(status, 201, "{session}");
    assert_eq!(session["client_id"], ana.id.as_str());
    assert_eq!(again, 200);
    assert_eq!(same["id"], session["id"]);
}

#[tokio::test]
async fn admin_cannot_create_session() {
    let app = spawn_devhost().await;
    let admin = app.create_admin("root").await;

    let (status, body) = app
        .call(
            "POST",
            "/api/chat/sessions",
            Some(&admin.token),
            Some(json!({})),
        )
        .await;

    assert_eq!(status, 403, "{body}");
    assert_eq!(app.count("chat_session").await, 0);
}

#[tokio::test]
async fn show_session_to_participants() {
    let app = spawn_devhost().await;
    let admin = app.create_admin("root").await;
    let ana = app.register_client("ana").await;
    let session = open_session(&app, &ana).await;
    let id = session["id"].as_str().unwrap();
    send(&app, &admin, id, "Hello, how can I help?").await;

    let (client_status, client_view) = app
        .call(
            "GET",
            &format!("/api/chat/sessions/{id}"),
            Some(&ana.token),
            None,
        )
        .await;
    let (admin_status, admin_view) = app
        .call(
            "GET",
            &format!("/api/chat/sessions/{id}"),
            Some(&admin.token),
            None,
        )
        .await;

    assert_eq!(client_status, 200, "{client_view}");
    assert_eq!(client_view["unread"], 1);
    assert_eq!(client_view["admin_id"], admin.id.as_str());
    assert_eq!(admin_status, 200);
    assert_eq!(admin_view["unread"], 0);
}

#[tokio::test]
async fn list_sessions_scoped_and_filtered() {
    // Arrange: ana's session is unassigned and needs a human, bob's belongs to
    // root, carl's belongs to another admin and carl's earlier one is closed.
    let app = spawn_devhost().await;
    let root = app.create_admin("root").await;
    let other = app.create_admin("other").await;
    let ana = app.register_client("ana").await;
    let bob = app.register_client("bob").await;
    let carl = app.register_client("carl").await;
    let carl_closed = open_session(&app, &carl).await;
    let carl_closed_id = carl_closed["id"].as_str().unwrap();
    app.call(
        "POST",
        &format!("/api/chat/sessions/{carl_closed_id}/close"),
        Some(&carl.token),
        None,
    )
    .await;
    let carl_open = open_session(&app, &carl).await;
    send(&app, &other, carl_open["id"].as_str().unwrap(), "Hi Carl").await;
    let bob_session = open_session(&app, &bob).await;
    send(&app, &root, bob_session["id"].as_str().unwrap(), "Hi Bob").await;
    let ana_session = open_session(&app, &ana).await;
    let ana_id = ana_session["id"].as_str().unwrap();
    send(&app, &ana, ana_id, "I need a person").await;
    execute(
        &app,
        &format!("update chat_session set needs_human = true where session_id = '{ana_id}'"),
    )
    .await;

    // Act
    let (status, root_all) = app
        .call("GET", "/api/chat/sessions", Some(&root.token), None)
        .await;
    let (_, root_open) = app
        .call(
            "GET",
            "/api/chat/sessions?status=open",
            Some(&root.token),
            None,
        )
        .await;
    let (_, root_closed) = app
        .call(
            "GET",
            "/api/chat/sessions?status=closed",
            Some(&root.token),
            None,
        )
        .await;
    let (_, root_needs_human) = app
        .call(
            "GET",
            "/api/chat/sessions?needs_human=true",
            Some(&root.token),
            None,
        )
        .await;
    let (_, root_no_human) = app
        .call(
            "GET",
            "/api/chat/sessions?status=open&needs_human=false",
            Some(&root.token),
            None,
        )
        .await;
    let (_, carl_all) = app
        .call("GET", "/api/chat/sessions", Some(&carl.token), None)
        .await;
    let (_, carl_page) = app
        .call(
            "GET",
            "/api/chat/sessions?per_page=1&page=2",
            Some(&carl.token),
            None,
        )
        .await;

    // Assert
    let ids = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| item["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(status, 200, "{root_all}");
    assert_eq!(
        ids(&root_all),
        [ana_id, bob_session["id"].as_str().unwrap(), carl_closed_id],
        "root sees unassigned and own sessions, newest activity first"
    );
    assert_eq!(root_all["total"], 3);
    assert_eq!(root_all["page"], 1);
    assert_eq!(root_all["per_page"], 20);
    assert_eq!(
        ids(&root_open),
        [ana_id, bob_session["id"].as_str().unwrap()]
    );
    assert_eq!(ids(&root_closed), [carl_closed_id]);
    assert_eq!(ids(&root_needs_human), [ana_id]);
    assert_eq!(ids(&root_no_human), [bob_session["id"].as_str().unwrap()]);
    assert_eq!(
        root_all["items"][0]["unread"], 1,
        "ana's message is unread for admins"
    );
    assert_eq!(
        root_all["items"][1]["unread"], 0,
        "root's own message is not unread for root"
    );
    assert_eq!(carl_all["total"], 2);
    assert_eq!(carl_all["items"][0]["id"], carl_open["id"]);
    assert_eq!(carl_all["items"][0]["unread"], 1);
    assert_eq!(carl_page["total"], 2);
    assert_eq!(ids(&carl_page), [carl_closed_id]);
}

#[tokio::test]
async fn close_session_once() {
    let app = spawn_devhost().await;
    let admin = app.create_admin("root").await;
    let ana = app.register_client("ana").await;
    let session = open_session(&app, &ana).await;
    let id = session["id"].as_str().unwrap();
    send(&app, &admin, id, "Anything else?").await;
    let (_, sent) = app
        .call(
            "POST",
            &format!("/api/chat/sessions/{id}/messages"),
            Some(&ana.token),
            Some(json!({"body": "No, thanks", "client_msg_id": "c-1"})),
        )
        .await;

    let (closed, closed_body) = app
        .call(
            "POST",
            &format!("/api/chat/sessions/{id}/close"),
            Some(&admin.token),
            None,
        )
        .await;
    let (again, again_body) = app
        .call(
            "POST",
            &format!("/api/chat/sessions/{id}/close"),
            Some(&ana.token),
            Some(json!({})),
        )
        .await;
    let messages_before = app.count("chat_message").await;
    let (rejected, rejected_body) = app
        .call(
            "POST",
            &format!("/api/chat/sessions/{id}/messages"),
            Some(&ana.token),
            Some(json!({"body": "wait"})),
        )
        .await;
    let (resent, resent_body) = app
        .call(
            "POST",
            &format!("/api/chat/sessions/{id}/messages"),
            Some(&ana.token),
            Some(json!({"body": "No, thanks", "client_msg_id": "c-1"})),
        )
        .await;

    assert_eq!(closed, 200, "{closed_body}");
    assert_eq!(closed_body["status"], "closed");
    assert!(closed_body["closed_at"].is_string());
    assert_eq!(again, 200, "{again_body}");
    assert_eq!(again_body["closed_at"], closed_body["closed_at"]);
    assert_eq!(rejected, 409, "{rejected_body}");
    assert_eq!(app.count("chat_message").await, messages_before);
    assert_eq!(
        resent, 200,
        "a resend of a stored message still finds it: {resent_body}"
    );
    assert_eq!(resent_body["id"], sent["id"]);
    let session_events = events(&app, "chat.session").await;
    assert_eq!(
        session_events.len(),
        3,
        "created, taken over by the admin's message, closed"
    );
    assert_eq!(session_events[2]["status"], "closed");
    assert_eq!(session_events[2]["closed_at"], closed_body["closed_at"]);
}

#[tokio::test]
async fn take_over_rules() {
    let app = spawn_devhost().await;
    let root = app.create_admin("root").await;
    let other = app.create_admin("other").await;
    let ana = app.register_client("ana").await;
    let session = open_session(&app, &ana).await;
    let id = session["id"].as_str().unwrap();
    execute(
        &app,
        &format!("update chat_session set needs_human = true where session_id = '{id}'"),
    )
    .await;
    let path = format!("/api/chat/sessions/{id}/admin");

    let (taken, taken_body) = app.call("PUT", &path, Some(&root.token), None).await;
    let (again, again_body) = app
        .call("PUT", &path, Some(&root.token), Some(json!({})))
        .await;
    let (contested, contested_body) = app.call("PUT", &path, Some(&other.token), None).await;
    let (hidden, _) = app
        .call(
            "GET",
            &format!("/api/chat/sessions/{id}/messages"),
            Some(&other.token),
            None,
        )
        .await;
    let (client, _) = app.call("PUT", &path, Some(&ana.token), None).await;

    assert_eq!(taken, 200, "{taken_body}");
    assert_eq!(taken_body["admin_id"], root.id.as_str());
    assert_eq!(taken_body["needs_human"], false);
    assert_eq!(again, 200, "{again_body}");
    assert_eq!(contested, 409, "{contested_body}");
    assert_eq!(hidden, 404, "another admin's session is hidden");
    assert_eq!(client, 403);
    assert_eq!(
        app.count("chat_session where admin_id is not null").await,
        1
    );
    let session_events = events(&app, "chat.session").await;
    assert_eq!(session_events.len(), 2, "created, then taken over once");
    assert_eq!(session_events[1]["admin_id"], root.id.as_str());
    assert_eq!(session_events[1]["needs_human"], false);
}

#[tokio::test]
async fn take_over_closed_session_conflicts() {
    let app = spawn_devhost().await;
    let root = app.create_admin("root").await;
    let ana = app.register_client("ana").await;
    let session = open_session(&app, &ana).await;
    let id = session["id"].as_str().unwrap();
    app.call(
        "POST",
        &format!("/api/chat/sessions/{id}/close"),
        Some(&ana.token),
        None,
    )
    .await;

    let (status, body) = app
        .call(
            "PUT",
            &format!("/api/chat/sessions/{id}/admin"),
            Some(&root.token),
            None,
        )
        .await;

    assert_eq!(status, 409, "{body}");
    assert_eq!(
        app.count("chat_session where admin_id is not null").await,
        0
    );
}

#[tokio::test]
async fn deleted_admins_session_can_be_taken_over() {
    let app = spawn_devhost().await;
    let root = app.create_admin("root").await;
    let leaver = app.create_admin("leaver").await;
    let ana = app.register_client("ana").await;
    let session = open_session(&app, &ana).await;
    let id = session["id"].as_str().unwrap();
    send(&app, &leaver, id, "I'll look into it").await;
    let (hidden_before, _) = app
        .call(
            "GET",
            &format!("/api/chat/sessions/{id}"),
            Some(&root.token),
            None,
        )
        .await;
    let (deleted, _) = app
        .call(
            "DELETE",
            &format!("/api/users/{}", leaver.id),
            Some(&root.token),
            None,
        )
        .await;

    let (_, listed) = app
        .call("GET", "/api/chat/sessions", Some(&root.token), None)
        .await;
    let (taken, taken_body) = app
        .call(
            "PUT",
            &format!("/api/chat/sessions/{id}/admin"),
            Some(&root.token),
            None,
        )
        .await;

    assert_eq!(hidden_before, 404);
    assert_eq!(deleted, 204);
    assert_eq!(
        listed["total"], 1,
        "a deleted admin's session counts as unassigned"
    );
    assert_eq!(taken, 200, "{taken_body}");
    assert_eq!(taken_body["admin_id"], root.id.as_str());
}

#[tokio::test]
async fn unknown_session_is_404() {
    let app = spawn_devhost().await;
    let root = app.create_admin("root").await;
    let missing = "00000000-0000-4000-8000-000000000000";

    let (show, _) = app
        .call(
            "GET",
            &format!("/api/chat/sessions/{missing}"),
            Some(&root.token),
            None,
        )
        .await;
    let (take, _) = app
        .call(
            "PUT",
            &format!("/api/chat/sessions/{missing}/admin"),
            Some(&root.token),
            None,
        )
        .await;
    let (close, _) = app
        .call(
            "POST",
            &format!("/api/chat/sessions/{missing}/close"),
            Some(&root.token),
            None,
        )
        .await;

    assert_eq!(show, 404);
    assert_eq!(take, 404);
    assert_eq!(close, 404);
    assert!(chat_event_types(&app).await.is_empty());
}
