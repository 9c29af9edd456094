//! RabbitMQ: connecting with backoff, the topology (every name under a
//! configurable prefix), and publishing with publisher confirms.

use std::time::Duration;

use anyhow::{bail, Context};
use lapin::options::{
    BasicPublishOptions, ConfirmSelectOptions, ExchangeDeclareOptions, QueueBindOptions,
    QueueDeclareOptions,
};
use lapin::types::{AMQPValue, FieldTable, ShortString};
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties, ExchangeKind};
use secrecy::{ExposeSecret, SecretString};
use tokio_util::sync::CancellationToken;

/// The routing key of readings on the readings exchange.
pub const READING_KEY: &str = "reading";

/// Header that carries the reason a reading was dead-lettered.
pub const REJECT_REASON_HEADER: &str = "x-dms-reject-reason";

/// Exchange and queue names under one prefix (`dms` unless configured), so that
/// tests and side-by-side installations never share queues.
#[derive(Debug, Clone)]
pub struct Topology {
    pub prefix: String,
}

impl Topology {
    pub fn new(prefix: &str) -> Topology {
        Topology {
            prefix: prefix.to_owned(),
        }
    }

    pub fn readings_exchange(&self) -> String {
        format!("{}.readings", self.prefix)
    }

    pub fn ingest_queue(&self) -> String {
        format!("{}.readings.ingest", self.prefix)
    }

    pub fn dead_letter_exchange(&self) -> String {
        format!("{}.readings.dlx", self.prefix)
    }

    pub fn dead_letter_queue(&self) -> String {
        format!("{}.readings.dead", self.prefix)
    }

    pub fn events_exchange(&self) -> String {
        format!("{}.events", self.prefix)
    }

    pub fn bot_queue(&self) -> String {
        format!("{}.bot", self.prefix)
    }

