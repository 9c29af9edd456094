//! The Socket.IO server of the `chat` role, at `/socket.io/` on the worker's
//! listener.
//!
//! # Connecting
//!
//! The handshake carries `auth: {"token"}`. The token is verified with the JWKS,
//! and the user is read from `app_user`: a deleted user, or a token issued before
//! the last password change, gets `connect_error` with the reason. A socket joins
//! the room `user:<id>`, and an admin's socket also joins `admins`.
//!
//! # Client events
//!
//! Each socket's events are handled one after the other, in the order they
//! arrived, so a client that sends without waiting for acknowledgements still
//! gets its messages stored in order. Every event may carry an acknowledgement
//! callback, acknowledged with `{"ok": true, ...}` or `{"ok": false, "error", "code"}`.
//! A failed event without a callback gets an `error` event `{"code", "message"}`.
//!
//! - `join_chat` / `leave_chat` `{session_id}`: a client may join their own
//!   sessions, an admin the sessions assigned to them or unassigned. The room is
//!   `session:<id>`, and its other members get `user_joined` / `user_left`.
//! - `send_message` `{session_id, body, client_msg_id}`: stored with the same
//!   rules as `POST /api/chat/sessions/{id}/messages`; the callback gets
//!   `{"ok": true, "message"}`, the stored message also for a resend.
//! - `typing_start` / `typing_stop` `{session_id}`: sockets that joined the
//!   session only; not stored, and limited per socket.
//! - `mark_read` `{session_id, up_to_message_id}`: the callback gets the receipt
//!   and the number of messages `marked`.
//!
//! # Server events
//!
//! Events reach every replica through RabbitMQ (see [`relay`]) and each replica
//! emits them to its own sockets:
//!
//! - `new_message` to the session's room, its client's sockets, and its admin's
//!   sockets (every admin's while it is unassigned).
//! - `session_updated` to the same people, with `unread` set for each side.
//! - `messages_read`, `typing_started` / `typing_stopped`, `user_joined` /
//!   `user_left` to the session's room, except the acting user's sockets.
//! - `overconsumption_notification` (an alert with `device_name`) to the owner's
//!   sockets and every admin's.
//!
//! A socket receives each message once: the replica that stored a message emits
//! it at once and drops the same message when its event comes back, and every
//! replica drops events it has already emitted (a bounded set of recent ids).
//! Typing and presence events are transient: the replica publishes them itself
//! to the events exchange as `chat.typing` and `chat.presence`, and they are lost
//! while RabbitMQ is unreachable. A client that reconnects fetches the messages it
//! missed with `GET /api/chat/sessions/{id}/messages?after=<last id>`.
//!
//! On `user.updated` a replica checks that user's sockets against the database
//! again and disconnects those whose role, status or password changed; on
//! `user.deleted` it disconnects them all. The client reconnects with a fresh
//! check.

pub mod auth;
mod commands;
pub mod rate;
pub mod recent;
pub mod relay;
pub mod store;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde_json::{json, Value};
use socketioxide::extract::{SocketRef, TryData};
use socketioxide::handler::ConnectHandler;
use socketioxide::layer::SocketIoLayer;
use socketioxide::SocketIo;
use sqlx::PgPool;
use tokio::sync::mpsc;
use uuid::Uuid;

use dms_platform::auth::TokenVerifier;

use crate::metrics::Metrics;
use auth::SocketUser;
use rate::TokenBucket;
use recent::RecentIds;
use store::Participants;

/// Room of every admin's sockets.
pub const ADMINS_ROOM: &str = "admins";

/// Ids of recently emitted events and messages that each replica remembers.
const RECENT_IDS: usize = 100_000;

/// Sessions whose participants a replica keeps in memory; the cache starts over
/// when it is full.
const DIRECTORY_CAPACITY: usize = 50_000;

/// Typing events one socket may send at once, and refilled per second.
const TYPING_BURST: u32 = 5;
const TYPING_PER_SECOND: f64 = 2.0;

/// Client events queued on one socket before new ones are rejected.
const SOCKET_QUEUE: usize = 64;

/// Transient events waiting to be published before new ones are dropped.
const TRANSIENT_QUEUE: usize = 1024;

pub fn user_room(user_id: Uuid) -> String {
    format!("user:{user_id}")
}

