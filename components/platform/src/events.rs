//! Domain events written to the `outbox` table in the same statement as the change
//! they announce. The SQL fragments build each resource's JSON inside PostgreSQL,
//! so the event carries exactly the state that was committed.

/// `jsonb_build_object` of a user row aliased `u` (no password hash).
pub const USER_JSON: &str = "jsonb_build_object(
    'id', u.user_id, 'username', u.username::text, 'email', u.email::text, 'role', u.role,
    'timezone', u.timezone, 'created_at', rfc3339(u.created_at), 'updated_at', rfc3339(u.updated_at),
    'deleted_at', rfc3339(u.deleted_at))";

/// `jsonb_build_object` of a device row aliased `d`.
pub const DEVICE_JSON: &str = "jsonb_build_object(
    'id', d.device_id, 'name', d.name, 'description', d.description, 'location', d.location,
    'max_hourly_kwh', d.max_hourly_kwh, 'owner_id', d.owner_id,
    'created_at', rfc3339(d.created_at), 'updated_at', rfc3339(d.updated_at),
    'deleted_at', rfc3339(d.deleted_at))";

/// `jsonb_build_object` of an alert row aliased `a`, with the device name taken
/// from a device row aliased `d`.
pub const ALERT_JSON: &str = "jsonb_build_object(
    'id', a.alert_id, 'device_id', a.device_id, 'owner_id', a.owner_id, 'device_name', d.name,
    'hour_start', rfc3339(a.hour_start), 'kwh', a.kwh, 'max_hourly_kwh', a.max_hourly_kwh,
    'raised_at', rfc3339(a.raised_at), 'acknowledged_at', rfc3339(a.acknowledged_at))";

/// `jsonb_build_object` of a chat session row aliased `s`. A session's unread
/// count depends on who reads it, so the event carries both parties' counts.
/// `chat_unread_count` reads the statement's snapshot, so a statement that also
/// inserts a message must add that message to the counts itself.
pub const CHAT_SESSION_JSON: &str = "jsonb_build_object(
    'id', s.session_id, 'client_id', s.client_id, 'admin_id', s.admin_id, 'status', s.status,
    'needs_human', s.needs_human, 'created_at', rfc3339(s.created_at),
    'last_activity_at', rfc3339(s.last_activity_at), 'closed_at', rfc3339(s.closed_at),
    'unread_by_client', chat_unread_count(s.session_id, s.client_id, false),
    'unread_by_admin', chat_unread_count(s.session_id, s.admin_id, true))";

/// `jsonb_build_object` of a chat message row aliased `m`.
pub const CHAT_MESSAGE_JSON: &str = "jsonb_build_object(
    'id', m.message_id, 'session_id', m.session_id, 'sender_id', m.sender_id,
    'sender_kind', m.sender_kind, 'body', m.body, 'client_msg_id', m.client_msg_id,
    'created_at', rfc3339(m.created_at), 'read_at', rfc3339(m.read_at))";

/// The steps every chat message store shares, as data-modifying CTEs after a
/// caller's `target` CTE (the session row, locked `for update`, with `session_id`,
/// `status`, `admin_id` and `needs_human`). Parameters: $2 sender, $3 whether the
/// sender is an admin, $4 body, $5 client_msg_id. They define `existing` (a
/// resend's stored message), `inserted`, `touched` (the session after an admin's
/// message takes it over) and `events` (its outbox rows). The last CTE has no
/// trailing comma, so the caller's final `select` follows it.
/// The chat component and the worker's Socket.IO side both use them, so a message
/// is stored the same way whichever way it came in.
pub fn chat_message_steps() -> String {
    format!(
        "existing as (
             select m.* from chat_message m join target t on m.session_id = t.session_id
             where m.sender_id = $2 and m.client_msg_id = $5::text
         ),
         inserted as (
             insert into chat_message as m (session_id, sender_id, sender_kind, body, client_msg_id)
             select t.session_id, $2, case when $3 then 'admin' else 'client' end, $4::text, $5::text
             from target t
             where t.status = 'open' and not exists (select 1 from existing)
             on conflict (session_id, sender_id, client_msg_id) where client_msg_id is not null do nothing
             returning m.*
         ),
         touched as (
             update chat_session s set
                 last_activity_at = i.created_at,
                 admin_id = case when $3 then $2 else s.admin_id end,
                 needs_human = s.needs_human and not $3
             from inserted i, target t
             where s.session_id = i.session_id and t.session_id = i.session_id
             returning s.*, (t.admin_id is distinct from s.admin_id or t.needs_human <> s.needs_human) as changed
         ),
         events as (
             insert into outbox (event_type, data)
             select e.event_type, e.data from (
                 -- Only an admin's message changes the session, and the client has
                 -- not read it yet, so their count gains this message.
                 select 1 as position, 'chat.session' as event_type,
                        {CHAT_SESSION_JSON} || jsonb_build_object(
                            'unread_by_client', chat_unread_count(s.session_id, s.client_id, false) + 1
                        ) as data
                 from touched s where s.changed
                 union all
                 select 2, 'chat.message', {CHAT_MESSAGE_JSON} from inserted m
             ) e
             order by e.position
         )"
    )
}
