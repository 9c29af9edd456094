//! The statements of the `monitoring` component. Instants are bound as text cast
//! with `::text::timestamptz` and read as `at time zone 'UTC'`, as Spin needs.

use dms_platform::events::ALERT_JSON;
use dms_platform::model::DEVICE_COLUMNS;

/// $1 device id, $2 the caller when only their own device may be seen (or null).
pub fn select_device() -> String {
    format!(
        "select {DEVICE_COLUMNS} from device d
         where d.device_id = $1 and d.deleted_at is null
           and ($2::uuid is null or d.owner_id = $2::uuid)"
    )
}

/// $1 user id.
pub const USER_TIME_ZONE: &str = "select timezone from app_user where user_id = $1";

/// True when the quarter row aliased `q` lies in one of the ownership periods of
/// the client bound at `$n`, or when `$n` is null (an admin reads every quarter).
/// A period covers the quarters from the one containing its start up to, not
/// including, its end.
fn visible_quarter(n: u8) -> String {
    format!(
        "(${n}::uuid is null or exists (
             select 1 from device_ownership p
             where p.device_id = q.device_id and p.owner_id = ${n}::uuid
               and q.bucket_start >= date_bin('15 minutes', p.started_at, timestamptz '2000-01-01 00:00:00+00')
               and (p.ended_at is null or q.bucket_start < p.ended_at)))"
    )
}

/// Totals of one device per interval. $1 device id, $2 the client whose
/// ownership periods bound the data (or null), $3 and $4 the intervals' starts
/// and ends as `text[]` of RFC 3339 instants. One row per interval, in order,
/// with its 1-based `ord`, `kwh` and `readings` (zero when it contains no data).
pub fn interval_totals() -> String {
    let visible = visible_quarter(2);
    format!(
        "with bounds as (
             select b.ord, b.start_at::timestamptz as start_at, b.end_at::timestamptz as end_at
             from unnest($3::text[], $4::text[]) with ordinality as b(start_at, end_at, ord)
         )
         select b.ord::int8 as ord, coalesce(sum(q.kwh), 0) as kwh,
                coalesce(sum(q.readings), 0)::int8 as readings
         from bounds b
         left join consumption_quarter q
             on q.device_id = $1 and q.bucket_start >= b.start_at and q.bucket_start < b.end_at
            and {visible}
         group by b.ord
         order by b.ord"
    )
}

/// Selects each visible device's total for one day and its peak hour. $1 the owner whose
/// devices to list (or null for all), $2 the client whose ownership periods bound
/// the data (or null), $3 and $4 the hours' starts and ends as `text[]`, $5 and $6
/// the day's start and end. The peak is the hour with the most energy (the
/// earliest on a tie); null when no hour has more than zero.
pub fn day_overview() -> String {
    let visible = visible_quarter(2);
    format!(
        "with hours as (
             select h.ord, h.start_at::timestamptz as start_at, h.end_at::timestamptz as end_at
             from unnest($3::text[], $4::text[]) with ordinality as h(start_at, end_at, ord)
         ),
         devices as (
             select d.device_id, d.name, d.max_hourly_kwh from device d
             where d.deleted_at is null and ($1::uuid is null or d.owner_id = $1::uuid)
         ),
         hourly as (
             select q.device_id, h.ord, h.start_at, h.end_at, sum(q.kwh) as kwh
             from devices d
             join consumption_quarter q on q.device_id = d.device_id
             join hours h on q.bucket_start >= h.start_at and q.bucket_start < h.end_at
             where q.bucket_start >= $5::text::timestamptz and q.bucket_start < $6::text::timestamptz
               and {visible}
             group by q.device_id, h.ord, h.start_at, h.end_at
         ),
         peaks as (
             select distinct on (device_id) device_id, start_at, end_at, kwh
             from hourly where kwh > 0
             order by device_id, kwh desc, ord
         ),
         totals as (
             select device_id, sum(kwh) as kwh from hourly group by device_id
         )
         select d.device_id, d.name, d.max_hourly_kwh, coalesce(t.kwh, 0) as total_kwh,
                p.start_at at time zone 'UTC' as peak_start, p.end_at at time zone 'UTC' as peak_end,
                p.kwh as peak_kwh
         from devices d
         left join totals t on t.device_id = d.device_id
         left join peaks p on p.device_id = d.device_id
         order by lower(d.name), d.device_id"
    )
}

/// Select list for an alert row aliased `a` joined to its device aliased `d`.
pub const ALERT_COLUMNS: &str = "a.alert_id, a.device_id, a.owner_id, d.name as device_name, \
     a.hour_start at time zone 'UTC' as hour_start, a.kwh, a.max_hourly_kwh, \
     a.raised_at at time zone 'UTC' as raised_at, \
     a.acknowledged_at at time zone 'UTC' as acknowledged_at, a.acknowledged_by";

/// Filters of the alert list: $1 owner (or null for all), $2 device (or null),
/// $3 earliest `hour_start` (inclusive), $4 end of the range (exclusive),
/// $5 acknowledged or not (or null for both).
const ALERT_FILTER: &str = "from alert a join device d on d.device_id = a.device_id
     where ($1::uuid is null or a.owner_id = $1::uuid)
       and ($2::uuid is null or a.device_id = $2::uuid)
       and ($3::text is null or a.hour_start >= $3::text::timestamptz)
       and ($4::text is null or a.hour_start < $4::text::timestamptz)
       and ($5::bool is null or (a.acknowledged_at is not null) = $5::bool)";

/// Lists the alerts matching [`ALERT_FILTER`], newest hour first. $6 limit, $7 offset.
pub fn list_alerts() -> String {
    format!(
        "select {ALERT_COLUMNS} {ALERT_FILTER}
         order by a.hour_start desc, a.raised_at desc, a.alert_id
         limit $6 offset $7"
    )
}

/// Counts the alerts matching [`ALERT_FILTER`].
pub fn count_alerts() -> String {
    format!("select count(*) as total {ALERT_FILTER}")
}

/// Acknowledges an alert and writes its `alert.acknowledged` event, once.
/// $1 alert id, $2 the owner it must have (or null for an admin), $3 the user
/// acknowledging. Returns the alert as it is afterwards, or no row when it is not
/// visible. An alert already acknowledged is returned unchanged, with no event.
/// `for update` makes a concurrent acknowledgement wait and then read the
/// committed row, so exactly one of them writes the event.
pub fn acknowledge_alert() -> String {
    format!(
        "with target as materialized (
             select a.* from alert a
             where a.alert_id = $1 and ($2::uuid is null or a.owner_id = $2::uuid)
             for update
         ),
         updated as (
             update alert a set acknowledged_at = now(), acknowledged_by = $3
             from target t
             where a.alert_id = t.alert_id and t.acknowledged_at is null
             returning a.*
         ),
         event as (
             insert into outbox (event_type, data)
             select 'alert.acknowledged', {ALERT_JSON}
             from updated a join device d on d.device_id = a.device_id
         ),
         answer as (
             select * from updated
             union all
             select * from target where not exists (select 1 from updated)
         )
         select {ALERT_COLUMNS} from answer a join device d on d.device_id = a.device_id"
    )
}
