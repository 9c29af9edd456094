//! The OpenAPI description of the `chat` routes, for the native document
//! generator, with the three `/chat/api` aliases kept from the system DMS
//! replaces. Compiled only with the `openapi` feature.

use serde::Serialize;
use utoipa::openapi::path::{Operation, PathItem};
use utoipa::{OpenApi, ToSchema};

/// A chat session's status.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum SessionStatus {
    Open,
    Closed,
}

/// The kind of sender of a chat message. Messages of the bot, the AI and
/// system notices have no `sender_id`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum SenderKind {
    Client,
    Admin,
    Bot,
    Ai,
    System,
}

#[derive(OpenApi)]
#[openapi(paths(
    crate::sessions::list,
    crate::sessions::create,
    crate::sessions::show,
    crate::messages::list,
    crate::messages::post,
    crate::messages::show,
    crate::messages::mark_read,
    crate::sessions::close,
    crate::sessions::take_over,
    crate::assist::suggest,
    crate::notify::overconsumption,
))]
struct ChatApi;

/// Each alias: its path, the method, and the `/api/chat` path it repeats.
const ALIASES: &[(&str, &str, &str)] = &[
    ("/chat/api/sessions", "post", "/api/chat/sessions"),
    (
        "/chat/api/sessions/{id}/messages",
        "get",
        "/api/chat/sessions/{id}/messages",
    ),
    (
        "/chat/api/notify/overconsumption",
        "post",
        "/api/chat/notify/overconsumption",
    ),
];

/// Returns the OpenAPI document of the `chat` routes, aliases included.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut document = ChatApi::openapi();
    for (alias, method, original) in ALIASES {
        let operation = document
            .paths
            .paths
            .get(*original)
            .and_then(|item| operation(item, method))
            .cloned()
            .unwrap_or_else(|| panic!("the chat document has no {method} {original} to alias"));
        let item = document.paths.paths.entry((*alias).to_owned()).or_default();
        set_operation(item, method, alias_of(operation, method, original));
    }
    document
}

fn alias_of(mut operation: Operation, method: &str, original: &str) -> Operation {
    operation.operation_id = operation.operation_id.map(|id| format!("{id}_alias"));
    operation.summary = Some(format!(
        "Alias of {} {original}, kept for clients of the earlier support chat API",
        method.to_ascii_uppercase()
    ));
    operation
}

fn operation<'a>(item: &'a PathItem, method: &str) -> Option<&'a Operation> {
    match method {
        "get" => item.get.as_ref(),
        "post" => item.post.as_ref(),
        _ => None,
    }
}

fn set_operation(item: &mut PathItem, method: &str, operation: Operation) {
    match method {
        "get" => item.get = Some(operation),
        "post" => item.post = Some(operation),
        _ => panic!("no alias uses {method}"),
    }
}
