//! The chat statements behind the socket events. They follow the chat
//! component's statements, whose SQL module is private to it, and its rules.
//! The visibility and the idempotent `client_msg_id` are the same, the session
//! row is locked before a message is inserted, and every change is written to
//! the outbox in the same statement. Messages come back as the `chat.message` event's JSON, so a
//! message emitted right after storing equals the one the relay delivers.

use std::sync::LazyLock;

use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

use dms_platform::events::{chat_message_steps, CHAT_MESSAGE_JSON};

use super::auth::SocketUser;

/// Maximum length of a message body, in characters after trimming (as `POST .../messages`).
pub const MAX_BODY_CHARS: usize = 4000;

/// Maximum length of a `client_msg_id`, in characters.
pub const MAX_CLIENT_MSG_ID_CHARS: usize = 200;

/// Whether the caller (`$2`, an admin when `$3`) may see the session aliased `s`:
/// its client, or an admin when it is theirs or unassigned.
const VISIBLE: &str =
    "(s.client_id = $2 or ($3 and (s.admin_id = $2 or chat_unassigned(s.admin_id))))";

/// The people a session's events go to: its client, and its admin while one is
/// assigned and active (`None` means every admin may take it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Participants {
    pub client_id: Uuid,
    pub admin_id: Option<Uuid>,
}

/// Loads a session the user may see; `None` when it does not exist or is hidden.
///
/// # Errors
/// When the database fails.
pub async fn visible_session(
    pool: &PgPool,
    user: &SocketUser,
    session_id: Uuid,
) -> Result<Option<Participants>, sqlx::Error> {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        format!(
            "select s.client_id, case when chat_unassigned(s.admin_id) then null else s.admin_id end as admin_id
             from chat_session s where s.session_id = $1 and {VISIBLE}"
        )
    });
    let row: Option<(Uuid, Option<Uuid>)> = sqlx::query_as(&SQL)
        .bind(session_id)
        .bind(user.id)
        .bind(user.is_admin)
        .fetch_optional(pool)
        .await?;
    Ok(row.map(|(client_id, admin_id)| Participants {
        client_id,
        admin_id,
    }))
}

/// Loads the participants of any session, for events that arrive from RabbitMQ.
///
/// # Errors
/// When the database fails.
pub async fn participants(
    pool: &PgPool,
    session_id: Uuid,
) -> Result<Option<Participants>, sqlx::Error> {
    let row: Option<(Uuid, Option<Uuid>)> = sqlx::query_as(
        "select s.client_id, case when chat_unassigned(s.admin_id) then null else s.admin_id end
         from chat_session s where s.session_id = $1",
    )
    .bind(session_id)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|(client_id, admin_id)| Participants {
        client_id,
        admin_id,
    }))
}

/// The outcome of storing a message.
#[derive(Debug)]
pub enum Sent {
    /// The sender was deleted, changed role or changed their password since the
    /// socket connected; nothing was written.
    Revoked,
    /// Stored now.
    Stored {
        message: Value,
        participants: Participants,
    },
    /// Sent before with the same `client_msg_id`; nothing was written.
    Repeated { message: Value },
    /// The session does not exist or is hidden from the sender.
    NotFound,
    /// The session is closed.
    Closed,
}

/// Stores a message in an open session the user may see, with its `chat.message`
/// event (and `chat.session` when an admin's message takes the session over).
/// A resend with the same `client_msg_id` returns the stored message, in a
/// closed session too. The same statement checks the sender against `app_user`
/// as [`super::auth::recheck`] does, which saves a round trip per message.
///
/// # Errors
/// When the database fails.
pub async fn send_message(
    pool: &PgPool,
    user: &SocketUser,
    session_id: Uuid,
    body: &str,
    client_msg_id: Option<&str>,
) -> Result<Sent, sqlx::Error> {
    static SQL: LazyLock<String> = LazyLock::new(insert_message_sql);
    let row: Option<SendRow> = sqlx::query_as(&SQL)
        .bind(session_id)
        .bind(user.id)
        .bind(user.is_admin)
        .bind(body)
        .bind(client_msg_id)
        .bind(user.issued_at.timestamp())
        .fetch_optional(pool)
        .await?;
    let Some(row) = row else {
        return Ok(Sent::Revoked);
    };
    if row.status.is_none() {
        return Ok(Sent::NotFound);
    }
    match (row.inserted, row.message) {
        (Some(true), Some(message)) => Ok(Sent::Stored {
            message,
            participants: Participants {
                client_id: row.client_id.unwrap_or_default(),
                admin_id: row.admin_id,
            },
        }),
        (Some(false), Some(message)) => Ok(Sent::Repeated { message }),
        _ if row.status.as_deref() != Some("open") => Ok(Sent::Closed),
        _ => {
            // The session is open but nothing was stored: a concurrent resend with
            // the same client_msg_id committed first, so return its message.
            let message: Option<Value> = sqlx::query_scalar(&format!(
                "select {CHAT_MESSAGE_JSON} from chat_message m
                 where m.session_id = $1 and m.sender_id = $2 and m.client_msg_id = $3::text"
            ))
            .bind(session_id)
            .bind(user.id)
            .bind(client_msg_id)
            .fetch_optional(pool)
            .await?;
            Ok(message.map_or(Sent::NotFound, |message| Sent::Repeated { message }))
        }
    }
}