pub fn session_room(session_id: Uuid) -> String {
    format!("session:{session_id}")
}

/// Everything the socket handlers and the chat relay share on one replica.
pub struct Hub {
    io: SocketIo,
    pool: PgPool,
    verifier: TokenVerifier,
    metrics: Metrics,
    recent: RecentIds,
    directory: Mutex<HashMap<Uuid, Participants>>,
    transient: mpsc::Sender<Transient>,
}

/// The Socket.IO layer for the worker's router, and what the chat relay needs.
pub struct ChatServer {
    pub layer: SocketIoLayer,
    pub hub: Arc<Hub>,
    pub transient: mpsc::Receiver<Transient>,
}

/// A typing or presence change: not stored, published to the events exchange by
/// the replica whose socket sent it.
#[derive(Debug, Clone)]
pub struct Transient {
    pub id: Uuid,
    pub session_id: Uuid,
    pub user_id: Uuid,
    pub kind: TransientKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransientKind {
    TypingStarted,
    TypingStopped,
    Joined,
    Left,
}

impl Transient {
    fn new(session_id: Uuid, user_id: Uuid, kind: TransientKind) -> Transient {
        Transient {
            id: Uuid::new_v4(),
            session_id,
            user_id,
            kind,
        }
    }

    /// The event type on the events exchange, also its routing key.
    pub fn event_type(&self) -> &'static str {
        match self.kind {
            TransientKind::TypingStarted | TransientKind::TypingStopped => "chat.typing",
            TransientKind::Joined | TransientKind::Left => "chat.presence",
        }
    }

    /// The event as published: `{"id", "type", "occurred_at", "data"}`.
    pub fn envelope(&self) -> Value {
        let data = match self.kind {
            TransientKind::TypingStarted | TransientKind::TypingStopped => json!({
                "session_id": self.session_id,
                "user_id": self.user_id,
                "typing": self.kind == TransientKind::TypingStarted,
            }),
            TransientKind::Joined | TransientKind::Left => json!({
                "session_id": self.session_id,
                "user_id": self.user_id,
                "joined": self.kind == TransientKind::Joined,
            }),
        };
        json!({
            "id": self.id,
            "type": self.event_type(),
            "occurred_at": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            "data": data,
        })
    }

    /// Reads a `chat.typing` or `chat.presence` event back.
    pub fn from_envelope(event_type: &str, id: Uuid, data: &Value) -> Option<Transient> {
        let session_id = data.get("session_id")?.as_str()?.parse().ok()?;
        let user_id = data.get("user_id")?.as_str()?.parse().ok()?;
        let kind = match event_type {
            "chat.typing" if data.get("typing")?.as_bool()? => TransientKind::TypingStarted,
            "chat.typing" => TransientKind::TypingStopped,
            "chat.presence" if data.get("joined")?.as_bool()? => TransientKind::Joined,
            "chat.presence" => TransientKind::Left,
            _ => return None,
        };
        Some(Transient {
            id,
            session_id,
            user_id,
            kind,
        })
    }

    fn socket_event(&self) -> &'static str {
        match self.kind {
            TransientKind::TypingStarted => "typing_started",
            TransientKind::TypingStopped => "typing_stopped",
            TransientKind::Joined => "user_joined",
            TransientKind::Left => "user_left",
        }
    }
}

/// What one socket carries besides its Socket.IO state.
pub struct SocketState {
    pub user: SocketUser,
    typing: Mutex<TokenBucket>,
    joined: Mutex<HashSet<Uuid>>,
    jobs: mpsc::Sender<commands::Job>,
}

