//! Bad bodies, ids and query parameters: each gets a problem+json naming the
//! field, and nothing is written.

use serde_json::{json, Value};

use dms_tests::spawn_devhost;

use crate::{chat_row_counts, open_session, send};

#[tokio::test]
async fn bad_message_bodies_write_nothing() {
    let app = spawn_devhost().await;
    let ana = app.register_client("ana").await;
    let session = open_session(&app, &ana).await;
    let id = session["id"].as_str().unwrap();
    let path = format!("/api/chat/sessions/{id}/messages");
    let before = chat_row_counts(&app).await;
    let cases: Vec<(Value, u16, &str)> = vec![
        (json!({}), 400, "body"),
        (json!({"body": null}), 400, "body"),
        (json!({"body": 12}), 400, "body"),
        (json!({"body": ""}), 422, "body"),
        (json!({"body": " \n\t "}), 422, "body"),
        (json!({"body": "x".repeat(4001)}), 422, "body"),
        (
            json!({"body": format!(" {} ", "é".repeat(4001))}),
            422,
            "body",
        ),
        (
            json!({"body": "hi", "client_msg_id": ""}),
            422,
            "client_msg_id",
        ),
        (
            json!({"body": "hi", "client_msg_id": "x".repeat(201)}),
            422,
            "client_msg_id",
        ),
        (
            json!({"body": "hi", "client_msg_id": 7}),
            400,
            "client_msg_id",
        ),
        (
            json!({"body": "hi", "sender_kind": "admin"}),
            400,
            "sender_kind",
        ),
        (json!(["hi"]), 400, "body"),
    ];

    for (body, expected, field) in cases {
        let (status, problem) = app
            .call("POST", &path, Some(&ana.token), Some(body.clone()))
            .await;
        assert_eq!(status, expected, "{body}: {problem}");
        assert_eq!(problem["errors"][0]["field"], field, "{body}: {problem}");
    }
    assert_eq!(chat_row_counts(&app).await, before);
}

#[tokio::test]
async fn longest_body_is_accepted() {
    let app = spawn_devhost().await;
    let ana = app.register_client("ana").await;
    let session = open_session(&app, &ana).await;
    let text = format!("  {}  ", "é".repeat(4000));

    let message = send(&app, &ana, session["id"].as_str().unwrap(), &text).await;

    assert_eq!(message["body"].as_str().unwrap().chars().count(), 4000);
}

#[tokio::test]
async fn malformed_bodies_are_rejected() {
    let app = spawn_devhost().await;
    let ana = app.register_client("ana").await;
    let session = open_session(&app, &ana).await;
    let id = session["id"].as_str().unwrap();
    let before = chat_row_counts(&app).await;

    let not_json = app
        .client
        .post(app.url(&format!("/api/chat/sessions/{id}/messages")))
        .bearer_auth(&ana.token)
        .header("content-type", "application/json")
        .body("{\"body\": ")
        .send()
        .await
        .unwrap();
    let plain_text = app
        .client
        .post(app.url(&format!("/api/chat/sessions/{id}/messages")))
        .bearer_auth(&ana.token)
        .header("content-type", "text/plain")
        .body("hello")
        .send()
        .await
        .unwrap();
    let too_large = app
        .client
        .post(app.url(&format!("/api/chat/sessions/{id}/messages")))
        .bearer_auth(&ana.token)
        .json(&json!({"body": "x".repeat(70_000)}))
        .send()
        .await
        .unwrap();

    assert_eq!(not_json.status().as_u16(), 400);
    assert_eq!(plain_text.status().as_u16(), 415);
    assert_eq!(too_large.status().as_u16(), 413);
    assert_eq!(chat_row_counts(&app).await, before);
}

#[tokio::test]
async fn bad_bodies_on_other_routes() {
    let app = spawn_devhost().await;
    let admin = app.create_admin("root").await;
    let ana = app.register_client("ana").await;
    let bob = app.register_client("bob").await;
    let session = open_session(&app, &ana).await;
    let id = session["id"].as_str().unwrap();
    send(&app, &ana, id, "hello").await;
    let bob_session = open_session(&app, &bob).await;
    let bob_message = send(&app, &bob, bob_session["id"].as_str().unwrap(), "hi").await;
    let before = chat_row_counts(&app).await;
    let read = format!("/api/chat/sessions/{id}/read");
    let cases: Vec<(&str, &str, String, Value, u16, &str)> = vec![
        (
            "create",
            "POST",
            "/api/chat/sessions".into(),
            json!({"admin_id": "root"}),
            400,
            "admin_id",
        ),
        (
            "create",
            "POST",
            "/api/chat/sessions".into(),
            json!({"topic": "billing"}),
            400,
            "topic",
        ),
        (
            "close",
            "POST",
            format!("/api/chat/sessions/{id}/close"),
            json!({"reason": "done"}),
            400,
            "reason",
        ),
        (
            "read",
            "POST",
            read.clone(),
            json!({}),
            400,
            "up_to_message_id",
        ),
        (
            "read",
            "POST",
            read.clone(),
            json!({"up_to_message_id": "last"}),
            400,
            "up_to_message_id",
        ),
        (
            "read",
            "POST",
            read.clone(),
            json!({"up_to_message_id": "00000000-0000-4000-8000-000000000000"}),
            422,
            "up_to_message_id",
        ),
        (
            "read",
            "POST",
            read.clone(),
            json!({"up_to_message_id": bob_message["id"]}),
            422,
            "up_to_message_id",
        ),
        (
            "read",
            "POST",
            read,
            json!({"up_to_message_id": bob_message["id"], "all": true}),
            400,
            "all",
        ),
    ];
    let admin_cases: Vec<(&str, &str, String, Value, u16, &str)> = vec![
        (
            "take over",
            "PUT",
            format!("/api/chat/sessions/{id}/admin"),
            json!({"admin_id": admin.id}),
            400,
            "admin_id",
        ),
        (
            "assist",
            "POST",
            "/api/chat/assist".into(),
            json!({}),
            400,
            "session_id",
        ),
        (
            "assist",
            "POST",
            "/api/chat/assist".into(),
            json!({"session_id": "x"}),
            400,
            "session_id",
        ),
        (
            "assist",
            "POST",
            "/api/chat/assist".into(),
            json!({"session_id": id, "tone": "warm"}),
            400,
            "tone",
        ),
    ];

    for (name, method, path, body, expected, field) in cases {
        let (status, problem) = app.call(method, &path, Some(&ana.token), Some(body)).await;
        assert_eq!(status, expected, "{name}: {problem}");
        assert_eq!(problem["errors"][0]["field"], field, "{name}: {problem}");
    }
    for (name, method, path, body, expected, field) in admin_cases {
        let (status, problem) = app
            .call(method, &path, Some(&admin.token), Some(body))
            .await;
        assert_eq!(status, expected, "{name}: {problem}");
        assert_eq!(problem["errors"][0]["field"], field, "{name}: {problem}");
    }
    let (assist_missing, _) = app
        .call(
            "POST",
            "/api/chat/assist",
            Some(&admin.token),
            Some(json!({"session_id": "00000000-0000-4000-8000-000000000000"})),
        )
        .await;
    assert_eq!(assist_missing, 404);
    assert_eq!(chat_row_counts(&app).await, before);
}

