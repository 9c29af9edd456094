//! End-to-end tests of the chat component through devhost and a real
//! PostgreSQL: sessions, messages and their cursors, read receipts, take-over,
//! the admin tools, access rules, bad input, and the events in the outbox.

mod access;
mod admin_tools;
mod bad_input;
mod messages;
mod paging;
mod sessions;

use serde_json::{json, Value};

use dms_tests::spawn::TestUser;
use dms_tests::TestApp;

/// Opens the client's session, or finds the open one, and returns it.
pub async fn open_session(app: &TestApp, client: &TestUser) -> Value {
    let (status, body) = app
        .call(
            "POST",
            "/api/chat/sessions",
            Some(&client.token),
            Some(json!({})),
        )
        .await;
    assert!(
        status == 201 || status == 200,
        "open a session for {}: {status} {body}",
        client.username
    );
    body
}

/// Sends a message, expects it stored (201) and returns it.
pub async fn send(app: &TestApp, user: &TestUser, session_id: &str, text: &str) -> Value {
    let (status, body) = app
        .call(
            "POST",
            &format!("/api/chat/sessions/{session_id}/messages"),
            Some(&user.token),
            Some(json!({"body": text})),
        )
        .await;
    assert_eq!(status, 201, "send {text:?} as {}: {body}", user.username);
    body
}

/// Fetches the message page at `query` (e.g. `?limit=3`) as `user`.
pub async fn page(app: &TestApp, user: &TestUser, session_id: &str, query: &str) -> Value {
    let (status, body) = app
        .call(
            "GET",
            &format!("/api/chat/sessions/{session_id}/messages{query}"),
            Some(&user.token),
            None,
        )
        .await;
    assert_eq!(status, 200, "messages{query}: {body}");
    body
}

/// Returns the bodies of a page's messages, in order.
pub fn bodies(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|message| message["body"].as_str().expect("body").to_owned())
        .collect()
}

/// Reads the data of every outbox event of `event_type`, oldest first.
pub async fn events(app: &TestApp, event_type: &str) -> Vec<Value> {
    let pool = app.database.pool().await;
    let data: Vec<Value> =
        sqlx::query_scalar("select data from outbox where event_type = $1 order by outbox_id")
            .bind(event_type)
            .fetch_all(&pool)
            .await
            .expect("read the outbox");
    pool.close().await;
    data
}

/// Reads the types of every chat event in the outbox, oldest first.
pub async fn chat_event_types(app: &TestApp) -> Vec<String> {
    let pool = app.database.pool().await;
    let types: Vec<String> = sqlx::query_scalar(
        "select event_type from outbox where event_type like 'chat.%' order by outbox_id",
    )
    .fetch_all(&pool)
    .await
    .expect("read the outbox");
    pool.close().await;
    types
}

/// Runs one SQL statement against the test database, to set up a state the API
/// does not offer (the bot's `needs_human` flag, say).
pub async fn execute(app: &TestApp, statement: &str) {
    let pool = app.database.pool().await;
    sqlx::query(statement)
        .execute(&pool)
        .await
        .expect("run the statement");
    pool.close().await;
}

/// Counts the rows every chat request may write, to prove a rejected one wrote
/// nothing.
pub async fn chat_row_counts(app: &TestApp) -> [i64; 4] {
    [
        app.count("chat_session").await,
        app.count("chat_message").await,
        app.count("chat_message where read_at is not null").await,
        app.count("outbox").await,
    ]
}
