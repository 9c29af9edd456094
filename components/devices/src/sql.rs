//! The statements of the `devices` component. Each change writes its `device.*`
//! event to the outbox in the same statement; a trigger keeps the ownership
//! periods in step with `owner_id`.

use dms_platform::events::DEVICE_JSON;
use dms_platform::model::DEVICE_COLUMNS;

/// $1 owner filter (or null), $2 limit, $3 offset.
pub fn list_devices() -> String {
    format!(
        "select {DEVICE_COLUMNS} from device d
         where d.deleted_at is null and ($1::uuid is null or d.owner_id = $1::uuid)
         order by lower(d.name), d.device_id
         limit $2 offset $3"
    )
}

pub const COUNT_DEVICES: &str = "select count(*) as total from device d
     where d.deleted_at is null and ($1::uuid is null or d.owner_id = $1::uuid)";

/// $1 device id, $2 the caller when only their own device may be seen (or null).
pub fn select_device() -> String {
    format!(
        "select {DEVICE_COLUMNS} from device d
         where d.device_id = $1 and d.deleted_at is null
           and ($2::uuid is null or d.owner_id = $2::uuid)"
    )
}

/// Inserts a device when its owner (if any) is a client; no row otherwise.
pub fn insert_device() -> String {
    format!(
        "with owner as (
             select user_id from app_user where user_id = $5::uuid and role = 'client' and deleted_at is null
         ),
         inserted as (
             insert into device as d (name, description, location, max_hourly_kwh, owner_id)
             select $1::text, $2::text, $3::text, $4::numeric, (select user_id from owner)
             where $5::uuid is null or exists (select 1 from owner)
             returning d.*
         ),
         event as (
             insert into outbox (event_type, data) select 'device.created', {DEVICE_JSON} from inserted d
         )
         select {DEVICE_COLUMNS} from inserted d"
    )
}

/// $1 id, then (flag, value) pairs for name, description, location and limit.
pub fn update_device() -> String {
    format!(
        "with updated as (
             update device d set
                 name = case when $2 then $3::text else d.name end,
                 description = case when $4 then $5::text else d.description end,
                 location = case when $6 then $7::text else d.location end,
                 max_hourly_kwh = case when $8 then $9::numeric else d.max_hourly_kwh end
             where d.device_id = $1 and d.deleted_at is null
             returning d.*
         ),
         event as (
             insert into outbox (event_type, data) select 'device.updated', {DEVICE_JSON} from updated d
         )
         select {DEVICE_COLUMNS} from updated d"
    )
}

pub fn delete_device() -> String {
    format!(
        "with deleted as (
             update device d set deleted_at = now()
             where d.device_id = $1 and d.deleted_at is null
             returning d.*
         ),
         event as (
             insert into outbox (event_type, data) select 'device.deleted', {DEVICE_JSON} from deleted d
         )
         select count(*) as deleted from deleted"
    )
}

/// $1 device, $2 new owner or null. Changes nothing when the owner is the same,
/// and nothing when the new owner is not a client.
pub fn set_owner() -> String {
    format!(
        "with target as materialized (
             select device_id, owner_id from device where device_id = $1 and deleted_at is null for update
         ),
         new_owner as (
             select user_id from app_user where user_id = $2::uuid and role = 'client' and deleted_at is null
         ),
         updated as (
             update device d set owner_id = $2::uuid
             from target t
             where d.device_id = t.device_id
               and ($2::uuid is null or exists (select 1 from new_owner))
               and t.owner_id is distinct from $2::uuid
             returning d.*
         ),
         event as (
             insert into outbox (event_type, data) select 'device.updated', {DEVICE_JSON} from updated d
         )
         select (select count(*) from target) as found,
                ($2::uuid is null or exists (select 1 from new_owner)) as owner_valid"
    )
}
