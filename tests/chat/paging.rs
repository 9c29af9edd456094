use serde_json::Value;

use dms_tests::spawn::TestUser;
use dms_tests::{spawn_devhost, TestApp};

use crate::{bodies, open_session, page, send};

/// Opens ana's session, sends `count` messages named "m1", "m2" and so on, and
/// returns the session id and the messages.
async fn session_with_messages(
    app: &TestApp,
    ana: &TestUser,
    count: usize,
) -> (String, Vec<Value>) {
    let session = open_session(app, ana).await;
    let id = session["id"].as_str().unwrap().to_owned();
    let mut messages = Vec::new();
    for number in 1..=count {
        messages.push(send(app, ana, &id, &format!("m{number}")).await);
    }
    (id, messages)
}

fn cursor_query(page: &Value) -> String {
    format!(
        "?limit=3&cursor={}",
        page["next_cursor"].as_str().expect("a next_cursor")
    )
}

#[tokio::test]
async fn default_page_walks_toward_older() {
    let app = spawn_devhost().await;
    let ana = app.register_client("ana").await;
    let (id, _) = session_with_messages(&app, &ana, 7).await;

    let newest = page(&app, &ana, &id, "?limit=3").await;
    let middle = page(&app, &ana, &id, &cursor_query(&newest)).await;
    let oldest = page(&app, &ana, &id, &cursor_query(&middle)).await;
    let everything = page(&app, &ana, &id, "").await;

    assert_eq!(bodies(&newest), ["m5", "m6", "m7"]);
    assert_eq!(bodies(&middle), ["m2", "m3", "m4"]);
    assert_eq!(bodies(&oldest), ["m1"]);
    assert_eq!(oldest["next_cursor"], Value::Null);
    assert_eq!(
        bodies(&everything),
        ["m1", "m2", "m3", "m4", "m5", "m6", "m7"]
    );
    assert_eq!(everything["next_cursor"], Value::Null);
}

#[tokio::test]
async fn exact_page_has_no_cursor() {
    let app = spawn_devhost().await;
    let ana = app.register_client("ana").await;
    let (id, _) = session_with_messages(&app, &ana, 3).await;

    let full = page(&app, &ana, &id, "?limit=3").await;

    assert_eq!(bodies(&full), ["m1", "m2", "m3"]);
    assert_eq!(full["next_cursor"], Value::Null);
}

#[tokio::test]
async fn after_fetches_missed_messages() {
    let app = spawn_devhost().await;
    let ana = app.register_client("ana").await;
    let admin = app.create_admin("root").await;
    let (id, messages) = session_with_messages(&app, &ana, 2).await;
    let last_seen = messages[1]["id"].as_str().unwrap();
    // Messages sent while the client was away.
    for number in 3..=7 {
        send(&app, &admin, &id, &format!("m{number}")).await;
    }

    let missed = page(&app, &ana, &id, &format!("?after={last_seen}&limit=2")).await;
    let next = page(
        &app,
        &ana,
        &id,
        &format!(
            "?limit=2&cursor={}",
            missed["next_cursor"].as_str().expect("a next_cursor")
        ),
    )
    .await;
    let last = page(
        &app,
        &ana,
        &id,
        &format!(
            "?limit=2&cursor={}",
            next["next_cursor"].as_str().expect("a next_cursor")
        ),
    )
    .await;
    let newest_id = last["items"][0]["id"].as_str().unwrap();
    let caught_up = page(&app, &ana, &id, &format!("?after={newest_id}")).await;

    assert_eq!(bodies(&missed), ["m3", "m4"]);
    assert_eq!(bodies(&next), ["m5", "m6"]);
    assert_eq!(bodies(&last), ["m7"]);
    assert_eq!(last["next_cursor"], Value::Null);
    assert_eq!(bodies(&caught_up), Vec::<String>::new());
    assert_eq!(caught_up["next_cursor"], Value::Null);
}

#[tokio::test]
async fn alias_lists_messages() {
    let app = spawn_devhost().await;
    let ana = app.register_client("ana").await;
    let (id, messages) = session_with_messages(&app, &ana, 3).await;
    let first = messages[0]["id"].as_str().unwrap();

    let (status, all) = app
        .call(
            "GET",
            &format!("/chat/api/sessions/{id}/messages"),
            Some(&ana.token),
            None,
        )
        .await;
    let (after_status, after) = app
        .call(
            "GET",
            &format!("/chat/api/sessions/{id}/messages?after={first}"),
            Some(&ana.token),
            None,
        )
        .await;

    assert_eq!(status, 200, "{all}");
    assert_eq!(bodies(&all), ["m1", "m2", "m3"]);
    assert_eq!(after_status, 200);
    assert_eq!(bodies(&after), ["m2", "m3"]);
}

#[tokio::test]
async fn cursor_from_another_session_is_rejected() {
    let app = spawn_devhost().await;
    let ana = app.register_client("ana").await;
    let bob = app.register_client("bob").await;
    let (ana_session, _) = session_with_messages(&app, &ana, 2).await;
    let (_, bob_messages) = session_with_messages(&app, &bob, 2).await;
    let bob_message = bob_messages[0]["id"].as_str().unwrap();

    let (after, after_body) = app
        .call(
            "GET",
            &format!("/api/chat/sessions/{ana_session}/messages?after={bob_message}"),
            Some(&ana.token),
            None,
        )
        .await;
    let (cursor, cursor_body) = app
        .call(
            "GET",
            &format!("/api/chat/sessions/{ana_session}/messages?cursor=older.{bob_message}"),
            Some(&ana.token),
            None,
        )
        .await;

    assert_eq!(after, 400, "{after_body}");
    assert_eq!(after_body["errors"][0]["field"], "after");
    assert_eq!(cursor, 400, "{cursor_body}");
    assert_eq!(cursor_body["errors"][0]["field"], "cursor");
}

#[tokio::test]
async fn empty_session_has_empty_page() {
    let app = spawn_devhost().await;
    let ana = app.register_client("ana").await;
    let session = open_session(&app, &ana).await;

    let empty = page(&app, &ana, session["id"].as_str().unwrap(), "").await;

    assert_eq!(empty["items"], Value::Array(Vec::new()));
    assert_eq!(empty["next_cursor"], Value::Null);
}
