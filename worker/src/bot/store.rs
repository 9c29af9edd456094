//! The support bot's statements. A reply is a message with no sender whose
//! `client_msg_id` is `reply:<id of the client's message>`, so a redelivered
//! event, or a second replica, stores nothing new. The statement locks the
//! session row before inserting, as every message writer does.

use std::sync::LazyLock;

use sqlx::PgPool;
use uuid::Uuid;

use dms_platform::events::{CHAT_MESSAGE_JSON, CHAT_SESSION_JSON};

/// The state of a session when a client's message arrives, as the bot reads it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReplyContext {
    pub client_id: Uuid,
    pub open: bool,
    pub needs_human: bool,
    /// Whether no active admin has taken the session.
    pub unassigned: bool,
    /// Whether a reply to this message is stored already.
    pub replied: bool,
}

/// Loads the session of a client's message; `None` when the message is unknown.
///
/// # Errors
/// When the database fails.
pub async fn reply_context(
    pool: &PgPool,
    message_id: Uuid,
) -> Result<Option<ReplyContext>, sqlx::Error> {
    sqlx::query_as(
        "select s.client_id, s.status = 'open' as open, s.needs_human,
                chat_unassigned(s.admin_id) as unassigned,
                exists (select 1 from chat_message r
                        where r.session_id = s.session_id and r.sender_id is null
                          and r.client_msg_id = 'reply:' || m.message_id::text) as replied
         from chat_message m join chat_session s on s.session_id = m.session_id
         where m.message_id = $1",
    )
    .bind(message_id)
    .fetch_optional(pool)
    .await
}

/// The sender of a reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyKind {
    /// A keyword rule's reply.
    Bot,
    /// The AI's reply.
    Ai,
    /// The notice that a person will reply. It also sets `needs_human`.
    Handoff,
}

impl ReplyKind {
    fn sender_kind(self) -> &'static str {
        match self {
            ReplyKind::Bot => "bot",
            ReplyKind::Ai => "ai",
            ReplyKind::Handoff => "system",
        }
    }
}

/// The outcome of storing a reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyOutcome {
    Stored,
    /// Nothing stored: the reply exists already, or the session was closed,
    /// taken by an admin or handed to a human meanwhile.
    Skipped,
    /// Nothing stored: the client had `limit` bot and AI replies in the last minute.
    Limited,
}

/// Stores the reply to a client's message, with its `chat.message` event and,
/// for a hand-off, the session's `needs_human` and its `chat.session` event.
/// A bot or AI reply is stored only while the client had fewer than `limit`
/// such replies in the last minute. The count runs after the session row is
/// locked, in a statement of its own that reads every reply committed before
/// the lock was granted. All of a client's replies lock their one open session,
/// so concurrent replies, on any replica, cannot pass the limit together.
///
/// # Errors
/// When the database fails.
pub async fn insert_reply(
    pool: &PgPool,
    session_id: Uuid,
    message_id: Uuid,
    kind: ReplyKind,
    body: &str,
    limit: i64,
) -> Result<ReplyOutcome, sqlx::Error> {
    let mut transaction = pool.begin().await?;
    let client_id: Option<Uuid> = sqlx::query_scalar(
        "select s.client_id from chat_session s
         where s.session_id = $1 and s.status = 'open' and not s.needs_human and chat_unassigned(s.admin_id)
         for update",
    )
    .bind(session_id)
    .fetch_optional(&mut *transaction)
    .await?;
    let Some(client_id) = client_id else {
        return Ok(ReplyOutcome::Skipped);
    };
    if kind != ReplyKind::Handoff && recent_replies(&mut transaction, client_id).await? >= limit {
        return Ok(ReplyOutcome::Limited);
    }
    static SQL: LazyLock<String> = LazyLock::new(|| {
        format!(
            "with target as materialized (
                 select s.session_id from chat_session s
                 where s.session_id = $1 and s.status = 'open' and not s.needs_human
                   and chat_unassigned(s.admin_id)
                 for update
             ),
             inserted as (
                 insert into chat_message as m (session_id, sender_kind, body, client_msg_id)
                 select t.session_id, $3::text, $4::text, 'reply:' || $2::text from target t
                 on conflict (session_id, sender_id, client_msg_id) where client_msg_id is not null do nothing
                 returning m.*
             ),
             touched as (
                 update chat_session s set last_activity_at = i.created_at, needs_human = s.needs_human or $5
                 from inserted i where s.session_id = i.session_id
                 returning s.*
             ),
             events as (
                 insert into outbox (event_type, data)
                 select e.event_type, e.data from (
                     -- The counts read the statement's snapshot, so the client's
                     -- count gains the notice inserted here.
                     select 1 as position, 'chat.session' as event_type,
                            {CHAT_SESSION_JSON} || jsonb_build_object(
                                'unread_by_client', chat_unread_count(s.session_id, s.client_id, false) + 1
                            ) as data
                     from touched s where $5
                     union all
                     select 2, 'chat.message', {CHAT_MESSAGE_JSON} from inserted m
                 ) e
                 order by e.position
             )
             select count(*) from inserted"
        )
    });
    let inserted: i64 = sqlx::query_scalar(&SQL)
        .bind(session_id)
        .bind(message_id)
        .bind(kind.sender_kind())
        .bind(body)
        .bind(kind == ReplyKind::Handoff)
        .fetch_one(&mut *transaction)
        .await?;
    transaction.commit().await?;
    Ok(if inserted > 0 {
        ReplyOutcome::Stored
    } else {
        ReplyOutcome::Skipped
    })
}

