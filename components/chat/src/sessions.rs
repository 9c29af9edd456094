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
struct CreateSession {
    #[serde(default)]
    admin_id: Option<Uuid>,
}

/// A body that must be empty or `{}`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct NoFields {}

/// Opens a session for the calling client, or returns their open one.
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