    /// Declares every exchange, queue and binding. Declaring is idempotent, so each
    /// role and each replica does it on every (re)connect.
    ///
    /// # Errors
    /// When the broker refuses a declaration (for example, an existing queue
    /// declared with other arguments).
    pub async fn declare(&self, channel: &Channel) -> anyhow::Result<()> {
        let durable = ExchangeDeclareOptions {
            durable: true,
            ..ExchangeDeclareOptions::default()
        };
        channel
            .exchange_declare(
                &self.readings_exchange(),
                ExchangeKind::Direct,
                durable,
                FieldTable::default(),
            )
            .await
            .context("Failed to declare the readings exchange")?;
        channel
            .exchange_declare(
                &self.dead_letter_exchange(),
                ExchangeKind::Fanout,
                durable,
                FieldTable::default(),
            )
            .await
            .context("Failed to declare the dead-letter exchange")?;
        channel
            .exchange_declare(
                &self.events_exchange(),
                ExchangeKind::Topic,
                durable,
                FieldTable::default(),
            )
            .await
            .context("Failed to declare the events exchange")?;

        let durable_queue = QueueDeclareOptions {
            durable: true,
            ..QueueDeclareOptions::default()
        };
        let mut ingest_arguments = quorum_arguments();
        ingest_arguments.insert(
            "x-dead-letter-exchange".into(),
            AMQPValue::LongString(self.dead_letter_exchange().into()),
        );
        channel
            .queue_declare(&self.ingest_queue(), durable_queue, ingest_arguments)
            .await
            .context("Failed to declare the ingest queue")?;
        channel
            .queue_bind(
                &self.ingest_queue(),
                &self.readings_exchange(),
                READING_KEY,
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await
            .context("Failed to bind the ingest queue")?;
        channel
            .queue_declare(&self.dead_letter_queue(), durable_queue, quorum_arguments())
            .await
            .context("Failed to declare the dead-letter queue")?;
        channel
            .queue_bind(
                &self.dead_letter_queue(),
                &self.dead_letter_exchange(),
                "",
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await
            .context("Failed to bind the dead-letter queue")?;
        channel
            .queue_declare(&self.bot_queue(), durable_queue, quorum_arguments())
            .await
            .context("Failed to declare the bot queue")?;
        channel
            .queue_bind(
                &self.bot_queue(),
                &self.events_exchange(),
                "chat.message",
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await
            .context("Failed to bind the bot queue")?;
        Ok(())
    }
}

fn quorum_arguments() -> FieldTable {
    let mut arguments = FieldTable::default();
    arguments.insert(
        "x-queue-type".into(),
        AMQPValue::LongString("quorum".into()),
    );
    arguments
}

/// Connects once.
///
/// # Errors
/// When the broker is unreachable or refuses the credentials.
pub async fn connect(url: &SecretString, name: &str) -> anyhow::Result<Connection> {
    let mut properties = ConnectionProperties::default()
        .with_executor(tokio_executor_trait::Tokio::current())
        .with_reactor(tokio_reactor_trait::Tokio)
        .with_connection_name(name.into());
    properties.client_properties.insert(
        ShortString::from("product"),
        AMQPValue::LongString("dms-worker".into()),
    );
    Connection::connect(url.expose_secret(), properties)
        .await
        .context("Failed to connect to RabbitMQ (is it running, and is AMQP_URL right?)")
}

/// Connects, retrying with exponential backoff (0.5 s doubling to 30 s) until it
/// succeeds or `stop` is cancelled.
///
/// # Errors
/// Only when cancelled before a connection was made.
pub async fn connect_with_backoff(
    url: &SecretString,
    name: &str,
    stop: &CancellationToken,
) -> anyhow::Result<Connection> {
    let mut delay = Duration::from_millis(500);
    let mut attempt = 1u32;
    loop {
        match connect(url, name).await {
            Ok(connection) => {
                if attempt > 1 {
                    tracing::info!(connection = name, attempt, "connected to RabbitMQ");
                }
                return Ok(connection);
            }
            Err(err) => {
                tracing::warn!(connection = name, attempt, retry_in_ms = delay.as_millis() as u64, error.message = %format!("{err:#}"), "RabbitMQ connection failed; retrying");
            }
        }
        tokio::select! {
            () = tokio::time::sleep(delay) => {}
            () = stop.cancelled() => bail!("stopped while connecting to RabbitMQ"),
        }
        delay = (delay * 2).min(Duration::from_secs(30));
        attempt += 1;
    }
}

/// A channel in confirm mode.
///
/// # Errors
/// When the channel cannot be opened.
pub async fn confirm_channel(connection: &Connection) -> anyhow::Result<Channel> {
    let channel = connection
        .create_channel()
        .await
        .context("Failed to open a channel")?;
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await
        .context("Failed to enable publisher confirms")?;
    Ok(channel)
}

/// Properties of a persistent JSON message.
pub fn json_properties() -> BasicProperties {
    BasicProperties::default()
        .with_delivery_mode(2)
        .with_content_type("application/json".into())
        .with_timestamp(chrono::Utc::now().timestamp() as u64)
}

/// Publishes messages in order and waits until the broker confirms every one.
///
/// # Errors
/// When a publish fails or the broker answers with a negative acknowledgement;
/// then the caller must treat all of them as unpublished.
pub async fn publish_confirmed(
    channel: &Channel,
    exchange: &str,
    messages: Vec<(String, Vec<u8>, BasicProperties)>,
) -> anyhow::Result<usize> {
    let mut confirms = Vec::new();
    for (routing_key, body, properties) in messages {
        let confirm = channel
            .basic_publish(
                exchange,
                &routing_key,
                BasicPublishOptions::default(),
                &body,
                properties,
            )
            .await
            .context("Failed to publish")?;
        confirms.push(confirm);
    }
    let count = confirms.len();
    for confirm in confirms {
        let confirmation = confirm
            .await
            .context("Failed to receive a publisher confirm")?;
        if confirmation.is_nack() {
            bail!("the broker rejected a message (negative acknowledgement)");
        }
    }
    Ok(count)
}
