//! The `chat` component: support chat sessions and messages over REST.
//!
//! # Who sees what
//!
//! A client sees their own sessions. An admin sees the sessions assigned to
//! them and the unassigned ones: never assigned, or assigned to a user who is no
//! longer an active admin. Any other session is 404, so ids do not leak.
//! Admin-only routes answer 403 to clients.
//!
//! # Rules
//!
//! - A client has at most one open session. Creating another returns the open
//!   one with 200 (201 only for a new session), whatever `admin_id` asks for.
//! - An admin who posts to an unassigned session takes it over first. Taking
//!   over (`PUT .../admin`) a session assigned to another active admin, or a
//!   closed one, is 409.
//! - A message resent with the same `client_msg_id` by the same sender returns
//!   the stored message with 200 and writes nothing, even when the body differs
//!   or the session has been closed since. A new message to a closed session is
//!   409.
//! - Closing an already closed session returns it unchanged, with no event.
//!
//! # Message paging
//!
//! `GET .../messages` returns `{"items", "next_cursor"}`, items always oldest
//! first, at most `limit` of them (1 to 100, default 50):
//!
//! - with neither `cursor` nor `after`: the newest messages. `next_cursor`
//!   pages toward older messages and is null when there are none.
//! - `after=<message id>`: the messages after that one, for a client that
//!   reconnects and fetches what it missed. `next_cursor` pages toward newer
//!   messages and is null once the page reaches the newest message.
//! - `cursor=<next_cursor>`: the next page in the direction of the request
//!   that returned the cursor.
//!
//! Cursors are opaque strings. Messages keep their order (a per-message
//! sequence, assigned in commit order within a session), so paging neither
//! skips nor repeats a message.
//!
//! # Events
//!
//! Every change writes its event to the outbox in the same statement:
//! `chat.session` (the session, with `unread_by_client` and `unread_by_admin`
//! in place of the caller's `unread`), `chat.message` (the message) and
//! `chat.read` (`{"session_id", "reader_id", "up_to_message_id", "read_at"}`).
//!
//! # Assist
//!
//! `POST /api/chat/assist` suggests a reply from the support rules only
//! (`source` is `rules`, or `none` with a generic reply). The component cannot
//! make outbound HTTP requests, so the AI step runs in the worker's support bot.

mod assist;
mod body;
mod cursor;
mod messages;
mod model;
mod notify;
#[cfg(feature = "openapi")]
pub mod openapi;
mod sessions;
mod sql;

use http::Method;

use dms_platform::http::path_segments;
use dms_platform::{respond, ApiError, Host, Request, Response};

/// Routes one request of the `chat` component.
pub fn route(host: &Host<'_>, request: Request) -> Response {
    let method = request.method().clone();
    let segments = path_segments(&request);
    respond(match segments.as_slice() {
        ["api", "chat", rest @ ..] => route_api(host, &request, rest, method),
        ["chat", "api", rest @ ..] => route_alias(host, &request, rest, method),
        _ => Err(ApiError::not_found("route")),
    })
}

/// Routes the requests under `/api/chat`.
fn route_api(
    host: &Host<'_>,
    request: &Request,
    path: &[&str],
    method: Method,
) -> Result<Response, ApiError> {
    match (path, method) {
        (["sessions"], Method::GET) => sessions::list(host, request),
        (["sessions"], Method::POST) => sessions::create(host, request),
        (["sessions"], _) => Err(ApiError::MethodNotAllowed(&["GET", "POST"])),
        (["sessions", id], Method::GET) => sessions::show(host, request, id),
        (["sessions", _], _) => Err(ApiError::MethodNotAllowed(&["GET"])),
        (["sessions", id, "messages"], Method::GET) => messages::list(host, request, id),
        (["sessions", id, "messages"], Method::POST) => messages::post(host, request, id),
        (["sessions", _, "messages"], _) => Err(ApiError::MethodNotAllowed(&["GET", "POST"])),
        (["sessions", id, "messages", message_id], Method::GET) => {
            messages::show(host, request, id, message_id)
        }
        (["sessions", _, "messages", _], _) => Err(ApiError::MethodNotAllowed(&["GET"])),
        (["sessions", id, "read"], Method::POST) => messages::mark_read(host, request, id),
        (["sessions", _, "read"], _) => Err(ApiError::MethodNotAllowed(&["POST"])),
        (["sessions", id, "close"], Method::POST) => sessions::close(host, request, id),
        (["sessions", _, "close"], _) => Err(ApiError::MethodNotAllowed(&["POST"])),
        (["sessions", id, "admin"], Method::PUT) => sessions::take_over(host, request, id),
        (["sessions", _, "admin"], _) => Err(ApiError::MethodNotAllowed(&["PUT"])),
        (["assist"], Method::POST) => assist::suggest(host, request),
        (["assist"], _) => Err(ApiError::MethodNotAllowed(&["POST"])),
        (["notify", "overconsumption"], Method::POST) => notify::overconsumption(host, request),
        (["notify", "overconsumption"], _) => Err(ApiError::MethodNotAllowed(&["POST"])),
        _ => Err(ApiError::not_found("route")),
    }
}

/// Routes the three paths kept from the system DMS replaces, under `/chat/api`,
/// to the same handlers as their `/api/chat` routes.
fn route_alias(
    host: &Host<'_>,
    request: &Request,
    path: &[&str],
    method: Method,
) -> Result<Response, ApiError> {
    match (path, method) {
        (["sessions"], Method::POST) => sessions::create(host, request),
        (["sessions"], _) => Err(ApiError::MethodNotAllowed(&["POST"])),
        (["sessions", id, "messages"], Method::GET) => messages::list(host, request, id),
        (["sessions", _, "messages"], _) => Err(ApiError::MethodNotAllowed(&["GET"])),
        (["notify", "overconsumption"], Method::POST) => notify::overconsumption(host, request),
        (["notify", "overconsumption"], _) => Err(ApiError::MethodNotAllowed(&["POST"])),
        _ => Err(ApiError::not_found("route")),
    }
}

#[cfg(target_arch = "wasm32")]
mod spin_entry {
    #[spin_sdk::http_component]
    fn handle(request: http::Request<bytes::Bytes>) -> http::Response<bytes::Bytes> {
        dms_platform::serve_spin(request, crate::route)
    }
}
