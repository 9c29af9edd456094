//! The client events of a socket: parsed, queued in arrival order, handled one
//! at a time by a task of the socket's own, and acknowledged through the
//! callback, or else with an `error` event.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Instant;

use serde_json::{json, Value};
use socketioxide::adapter::Adapter;
use socketioxide::extract::{AckSender, SocketRef, TryData};
use socketioxide::handler::FromMessageParts;
use socketioxide::socket::Socket;
use tokio::sync::mpsc;
use uuid::Uuid;

use super::auth::{self, AuthError};
use super::store::{self, Read, Sent, MAX_BODY_CHARS, MAX_CLIENT_MSG_ID_CHARS};
use super::{lock, session_room, Hub, SocketState, Transient, TransientKind};

/// The events a client may send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientEvent {
    JoinChat,
    LeaveChat,
    SendMessage,
    TypingStart,
    TypingStop,
    MarkRead,
}

impl ClientEvent {
    const ALL: [ClientEvent; 6] = [
        ClientEvent::JoinChat,
        ClientEvent::LeaveChat,
        ClientEvent::SendMessage,
        ClientEvent::TypingStart,
        ClientEvent::TypingStop,
        ClientEvent::MarkRead,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ClientEvent::JoinChat => "join_chat",
            ClientEvent::LeaveChat => "leave_chat",
            ClientEvent::SendMessage => "send_message",
            ClientEvent::TypingStart => "typing_start",
            ClientEvent::TypingStop => "typing_stop",
            ClientEvent::MarkRead => "mark_read",
        }
    }
}

/// A client event with a valid payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Join {
        session_id: Uuid,
    },
    Leave {
        session_id: Uuid,
    },
    Send {
        session_id: Uuid,
        body: String,
        client_msg_id: Option<String>,
    },
    Typing {
        session_id: Uuid,
        started: bool,
    },
    MarkRead {
        session_id: Uuid,
        up_to: Uuid,
    },
}

/// Why an event failed: `code` for programs, `message` for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandError {
    pub code: &'static str,
    pub message: String,
}

impl CommandError {
    fn new(code: &'static str, message: impl Into<String>) -> CommandError {
        CommandError {
            code,
            message: message.into(),
        }
    }

    fn invalid(message: impl Into<String>) -> CommandError {
        CommandError::new("invalid_payload", message)
    }

    fn session_not_found() -> CommandError {
        CommandError::new("not_found", "chat session not found")
    }

    fn database(event: ClientEvent, err: &sqlx::Error) -> CommandError {
        tracing::warn!(event = event.name(), error.message = %err, "socket event failed: database error");
        CommandError::new("unavailable", "the database is unavailable; try again")
    }
}

/// Parses and validates an event's payload.
///
/// # Errors
/// `invalid_payload` naming the field that is missing or invalid.
pub fn parse(event: ClientEvent, payload: &Value) -> Result<Command, CommandError> {
    if !payload.is_object() {
        return Err(CommandError::invalid(format!(
            "{} takes a JSON object",
            event.name()
        )));
    }
    let session_id = uuid_field(payload, "session_id")?;
    Ok(match event {
        ClientEvent::JoinChat => Command::Join { session_id },
        ClientEvent::LeaveChat => Command::Leave { session_id },
        ClientEvent::TypingStart => Command::Typing {
            session_id,
            started: true,
        },
        ClientEvent::TypingStop => Command::Typing {
            session_id,
            started: false,
        },
        ClientEvent::MarkRead => Command::MarkRead {
            session_id,
            up_to: uuid_field(payload, "up_to_message_id")?,
        },
        ClientEvent::SendMessage => {
            let body = match payload.get("body") {
                Some(Value::String(body)) => body.trim().to_owned(),
                _ => {
                    return Err(CommandError::invalid(
                        "body is missing; send the message text as a string",
                    ))
                }
            };
            let length = body.chars().count();
            if !(1..=MAX_BODY_CHARS).contains(&length) {
                return Err(CommandError::invalid(format!(
                    "body must be 1 to {MAX_BODY_CHARS} characters long after trimming; it is {length}"
                )));
            }
            let client_msg_id = match payload.get("client_msg_id") {
                None | Some(Value::Null) => None,
                Some(Value::String(id)) if (1..=MAX_CLIENT_MSG_ID_CHARS).contains(&id.chars().count()) => Some(id.clone()),
                Some(_) => {
                    return Err(CommandError::invalid(format!(
                        "client_msg_id must be a string of 1 to {MAX_CLIENT_MSG_ID_CHARS} characters, or be left out"
                    )))
                }
            };
            Command::Send {
                session_id,
                body,
                client_msg_id,
            }
        }
    })
}