/// Builds the Socket.IO layer and the hub behind it.
///
/// # Errors
/// When `jwks` is not a key set of Ed25519 keys.
pub fn build(
    pool: PgPool,
    metrics: Metrics,
    jwks: &str,
    issuer: &str,
    audience: &str,
) -> anyhow::Result<ChatServer> {
    anyhow::ensure!(
        !jwks.trim().is_empty(),
        "the chat role needs JWT_VERIFYING_KEYS (the JWKS that verifies tokens); set it, or leave chat out of WORKER_ROLES"
    );
    let verifier = TokenVerifier::new(jwks, issuer, audience)?;
    let (layer, io) = SocketIo::builder().build_layer();
    let (transient_sender, transient_receiver) = mpsc::channel(TRANSIENT_QUEUE);
    let hub = Arc::new(Hub {
        io: io.clone(),
        pool,
        verifier,
        metrics,
        recent: RecentIds::new(RECENT_IDS),
        directory: Mutex::new(HashMap::new()),
        transient: transient_sender,
    });

    let on_connect = {
        let hub = hub.clone();
        move |socket: SocketRef| {
            hub.clone().connected(socket);
            std::future::ready(())
        }
    };
    let authenticate = {
        let hub = hub.clone();
        move |socket: SocketRef, TryData(auth): TryData<Value>| {
            let hub = hub.clone();
            async move { hub.authenticate(socket, auth.ok()).await }
        }
    };
    io.ns("/", on_connect.with(authenticate));
    Ok(ChatServer {
        layer,
        hub,
        transient: transient_receiver,
    })
}

impl Hub {
    pub fn io(&self) -> &SocketIo {
        &self.io
    }

    /// The connect middleware: verifies the handshake and attaches the user.
    async fn authenticate(
        self: Arc<Self>,
        socket: SocketRef,
        auth: Option<Value>,
    ) -> Result<(), auth::AuthError> {
        let token = auth
            .as_ref()
            .and_then(|auth| auth.get("token"))
            .and_then(Value::as_str);
        let user = match auth::authenticate(&self.pool, &self.verifier, token, chrono::Utc::now())
            .await
        {
            Ok(user) => user,
            Err(err) => {
                match &err {
                    auth::AuthError::Unavailable(cause) => {
                        tracing::warn!(socket_id = %socket.id, error.message = %cause, "socket rejected: the database is unavailable");
                    }
                    _ => tracing::info!(socket_id = %socket.id, reason = %err, "socket rejected"),
                }
                return Err(err);
            }
        };
        // The socket's state holds the only sender of its queue, so the task that
        // serves the queue ends once the socket is gone.
        let (jobs, queue) = mpsc::channel(SOCKET_QUEUE);
        tokio::spawn(commands::serve(self.clone(), queue));
        let state = Arc::new(SocketState {
            user,
            typing: Mutex::new(TokenBucket::new(
                TYPING_BURST,
                TYPING_PER_SECOND,
                Instant::now(),
            )),
            joined: Mutex::new(HashSet::new()),
            jobs,
        });
        socket.extensions.insert(state);
        Ok(())
    }

    /// The connect handler: joins the user's rooms and starts serving the socket.
    fn connected(self: Arc<Self>, socket: SocketRef) {
        let Some(state) = socket.extensions.get::<Arc<SocketState>>() else {
            // The middleware attaches the state before every connection it lets through.
            let _ = socket.disconnect();
            return;
        };
        socket.join(user_room(state.user.id));
        if state.user.is_admin {
            socket.join(ADMINS_ROOM);
        }
        self.metrics.sockets_connected.inc();
        tracing::debug!(socket_id = %socket.id, user_id = %state.user.id, admin = state.user.is_admin, "socket connected");

        commands::register(&socket);
        let hub = self.clone();
        socket.on_disconnect(move |socket: SocketRef| {
            hub.disconnected(&socket);
            std::future::ready(())
        });
    }

    fn disconnected(self: &Arc<Self>, socket: &SocketRef) {
        self.metrics.sockets_connected.dec();
        let Some(state) = socket.extensions.remove::<Arc<SocketState>>() else {
            return;
        };
        let joined: Vec<Uuid> = lock(&state.joined).drain().collect();
        let user_id = state.user.id;
        let hub = self.clone();
        tokio::spawn(async move {
            for session_id in joined {
                hub.announce(Transient::new(session_id, user_id, TransientKind::Left))
                    .await;
            }
        });
        tracing::debug!(socket_id = %socket.id, user_id = %state.user.id, "socket disconnected");
    }

    /// Emits a transient event to this replica's sockets and queues it for the
    /// other replicas.
    async fn announce(&self, event: Transient) {
        self.emit_transient(&event).await;
        if self.transient.try_send(event).is_err() {
            tracing::debug!("transient event dropped: the publish queue is full or closed");
        }
    }

