//! The support bot: competing consumers on the shared bot queue (bound to
//! `chat.message`), so each message is handled by one replica.
//!
//! A client's message in an open session that no active admin has taken and that
//! is not waiting for a human gets one reply:
//!
//! 1. a keyword rule's reply (`bot`), else
//! 2. the AI's reply (`ai`), from an OpenAI-compatible chat-completions API given
//!    the session's recent messages and the client's own devices with today's
//!    energy, else
//! 3. the hand-off (`system`): `needs_human` is set, the client is told that a
//!    person will answer, and admins get the session through `chat.session`.
//!    This happens without an AI token, and when the AI fails, times out, or
//!    answers with nothing usable.
//!
//! A client gets at most [`MAX_REPLIES_PER_MINUTE`] bot and AI replies a minute,
//! counted in the database under the session's lock, so replicas agree. Further
//! messages in that minute wait for an admin. A reply is stored with the
//! key `reply:<message id>`, so a redelivered event stores nothing new.

pub mod ai;
pub mod store;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use futures_util::StreamExt;
use lapin::message::Delivery;
use lapin::options::{
    BasicAckOptions, BasicCancelOptions, BasicConsumeOptions, BasicNackOptions, BasicQosOptions,
};
use lapin::types::FieldTable;
use secrecy::SecretString;
use serde_json::Value;
use sqlx::PgPool;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use dms_platform::support::match_rule;

use crate::amqp::{self, Topology};
use crate::configuration::AiOptions;
use ai::AiClient;
use store::{ReplyKind, ReplyOutcome};

/// Most bot and AI replies one client gets per minute.
pub const MAX_REPLIES_PER_MINUTE: i64 = 5;

/// Messages of the session sent to the AI as context.
const HISTORY_MESSAGES: i64 = 12;

/// Messages handled at the same time by one replica (the prefetch count).
const CONCURRENCY: u16 = 8;

/// The notice of a hand-off to a person.
pub const HANDOFF_TEXT: &str = "I'm passing your question to our support team. \
     An administrator will answer here as soon as possible.";

/// Settings of the bot besides the database and the broker.
#[derive(Clone)]
pub struct BotSettings {
    pub topology: Topology,
    /// `None` without an AI token: unmatched messages go to a human at once.
    pub ai: Option<AiClient>,
}

impl BotSettings {
    /// # Errors
    /// When the AI's HTTP client cannot be built.
    pub fn from_options(topology: Topology, options: &AiOptions) -> anyhow::Result<BotSettings> {
        use secrecy::ExposeSecret;
        let token = options
            .ai_token
            .as_ref()
            .filter(|token| !token.expose_secret().trim().is_empty());
        let ai = match token {
            Some(token) => Some(AiClient::new(
                &options.ai_base_url,
                &options.ai_model,
                token.clone(),
                Duration::from_secs(options.ai_timeout_seconds.max(1)),
                options.ai_max_tokens.max(1),
            )?),
            None => None,
        };
        Ok(BotSettings { topology, ai })
    }
}