fn uuid_field(payload: &Value, field: &str) -> Result<Uuid, CommandError> {
    match payload.get(field) {
        Some(Value::String(text)) => text
            .parse()
            .map_err(|_| CommandError::invalid(format!("{field} must be a UUID; got {text:?}"))),
        Some(_) => Err(CommandError::invalid(format!(
            "{field} must be a UUID string"
        ))),
        None => Err(CommandError::invalid(format!("{field} is missing"))),
    }
}

/// Whether the client asked for an acknowledgement.
pub struct WantsAck(bool);

impl<A: Adapter> FromMessageParts<A> for WantsAck {
    type Error = Infallible;

    fn from_message_parts(
        _: &Arc<Socket<A>>,
        _: &mut socketioxide::handler::Value,
        ack_id: &Option<i64>,
    ) -> Result<Self, Infallible> {
        Ok(WantsAck(ack_id.is_some()))
    }
}

/// One queued client event.
pub struct Job {
    socket: SocketRef,
    state: Arc<SocketState>,
    event: ClientEvent,
    payload: Option<Value>,
    wants_ack: bool,
    ack: AckSender,
}

/// Registers the client events on a new socket. Each handler runs its first
/// part in the order events arrive, so queueing there keeps that order.
pub fn register(socket: &SocketRef) {
    for event in ClientEvent::ALL {
        socket.on(
            event.name(),
            move |socket: SocketRef,
                  TryData(payload): TryData<Value>,
                  WantsAck(wants_ack): WantsAck,
                  ack: AckSender| {
                enqueue(socket, event, payload.ok(), wants_ack, ack);
                std::future::ready(())
            },
        );
    }
}

fn enqueue(
    socket: SocketRef,
    event: ClientEvent,
    payload: Option<Value>,
    wants_ack: bool,
    ack: AckSender,
) {
    let Some(state) = socket.extensions.get::<Arc<SocketState>>() else {
        return;
    };
    let jobs = state.jobs.clone();
    let job = Job {
        socket,
        state,
        event,
        payload,
        wants_ack,
        ack,
    };
    if let Err(mpsc::error::TrySendError::Full(job) | mpsc::error::TrySendError::Closed(job)) =
        jobs.try_send(job)
    {
        let error = CommandError::new(
            "too_many_requests",
            "too many events in flight on this socket; wait for the acknowledgements",
        );
        reply(&job.socket, job.event, job.wants_ack, job.ack, Err(error));
    }
}

/// Handles a socket's queued events until the socket is gone.
pub async fn serve(hub: Arc<Hub>, mut queue: mpsc::Receiver<Job>) {
    while let Some(job) = queue.recv().await {
        let result = match job
            .payload
            .as_ref()
            .map(|payload| parse(job.event, payload))
        {
            None => Err(CommandError::invalid(format!(
                "{} takes a JSON object",
                job.event.name()
            ))),
            Some(Err(err)) => Err(err),
            Some(Ok(command)) => hub.run(&job.socket, &job.state, job.event, command).await,
        };
        let revoked = matches!(&result, Err(err) if err.code == "unauthorized");
        reply(&job.socket, job.event, job.wants_ack, job.ack, result);
        if revoked {
            let _ = job.socket.disconnect();
        }
    }
}