#[derive(sqlx::FromRow)]
struct SendRow {
    status: Option<String>,
    inserted: Option<bool>,
    message: Option<Value>,
    client_id: Option<Uuid>,
    admin_id: Option<Uuid>,
}

/// Builds the statement of [`send_message`]: `$1` session, `$2` sender, `$3` whether the
/// sender is an admin, `$4` body, `$5` client_msg_id or null, `$6` the token's
/// `iat` in seconds. No row when the sender no longer passes the checks of
/// [`super::auth::recheck`]; a null `status` when the session is hidden. The
/// last two columns are the session's client and its active admin after the
/// change.
fn insert_message_sql() -> String {
    let message_steps = chat_message_steps();
    format!(
        "with caller as (
             select 1 from app_user u
             where u.user_id = $2 and u.deleted_at is null
               and u.role = case when $3 then 'admin' else 'client' end
               -- Tokens carry whole seconds, so compare at that precision.
               and floor(extract(epoch from u.password_changed_at))::int8 <= $6::int8
         ),
         target as materialized (
             select s.session_id, s.client_id, s.status, s.admin_id, s.needs_human from chat_session s
             where s.session_id = $1 and {VISIBLE} and exists (select 1 from caller)
             for update
         ),
         {message_steps}
         select t.status, m.inserted,
                case when m.message_id is null then null else {CHAT_MESSAGE_JSON} end as message,
                t.client_id,
                case when $3 and m.inserted then $2
                     when chat_unassigned(t.admin_id) then null
                     else t.admin_id end as admin_id
         from caller
         left join target t on true
         left join (
             select i.*, true as inserted from inserted i
             union all
             select e.*, false from existing e
         ) m on true"
    )
}

/// The outcome of marking messages read.
#[derive(Debug)]
pub enum Read {
    /// The receipt, with the id of its `chat.read` event when any message changed.
    Marked {
        receipt: Value,
        event_id: Option<Uuid>,
        marked: i64,
    },
    NotFound,
    /// `up_to_message_id` names no message of the session.
    UnknownMessage,
}

/// Marks the other party's messages read up to and including one message, and
/// writes `chat.read` when it changed any.
///
/// # Errors
/// When the database fails.
pub async fn mark_read(
    pool: &PgPool,
    user: &SocketUser,
    session_id: Uuid,
    up_to: Uuid,
) -> Result<Read, sqlx::Error> {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        format!(
            "with target as (
                 select s.session_id from chat_session s where s.session_id = $1 and {VISIBLE}
             ),
             up_to as (
                 select m.seq from chat_message m join target t on m.session_id = t.session_id
                 where m.message_id = $4
             ),
             marked as (
                 update chat_message m set read_at = now()
                 from up_to u
                 where m.session_id = $1 and m.seq <= u.seq and m.read_at is null
                   and case when $3 then m.sender_kind = 'client' else m.sender_id is distinct from $2 end
                 returning m.message_id
             ),
             event as (
                 insert into outbox (event_type, data)
                 select 'chat.read', jsonb_build_object(
                     'session_id', $1::uuid, 'reader_id', $2::uuid, 'up_to_message_id', $4::uuid,
                     'read_at', rfc3339(now()))
                 where exists (select 1 from marked)
                 returning event_id
             )
             select (select count(*) from target) as session_found,
                    (select count(*) from up_to) as message_found,
                    (select count(*) from marked) as marked,
                    rfc3339(now()) as read_at,
                    (select event_id from event) as event_id"
        )
    });
    let (session_found, message_found, marked, read_at, event_id): (
        i64,
        i64,
        i64,
        String,
        Option<Uuid>,
    ) = sqlx::query_as(&SQL)
        .bind(session_id)
        .bind(user.id)
        .bind(user.is_admin)
        .bind(up_to)
        .fetch_one(pool)
        .await?;
    if session_found == 0 {
        return Ok(Read::NotFound);
    }
    if message_found == 0 {
        return Ok(Read::UnknownMessage);
    }
    let receipt = serde_json::json!({
        "session_id": session_id,
        "reader_id": user.id,
        "up_to_message_id": up_to,
        "read_at": read_at,
    });
    Ok(Read::Marked {
        receipt,
        event_id,
        marked,
    })
}