#[tokio::test]
async fn bad_ids_and_query_parameters() {
    let app = spawn_devhost().await;
    let admin = app.create_admin("root").await;
    let ana = app.register_client("ana").await;
    let session = open_session(&app, &ana).await;
    let id = session["id"].as_str().unwrap();
    send(&app, &ana, id, "hello").await;
    let before = chat_row_counts(&app).await;
    let not_found = [
        ("GET", "/api/chat/sessions/not-a-uuid".to_owned()),
        ("GET", "/api/chat/sessions/12/messages".to_owned()),
        ("GET", "/chat/api/sessions/12/messages".to_owned()),
        ("GET", format!("/api/chat/sessions/{id}/messages/nope")),
        (
            "GET",
            format!("/api/chat/sessions/{id}/messages/00000000-0000-4000-8000-000000000000"),
        ),
        ("POST", "/api/chat/sessions/x/close".to_owned()),
        ("GET", "/api/chat/unknown".to_owned()),
        ("GET", "/chat/api/unknown".to_owned()),
        ("POST", "/chat/api/sessions/x/close".to_owned()),
    ];
    let bad_queries = [
        ("?limit=0", "limit"),
        ("?limit=101", "limit"),
        ("?limit=many", "limit"),
        ("?cursor=garbage", "cursor"),
        ("?after=garbage", "after"),
        ("?after=00000000-0000-4000-8000-000000000000", "after"),
        (
            "?cursor=older.00000000-0000-4000-8000-000000000000",
            "cursor",
        ),
    ];
    let bad_filters = [
        ("?status=pending", "status"),
        ("?needs_human=maybe", "needs_human"),
        ("?page=0", "page"),
    ];

    for (method, path) in not_found {
        let (status, problem) = app.call(method, &path, Some(&ana.token), None).await;
        assert_eq!(status, 404, "{method} {path}: {problem}");
    }
    for (query, field) in bad_queries {
        let (status, problem) = app
            .call(
                "GET",
                &format!("/api/chat/sessions/{id}/messages{query}"),
                Some(&ana.token),
                None,
            )
            .await;
        assert_eq!(status, 400, "{query}: {problem}");
        assert_eq!(problem["errors"][0]["field"], field, "{query}: {problem}");
    }
    for (query, field) in bad_filters {
        let (status, problem) = app
            .call(
                "GET",
                &format!("/api/chat/sessions{query}"),
                Some(&admin.token),
                None,
            )
            .await;
        assert_eq!(status, 400, "{query}: {problem}");
        assert_eq!(problem["errors"][0]["field"], field, "{query}: {problem}");
    }
    assert_eq!(chat_row_counts(&app).await, before);
}

#[tokio::test]
async fn wrong_methods_get_405() {
    let app = spawn_devhost().await;
    let ana = app.register_client("ana").await;
    let cases = [
        ("DELETE", "/api/chat/sessions", "GET, POST"),
        ("GET", "/chat/api/sessions", "POST"),
        (
            "PATCH",
            "/api/chat/sessions/00000000-0000-4000-8000-000000000000",
            "GET",
        ),
        (
            "GET",
            "/api/chat/sessions/00000000-0000-4000-8000-000000000000/close",
            "POST",
        ),
        (
            "POST",
            "/api/chat/sessions/00000000-0000-4000-8000-000000000000/admin",
            "PUT",
        ),
        (
            "POST",
            "/chat/api/sessions/00000000-0000-4000-8000-000000000000/messages",
            "GET",
        ),
        ("GET", "/api/chat/assist", "POST"),
        ("GET", "/chat/api/notify/overconsumption", "POST"),
    ];

    for (method, path, allowed) in cases {
        let response = app
            .client
            .request(
                reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
                app.url(path),
            )
            .bearer_auth(&ana.token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 405, "{method} {path}");
        assert_eq!(
            response.headers()["allow"].to_str().unwrap(),
            allowed,
            "{method} {path}"
        );
    }
}