    /// Emits a typing or presence event to the session's room, except the acting
    /// user's sockets, once per event id.
    pub(crate) async fn emit_transient(&self, event: &Transient) {
        if !self.recent.insert(&format!("event:{}", event.id)) {
            return;
        }
        let payload = json!({"session_id": event.session_id, "user_id": event.user_id});
        let operators = self
            .io
            .to(session_room(event.session_id))
            .except(user_room(event.user_id));
        emitted(operators.emit(event.socket_event(), &payload).await);
    }

    /// Emits a stored message to the session's room and its participants, once
    /// per message id.
    pub(crate) async fn emit_message(&self, message: &Value, participants: Participants) {
        let Some(id) = message.get("id").and_then(Value::as_str) else {
            return;
        };
        if !self.recent.insert(&format!("message:{id}")) {
            return;
        }
        let session_id = message
            .get("session_id")
            .and_then(Value::as_str)
            .and_then(|id| id.parse().ok());
        let mut rooms = vec![
            user_room(participants.client_id),
            admin_room(participants.admin_id),
        ];
        if let Some(session_id) = session_id {
            rooms.push(session_room(session_id));
        }
        emitted(self.io.to(rooms).emit("new_message", message).await);
    }

    /// Emits a `chat.session` event as `session_updated`, with `unread` set to
    /// each side's count.
    pub(crate) async fn emit_session(&self, event_id: Uuid, data: &Value) {
        if !self.recent.insert(&format!("event:{event_id}")) {
            return;
        }
        let Some(session_id) = uuid_field(data, "id") else {
            return;
        };
        let Some(client_id) = uuid_field(data, "client_id") else {
            return;
        };
        // Forget the cached participants; the next message reads them again, with
        // the admin's current role.
        lock(&self.directory).remove(&session_id);
        let admin_id = uuid_field(data, "admin_id");
        let for_client = session_for(data, "unread_by_client");
        let for_admin = session_for(data, "unread_by_admin");
        emitted(
            self.io
                .to(user_room(client_id))
                .emit("session_updated", &for_client)
                .await,
        );
        let io = self.io.clone();
        let pool = self.pool.clone();
        tokio::spawn(async move {
            // A session assigned to a user who is no longer an active admin is
            // unassigned, as `chat_unassigned` decides.
            let active_admin = match admin_id {
                None => None,
                Some(admin_id) => match is_active_admin(&pool, admin_id).await {
                    Ok(true) => Some(admin_id),
                    Ok(false) => None,
                    Err(err) => {
                        tracing::warn!(%session_id, error.message = %err, "session_updated sent to every admin: the admin check failed");
                        None
                    }
                },
            };
            if let Err(err) = io
                .to(admin_room(active_admin))
                .emit("session_updated", &for_admin)
                .await
            {
                tracing::debug!(%session_id, error.message = %err, "session_updated not emitted");
            }
        });
    }

    /// Emits a `chat.read` receipt to the session's room, except the reader's
    /// sockets.
    pub(crate) async fn emit_read(&self, event_id: Uuid, receipt: &Value) {
        if !self.recent.insert(&format!("event:{event_id}")) {
            return;
        }
        let (Some(session_id), Some(reader_id)) = (
            uuid_field(receipt, "session_id"),
            uuid_field(receipt, "reader_id"),
        ) else {
            return;
        };
        let operators = self
            .io
            .to(session_room(session_id))
            .except(user_room(reader_id));
        emitted(operators.emit("messages_read", receipt).await);
    }

    /// Emits an `alert.raised` event to the device owner's sockets and every
    /// admin's, and to nobody else.
    pub(crate) async fn emit_alert(&self, event_id: Uuid, alert: &Value) {
        if !self.recent.insert(&format!("event:{event_id}")) {
            return;
        }
        let mut rooms = vec![ADMINS_ROOM.to_owned()];
        if let Some(owner_id) = uuid_field(alert, "owner_id") {
            rooms.push(user_room(owner_id));
        }
        emitted(
            self.io
                .to(rooms)
                .emit("overconsumption_notification", alert)
                .await,
        );
    }

    /// Returns a session's participants, from memory or else from the database.
    pub(crate) async fn participants(
        &self,
        session_id: Uuid,
    ) -> Result<Option<Participants>, sqlx::Error> {
        if let Some(known) = lock(&self.directory).get(&session_id) {
            return Ok(Some(*known));
        }
        let loaded = store::participants(&self.pool, session_id).await?;
        if let Some(participants) = loaded {
            self.remember(session_id, participants);
        }
        Ok(loaded)
    }

