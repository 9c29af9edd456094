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
