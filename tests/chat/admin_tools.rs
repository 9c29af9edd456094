use serde_json::{json, Value};

use dms_tests::spawn_devhost;

use crate::{chat_event_types, chat_row_counts, events, open_session, page, send};

#[tokio::test]
async fn assist_suggests_rule_reply() {
    let app = spawn_devhost().await;
    let admin = app.create_admin("root").await;
    let ana = app.register_client("ana").await;
    let session = open_session(&app, &ana).await;
    let id = session["id"].as_str().unwrap();
    send(&app, &ana, id, "Hi!").await;
    send(&app, &admin, id, "Hello, how can I help?").await;
    send(&app, &ana, id, "Why is my BILL so high?").await;
    let before = chat_row_counts(&app).await;

    let (status, body) = app
        .call(
            "POST",
            "/api/chat/assist",
            Some(&admin.token),
            Some(json!({"session_id": id})),
        )
        .await;

    assert_eq!(status, 200, "{body}");
    assert_eq!(body["source"], "rules");
    assert_eq!(
        body["topic"], "billing",
        "the client's last message decides"
    );
    let billing = dms_platform::support::RULES
        .iter()
        .find(|rule| rule.topic.as_str() == "billing")
        .unwrap();
    assert_eq!(body["suggestion"], billing.reply);
    assert_eq!(
        chat_row_counts(&app).await,
        before,
        "a suggestion writes nothing"
    );
}

#[tokio::test]
async fn assist_without_match_is_generic() {
    let app = spawn_devhost().await;
    let admin = app.create_admin("root").await;
    let ana = app.register_client("ana").await;
    let session = open_session(&app, &ana).await;
    let id = session["id"].as_str().unwrap();

    let (empty_status, empty) = app
        .call(
            "POST",
            "/api/chat/assist",
            Some(&admin.token),
            Some(json!({"session_id": id})),
        )
        .await;
    send(&app, &ana, id, "The weather is odd today").await;
    let (status, unmatched) = app
        .call(
            "POST",
            "/api/chat/assist",
            Some(&admin.token),
            Some(json!({"session_id": id})),
        )
        .await;

    assert_eq!(empty_status, 200, "{empty}");
    assert_eq!(empty["source"], "none", "no client message yet");
    assert_eq!(empty["topic"], Value::Null);
    assert!(!empty["suggestion"].as_str().unwrap().is_empty());
    assert_eq!(status, 200);
    assert_eq!(unmatched["source"], "none");
    assert_eq!(unmatched["suggestion"], empty["suggestion"]);
}

#[tokio::test]
async fn notify_creates_session_and_system_message() {
    let app = spawn_devhost().await;
    let admin = app.create_admin("root").await;
    let ana = app.register_client("ana").await;
    let device = app
        .create_device(&admin, "Kitchen meter", 2.5, Some(&ana.id))
        .await;

    let response = app
        .client
        .post(app.url("/api/chat/notify/overconsumption"))
        .bearer_auth(&admin.token)
        .json(&json!({"client_id": ana.id, "device_id": device["id"]}))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let message: Value = response.json().await.unwrap();
    let session_id = message["session_id"].as_str().unwrap();
    let (_, sessions) = app
        .call("GET", "/api/chat/sessions", Some(&ana.token), None)
        .await;
    let listed = page(&app, &ana, session_id, "").await;

    assert_eq!(status, 201, "{message}");
    assert_eq!(
        location,
        format!(
            "/api/chat/sessions/{session_id}/messages/{}",
            message["id"].as_str().unwrap()
        )
    );
    assert_eq!(message["sender_kind"], "system");
    assert_eq!(message["sender_id"], Value::Null);
    let text = message["body"].as_str().unwrap();
    assert!(text.contains("\"Kitchen meter\""), "{text}");
    assert!(text.contains("2.5 kWh"), "{text}");
    assert_eq!(sessions["total"], 1);
    assert_eq!(sessions["items"][0]["id"], session_id);
    assert_eq!(sessions["items"][0]["unread"], 1);
    assert_eq!(listed["items"][0], message);
    assert_eq!(
        chat_event_types(&app).await,
        ["chat.session", "chat.message"]
    );
    let session_event = &events(&app, "chat.session").await[0];
    assert_eq!(session_event["id"], session_id);
    assert_eq!(session_event["client_id"], ana.id.as_str());
    assert_eq!(session_event["unread_by_client"], 1);
    assert_eq!(events(&app, "chat.message").await[0], message);
}