fn reply(
    socket: &SocketRef,
    event: ClientEvent,
    wants_ack: bool,
    ack: AckSender,
    result: Result<Value, CommandError>,
) {
    let sent = match result {
        Ok(fields) => {
            let mut answer = json!({"ok": true});
            if let (Some(answer), Value::Object(fields)) = (answer.as_object_mut(), fields) {
                answer.extend(fields);
            }
            ack.send(&answer)
        }
        Err(err) if wants_ack => {
            ack.send(&json!({"ok": false, "error": err.message, "code": err.code}))
        }
        Err(err) => socket.emit("error", &json!({"code": err.code, "message": err.message})),
    };
    if let Err(err) = sent {
        tracing::debug!(event = event.name(), socket_id = %socket.id, error.message = %err, "reply not sent: the socket is closing");
    }
}

impl Hub {
    async fn run(
        &self,
        socket: &SocketRef,
        state: &SocketState,
        event: ClientEvent,
        command: Command,
    ) -> Result<Value, CommandError> {
        match command {
            Command::Join { session_id } => {
                self.recheck(event, state).await?;
                let participants = store::visible_session(&self.pool, &state.user, session_id)
                    .await
                    .map_err(|err| CommandError::database(event, &err))?
                    .ok_or_else(CommandError::session_not_found)?;
                self.remember(session_id, participants);
                socket.join(session_room(session_id));
                if lock(&state.joined).insert(session_id) {
                    self.announce(Transient::new(
                        session_id,
                        state.user.id,
                        TransientKind::Joined,
                    ))
                    .await;
                }
                Ok(json!({"session_id": session_id}))
            }
            Command::Leave { session_id } => {
                socket.leave(session_room(session_id));
                if lock(&state.joined).remove(&session_id) {
                    self.announce(Transient::new(
                        session_id,
                        state.user.id,
                        TransientKind::Left,
                    ))
                    .await;
                }
                Ok(json!({"session_id": session_id}))
            }
            Command::Send {
                session_id,
                body,
                client_msg_id,
            } => {
                let sent = store::send_message(
                    &self.pool,
                    &state.user,
                    session_id,
                    &body,
                    client_msg_id.as_deref(),
                )
                .await
                .map_err(|err| CommandError::database(event, &err))?;
                match sent {
                    Sent::Stored {
                        message,
                        participants,
                    } => {
                        self.remember(session_id, participants);
                        self.emit_message(&message, participants).await;
                        Ok(json!({"message": message}))
                    }
                    Sent::Repeated { message } => Ok(json!({"message": message})),
                    Sent::Closed => Err(CommandError::new(
                        "closed",
                        "the session is closed; open a new session to send messages",
                    )),
                    Sent::NotFound => Err(CommandError::session_not_found()),
                    Sent::Revoked => Err(CommandError::new(
                        "unauthorized",
                        "your account changed since this socket connected; reconnect",
                    )),
                }
            }
            Command::Typing {
                session_id,
                started,
            } => {
                if !lock(&state.joined).contains(&session_id) {
                    return Err(CommandError::new(
                        "not_joined",
                        "join the session with join_chat before sending typing events",
                    ));
                }
                if !lock(&state.typing).try_take(Instant::now()) {
                    return Err(CommandError::new(
                        "rate_limited",
                        "too many typing events; slow down",
                    ));
                }
                let kind = if started {
                    TransientKind::TypingStarted
                } else {
                    TransientKind::TypingStopped
                };
                self.announce(Transient::new(session_id, state.user.id, kind))
                    .await;
                Ok(json!({"session_id": session_id}))
            }
            Command::MarkRead { session_id, up_to } => {
                self.recheck(event, state).await?;
                let read = store::mark_read(&self.pool, &state.user, session_id, up_to)
                    .await
                    .map_err(|err| CommandError::database(event, &err))?;
                match read {
                    Read::Marked {
                        receipt,
                        event_id,
                        marked,
                    } => {
                        if let Some(event_id) = event_id {
                            self.emit_read(event_id, &receipt).await;
                        }
                        let mut answer = receipt;
                        answer["marked"] = json!(marked);
                        Ok(answer)
                    }
                    Read::NotFound => Err(CommandError::session_not_found()),
                    Read::UnknownMessage => Err(CommandError::invalid(
                        "up_to_message_id must be the id of a message of this session",
                    )),
                }
            }
        }
    }

