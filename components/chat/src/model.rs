//! Chat sessions and messages as the API shows them, with the select lists that
//! load them. Times are RFC 3339 in UTC with microseconds, the same text as the
//! `chat.*` events carry.

use chrono::{DateTime, Utc};
use serde::{Serialize, Serializer};
use uuid::Uuid;

use dms_platform::auth::CurrentUser;
use dms_platform::db::{DbError, Row, Value};
use dms_platform::http::rfc3339;

/// The signed-in user as the chat statements bind them: `$2` is the caller's id
/// and `$3` whether they are an admin.
#[derive(Debug, Clone, Copy)]
pub struct Caller {
    pub id: Uuid,
    pub is_admin: bool,
}

impl Caller {
    pub fn of(user: &CurrentUser) -> Caller {
        Caller {
            id: user.id,
            is_admin: user.is_admin(),
        }
    }

    /// Returns the parameters `$1` (the session), `$2` and `$3` of a session statement.
    pub fn session_params(&self, session_id: Uuid) -> [Value; 3] {
        [
            Value::Uuid(session_id),
            Value::Uuid(self.id),
            Value::Bool(self.is_admin),
        ]
    }
}

/// A chat session. `unread` counts the messages the caller has not read yet.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChatSession {
    pub id: Uuid,
    pub client_id: Uuid,
    pub admin_id: Option<Uuid>,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::SessionStatus))]
    pub status: String,
    pub needs_human: bool,
    #[serde(serialize_with = "instant")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "instant")]
    pub last_activity_at: DateTime<Utc>,
    #[serde(serialize_with = "optional_instant")]
    pub closed_at: Option<DateTime<Utc>>,
    pub unread: i64,
}

/// Select list for [`ChatSession::from_row`], for a session table aliased `s`.
/// The query adds the `unread` column.
pub const SESSION_COLUMNS: &str =
    "s.session_id, s.client_id, s.admin_id, s.status, s.needs_human, \
     s.created_at at time zone 'UTC' as created_at, \
     s.last_activity_at at time zone 'UTC' as last_activity_at, \
     s.closed_at at time zone 'UTC' as closed_at";

impl ChatSession {
    /// # Errors
    /// When a column is missing or has another type.
    pub fn from_row(row: &Row<'_>) -> Result<ChatSession, DbError> {
        Ok(ChatSession {
            id: row.uuid("session_id")?,
            client_id: row.uuid("client_id")?,
            admin_id: row.opt_uuid("admin_id")?,
            status: row.str("status")?,
            needs_human: row.bool("needs_human")?,
            created_at: row.instant("created_at")?,
            last_activity_at: row.instant("last_activity_at")?,
            closed_at: row.opt_instant("closed_at")?,
            unread: row.i64("unread")?,
        })
    }
}

/// A chat message. `sender_id` is null for the bot, the AI and system notices.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChatMessage {
    pub id: Uuid,
    pub session_id: Uuid,
    pub sender_id: Option<Uuid>,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::SenderKind))]
    pub sender_kind: String,
    pub body: String,
    pub client_msg_id: Option<String>,
    #[serde(serialize_with = "instant")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "optional_instant")]
    pub read_at: Option<DateTime<Utc>>,
}

/// Select list for [`ChatMessage::from_row`], for a message table aliased `m`.
pub const MESSAGE_COLUMNS: &str =
    "m.message_id, m.session_id, m.sender_id, m.sender_kind, m.body, \
     m.client_msg_id, m.created_at at time zone 'UTC' as created_at, \
     m.read_at at time zone 'UTC' as read_at";

impl ChatMessage {
    /// # Errors
    /// When a column is missing or has another type.
    pub fn from_row(row: &Row<'_>) -> Result<ChatMessage, DbError> {
        Ok(ChatMessage {
            id: row.uuid("message_id")?,
            session_id: row.uuid("session_id")?,
            sender_id: row.opt_uuid("sender_id")?,
            sender_kind: row.str("sender_kind")?,
            body: row.str("body")?,
            client_msg_id: row.opt_str("client_msg_id")?,
            created_at: row.instant("created_at")?,
            read_at: row.opt_instant("read_at")?,
        })
    }

    pub fn location(&self) -> String {
        format!(
            "/api/chat/sessions/{}/messages/{}",
            self.session_id, self.id
        )
    }
}

fn instant<S: Serializer>(at: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&rfc3339(*at))
}

fn optional_instant<S: Serializer>(
    at: &Option<DateTime<Utc>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match at {
        Some(at) => serializer.serialize_str(&rfc3339(*at)),
        None => serializer.serialize_none(),
    }
}