#[tokio::test]
async fn notify_uses_open_session() {
    let app = spawn_devhost().await;
    let admin = app.create_admin("root").await;
    let ana = app.register_client("ana").await;
    let session = open_session(&app, &ana).await;
    let id = session["id"].as_str().unwrap();

    let (status, message) = app
        .call(
            "POST",
            "/chat/api/notify/overconsumption",
            Some(&admin.token),
            Some(json!({"client_id": ana.id, "message": "  Your heater used 9 kWh at 03:00.  "})),
        )
        .await;
    let (default_status, default_message) = app
        .call(
            "POST",
            "/api/chat/notify/overconsumption",
            Some(&admin.token),
            Some(json!({"client_id": ana.id})),
        )
        .await;
    let (_, after) = app
        .call(
            "GET",
            &format!("/api/chat/sessions/{id}"),
            Some(&ana.token),
            None,
        )
        .await;

    assert_eq!(status, 201, "{message}");
    assert_eq!(message["session_id"], id);
    assert_eq!(message["body"], "Your heater used 9 kWh at 03:00.");
    assert_eq!(default_status, 201, "{default_message}");
    assert!(default_message["body"]
        .as_str()
        .unwrap()
        .starts_with("One of your devices"));
    assert_eq!(app.count("chat_session").await, 1);
    assert_eq!(after["unread"], 2);
    assert_eq!(after["last_activity_at"], default_message["created_at"]);
    assert_eq!(
        chat_event_types(&app).await,
        ["chat.session", "chat.message", "chat.message"],
        "no session event for an existing session"
    );
}

#[tokio::test]
async fn notify_rejects_bad_targets() {
    let app = spawn_devhost().await;
    let admin = app.create_admin("root").await;
    let ana = app.register_client("ana").await;
    let bob = app.register_client("bob").await;
    let bobs_device = app
        .create_device(&admin, "Bob's meter", 3.0, Some(&bob.id))
        .await;
    let before = chat_row_counts(&app).await;
    let cases = [
        (json!({"client_id": admin.id}), 422, "client_id"),
        (
            json!({"client_id": "00000000-0000-4000-8000-000000000000"}),
            422,
            "client_id",
        ),
        (
            json!({"client_id": ana.id, "device_id": bobs_device["id"]}),
            422,
            "device_id",
        ),
        (
            json!({"client_id": ana.id, "device_id": "00000000-0000-4000-8000-000000000000"}),
            422,
            "device_id",
        ),
        (
            json!({"client_id": ana.id, "message": "   "}),
            422,
            "message",
        ),
        (
            json!({"client_id": ana.id, "message": "x".repeat(4001)}),
            422,
            "message",
        ),
        (json!({"client_id": "ana"}), 400, "client_id"),
        (json!({"device_id": bobs_device["id"]}), 400, "client_id"),
        (
            json!({"client_id": ana.id, "severity": "high"}),
            400,
            "severity",
        ),
    ];

    for (body, expected, field) in cases {
        let (status, problem) = app
            .call(
                "POST",
                "/api/chat/notify/overconsumption",
                Some(&admin.token),
                Some(body.clone()),
            )
            .await;
        assert_eq!(status, expected, "{body}: {problem}");
        assert_eq!(problem["errors"][0]["field"], field, "{body}: {problem}");
    }
    assert_eq!(chat_row_counts(&app).await, before);
}
