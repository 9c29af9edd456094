//! The statements of the `chat` component. Every change writes its `chat.*`
//! events to the outbox in the same statement. A statement that inserts a
//! message first locks the session row, so messages of one session get their
//! `seq` in commit order and the paging cursors never skip a late commit.
//!
//! Statements about one session bind `$1` to the session id, `$2` to the
//! caller's id and `$3` to whether the caller is an admin (see
//! [`crate::model::Caller`]).

use dms_platform::events::{chat_message_steps, CHAT_MESSAGE_JSON, CHAT_SESSION_JSON};

use crate::model::{MESSAGE_COLUMNS, SESSION_COLUMNS};

/// Whether the caller may see the session aliased `s`: its client, or an admin
/// when the session is theirs or unassigned. Sessions assigned to another active
/// admin stay hidden, as other users' resources do.
const VISIBLE: &str =
    "(s.client_id = $2 or ($3 and (s.admin_id = $2 or chat_unassigned(s.admin_id))))";

/// The caller's unread count for the session aliased `s`.
const UNREAD: &str = "chat_unread_count(s.session_id, $2, $3) as unread";

pub fn select_session() -> String {
    format!("select {SESSION_COLUMNS}, {UNREAD} from chat_session s where s.session_id = $1 and {VISIBLE}")
}

/// $1 status or null, $2 and $3 the caller, $4 needs_human or null, $5 limit,
/// $6 offset. Newest activity first.
pub fn list_sessions() -> String {
    format!(
        "select {SESSION_COLUMNS}, {UNREAD} from chat_session s
         where {VISIBLE}
           and ($1::text is null or s.status = $1::text)
           and ($4::bool is null or s.needs_human = $4::bool)
         order by s.last_activity_at desc, s.session_id desc
         limit $5 offset $6"
    )
}

/// Counts the sessions of [`list_sessions`], with its parameters but no limit and
/// offset.
pub fn count_sessions() -> String {
    format!(
        "select count(*) as total from chat_session s
         where {VISIBLE}
           and ($1::text is null or s.status = $1::text)
           and ($4::bool is null or s.needs_human = $4::bool)"
    )
}

/// $1 the client, $2 the chosen admin or null. Inserts nothing when the client
/// already has an open session, or when $2 is not an active admin. The column
/// `admin_valid` is false in the second case.
pub fn insert_session() -> String {
    format!(
        "with chosen_admin as (
             select user_id from app_user where user_id = $2::uuid and role = 'admin' and deleted_at is null
         ),
         inserted as (
             insert into chat_session as s (client_id, admin_id)
             select $1::uuid, $2::uuid
             where $2::uuid is null or exists (select 1 from chosen_admin)
             on conflict (client_id) where status = 'open' do nothing
             returning s.*
         ),
         event as (
             insert into outbox (event_type, data) select 'chat.session', {CHAT_SESSION_JSON} from inserted s
         )
         select ($2::uuid is null or exists (select 1 from chosen_admin)) as admin_valid,
                {SESSION_COLUMNS}, 0::int8 as unread
         from (select 1) as one left join inserted s on true"
    )
}

/// $1 the client. Their open session, if any, with their unread count.
pub fn select_open_session() -> String {
    format!(
        "select {SESSION_COLUMNS}, chat_unread_count(s.session_id, $1, false) as unread
         from chat_session s where s.client_id = $1 and s.status = 'open'"
    )
}

/// Closes an open session the caller may see. Returns no row when the session is
/// already closed or hidden.
pub fn close_session() -> String {
    format!(
        "with target as materialized (
             select s.session_id from chat_session s
             where s.session_id = $1 and s.status = 'open' and {VISIBLE}
             for update
         ),
         closed as (
             update chat_session s
             set status = 'closed', closed_at = now(), last_activity_at = now(), needs_human = false
             from target t
             where s.session_id = t.session_id
             returning s.*
         ),
         event as (
             insert into outbox (event_type, data) select 'chat.session', {CHAT_SESSION_JSON} from closed s
         )
         select {SESSION_COLUMNS}, {UNREAD} from closed s"
    )
}

/// $1 the session, $2 the admin taking it over. Assigns the session to $2 and
/// clears `needs_human` when it is open and unassigned or already theirs, and
/// writes an event only when something changed. Returns the `status` found and
/// `available`: whether the session was unassigned or already the caller's.
pub fn take_over_session() -> String {
    format!(
        "with target as materialized (
             select s.session_id, s.status, s.admin_id, s.needs_human,
                    (s.admin_id = $2 or chat_unassigned(s.admin_id)) as available
             from chat_session s where s.session_id = $1
             for update
         ),
         taken as (
             update chat_session s set admin_id = $2, needs_human = false
             from target t
             where s.session_id = t.session_id and t.status = 'open' and t.available
               and (t.admin_id is distinct from $2 or t.needs_human)
             returning s.*
         ),
         event as (
             insert into outbox (event_type, data) select 'chat.session', {CHAT_SESSION_JSON} from taken s
         )
         select t.status, t.available from target t"
    )
}

