//! Chat messages: pages by cursor, one message, sending and read receipts.

use anyhow::Context;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use dms_platform::auth;
use dms_platform::db::Value;
use dms_platform::http::{self as web, rfc3339};
use dms_platform::validate::Validator;
use dms_platform::{ApiError, Host, Request, Response};

use crate::body::parse_object;
use crate::cursor::{PageRequest, Position};
use crate::model::{Caller, ChatMessage};
use crate::sessions::load_visible;
use crate::sql;

/// Maximum length of a message body, in characters after trimming.
pub const MAX_BODY_CHARS: usize = 4000;
/// Maximum length of a `client_msg_id`, in characters.
const MAX_CLIENT_MSG_ID_CHARS: usize = 200;

/// A page of messages, oldest first.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
struct MessagePage {
    items: Vec<ChatMessage>,
    /// Pass as `cursor` for the next page; null when there is none.
    next_cursor: Option<String>,
}

/// Returns a page of a session's messages.
#[cfg_attr(feature = "openapi", utoipa::path(
    get, path = "/api/chat/sessions/{id}/messages", tag = "chat", operation_id = "list_chat_messages",
    description = "Items are oldest first. Without `cursor` or `after`: the newest messages, and `next_cursor` pages toward older ones. With `after`: the messages after that one, and `next_cursor` pages toward newer ones.",
    security(("bearerAuth" = [])),
    params(
        ("id" = Uuid, Path, description = "The chat session's id"),
        ("cursor" = Option<String>, Query, description = "The `next_cursor` of a previous page, unchanged"),
        ("after" = Option<Uuid>, Query, description = "A message id of this session: return the messages after it"),
        ("limit" = Option<i64>, Query, description = "Page size, 1 to 100 (default 50)", minimum = 1, maximum = 100),
    ),
    responses(
        (status = 200, description = "A page of messages", body = MessagePage),
        (status = 400, response = dms_platform::openapi::BadRequest),
        (status = 404, response = dms_platform::openapi::NotFound),
    ),
))]
pub fn list(host: &Host<'_>, request: &Request, session_id: &str) -> Result<Response, ApiError> {
    let caller = Caller::of(&auth::authenticate(host, request)?);
    let session_id = web::path_uuid(session_id, "chat session")?;
    let page = PageRequest::from_query(&web::query_params(request))?;
    load_visible(host, caller, session_id)?;

    let db = host.db()?;
    // Fetching one row more than the page shows whether another page follows.
    let (statement, anchor) = match page.position {
        Position::Newest => (sql::list_messages_before(), Value::Null),
        Position::Before(id) => (sql::list_messages_before(), Value::Uuid(id)),
        Position::After(id) => (sql::list_messages_after(), Value::Uuid(id)),
    };
    let rows = db.query(
        &statement,
        &[
            Value::Uuid(session_id),
            anchor,
            Value::Int64(page.limit + 1),
        ],
    )?;
    let mut items = rows
        .iter()
        .map(|row| ChatMessage::from_row(&row))
        .collect::<Result<Vec<_>, _>>()?;

    if items.is_empty() {
        check_anchor(host, session_id, page.position)?;
    }
    let more = items.len() as i64 > page.limit;
    items.truncate(page.limit as usize);
    // The query returns the page in its paging direction; responses are oldest first.
    if !matches!(page.position, Position::After(_)) {
        items.reverse();
    }
    let last_in_direction = match page.position {
        Position::After(_) => items.last(),
        Position::Newest | Position::Before(_) => items.first(),
    };
    let next_cursor = last_in_direction
        .filter(|_| more)
        .map(|message| page.position.next_cursor(message.id));
    Ok(web::ok(&MessagePage { items, next_cursor }))
}

/// Rejects a cursor or `after` id that names no message of the session, which an
/// empty page cannot tell apart from the end of the list.
fn check_anchor(host: &Host<'_>, session_id: Uuid, position: Position) -> Result<(), ApiError> {
    let Some((message_id, parameter)) = position.anchor() else {
        return Ok(());
    };
    let found = host
        .db()?
        .query(
            sql::MESSAGE_EXISTS,
            &[Value::Uuid(session_id), Value::Uuid(message_id)],
        )?
        .first()
        .context("count returned no row")?
        .i64("found")?;
    if found == 0 {
        return Err(ApiError::bad_request(
            parameter,
            format!("{parameter} names no message of this session"),
        ));
    }
    Ok(())
}