/// Messages per session that [`recent_replies`] looks at.
const RECENT_WINDOW: i64 = 100;

/// Counts the bot and AI replies to a client in the last minute, in the
/// sessions active in that minute. It reads only each session's newest
/// [`RECENT_WINDOW`] messages (by the `(session_id, seq)` index), so its cost
/// does not grow with a session's history.
///
/// NOTE: a client who sends more than that many messages in a minute may get
/// more replies than the limit, since older replies fall out of the window.
pub async fn recent_replies(
    connection: &mut sqlx::PgConnection,
    client_id: Uuid,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "select count(*) from chat_session s
         cross join lateral (
             select r.sender_kind, r.created_at from chat_message r
             where r.session_id = s.session_id order by r.seq desc limit $2
         ) r
         where s.client_id = $1 and s.last_activity_at > now() - interval '1 minute'
           and r.sender_kind in ('bot', 'ai') and r.created_at > now() - interval '1 minute'",
    )
    .bind(client_id)
    .bind(RECENT_WINDOW)
    .fetch_one(connection)
    .await
}

/// One earlier message of the session.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct HistoryMessage {
    pub sender_kind: String,
    pub body: String,
}

/// Loads the session's last `limit` messages, oldest first.
///
/// # Errors
/// When the database fails.
pub async fn history(
    pool: &PgPool,
    session_id: Uuid,
    limit: i64,
) -> Result<Vec<HistoryMessage>, sqlx::Error> {
    let mut messages: Vec<HistoryMessage> = sqlx::query_as(
        "select sender_kind, body from chat_message where session_id = $1 order by seq desc limit $2",
    )
    .bind(session_id)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    messages.reverse();
    Ok(messages)
}

/// One of the client's devices with today's energy.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DeviceFacts {
    pub name: String,
    pub max_hourly_kwh: String,
    pub today_kwh: String,
}

/// The facts about a client that the AI may use: their own devices, and the
/// energy each used today in the client's time zone since it became theirs.
#[derive(Debug, Clone)]
pub struct ClientFacts {
    pub timezone: String,
    pub today: String,
    pub devices: Vec<DeviceFacts>,
}

/// Most devices listed to the AI.
const MAX_DEVICES: i64 = 20;

/// Loads the client's facts.
///
/// # Errors
/// When the database fails.
pub async fn client_facts(pool: &PgPool, client_id: Uuid) -> Result<ClientFacts, sqlx::Error> {
    let (timezone, today): (String, String) = sqlx::query_as(
        "select z.tz, to_char(now() at time zone z.tz, 'YYYY-MM-DD')
         from (select coalesce((select timezone from app_user where user_id = $1), 'UTC') as tz) z",
    )
    .bind(client_id)
    .fetch_one(pool)
    .await?;
    // Quarter-hours count from the later of local midnight and the start of the
    // client's ownership, so a previous owner's energy never shows.
    let devices = sqlx::query_as(
        "select d.name, trim_scale(d.max_hourly_kwh)::text as max_hourly_kwh,
                coalesce(trim_scale(sum(q.kwh)), 0)::text as today_kwh
         from device d
         join device_ownership o on o.device_id = d.device_id and o.owner_id = $1 and o.ended_at is null
         left join consumption_quarter q on q.device_id = d.device_id
              and q.bucket_start >= greatest(date_trunc('day', now() at time zone $2) at time zone $2, o.started_at)
         where d.owner_id = $1 and d.deleted_at is null
         group by d.device_id, d.name, d.max_hourly_kwh
         order by d.name, d.device_id
         limit $3",
    )
    .bind(client_id)
    .bind(&timezone)
    .bind(MAX_DEVICES)
    .fetch_all(pool)
    .await?;
    Ok(ClientFacts {
        timezone,
        today,
        devices,
    })
}
