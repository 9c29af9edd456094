//! Suggested replies for admins, from the support bot's keyword rules.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use dms_platform::auth;
use dms_platform::db::Value;
use dms_platform::http as web;
use dms_platform::support::match_rule;
use dms_platform::{ApiError, Host, Request, Response};

use crate::body::parse_object;
use crate::model::Caller;
use crate::sessions::load_visible;
use crate::sql;

/// The reply offered when no rule matches the client's last message.
const GENERIC_REPLY: &str =
    "Thanks for your message. I'm looking into it now and will get back to you here shortly.";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
struct AssistRequest {
    session_id: Uuid,
}

/// A suggested reply. `source` is `rules` when a support rule matched the
/// client's last message, and `none` for the generic reply. `ai` is reserved for
/// an AI suggestion, which this component does not make.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
struct Suggestion {
    suggestion: String,
    #[cfg_attr(feature = "openapi", schema(pattern = "^(rules|none|ai)$"))]
    source: &'static str,
    /// The matched rule's topic, when a rule matched.
    topic: Option<&'static str>,
}

/// Suggests a reply to the client's last message from the support rules.
#[cfg_attr(feature = "openapi", utoipa::path(
    post, path = "/api/chat/assist", tag = "chat", operation_id = "suggest_chat_reply",
    description = "Admins only: a reply from the support bot's keyword rules (`source: rules`), or a generic one (`source: none`).",
    security(("bearerAuth" = [])),
    request_body = AssistRequest,
    responses(
        (status = 200, description = "The suggested reply", body = Suggestion),
        (status = 403, response = dms_platform::openapi::Forbidden),
        (status = 404, response = dms_platform::openapi::NotFound),
    ),
))]
pub fn suggest(host: &Host<'_>, request: &Request) -> Result<Response, ApiError> {
    let current = auth::authenticate(host, request)?;
    current.require_admin()?;
    let body: AssistRequest = parse_object(request)?;
    load_visible(host, Caller::of(&current), body.session_id)?;

    let rows = host
        .db()?
        .query(sql::LAST_CLIENT_MESSAGE, &[Value::Uuid(body.session_id)])?;
    let last_message = rows.first().map(|row| row.str("body")).transpose()?;
    let suggestion = match last_message.as_deref().and_then(match_rule) {
        Some(rule) => Suggestion {
            suggestion: rule.reply.to_owned(),
            source: "rules",
            topic: Some(rule.topic.as_str()),
        },
        None => Suggestion {
            suggestion: GENERIC_REPLY.to_owned(),
            source: "none",
            topic: None,
        },
    };
    Ok(web::ok(&suggestion))
}