/// Returns one message of a session.
#[cfg_attr(feature = "openapi", utoipa::path(
    get, path = "/api/chat/sessions/{id}/messages/{message_id}", tag = "chat", operation_id = "get_chat_message",
    security(("bearerAuth" = [])),
    params(
        ("id" = Uuid, Path, description = "The chat session's id"),
        ("message_id" = Uuid, Path, description = "The message's id"),
    ),
    responses(
        (status = 200, description = "The message", body = ChatMessage),
        (status = 404, response = dms_platform::openapi::NotFound),
    ),
))]
pub fn show(
    host: &Host<'_>,
    request: &Request,
    session_id: &str,
    message_id: &str,
) -> Result<Response, ApiError> {
    let caller = Caller::of(&auth::authenticate(host, request)?);
    let session_id = web::path_uuid(session_id, "chat session")?;
    let message_id = web::path_uuid(message_id, "chat message")?;
    load_visible(host, caller, session_id)?;

    let rows = host.db()?.query(
        &sql::select_message(),
        &[Value::Uuid(session_id), Value::Uuid(message_id)],
    )?;
    let row = rows
        .first()
        .ok_or_else(|| ApiError::not_found("chat message"))?;
    Ok(web::ok(&ChatMessage::from_row(&row)?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
struct NewMessage {
    /// 1 to 4000 characters after trimming.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 4000))]
    body: String,
    /// The sender's own id for the message, 1 to 200 characters: a resend with
    /// the same id returns the stored message.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 200))]
    client_msg_id: Option<String>,
}

/// Stores a message from the session's client or admin. A resend with the same
/// `client_msg_id` returns the stored message with 200.
#[cfg_attr(feature = "openapi", utoipa::path(
    post, path = "/api/chat/sessions/{id}/messages", tag = "chat", operation_id = "send_chat_message",
    description = "Sends a message as the session's client or admin. An admin who posts to an unassigned session takes it over. A resend with the same `client_msg_id` returns the stored message with 200.",
    security(("bearerAuth" = [])),
    params(("id" = Uuid, Path, description = "The chat session's id"),),
    request_body = NewMessage,
    responses(
        (status = 201, description = "The stored message", body = ChatMessage,
            headers(("Location" = String, description = "The message's URL"))),
        (status = 200, description = "A resend: the message stored before", body = ChatMessage),
        (status = 404, response = dms_platform::openapi::NotFound),
        (status = 409, response = dms_platform::openapi::Conflict),
        (status = 422, response = dms_platform::openapi::ValidationFailed),
    ),
))]
pub fn post(host: &Host<'_>, request: &Request, session_id: &str) -> Result<Response, ApiError> {
    let caller = Caller::of(&auth::authenticate(host, request)?);
    let session_id = web::path_uuid(session_id, "chat session")?;
    let message: NewMessage = parse_object(request)?;
    let mut validator = Validator::new();
    validator.text("body", &message.body, 1, MAX_BODY_CHARS);
    if let Some(client_msg_id) = &message.client_msg_id {
        let length = client_msg_id.chars().count();
        validator.check(
            (1..=MAX_CLIENT_MSG_ID_CHARS).contains(&length),
            "client_msg_id",
            format!("client_msg_id must be 1 to {MAX_CLIENT_MSG_ID_CHARS} characters long, or be left out"),
        );
    }
    validator.finish()?;

    let mut params = caller.session_params(session_id).to_vec();
    params.extend([
        Value::from(message.body.trim()),
        Value::opt_str(message.client_msg_id.as_deref()),
    ]);
    let db = host.db()?;
    let rows = db.query(&sql::insert_message(), &params)?;
    let row = rows
        .first()
        .ok_or_else(|| ApiError::not_found("chat session"))?;

    if row.opt_uuid("message_id")?.is_some() {
        let stored = ChatMessage::from_row(&row)?;
        return Ok(if row.bool("inserted")? {
            web::created(&stored.location(), &stored)
        } else {
            web::ok(&stored)
        });
    }
    if row.str("status")? != "open" {
        return Err(ApiError::Conflict {
            detail: "the session is closed; open a new session to send messages".into(),
            field: None,
        });
    }
    // The session is open but nothing was stored: a concurrent resend with the
    // same client_msg_id committed first, so return its message.
    let rows = db.query(
        &sql::select_sent_message(),
        &[
            Value::Uuid(session_id),
            Value::Uuid(caller.id),
            Value::opt_str(message.client_msg_id.as_deref()),
        ],
    )?;
    let row = rows.first().context("message neither stored nor found")?;
    Ok(web::ok(&ChatMessage::from_row(&row)?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
struct ReadRequest {
    up_to_message_id: Uuid,
}

/// The read receipt of [`mark_read`], also the data of its `chat.read` event.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
struct ReadReceipt {
    session_id: Uuid,
    reader_id: Uuid,
    up_to_message_id: Uuid,
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    read_at: String,
    /// How many messages this request marked as read.
    marked: i64,
}

/// Marks the other party's messages as read up to and including one message.
#[cfg_attr(feature = "openapi", utoipa::path(
    post, path = "/api/chat/sessions/{id}/read", tag = "chat", operation_id = "mark_chat_read",
    security(("bearerAuth" = [])),
    params(("id" = Uuid, Path, description = "The chat session's id"),),
    request_body = ReadRequest,
    responses(
        (status = 200, description = "The read receipt", body = ReadReceipt),
        (status = 404, response = dms_platform::openapi::NotFound),
        (status = 422, response = dms_platform::openapi::ValidationFailed),
    ),
))]
pub fn mark_read(
    host: &Host<'_>,
    request: &Request,
    session_id: &str,
) -> Result<Response, ApiError> {
    let caller = Caller::of(&auth::authenticate(host, request)?);
    let session_id = web::path_uuid(session_id, "chat session")?;
    let body: ReadRequest = parse_object(request)?;

    let mut params = caller.session_params(session_id).to_vec();
    params.push(Value::Uuid(body.up_to_message_id));
    let rows = host.db()?.query(&sql::mark_read(), &params)?;
    let row = rows.first().context("mark read returned no row")?;
    if row.i64("session_found")? == 0 {
        return Err(ApiError::not_found("chat session"));
    }
    if row.i64("message_found")? == 0 {
        return Err(ApiError::invalid(
            "up_to_message_id",
            "up_to_message_id must be the id of a message of this session",
        ));
    }
    Ok(web::ok(&ReadReceipt {
        session_id,
        reader_id: caller.id,
        up_to_message_id: body.up_to_message_id,
        read_at: rfc3339(row.instant("read_at")?),
        marked: row.i64("marked")?,
    }))
}
