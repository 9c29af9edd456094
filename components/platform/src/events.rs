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
