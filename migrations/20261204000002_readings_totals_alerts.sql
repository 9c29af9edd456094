-- Readings, exact totals per UTC quarter-hour and per UTC hour, and alerts.

-- One row per accepted reading, keyed so that a repeat changes nothing.
-- `kwh` is the energy of the interval that ends at `measured_at`.
create table reading (
    device_id uuid not null,
    measured_at timestamptz not null,
    kwh numeric(16, 6) not null check (kwh >= 0),
    received_at timestamptz not null default now(),
    primary key (device_id, measured_at)
);

-- Totals per device and UTC quarter-hour. A reading belongs to the quarter that
-- contains the instant just before `measured_at` (10:00 belongs to 09:45-10:00).
-- Every zone's offset is a multiple of 15 minutes, so local hours sum exactly
-- from these rows.
create table consumption_quarter (
    device_id uuid not null,
    bucket_start timestamptz not null,
    kwh numeric(18, 6) not null,
    readings integer not null,
    primary key (device_id, bucket_start)
);

-- Totals per device and UTC hour. Concurrent ingests of one hour update this row
-- one after the other, so each sees the latest total when it decides on an alert.
create table consumption_hour (
    device_id uuid not null,
    hour_start timestamptz not null,
    kwh numeric(18, 6) not null,
    primary key (device_id, hour_start)
);

-- At most one alert per device and UTC hour: the first time the hour's total rises
-- above the limit in force.
create table alert (
    alert_id uuid primary key default gen_random_uuid(),
    device_id uuid not null references device (device_id),
    -- The device's owner when the alert was raised; a later owner does not see it.
    owner_id uuid references app_user (user_id),
    hour_start timestamptz not null,
    kwh numeric(18, 6) not null,
    max_hourly_kwh numeric(12, 6) not null,
    raised_at timestamptz not null default clock_timestamp(),
    acknowledged_at timestamptz,
    acknowledged_by uuid references app_user (user_id),
    unique (device_id, hour_start)
);

create index alert_owner_idx on alert (owner_id, hour_start desc);
create index alert_hour_idx on alert (hour_start desc);

-- The UTC quarter-hour that holds the energy of a reading measured at `at`.
create function reading_quarter(at timestamptz) returns timestamptz
language sql immutable parallel safe as $$
    select date_bin('15 minutes', at - interval '1 microsecond', timestamptz '2000-01-01 00:00:00+00')
$$;
