//! The chat relay: on every replica, an exclusive auto-delete queue bound to the
//! events exchange (`chat.*`, `alert.*`, `user.*`) whose events are emitted to this
//! replica's sockets, and the publisher of this replica's typing and presence
//! events. It reconnects with backoff; events published while it is away are not
//! delivered to it, and clients fetch missed messages over HTTP.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use futures_util::StreamExt;
use lapin::options::{
    BasicConsumeOptions, BasicPublishOptions, QueueBindOptions, QueueDeclareOptions,
};
use lapin::types::FieldTable;
use lapin::BasicProperties;
use secrecy::SecretString;
use serde_json::Value;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::{Hub, Transient};
use crate::amqp::{self, Topology};

/// Routing keys the relay's queue is bound to.
const BINDINGS: [&str; 3] = ["chat.*", "alert.*", "user.*"];

/// Runs the relay until `stop` is cancelled.
///
/// # Errors
/// Never while running; failures are logged and retried.
pub async fn run(
    hub: Arc<Hub>,
    amqp_url: SecretString,
    topology: Topology,
    mut outgoing: mpsc::Receiver<Transient>,
    stop: CancellationToken,
) -> anyhow::Result<()> {
    tracing::info!(exchange = %topology.events_exchange(), "chat relay starting");
    let mut delay = Duration::from_millis(500);
    while !stop.is_cancelled() {
        let Ok(connection) = amqp::connect_with_backoff(&amqp_url, "dms-chat-relay", &stop).await
        else {
            break;
        };
        // Typing events queued while disconnected are stale by now.
        while outgoing.try_recv().is_ok() {}
        let started = Instant::now();
        match relay(&connection, &hub, &topology, &mut outgoing, &stop).await {
            Ok(()) => {
                let _ = connection.close(200, "stopping").await;
                break;
            }
            Err(err) => {
                tracing::warn!(error.cause_chain = ?err, error.message = %format!("{err:#}"), "chat relay failed; reconnecting");
            }
        }
        let _ = connection.close(0, "reconnecting").await;
        if started.elapsed() > Duration::from_secs(60) {
            delay = Duration::from_millis(500);
        }
        tokio::select! {
            () = tokio::time::sleep(delay) => {}
            () = stop.cancelled() => break,
        }
        delay = (delay * 2).min(Duration::from_secs(30));
    }
    tracing::info!("chat relay stopped");
    Ok(())
}

async fn relay(
    connection: &lapin::Connection,
    hub: &Hub,
    topology: &Topology,
    outgoing: &mut mpsc::Receiver<Transient>,
    stop: &CancellationToken,
) -> anyhow::Result<()> {
    let channel = connection
        .create_channel()
        .await
        .context("Failed to open a channel")?;
    topology.declare(&channel).await?;
    let queue = format!("{}.chat.{}", topology.prefix, Uuid::new_v4().simple());
    let options = QueueDeclareOptions {
        exclusive: true,
        auto_delete: true,
        ..QueueDeclareOptions::default()
    };
    channel
        .queue_declare(&queue, options, FieldTable::default())
        .await
        .context("Failed to declare the chat relay queue")?;
    for key in BINDINGS {
        channel
            .queue_bind(
                &queue,
                &topology.events_exchange(),
                key,
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await
            .with_context(|| format!("Failed to bind the chat relay queue to {key}"))?;
    }
    // The sockets belong to this replica, so an event lost with a crashed replica
    // could reach no socket anyway. Consume without acknowledgements.
    let consume = BasicConsumeOptions {
        no_ack: true,
        exclusive: true,
        ..BasicConsumeOptions::default()
    };
    let mut consumer = channel
        .basic_consume(&queue, "dms-chat-relay", consume, FieldTable::default())
        .await
        .context("Failed to start consuming events")?;
    tracing::info!(queue, "chat relay consuming events");

    let exchange = topology.events_exchange();
    loop {
        tokio::select! {
            delivery = consumer.next() => {
                let delivery = delivery.context("the consumer stream ended")?.context("Failed to receive an event")?;
                handle(hub, &delivery.data).await;
            }
            Some(event) = outgoing.recv() => {
                let body = event.envelope().to_string().into_bytes();
                let properties = BasicProperties::default()
                    .with_content_type("application/json".into())
                    .with_message_id(event.id.to_string().into())
                    .with_type(event.event_type().into());
                // Transient: no confirm, not persistent; a lost typing event only
                // leaves an indicator that the client hides after a while.
                channel
                    .basic_publish(&exchange, event.event_type(), BasicPublishOptions::default(), &body, properties)
                    .await
                    .context("Failed to publish a transient chat event")?;
            }
            () = stop.cancelled() => {
                let _ = channel.close(200, "stopping").await;
                return Ok(());
            }
        }
    }
}

/// Emits one event from the exchange to this replica's sockets.
async fn handle(hub: &Hub, body: &[u8]) {
    let Ok(event) = serde_json::from_slice::<Value>(body) else {
        tracing::warn!(
            bytes = body.len(),
            "chat relay dropped an event that is not JSON"
        );
        return;
    };
    let event_type = event
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let Some(id) = event
        .get("id")
        .and_then(Value::as_str)
        .and_then(|id| id.parse::<Uuid>().ok())
    else {
        tracing::warn!(event_type, "chat relay dropped an event without an id");
        return;
    };
    let data = event.get("data").unwrap_or(&Value::Null);
    match event_type {
        "chat.message" => {
            let Some(session_id) = data
                .get("session_id")
                .and_then(Value::as_str)
                .and_then(|id| id.parse().ok())
            else {
                tracing::warn!(event_id = %id, "chat.message without a session id dropped");
                return;
            };
            match hub.participants(session_id).await {
                Ok(Some(participants)) => hub.emit_message(data, participants).await,
                Ok(None) => {
                    tracing::warn!(event_id = %id, %session_id, "chat.message for an unknown session dropped")
                }
                Err(err) => {
                    tracing::warn!(event_id = %id, %session_id, error.message = %err, "chat.message dropped: the session lookup failed")
                }
            }
        }
        "chat.session" => hub.emit_session(id, data).await,
        "chat.read" => hub.emit_read(id, data).await,
        "chat.typing" | "chat.presence" => match Transient::from_envelope(event_type, id, data) {
            Some(transient) => hub.emit_transient(&transient).await,
            None => {
                tracing::warn!(event_id = %id, event_type, "malformed transient chat event dropped")
            }
        },
        "alert.raised" => hub.emit_alert(id, data).await,
        "user.updated" | "user.deleted" => match data
            .get("id")
            .and_then(Value::as_str)
            .and_then(|id| id.parse().ok())
        {
            Some(user_id) => {
                hub.user_changed(id, user_id, event_type == "user.deleted")
                    .await
            }
            None => {
                tracing::warn!(event_id = %id, event_type, "user event without a user id dropped")
            }
        },
        _ => {}
    }
}