/// Runs the bot until `stop` is cancelled, reconnecting with backoff.
///
/// # Errors
/// Never while running; failures are logged and retried.
pub async fn run(
    pool: PgPool,
    amqp_url: SecretString,
    settings: BotSettings,
    stop: CancellationToken,
) -> anyhow::Result<()> {
    tracing::info!(queue = %settings.topology.bot_queue(), ai = settings.ai.is_some(), "support bot starting");
    let settings = Arc::new(settings);
    let mut delay = Duration::from_millis(500);
    while !stop.is_cancelled() {
        let Ok(connection) = amqp::connect_with_backoff(&amqp_url, "dms-bot", &stop).await else {
            break;
        };
        let started = std::time::Instant::now();
        match consume(&connection, &pool, &settings, &stop).await {
            Ok(()) => {
                let _ = connection.close(200, "stopping").await;
                break;
            }
            Err(err) => {
                tracing::warn!(error.cause_chain = ?err, error.message = %format!("{err:#}"), "support bot failed; reconnecting");
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
    tracing::info!("support bot stopped");
    Ok(())
}

async fn consume(
    connection: &lapin::Connection,
    pool: &PgPool,
    settings: &Arc<BotSettings>,
    stop: &CancellationToken,
) -> anyhow::Result<()> {
    let channel = connection
        .create_channel()
        .await
        .context("Failed to open a channel")?;
    settings.topology.declare(&channel).await?;
    channel
        .basic_qos(CONCURRENCY, BasicQosOptions::default())
        .await
        .context("Failed to set the prefetch count")?;
    let consumer_tag = format!("dms-bot-{}", Uuid::new_v4().simple());
    let mut consumer = channel
        .basic_consume(
            &settings.topology.bot_queue(),
            &consumer_tag,
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await
        .context("Failed to start consuming the bot queue")?;
    tracing::info!(consumer_tag, "support bot consuming");

    let mut in_flight = JoinSet::new();
    let result = loop {
        tokio::select! {
            next = consumer.next() => {
                let delivery = match next {
                    Some(Ok(delivery)) => delivery,
                    Some(Err(err)) => break Err(anyhow::Error::new(err).context("Failed to receive a message")),
                    None => break Err(anyhow::anyhow!("the consumer stream ended")),
                };
                let pool = pool.clone();
                let settings = settings.clone();
                in_flight.spawn(async move { settle(delivery, &pool, &settings).await });
            }
            Some(_) = in_flight.join_next(), if !in_flight.is_empty() => {}
            () = stop.cancelled() => {
                let _ = channel.basic_cancel(&consumer_tag, BasicCancelOptions::default()).await;
                break Ok(());
            }
        }
    };
    // Let the replies in hand finish (each is bounded by the AI timeout), so
    // they are acknowledged rather than redelivered and asked again.
    while in_flight.join_next().await.is_some() {}
    if result.is_ok() {
        let _ = channel.close(200, "stopping").await;
    }
    result
}

/// Handles one message and acknowledges it, or returns it to the queue when the
/// database failed.
async fn settle(delivery: Delivery, pool: &PgPool, settings: &BotSettings) {
    match handle(&delivery.data, pool, settings).await {
        Ok(()) => {
            if let Err(err) = delivery.ack(BasicAckOptions::default()).await {
                tracing::warn!(error.message = %err, "bot could not acknowledge a message; it will be redelivered");
            }
        }
        Err(err) => {
            tracing::warn!(error.cause_chain = ?err, error.message = %format!("{err:#}"), "bot failed to handle a message; requeueing it");
            tokio::time::sleep(Duration::from_secs(1)).await;
            let _ = delivery
                .nack(BasicNackOptions {
                    requeue: true,
                    ..BasicNackOptions::default()
                })
                .await;
        }
    }
}

/// A client's message taken from a `chat.message` event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientMessage {
    pub id: Uuid,
    pub session_id: Uuid,
    pub body: String,
}

/// Reads a `chat.message` event; `None` for other senders and other events.
pub fn client_message(event: &Value) -> Option<ClientMessage> {
    if event.get("type").and_then(Value::as_str) != Some("chat.message") {
        return None;
    }
    let data = event.get("data")?;
    if data.get("sender_kind")?.as_str()? != "client" {
        return None;
    }
    Some(ClientMessage {
        id: data.get("id")?.as_str()?.parse().ok()?,
        session_id: data.get("session_id")?.as_str()?.parse().ok()?,
        body: data.get("body")?.as_str()?.to_owned(),
    })
}

async fn handle(body: &[u8], pool: &PgPool, settings: &BotSettings) -> anyhow::Result<()> {
    let Ok(event) = serde_json::from_slice::<Value>(body) else {
        tracing::warn!(bytes = body.len(), "bot dropped a message that is not JSON");
        return Ok(());
    };
    let Some(message) = client_message(&event) else {
        return Ok(());
    };
    let message_id = message.id;
    let session_id = message.session_id;
    let Some(context) = store::reply_context(pool, message_id)
        .await
        .context("Failed to load the session")?
    else {
        tracing::warn!(%message_id, %session_id, "bot skipped a message that is not in the database");
        return Ok(());
    };
    let skip = if !context.open {
        Some("session closed")
    } else if !context.unassigned {
        Some("an admin has the session")
    } else if context.needs_human {
        Some("session waits for a human")
    } else if context.replied {
        Some("already answered")
    } else {
        None
    };
    if let Some(reason) = skip {
        tracing::debug!(%message_id, %session_id, reason, "bot does not reply");
        return Ok(());
    }
    // Checked again under the session's lock when storing; this early check only
    // saves an AI request.
    let mut connection = pool
        .acquire()
        .await
        .context("Failed to get a database connection")?;
    let recent = store::recent_replies(&mut connection, context.client_id)
        .await
        .context("Failed to count recent replies")?;
    drop(connection);
    if recent >= MAX_REPLIES_PER_MINUTE {
        tracing::info!(%message_id, %session_id, client_id = %context.client_id, recent_replies = recent, "bot reply limit reached; the message waits for an admin");
        return Ok(());
    }

    let (kind, reply) = match match_rule(&message.body) {
        Some(rule) => {
            tracing::debug!(%message_id, topic = rule.topic.as_str(), "support rule matched");
            (ReplyKind::Bot, rule.reply.to_owned())
        }
        None => match &settings.ai {
            None => {
                tracing::info!(%message_id, %session_id, "no rule matched and no AI token is set; handing over to a human");
                (ReplyKind::Handoff, HANDOFF_TEXT.to_owned())
            }
            Some(client) => ask_ai(pool, client, &message, context.client_id).await?,
        },
    };
    let outcome = store::insert_reply(
        pool,
        session_id,
        message_id,
        kind,
        &reply,
        MAX_REPLIES_PER_MINUTE,
    )
    .await
    .context("Failed to store the reply")?;
    match outcome {
        ReplyOutcome::Stored => {
            tracing::info!(%message_id, %session_id, kind = ?kind, "bot replied")
        }
        ReplyOutcome::Skipped => {
            tracing::debug!(%message_id, %session_id, "bot reply not stored: a reply exists already, or the session changed")
        }
        ReplyOutcome::Limited => {
            tracing::info!(%message_id, %session_id, client_id = %context.client_id, "bot reply limit reached; the message waits for an admin")
        }
    }
    Ok(())
}

/// Asks the AI; any failure of the AI itself becomes a hand-off.
async fn ask_ai(
    pool: &PgPool,
    client: &AiClient,
    message: &ClientMessage,
    client_id: Uuid,
) -> anyhow::Result<(ReplyKind, String)> {
    let history = store::history(pool, message.session_id, HISTORY_MESSAGES)
        .await
        .context("Failed to load the conversation")?;
    let facts = store::client_facts(pool, client_id)
        .await
        .context("Failed to load the client's devices")?;
    let started = std::time::Instant::now();
    match client.complete(&ai::conversation(&facts, &history)).await {
        Ok(answer) => {
            tracing::debug!(message_id = %message.id, elapsed_ms = started.elapsed().as_millis() as u64, "AI replied");
            Ok((ReplyKind::Ai, answer))
        }
        Err(err) => {
            tracing::warn!(
                message_id = %message.id,
                session_id = %message.session_id,
                failure = err.kind(),
                error.message = %err,
                elapsed_ms = started.elapsed().as_millis() as u64,
                "AI gave no answer; handing over to a human"
            );
            Ok((ReplyKind::Handoff, HANDOFF_TEXT.to_owned()))
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn client_message_reads_client_events() {
        let id = Uuid::new_v4();
        let session_id = Uuid::new_v4();
        let event = json!({"id": Uuid::new_v4(), "type": "chat.message", "data": {"id": id, "session_id": session_id, "sender_kind": "client", "body": "hi"}});

        assert_eq!(
            client_message(&event),
            Some(ClientMessage {
                id,
                session_id,
                body: "hi".into()
            })
        );
    }

    #[test]
    fn client_message_ignores_other_senders() {
        for kind in ["admin", "bot", "ai", "system"] {
            let event = json!({"type": "chat.message", "data": {"id": Uuid::new_v4(), "session_id": Uuid::new_v4(), "sender_kind": kind, "body": "x"}});

            assert_eq!(client_message(&event), None, "{kind}");
        }
    }

    #[test]
    fn client_message_ignores_other_events() {
        let event = json!({"type": "chat.session", "data": {"id": Uuid::new_v4(), "session_id": Uuid::new_v4(), "sender_kind": "client", "body": "x"}});

        assert_eq!(client_message(&event), None);
    }

    #[test]
    fn handoff_text_fits_a_chat_message() {
        assert!(HANDOFF_TEXT.chars().count() <= crate::socket::store::MAX_BODY_CHARS);
        assert!(!HANDOFF_TEXT.contains("  "), "{HANDOFF_TEXT}");
    }
}
