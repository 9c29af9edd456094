-- Support chat: sessions between a client and the support team, and their
-- messages with read receipts.

-- One conversation of a client with support. `admin_id` is the admin who took it
-- over (null while unassigned); `needs_human` marks a session the support bot
-- handed to a human.
create table chat_session (
    session_id uuid primary key default gen_random_uuid(),
    client_id uuid not null references app_user (user_id),
    admin_id uuid references app_user (user_id),
    status text not null default 'open' check (status in ('open', 'closed')),
    needs_human boolean not null default false,
    created_at timestamptz not null default clock_timestamp(),
    last_activity_at timestamptz not null default clock_timestamp(),
    closed_at timestamptz,
    check ((status = 'closed') = (closed_at is not null))
);

-- A client has at most one open session. Creating another returns the open one
-- (the insert uses `on conflict ... do nothing`).
create unique index chat_session_open_key on chat_session (client_id) where status = 'open';
create index chat_session_client_idx on chat_session (client_id, last_activity_at desc);
create index chat_session_admin_idx on chat_session (admin_id, last_activity_at desc);

-- One message. `sender_id` is null for the bot, the AI and system notices.
--
-- `seq` orders the messages of a session and backs the paging cursors. Every
-- writer locks the session row (`select ... for update`) in the statement that
-- inserts the message, so within a session `seq` follows commit order, and a
-- reader that has seen a message never later finds a new one with a smaller `seq`.
create table chat_message (
    message_id uuid primary key default gen_random_uuid(),
    seq bigint generated always as identity,
    session_id uuid not null references chat_session (session_id),
    sender_id uuid references app_user (user_id),
    sender_kind text not null check (sender_kind in ('client', 'admin', 'bot', 'ai', 'system')),
    body text not null check (char_length(body) between 1 and 4000),
    -- The sender's own id for the message, which makes a resend harmless.
    client_msg_id text check (char_length(client_msg_id) between 1 and 200),
    created_at timestamptz not null default clock_timestamp(),
    read_at timestamptz,
    check ((sender_id is not null) = (sender_kind in ('client', 'admin')))
);

-- A resend with the same client_msg_id by the same sender finds the stored
-- message. Null senders (bot, AI, system) share one key space per session.
create unique index chat_message_client_msg_key on chat_message (session_id, sender_id, client_msg_id)
    nulls not distinct where client_msg_id is not null;
create unique index chat_message_session_seq_key on chat_message (session_id, seq);
create index chat_message_unread_idx on chat_message (session_id) where read_at is null;

-- Whether a session's admin_id names no active admin: never assigned, or
-- assigned to a user since deleted or demoted. Any admin may see and take over
-- such a session.
create function chat_unassigned(admin uuid) returns boolean
language sql stable as $$
    select admin is null or not exists (
        select 1 from app_user u where u.user_id = admin and u.role = 'admin' and u.deleted_at is null
    )
$$;

-- The number of messages in a session that `reader` has not read yet: for a
-- client, every message not sent by them; for an admin, the client's messages.
create function chat_unread_count(session uuid, reader uuid, reader_is_admin boolean) returns bigint
language sql stable as $$
    select count(*) from chat_message m
    where m.session_id = session
      and m.read_at is null
      and case when reader_is_admin then m.sender_kind = 'client'
               else m.sender_id is distinct from reader end
$$;