    fn remember(&self, session_id: Uuid, participants: Participants) {
        let mut directory = lock(&self.directory);
        if directory.len() >= DIRECTORY_CAPACITY {
            directory.clear();
        }
        directory.insert(session_id, participants);
    }

    /// Checks a user's sockets again after `user.updated` (or disconnects them
    /// all after `user.deleted`), so a demoted admin stops receiving what only
    /// admins see.
    pub(crate) async fn user_changed(&self, event_id: Uuid, user_id: Uuid, deleted: bool) {
        if !self.recent.insert(&format!("event:{event_id}")) {
            return;
        }
        // A role change can turn sessions unassigned, so read participants again.
        lock(&self.directory).clear();
        for socket in self.io.to(user_room(user_id)).sockets() {
            let Some(state) = socket.extensions.get::<Arc<SocketState>>() else {
                continue;
            };
            let verdict = if deleted {
                Err(auth::AuthError::UserGone)
            } else {
                auth::recheck(&self.pool, &state.user).await
            };
            if let Err(err) = verdict {
                tracing::info!(socket_id = %socket.id, %user_id, reason = %err, "disconnecting a socket whose user changed");
                let _ = socket.emit(
                    "error",
                    &json!({"code": err.code(), "message": err.to_string()}),
                );
                let _ = socket.disconnect();
            }
        }
    }
}

/// The room of a session's admin side: the assigned admin, else every admin.
fn admin_room(admin_id: Option<Uuid>) -> String {
    admin_id.map_or_else(|| ADMINS_ROOM.to_owned(), user_room)
}

/// A session event's data as one side sees it: `unread` is that side's count.
fn session_for(data: &Value, unread_field: &str) -> Value {
    let mut session = data.clone();
    if let Some(object) = session.as_object_mut() {
        let unread = object.get(unread_field).cloned().unwrap_or(json!(0));
        object.remove("unread_by_client");
        object.remove("unread_by_admin");
        object.insert("unread".into(), unread);
    }
    session
}

fn uuid_field(value: &Value, field: &str) -> Option<Uuid> {
    value.get(field)?.as_str()?.parse().ok()
}

async fn is_active_admin(pool: &PgPool, user_id: Uuid) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("select not chat_unassigned($1)")
        .bind(user_id)
        .fetch_one(pool)
        .await
}

/// Logs a failed broadcast. With the local adapter a failure concerns sockets
/// that are closing, so it is not an error of the event.
fn emitted(result: Result<(), socketioxide::BroadcastError>) {
    if let Err(err) = result {
        tracing::debug!(error.message = %err, "broadcast not delivered to every socket");
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_for_sets_each_sides_unread() {
        let data = json!({"id": "s", "unread_by_client": 2, "unread_by_admin": 5});

        let client = session_for(&data, "unread_by_client");
        let admin = session_for(&data, "unread_by_admin");

        assert_eq!(client["unread"], 2);
        assert_eq!(admin["unread"], 5);
        assert!(client.get("unread_by_admin").is_none(), "{client}");
        assert!(admin.get("unread_by_client").is_none(), "{admin}");
    }

    #[test]
    fn transient_envelope_round_trips() {
        for kind in [
            TransientKind::TypingStarted,
            TransientKind::TypingStopped,
            TransientKind::Joined,
            TransientKind::Left,
        ] {
            let event = Transient::new(Uuid::new_v4(), Uuid::new_v4(), kind);
            let envelope = event.envelope();

            let read = Transient::from_envelope(
                envelope["type"].as_str().unwrap(),
                event.id,
                &envelope["data"],
            );

            let read = read.unwrap_or_else(|| panic!("{kind:?} did not parse back: {envelope}"));
            assert_eq!(read.kind, kind);
            assert_eq!(read.session_id, event.session_id);
            assert_eq!(read.user_id, event.user_id);
        }
    }

    #[test]
    fn transient_rejects_other_types() {
        let data = json!({"session_id": Uuid::new_v4(), "user_id": Uuid::new_v4(), "typing": true});

        assert!(Transient::from_envelope("chat.message", Uuid::new_v4(), &data).is_none());
    }
}
