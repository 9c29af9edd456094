//! Chat sessions: create, list, show, close and take over.

use anyhow::Context;
use serde::Deserialize;
use uuid::Uuid;

use dms_platform::auth;
use dms_platform::db::Value;
use dms_platform::http::{self as web, Page, Pagination};
use dms_platform::{ApiError, Host, Request, Response};

use crate::body::parse_optional_object;
use crate::model::{Caller, ChatSession};
use crate::sql;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
struct CreateSession {
    /// The admin to ask (see `GET /api/admins`); absent for any admin.
    #[serde(default)]
    admin_id: Option<Uuid>,
}

/// A body that must be empty or `{}`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
struct NoFields {}

/// Opens a session for the calling client, or returns their open one.
#[cfg_attr(feature = "openapi", utoipa::path(
    post, path = "/api/chat/sessions", tag = "chat", operation_id = "create_chat_session",
    description = "Clients only. A client has at most one open session: when one is open, it is returned with 200, whatever `admin_id` asks for. The body may be empty.",
    security(("bearerAuth" = [])),
    request_body = Option<CreateSession>,
    responses(
        (status = 201, description = "A new session", body = ChatSession,
            headers(("Location" = String, description = "The new session's URL"))),
        (status = 200, description = "The client's open session", body = ChatSession),
        (status = 403, response = dms_platform::openapi::Forbidden),
        (status = 409, response = dms_platform::openapi::Conflict),
        (status = 422, response = dms_platform::openapi::ValidationFailed),
    ),
))]
pub fn create(host: &Host<'_>, request: &Request) -> Result<Response, ApiError> {
    let current = auth::authenticate(host, request)?;
    if current.is_admin() {
        return Err(ApiError::Forbidden(
            "only clients open support sessions; admins take sessions over with PUT /api/chat/sessions/{id}/admin"
                .into(),
        ));
    }
    let body: CreateSession = parse_optional_object(request)?;

    let db = host.db()?;
    // A concurrent close can remove the open session between the two statements,
    // so try once more before giving up.
    for _ in 0..2 {
        let rows = db.query(
            &sql::insert_session(),
            &[Value::Uuid(current.id), Value::opt_uuid(body.admin_id)],
        )?;
        let row = rows.first().context("insert session returned no row")?;
        if !row.bool("admin_valid")? {
            return Err(ApiError::invalid(
                "admin_id",
                "admin_id must be the id of an admin (see GET /api/admins), or be left out",
            ));
        }
        if row.opt_uuid("session_id")?.is_some() {
            let session = ChatSession::from_row(&row)?;
            return Ok(web::created(
                &format!("/api/chat/sessions/{}", session.id),
                &session,
            ));
        }
        let open = db.query(&sql::select_open_session(), &[Value::Uuid(current.id)])?;
        if let Some(row) = open.first() {
            return Ok(web::ok(&ChatSession::from_row(&row)?));
        }
    }
    Err(ApiError::Conflict {
        detail: "the open session changed while this one was being created; try again".into(),
        field: None,
    })
}

/// Lists the caller's sessions, most recently active first.
#[cfg_attr(feature = "openapi", utoipa::path(
    get, path = "/api/chat/sessions", tag = "chat", operation_id = "list_chat_sessions",
    description = "A client gets their own sessions. An admin gets the sessions assigned to them and the unassigned ones.",
    security(("bearerAuth" = [])),
    params(
        ("status" = Option<crate::openapi::SessionStatus>, Query, description = "Only open or only closed sessions"),
        ("needs_human" = Option<bool>, Query, description = "Only sessions that do (`true`) or do not (`false`) wait for a human admin"),
        ("page" = Option<i64>, Query, description = "Page number, from 1", minimum = 1),
        ("per_page" = Option<i64>, Query, description = "Page size, 1 to 100 (default 20)", minimum = 1, maximum = 100),
    ),
    responses(
        (status = 200, description = "A page of sessions", body = Page<ChatSession>),
        (status = 400, response = dms_platform::openapi::BadRequest),
    ),
))]
pub fn list(host: &Host<'_>, request: &Request) -> Result<Response, ApiError> {
    let caller = Caller::of(&auth::authenticate(host, request)?);
    let params = web::query_params(request);
    let pagination = Pagination::from_query(&params)?;
    let status = match params.get("status").map(String::as_str) {
        None | Some("") => None,
        Some(status @ ("open" | "closed")) => Some(status),
        Some(_) => {
            return Err(ApiError::bad_request(
                "status",
                "status must be open or closed",
            ))
        }
    };
    let needs_human = match params.get("needs_human").map(String::as_str) {
        None | Some("") => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(_) => {
            return Err(ApiError::bad_request(
                "needs_human",
                "needs_human must be true or false",
            ))
        }
    };
    let filters = [
        Value::opt_str(status),
        Value::Uuid(caller.id),
        Value::Bool(caller.is_admin),
        needs_human.map_or(Value::Null, Value::Bool),
    ];

    let db = host.db()?;
    let mut list_params = filters.to_vec();
    list_params.extend([
        Value::Int64(pagination.per_page),
        Value::Int64(pagination.offset()),
    ]);
    let rows = db.query(&sql::list_sessions(), &list_params)?;
    let items = rows
        .iter()
        .map(|row| ChatSession::from_row(&row))
        .collect::<Result<Vec<_>, _>>()?;
    let total = db
        .query(&sql::count_sessions(), &filters)?
        .first()
        .context("count returned no row")?
        .i64("total")?;
    Ok(web::ok(&Page {
        items,
        page: pagination.page,
        per_page: pagination.per_page,
        total,
    }))
}

