use serde_json::{json, Value};

use dms_tests::spawn_devhost;

use crate::{bodies, chat_event_types, events, open_session, page, send};

#[tokio::test]
async fn messages_keep_order_and_persist() {
    let app = spawn_devhost().await;
    let admin = app.create_admin("root").await;
    let ana = app.register_client("ana").await;
    let session = open_session(&app, &ana).await;
    let id = session["id"].as_str().unwrap();

    let response = app
        .client
        .post(app.url(&format!("/api/chat/sessions/{id}/messages")))
        .bearer_auth(&ana.token)
        .json(&json!({"body": "  My meter is offline  ", "client_msg_id": "m-1"}))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let first: Value = response.json().await.unwrap();
    let second = send(&app, &admin, id, "Which one?").await;
    let third = send(&app, &ana, id, "The kitchen meter").await;
    let listed = page(&app, &ana, id, "").await;
    let (shown_status, shown) = app.call("GET", &location, Some(&admin.token), None).await;
    let message_events = events(&app, "chat.message").await;

    assert_eq!(status, 201, "{first}");
    assert_eq!(
        location,
        format!(
            "/api/chat/sessions/{id}/messages/{}",
            first["id"].as_str().unwrap()
        )
    );
    assert_eq!(first["session_id"], id);
    assert_eq!(first["sender_id"], ana.id.as_str());
    assert_eq!(first["sender_kind"], "client");
    assert_eq!(
        first["body"], "My meter is offline",
        "the body is stored trimmed"
    );
    assert_eq!(first["client_msg_id"], "m-1");
    assert_eq!(first["read_at"], Value::Null);
    assert_eq!(second["sender_kind"], "admin");
    assert_eq!(second["sender_id"], admin.id.as_str());
    assert_eq!(third["client_msg_id"], Value::Null);
    assert_eq!(
        bodies(&listed),
        ["My meter is offline", "Which one?", "The kitchen meter"]
    );
    assert_eq!(
        listed["items"][0], first,
        "the stored message reads back unchanged"
    );
    assert_eq!(listed["next_cursor"], Value::Null);
    assert_eq!(shown_status, 200);
    assert_eq!(shown, first);
    assert_eq!(
        message_events,
        [first, second, third],
        "each event carries the message as the API shows it"
    );
}

#[tokio::test]
async fn message_updates_session_activity() {
    let app = spawn_devhost().await;
    let ana = app.register_client("ana").await;
    let session = open_session(&app, &ana).await;
    let id = session["id"].as_str().unwrap();

    let message = send(&app, &ana, id, "hello").await;
    let (_, after) = app
        .call(
            "GET",
            &format!("/api/chat/sessions/{id}"),
            Some(&ana.token),
            None,
        )
        .await;

    assert_eq!(after["last_activity_at"], message["created_at"]);
    assert_eq!(
        after["unread"], 0,
        "a client's own message is not unread for them"
    );
}

#[tokio::test]
async fn resend_with_client_msg_id_is_idempotent() {
    let app = spawn_devhost().await;
    let admin = app.create_admin("root").await;
    let ana = app.register_client("ana").await;
    let session = open_session(&app, &ana).await;
    let id = session["id"].as_str().unwrap();
    let path = format!("/api/chat/sessions/{id}/messages");

    let (first, first_body) = app
        .call(
            "POST",
            &path,
            Some(&ana.token),
            Some(json!({"body": "hello", "client_msg_id": "abc"})),
        )
        .await;
    let (repeat, repeat_body) = app
        .call(
            "POST",
            &path,
            Some(&ana.token),
            Some(json!({"body": "hello", "client_msg_id": "abc"})),
        )
        .await;
    let (changed, changed_body) = app
        .call(
            "POST",
            &path,
            Some(&ana.token),
            Some(json!({"body": "hello again", "client_msg_id": "abc"})),
        )
        .await;
    let (admin_same_id, admin_body) = app
        .call(
            "POST",
            &path,
            Some(&admin.token),
            Some(json!({"body": "hi", "client_msg_id": "abc"})),
        )
        .await;

    assert_eq!(first, 201, "{first_body}");
    assert_eq!(repeat, 200, "{repeat_body}");
    assert_eq!(repeat_body, first_body);
    assert_eq!(changed, 200, "the id decides, not the body: {changed_body}");
    assert_eq!(changed_body["body"], "hello");
    assert_eq!(admin_same_id, 201, "ids are per sender: {admin_body}");
    assert_eq!(app.count("chat_message").await, 2);
    assert_eq!(events(&app, "chat.message").await.len(), 2);
}

