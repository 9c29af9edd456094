use serde_json::{json, Value};

use dms_tests::spawn_devhost;

use crate::{chat_row_counts, open_session, send};

#[tokio::test]
async fn anonymous_requests_get_401() {
    let app = spawn_devhost().await;
    let ana = app.register_client("ana").await;
    let session = open_session(&app, &ana).await;
    let id = session["id"].as_str().unwrap();
    let message = send(&app, &ana, id, "hello").await;
    let message_id = message["id"].as_str().unwrap();
    let before = chat_row_counts(&app).await;
    let routes: Vec<(&str, String, Option<Value>)> = vec![
        ("GET", "/api/chat/sessions".into(), None),
        ("POST", "/api/chat/sessions".into(), Some(json!({}))),
        ("POST", "/chat/api/sessions".into(), Some(json!({}))),
        ("GET", format!("/api/chat/sessions/{id}"), None),
        ("GET", format!("/api/chat/sessions/{id}/messages"), None),
        ("GET", format!("/chat/api/sessions/{id}/messages"), None),
        (
            "GET",
            format!("/api/chat/sessions/{id}/messages/{message_id}"),
            None,
        ),
        (
            "POST",
            format!("/api/chat/sessions/{id}/messages"),
            Some(json!({"body": "x"})),
        ),
        (
            "POST",
            format!("/api/chat/sessions/{id}/read"),
            Some(json!({"up_to_message_id": message_id})),
        ),
        ("POST", format!("/api/chat/sessions/{id}/close"), None),
        ("PUT", format!("/api/chat/sessions/{id}/admin"), None),
        (
            "POST",
            "/api/chat/assist".into(),
            Some(json!({"session_id": id})),
        ),
        (
            "POST",
            "/api/chat/notify/overconsumption".into(),
            Some(json!({"client_id": ana.id})),
        ),
        (
            "POST",
            "/chat/api/notify/overconsumption".into(),
            Some(json!({"client_id": ana.id})),
        ),
    ];

    for (method, path, body) in routes {
        let (status, problem) = app.call(method, &path, None, body.clone()).await;
        assert_eq!(status, 401, "{method} {path}: {problem}");
        let (bad_token, _) = app.call(method, &path, Some("not-a-token"), body).await;
        assert_eq!(bad_token, 401, "{method} {path} with an invalid token");
    }
    assert_eq!(chat_row_counts(&app).await, before);
}

#[tokio::test]
async fn other_client_gets_404() {
    let app = spawn_devhost().await;
    let ana = app.register_client("ana").await;
    let bob = app.register_client("bob").await;
    let session = open_session(&app, &ana).await;
    let id = session["id"].as_str().unwrap();
    let message = send(&app, &ana, id, "private").await;
    let message_id = message["id"].as_str().unwrap();
    let before = chat_row_counts(&app).await;
    let routes: Vec<(&str, String, Option<Value>)> = vec![
        ("GET", format!("/api/chat/sessions/{id}"), None),
        ("GET", format!("/api/chat/sessions/{id}/messages"), None),
        ("GET", format!("/chat/api/sessions/{id}/messages"), None),
        (
            "GET",
            format!("/api/chat/sessions/{id}/messages/{message_id}"),
            None,
        ),
        (
            "POST",
            format!("/api/chat/sessions/{id}/messages"),
            Some(json!({"body": "let me in"})),
        ),
        (
            "POST",
            format!("/api/chat/sessions/{id}/read"),
            Some(json!({"up_to_message_id": message_id})),
        ),
        ("POST", format!("/api/chat/sessions/{id}/close"), None),
    ];

    for (method, path, body) in routes {
        let (status, problem) = app.call(method, &path, Some(&bob.token), body).await;
        assert_eq!(status, 404, "{method} {path}: {problem}");
    }
    let (_, bob_list) = app
        .call("GET", "/api/chat/sessions", Some(&bob.token), None)
        .await;
    assert_eq!(bob_list["total"], 0);
    assert_eq!(chat_row_counts(&app).await, before);
}