    /// Reads the socket's user again, as every HTTP request does.
    async fn recheck(&self, event: ClientEvent, state: &SocketState) -> Result<(), CommandError> {
        match auth::recheck(&self.pool, &state.user).await {
            Ok(()) => Ok(()),
            Err(AuthError::Unavailable(err)) => Err(CommandError::database(event, &err)),
            Err(err) => Err(CommandError::new("unauthorized", err.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session() -> String {
        Uuid::new_v4().to_string()
    }

    #[test]
    fn parse_send_trims_body() {
        let id = session();
        let command = parse(
            ClientEvent::SendMessage,
            &json!({"session_id": id, "body": "  hi  ", "client_msg_id": "c1"}),
        );

        assert_eq!(
            command,
            Ok(Command::Send {
                session_id: id.parse().unwrap(),
                body: "hi".into(),
                client_msg_id: Some("c1".into())
            })
        );
    }

    #[test]
    fn parse_send_without_client_msg_id() {
        let command = parse(
            ClientEvent::SendMessage,
            &json!({"session_id": session(), "body": "hi"}),
        );

        assert!(
            matches!(
                command,
                Ok(Command::Send {
                    client_msg_id: None,
                    ..
                })
            ),
            "{command:?}"
        );
    }

    #[test]
    fn parse_rejects_bad_bodies() {
        for body in [
            json!(""),
            json!("   "),
            json!("x".repeat(MAX_BODY_CHARS + 1)),
            json!(5),
            Value::Null,
        ] {
            let result = parse(
                ClientEvent::SendMessage,
                &json!({"session_id": session(), "body": body}),
            );

            let err = result.expect_err("an invalid body");
            assert_eq!(err.code, "invalid_payload");
            assert!(err.message.contains("body"), "{}", err.message);
        }
    }

    #[test]
    fn parse_accepts_longest_body() {
        let body = "é".repeat(MAX_BODY_CHARS);

        assert!(parse(
            ClientEvent::SendMessage,
            &json!({"session_id": session(), "body": body})
        )
        .is_ok());
    }

    #[test]
    fn parse_rejects_bad_client_msg_ids() {
        for id in [
            json!(""),
            json!("x".repeat(MAX_CLIENT_MSG_ID_CHARS + 1)),
            json!(7),
        ] {
            let result = parse(
                ClientEvent::SendMessage,
                &json!({"session_id": session(), "body": "hi", "client_msg_id": id}),
            );

            assert!(result
                .expect_err("an invalid id")
                .message
                .contains("client_msg_id"));
        }
    }

    #[test]
    fn parse_rejects_bad_session_ids() {
        for payload in [
            json!({}),
            json!({"session_id": "nope"}),
            json!({"session_id": 1}),
            json!("text"),
            json!([1]),
        ] {
            let result = parse(ClientEvent::JoinChat, &payload);

            assert_eq!(
                result.expect_err("an invalid payload").code,
                "invalid_payload",
                "{payload}"
            );
        }
    }

    #[test]
    fn parse_mark_read_needs_message_id() {
        let result = parse(ClientEvent::MarkRead, &json!({"session_id": session()}));

        assert!(result
            .expect_err("no message id")
            .message
            .contains("up_to_message_id"));
    }

    #[test]
    fn parse_typing_events() {
        let id = session();

        assert_eq!(
            parse(ClientEvent::TypingStart, &json!({"session_id": id})),
            Ok(Command::Typing {
                session_id: id.parse().unwrap(),
                started: true
            })
        );
        assert_eq!(
            parse(ClientEvent::TypingStop, &json!({"session_id": id})),
            Ok(Command::Typing {
                session_id: id.parse().unwrap(),
                started: false
            })
        );
    }
}