#[tokio::test]
async fn concurrent_resends_store_one_message() {
    let app = spawn_devhost().await;
    let ana = app.register_client("ana").await;
    let session = open_session(&app, &ana).await;
    let id = session["id"].as_str().unwrap();
    let path = format!("/api/chat/sessions/{id}/messages");

    let resend = || {
        app.call(
            "POST",
            &path,
            Some(&ana.token),
            Some(json!({"body": "once", "client_msg_id": "same"})),
        )
    };

    let (a, b, c, d, e, f) =
        tokio::join!(resend(), resend(), resend(), resend(), resend(), resend());

    let results = [a, b, c, d, e, f];
    let created = results.iter().filter(|(status, _)| *status == 201).count();
    let found = results.iter().filter(|(status, _)| *status == 200).count();
    assert_eq!(created, 1, "{results:?}");
    assert_eq!(found, 5, "{results:?}");
    assert!(
        results
            .iter()
            .all(|(_, body)| body["id"] == results[0].1["id"]),
        "{results:?}"
    );
    assert_eq!(app.count("chat_message").await, 1);
    assert_eq!(events(&app, "chat.message").await.len(), 1);
}

#[tokio::test]
async fn admin_message_takes_unassigned_session() {
    let app = spawn_devhost().await;
    let admin = app.create_admin("root").await;
    let ana = app.register_client("ana").await;
    let session = open_session(&app, &ana).await;
    let id = session["id"].as_str().unwrap();
    send(&app, &ana, id, "hello?").await;

    let reply = send(&app, &admin, id, "Hello Ana").await;
    let (_, after) = app
        .call(
            "GET",
            &format!("/api/chat/sessions/{id}"),
            Some(&ana.token),
            None,
        )
        .await;

    assert_eq!(after["admin_id"], admin.id.as_str());
    assert_eq!(after["unread"], 1);
    assert_eq!(
        chat_event_types(&app).await,
        [
            "chat.session",
            "chat.message",
            "chat.session",
            "chat.message"
        ],
        "the take-over is announced before the admin's message"
    );
    let session_events = events(&app, "chat.session").await;
    assert_eq!(session_events[1]["admin_id"], admin.id.as_str());
    assert_eq!(
        session_events[1]["unread_by_client"], 1,
        "the admin's reply counts as unread"
    );
    assert_eq!(
        session_events[1]["unread_by_admin"], 1,
        "ana's message is still unread"
    );
    assert_eq!(session_events[1]["last_activity_at"], reply["created_at"]);
}