/// Returns one session with the caller's unread count.
#[cfg_attr(feature = "openapi", utoipa::path(
    get, path = "/api/chat/sessions/{id}", tag = "chat", operation_id = "get_chat_session",
    security(("bearerAuth" = [])),
    params(("id" = Uuid, Path, description = "The chat session's id"),),
    responses(
        (status = 200, description = "The session", body = ChatSession),
        (status = 404, response = dms_platform::openapi::NotFound),
    ),
))]
pub fn show(host: &Host<'_>, request: &Request, id: &str) -> Result<Response, ApiError> {
    let caller = Caller::of(&auth::authenticate(host, request)?);
    let id = web::path_uuid(id, "chat session")?;
    Ok(web::ok(&load_visible(host, caller, id)?))
}

/// Loads a session the caller may see, with their unread count.
///
/// # Errors
/// 404 when the session does not exist or is hidden from the caller.
pub fn load_visible(host: &Host<'_>, caller: Caller, id: Uuid) -> Result<ChatSession, ApiError> {
    let rows = host
        .db()?
        .query(&sql::select_session(), &caller.session_params(id))?;
    let row = rows
        .first()
        .ok_or_else(|| ApiError::not_found("chat session"))?;
    Ok(ChatSession::from_row(&row)?)
}

/// Closes a session; either party may. Closing a closed session changes nothing.
#[cfg_attr(feature = "openapi", utoipa::path(
    post, path = "/api/chat/sessions/{id}/close", tag = "chat", operation_id = "close_chat_session",
    description = "Either party may close a session; closing a closed one returns it unchanged. The body may be empty or `{}`.",
    security(("bearerAuth" = [])),
    params(("id" = Uuid, Path, description = "The chat session's id"),),
    request_body = Option<NoFields>,
    responses(
        (status = 200, description = "The closed session", body = ChatSession),
        (status = 404, response = dms_platform::openapi::NotFound),
    ),
))]
pub fn close(host: &Host<'_>, request: &Request, id: &str) -> Result<Response, ApiError> {
    let caller = Caller::of(&auth::authenticate(host, request)?);
    let id = web::path_uuid(id, "chat session")?;
    let _: NoFields = parse_optional_object(request)?;

    let rows = host
        .db()?
        .query(&sql::close_session(), &caller.session_params(id))?;
    if let Some(row) = rows.first() {
        return Ok(web::ok(&ChatSession::from_row(&row)?));
    }
    // Nothing was closed: the session is already closed, or hidden (404).
    Ok(web::ok(&load_visible(host, caller, id)?))
}

/// Assigns a session to the calling admin and clears `needs_human`.
#[cfg_attr(feature = "openapi", utoipa::path(
    put, path = "/api/chat/sessions/{id}/admin", tag = "chat", operation_id = "take_over_chat_session",
    description = "Admins only: assigns an open session to the caller. The body may be empty or `{}`.",
    security(("bearerAuth" = [])),
    params(("id" = Uuid, Path, description = "The chat session's id"),),
    request_body = Option<NoFields>,
    responses(
        (status = 200, description = "The session, now assigned to the caller", body = ChatSession),
        (status = 403, response = dms_platform::openapi::Forbidden),
        (status = 404, response = dms_platform::openapi::NotFound),
        (status = 409, response = dms_platform::openapi::Conflict),
    ),
))]
pub fn take_over(host: &Host<'_>, request: &Request, id: &str) -> Result<Response, ApiError> {
    let current = auth::authenticate(host, request)?;
    current.require_admin()?;
    let caller = Caller::of(&current);
    let id = web::path_uuid(id, "chat session")?;
    let _: NoFields = parse_optional_object(request)?;

    let rows = host.db()?.query(
        &sql::take_over_session(),
        &[Value::Uuid(id), Value::Uuid(caller.id)],
    )?;
    let row = rows
        .first()
        .ok_or_else(|| ApiError::not_found("chat session"))?;
    if row.str("status")? != "open" {
        return Err(ApiError::Conflict {
            detail: "the session is closed; only open sessions can be taken over".into(),
            field: None,
        });
    }
    if !row.bool("available")? {
        return Err(ApiError::Conflict {
            detail: "another admin has taken this session over".into(),
            field: None,
        });
    }
    Ok(web::ok(&load_visible(host, caller, id)?))
}