/// $4 the body, $5 the client_msg_id or null. Stores the caller's message in an
/// open session, unless the caller already sent one with the same client_msg_id,
/// which is returned instead (`inserted` false, in a closed session too). An admin
/// who posts takes an unassigned session over and clears `needs_human`.
///
/// No row: the session is hidden. A row without a message: the session is closed
/// (`status`), or a concurrent resend stored the message first.
pub fn insert_message() -> String {
    let message_steps = chat_message_steps();
    format!(
        "with target as materialized (
             select s.session_id, s.status, s.admin_id, s.needs_human from chat_session s
             where s.session_id = $1 and {VISIBLE}
             for update
         ),
         {message_steps}
         select t.status, m.inserted, {MESSAGE_COLUMNS}
         from target t
         left join (
             select i.*, true as inserted from inserted i
             union all
             select e.*, false from existing e
         ) m on true"
    )
}

/// $1 the session, $2 the sender, $3 the client_msg_id: the stored message of an
/// earlier send.
pub fn select_sent_message() -> String {
    format!(
        "select {MESSAGE_COLUMNS} from chat_message m
         where m.session_id = $1 and m.sender_id = $2 and m.client_msg_id = $3::text"
    )
}

/// $1 the session, $2 the message.
pub fn select_message() -> String {
    format!("select {MESSAGE_COLUMNS} from chat_message m where m.session_id = $1 and m.message_id = $2")
}

/// $1 the session, $2 a message of it or null, $3 the number of rows. Messages
/// before $2 (or the newest without it), newest first.
pub fn list_messages_before() -> String {
    format!(
        "select {MESSAGE_COLUMNS} from chat_message m
         where m.session_id = $1
           and ($2::uuid is null
                or m.seq < (select a.seq from chat_message a where a.session_id = $1 and a.message_id = $2::uuid))
         order by m.seq desc
         limit $3"
    )
}

/// $1 the session, $2 a message of it, $3 the number of rows. Messages after $2,
/// oldest first.
pub fn list_messages_after() -> String {
    format!(
        "select {MESSAGE_COLUMNS} from chat_message m
         where m.session_id = $1
           and m.seq > (select a.seq from chat_message a where a.session_id = $1 and a.message_id = $2)
         order by m.seq
         limit $3"
    )
}

pub const MESSAGE_EXISTS: &str =
    "select count(*) as found from chat_message where session_id = $1 and message_id = $2";

/// $4 the last message read. Sets `read_at` on the other party's unread messages
/// up to and including $4, and writes `chat.read` when it set any.
pub fn mark_read() -> String {
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
         )
         select (select count(*) from target) as session_found,
                (select count(*) from up_to) as message_found,
                (select count(*) from marked) as marked,
                now() at time zone 'UTC' as read_at"
    )
}

/// $1 the session: the body of the client's latest message.
pub const LAST_CLIENT_MESSAGE: &str = "select m.body from chat_message m
     where m.session_id = $1 and m.sender_kind = 'client'
     order by m.seq desc limit 1";

pub const CLIENT_EXISTS: &str =
    "select count(*) as found from app_user where user_id = $1 and role = 'client' and deleted_at is null";

/// $1 the device, $2 its owner: the name and limit of a device of that client.
pub const CLIENT_DEVICE: &str =
    "select d.name, trim_scale(d.max_hourly_kwh)::text as max_hourly_kwh
     from device d where d.device_id = $1 and d.owner_id = $2 and d.deleted_at is null";

/// $1 the client, $2 the text. Adds a system message to the client's open
/// session, creating the session when there is none. No row when a concurrent
/// request created the session first, and running it again finds that one.
pub fn insert_system_message() -> String {
    format!(
        "with client as (
             select user_id from app_user where user_id = $1 and role = 'client' and deleted_at is null
         ),
         open_session as materialized (
             select s.session_id from chat_session s
             where s.client_id = $1 and s.status = 'open'
             for update
         ),
         created as (
             insert into chat_session as s (client_id)
             select c.user_id from client c where not exists (select 1 from open_session)
             on conflict (client_id) where status = 'open' do nothing
             returning s.*
         ),
         target as (
             select session_id from open_session
             union all
             select session_id from created
         ),
         inserted as (
             insert into chat_message as m (session_id, sender_kind, body)
             select t.session_id, 'system', $2::text from target t
             returning m.*
         ),
         touched as (
             update chat_session s set last_activity_at = i.created_at
             from inserted i where s.session_id = i.session_id
         ),
         events as (
             insert into outbox (event_type, data)
             select e.event_type, e.data from (
                 -- A new session holds only this message, which its client has not read.
                 select 1 as position, 'chat.session' as event_type,
                        {CHAT_SESSION_JSON} || jsonb_build_object('unread_by_client', 1) as data
                 from created s
                 union all
                 select 2, 'chat.message', {CHAT_MESSAGE_JSON} from inserted m
             ) e
             order by e.position
         )
         select (select count(*) from created) as session_created, {MESSAGE_COLUMNS} from inserted m"
    )
}