#[tokio::test]
async fn client_gets_403_on_admin_routes() {
    let app = spawn_devhost().await;
    let ana = app.register_client("ana").await;
    let session = open_session(&app, &ana).await;
    let id = session["id"].as_str().unwrap();
    let before = chat_row_counts(&app).await;
    let routes: Vec<(&str, String, Option<Value>)> = vec![
        ("PUT", format!("/api/chat/sessions/{id}/admin"), None),
        (
            "POST",
            "/api/chat/assist".into(),
            Some(json!({"session_id": id})),
        ),
        (
            "POST",
            "/api/chat/notify/overconsumption".into(),
            Some(json!({"client_id": ana.id})),
        ),
        (
            "POST",
            "/chat/api/notify/overconsumption".into(),
            Some(json!({"client_id": ana.id})),
        ),
    ];

    for (method, path, body) in routes {
        let (status, problem) = app.call(method, &path, Some(&ana.token), body).await;
        assert_eq!(status, 403, "{method} {path}: {problem}");
        assert_eq!(problem["status"], 403);
    }
    assert_eq!(chat_row_counts(&app).await, before);
}

#[tokio::test]
async fn other_admins_session_is_hidden() {
    let app = spawn_devhost().await;
    let owner = app.create_admin("owner").await;
    let outsider = app.create_admin("outsider").await;
    let ana = app.register_client("ana").await;
    let session = open_session(&app, &ana).await;
    let id = session["id"].as_str().unwrap();
    let message = send(&app, &owner, id, "I have this one").await;
    let message_id = message["id"].as_str().unwrap();
    let before = chat_row_counts(&app).await;
    let routes: Vec<(&str, String, Option<Value>)> = vec![
        ("GET", format!("/api/chat/sessions/{id}"), None),
        ("GET", format!("/api/chat/sessions/{id}/messages"), None),
        ("GET", format!("/chat/api/sessions/{id}/messages"), None),
        (
            "GET",
            format!("/api/chat/sessions/{id}/messages/{message_id}"),
            None,
        ),
        (
            "POST",
            format!("/api/chat/sessions/{id}/messages"),
            Some(json!({"body": "mine now"})),
        ),
        (
            "POST",
            format!("/api/chat/sessions/{id}/read"),
            Some(json!({"up_to_message_id": message_id})),
        ),
        ("POST", format!("/api/chat/sessions/{id}/close"), None),
        (
            "POST",
            "/api/chat/assist".into(),
            Some(json!({"session_id": id})),
        ),
    ];

    for (method, path, body) in routes {
        let (status, problem) = app.call(method, &path, Some(&outsider.token), body).await;
        assert_eq!(status, 404, "{method} {path}: {problem}");
    }
    let (_, listed) = app
        .call("GET", "/api/chat/sessions", Some(&outsider.token), None)
        .await;
    assert_eq!(listed["total"], 0);
    assert_eq!(chat_row_counts(&app).await, before);
}

#[tokio::test]
async fn unassigned_session_open_to_admins() {
    let app = spawn_devhost().await;
    let admin = app.create_admin("root").await;
    let ana = app.register_client("ana").await;
    let session = open_session(&app, &ana).await;
    let id = session["id"].as_str().unwrap();
    send(&app, &ana, id, "anyone there?").await;

    let (show, _) = app
        .call(
            "GET",
            &format!("/api/chat/sessions/{id}"),
            Some(&admin.token),
            None,
        )
        .await;
    let (messages, page) = app
        .call(
            "GET",
            &format!("/api/chat/sessions/{id}/messages"),
            Some(&admin.token),
            None,
        )
        .await;

    assert_eq!(show, 200);
    assert_eq!(messages, 200);
    assert_eq!(page["items"][0]["body"], "anyone there?");
}

#[tokio::test]
async fn deleted_client_gets_401() {
    let app = spawn_devhost().await;
    let admin = app.create_admin("root").await;
    let ana = app.register_client("ana").await;
    let session = open_session(&app, &ana).await;
    let id = session["id"].as_str().unwrap();
    app.call(
        "DELETE",
        &format!("/api/users/{}", ana.id),
        Some(&admin.token),
        None,
    )
    .await;

    let (status, _) = app
        .call(
            "POST",
            &format!("/api/chat/sessions/{id}/messages"),
            Some(&ana.token),
            Some(json!({"body": "hi"})),
        )
        .await;

    assert_eq!(status, 401);
    assert_eq!(app.count("chat_message").await, 0);
}