#[tokio::test]
async fn read_receipts_mark_other_party_only() {
    // Arrange: two messages each way.
    let app = spawn_devhost().await;
    let admin = app.create_admin("root").await;
    let ana = app.register_client("ana").await;
    let session = open_session(&app, &ana).await;
    let id = session["id"].as_str().unwrap();
    let ana_first = send(&app, &ana, id, "one").await;
    send(&app, &admin, id, "two").await;
    let ana_second = send(&app, &ana, id, "three").await;
    let admin_last = send(&app, &admin, id, "four").await;
    let read_path = format!("/api/chat/sessions/{id}/read");

    // Act: the admin reads up to ana's first message, then everything.
    let (partial, partial_body) = app
        .call(
            "POST",
            &read_path,
            Some(&admin.token),
            Some(json!({"up_to_message_id": ana_first["id"]})),
        )
        .await;
    let after_partial = page(&app, &admin, id, "").await;
    let (full, full_body) = app
        .call(
            "POST",
            &read_path,
            Some(&admin.token),
            Some(json!({"up_to_message_id": admin_last["id"]})),
        )
        .await;
    let after_full = page(&app, &admin, id, "").await;
    let (_, ana_view) = app
        .call(
            "GET",
            &format!("/api/chat/sessions/{id}"),
            Some(&ana.token),
            None,
        )
        .await;
    let (_, admin_view) = app
        .call(
            "GET",
            &format!("/api/chat/sessions/{id}"),
            Some(&admin.token),
            None,
        )
        .await;
    let (repeat, repeat_body) = app
        .call(
            "POST",
            &read_path,
            Some(&admin.token),
            Some(json!({"up_to_message_id": admin_last["id"]})),
        )
        .await;
    let (client_read, client_body) = app
        .call(
            "POST",
            &read_path,
            Some(&ana.token),
            Some(json!({"up_to_message_id": admin_last["id"]})),
        )
        .await;
    let after_client = page(&app, &ana, id, "").await;

    // Assert
    let read_flags = |page: &Value| -> Vec<bool> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|message| message["read_at"].is_string())
            .collect()
    };
    assert_eq!(partial, 200, "{partial_body}");
    assert_eq!(partial_body["marked"], 1);
    assert_eq!(partial_body["reader_id"], admin.id.as_str());
    assert_eq!(read_flags(&after_partial), [true, false, false, false]);
    assert_eq!(full, 200, "{full_body}");
    assert_eq!(full_body["marked"], 1, "only ana's second message was left");
    assert_eq!(
        read_flags(&after_full),
        [true, false, true, false],
        "the admin's own messages stay unread"
    );
    assert_eq!(after_full["items"][2]["id"], ana_second["id"]);
    assert_eq!(ana_view["unread"], 2);
    assert_eq!(admin_view["unread"], 0);
    assert_eq!(repeat, 200);
    assert_eq!(repeat_body["marked"], 0);
    assert_eq!(client_read, 200, "{client_body}");
    assert_eq!(client_body["marked"], 2);
    assert_eq!(read_flags(&after_client), [true, true, true, true]);
    let read_events = events(&app, "chat.read").await;
    assert_eq!(
        read_events.len(),
        3,
        "no event for a receipt that marked nothing"
    );
    assert_eq!(
        read_events[0],
        json!({
            "session_id": id,
            "reader_id": admin.id,
            "up_to_message_id": ana_first["id"],
            "read_at": partial_body["read_at"],
        })
    );
    assert_eq!(
        after_partial["items"][0]["read_at"],
        partial_body["read_at"]
    );
    assert_eq!(read_events[2]["reader_id"], ana.id.as_str());
}

#[tokio::test]
async fn client_reads_bot_and_system_messages() {
    let app = spawn_devhost().await;
    let admin = app.create_admin("root").await;
    let ana = app.register_client("ana").await;
    let (status, notice) = app
        .call(
            "POST",
            "/api/chat/notify/overconsumption",
            Some(&admin.token),
            Some(json!({"client_id": ana.id})),
        )
        .await;
    assert_eq!(status, 201, "{notice}");
    let id = notice["session_id"].as_str().unwrap();
    let (_, before) = app
        .call(
            "GET",
            &format!("/api/chat/sessions/{id}"),
            Some(&ana.token),
            None,
        )
        .await;

    let (read, body) = app
        .call(
            "POST",
            &format!("/api/chat/sessions/{id}/read"),
            Some(&ana.token),
            Some(json!({"up_to_message_id": notice["id"]})),
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

    assert_eq!(before["unread"], 1);
    assert_eq!(read, 200, "{body}");
    assert_eq!(body["marked"], 1);
    assert_eq!(after["unread"], 0);
}
