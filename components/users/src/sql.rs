//! The statements of the `users` component. Each change writes its `user.*` event
//! (and `device.updated` for devices it releases) to the outbox in the same
//! statement. Rules over all admins lock every admin row (`for update`), so two
//! concurrent requests cannot both remove the second-to-last admin.

use dms_platform::events::{DEVICE_JSON, USER_JSON};
use dms_platform::model::USER_COLUMNS;

pub fn list_users() -> String {
    format!(
        "select {USER_COLUMNS} from app_user u
         where u.deleted_at is null
           and ($1::text is null or u.role = $1::text)
           and ($2::text is null
                or starts_with(lower(u.username::text), lower($2::text))
                or starts_with(lower(u.email::text), lower($2::text)))
         order by lower(u.username::text)
         limit $3 offset $4"
    )
}

pub const COUNT_USERS: &str = "select count(*) as total from app_user u
     where u.deleted_at is null
       and ($1::text is null or u.role = $1::text)
       and ($2::text is null
            or starts_with(lower(u.username::text), lower($2::text))
            or starts_with(lower(u.email::text), lower($2::text)))";

pub fn insert_user() -> String {
    format!(
        "insert into app_user as u (username, email, password_hash, role, timezone)
         values ($1, $2, $3, $4, $5)
         returning {USER_COLUMNS}"
    )
}

pub fn select_user() -> String {
    format!("select {USER_COLUMNS} from app_user u where u.user_id = $1 and u.deleted_at is null")
}

/// Parameters: $1 id, then (flag, value) pairs for email, role, timezone, password
/// hash and username. Returns `found` and the user when the update was allowed.
pub fn update_user() -> String {
    let user_json = USER_JSON;
    format!(
        "with admins as materialized (
             select user_id from app_user where role = 'admin' and deleted_at is null for update
         ),
         target as materialized (
             select user_id, role from app_user where user_id = $1 and deleted_at is null for update
         ),
         updated as (
             update app_user u set
                 email = case when $2 then $3::text::citext else u.email end,
                 role = case when $4 then $5::text else u.role end,
                 timezone = case when $6 then $7::text else u.timezone end,
                 password_hash = case when $8 then $9::text else u.password_hash end,
                 password_changed_at = case when $8 then date_trunc('second', now()) else u.password_changed_at end,
                 username = case when $10 then $11::text::citext else u.username end
             from target t
             where u.user_id = t.user_id
               and not (t.role = 'admin' and $4 and $5::text <> 'admin'
                        and (select count(*) from admins) <= 1)
             returning u.*
         ),
         event as (
             insert into outbox (event_type, data)
             select 'user.updated', {user_json} from updated u
         )
         select (select count(*) from target) as found, {USER_COLUMNS}
         from (select 1) as one left join updated u on true"
    )
}

/// Soft-deletes a user and releases their devices (a trigger ends the ownership
/// periods).
pub fn delete_user() -> String {
    let user_json = USER_JSON;
    let device_json = DEVICE_JSON;
    format!(
        "with admins as materialized (
             select user_id from app_user where role = 'admin' and deleted_at is null for update
         ),
         target as materialized (
             select user_id, role from app_user where user_id = $1 and deleted_at is null for update
         ),
         deleted as (
             update app_user u set deleted_at = now()
             from target t
             where u.user_id = t.user_id
               and (t.role <> 'admin' or (select count(*) from admins) > 1)
             returning u.*
         ),
         released as (
             update device d set owner_id = null
             from deleted
             where d.owner_id = deleted.user_id and d.deleted_at is null
             returning d.*
         ),
         user_event as (
             insert into outbox (event_type, data) select 'user.deleted', {user_json} from deleted u
         ),
         device_events as (
             insert into outbox (event_type, data) select 'device.updated', {device_json} from released d
         )
         select (select count(*) from target) as found, (select count(*) from deleted) as deleted"
    )
}

pub const LIST_ADMINS: &str = "select user_id, username::text as username from app_user
     where role = 'admin' and deleted_at is null order by lower(username::text)";
