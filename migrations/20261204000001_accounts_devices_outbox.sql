-- Users, devices with their ownership periods, login throttling and the outbox.
create extension if not exists citext;

-- Formats an instant as RFC 3339 in UTC with microseconds, for event payloads.
create function rfc3339(at timestamptz) returns text
language sql stable as $$
    select to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
$$;

create function set_updated_at() returns trigger
language plpgsql as $$
begin
    new.updated_at := now();
    return new;
end
$$;

create table app_user (
    user_id uuid primary key default gen_random_uuid(),
    username citext not null check (position('@' in username) = 0 and length(username) between 3 and 50),
    email citext not null check (length(email) between 3 and 254),
    password_hash text not null,
    role text not null check (role in ('admin', 'client')),
    -- IANA zone name; null means UTC for the API's defaults.
    timezone text,
    password_changed_at timestamptz not null default now(),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    deleted_at timestamptz
);

-- Unique among users that are not deleted, regardless of case (citext).
create unique index app_user_username_key on app_user (username) where deleted_at is null;
create unique index app_user_email_key on app_user (email) where deleted_at is null;
create index app_user_role_idx on app_user (role) where deleted_at is null;

create trigger app_user_updated_at before update on app_user
for each row execute function set_updated_at();

create table device (
    device_id uuid primary key default gen_random_uuid(),
    name text not null check (length(name) between 1 and 100),
    description text,
    location text,
    max_hourly_kwh numeric(12, 6) not null check (max_hourly_kwh > 0 and max_hourly_kwh <= 10000),
    owner_id uuid references app_user (user_id),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    deleted_at timestamptz
);

create index device_owner_idx on device (owner_id) where deleted_at is null;

create trigger device_updated_at before update on device
for each row execute function set_updated_at();

-- Each assignment of a device to a client, so that a client sees a device's data
-- only from the time it was theirs. At most one open period per device.
create table device_ownership (
    device_id uuid not null references device (device_id),
    owner_id uuid not null references app_user (user_id),
    started_at timestamptz not null,
    ended_at timestamptz,
    primary key (device_id, started_at),
    check (ended_at is null or ended_at >= started_at)
);

create unique index device_ownership_open_key on device_ownership (device_id) where ended_at is null;
create index device_ownership_owner_idx on device_ownership (owner_id, device_id);

-- Keeps the ownership periods in step with device.owner_id: every change of owner,
-- and a soft delete, ends the open period; a new owner starts one.
create function device_ownership_track() returns trigger
language plpgsql as $$
begin
    if tg_op = 'UPDATE'
       and new.owner_id is not distinct from old.owner_id
       and (new.deleted_at is null) = (old.deleted_at is null) then
        return null;
    end if;
    if tg_op = 'UPDATE' then
        update device_ownership set ended_at = now()
        where device_id = new.device_id and ended_at is null;
    end if;
    if new.owner_id is not null and new.deleted_at is null then
        insert into device_ownership (device_id, owner_id, started_at)
        values (new.device_id, new.owner_id, now());
    end if;
    return null;
end
$$;

create trigger device_ownership_track after insert or update of owner_id, deleted_at on device
for each row execute function device_ownership_track();

-- Failed logins per login name and client address, in a fixed 15-minute window
-- that starts at the first failure.
create table login_throttle (
    login citext not null,
    client_addr text not null,
    failures integer not null,
    window_started_at timestamptz not null,
    primary key (login, client_addr)
);

-- Domain events, written in the same statement as the change they announce and
-- relayed to RabbitMQ by the worker.
create table outbox (
    outbox_id bigserial primary key,
    event_id uuid not null unique default gen_random_uuid(),
    event_type text not null,
    occurred_at timestamptz not null default now(),
    data jsonb not null,
    published_at timestamptz
);

create index outbox_unpublished_idx on outbox (outbox_id) where published_at is null;

create function outbox_notify() returns trigger
language plpgsql as $$
begin
    perform pg_notify('dms_outbox', '');
    return null;
end
$$;

create trigger outbox_notify after insert on outbox
for each statement execute function outbox_notify();
