//! `dms-worker dead-letters list|replay`: inspect the dead-letter queue, and send
//! chosen messages back to the readings exchange once their cause is fixed (say,
//! the missing device now exists).
//!
//! Both take every message off the queue without acknowledging it, then
//! acknowledge the replayed ones and return the rest with `nack` and requeue, so
//! nothing is lost if the command stops half-way: unacknowledged messages go back
//! to the queue when the connection closes.

use anyhow::Context;
use lapin::options::{BasicAckOptions, BasicGetOptions, BasicNackOptions};
use lapin::types::AMQPValue;

use crate::amqp::{self, Topology, READING_KEY, REJECT_REASON_HEADER};

/// One dead-lettered message.
#[derive(Debug, Clone)]
pub struct DeadLetter {
    pub delivery_tag: u64,
    pub reason: String,
    pub body: Vec<u8>,
}

/// Takes up to `limit` messages off the queue, unacknowledged.
///
/// # Errors
/// When the broker fails.
pub async fn fetch(
    channel: &lapin::Channel,
    topology: &Topology,
    limit: usize,
) -> anyhow::Result<Vec<DeadLetter>> {
    let mut letters = Vec::new();
    while letters.len() < limit {
        let Some(message) = channel
            .basic_get(
                &topology.dead_letter_queue(),
                BasicGetOptions { no_ack: false },
            )
            .await
            .context("Failed to read the dead-letter queue")?
        else {
            break;
        };
        let delivery = message.delivery;
        let reason = delivery
            .properties
            .headers()
            .as_ref()
            .and_then(|headers| match headers.inner().get(REJECT_REASON_HEADER) {
                Some(AMQPValue::LongString(text)) => Some(text.to_string()),
                _ => None,
            })
            .unwrap_or_else(|| "no reason recorded (rejected by the broker)".to_owned());
        letters.push(DeadLetter {
            delivery_tag: delivery.delivery_tag,
            reason,
            body: delivery.data,
        });
    }
    Ok(letters)
}

/// Returns messages to the queue.
///
/// # Errors
/// When the broker fails; the messages return anyway when the channel closes.
pub async fn requeue(channel: &lapin::Channel, letters: &[DeadLetter]) -> anyhow::Result<()> {
    for letter in letters {
        channel
            .basic_nack(
                letter.delivery_tag,
                BasicNackOptions {
                    multiple: false,
                    requeue: true,
                },
            )
            .await
            .context("Failed to return a message to the dead-letter queue")?;
    }
    Ok(())
}

/// Republishes the chosen messages with confirms, then removes them from the
/// dead-letter queue; returns how many were replayed.
///
/// # Errors
/// When publishing fails; then nothing was removed.
pub async fn replay(
    channel: &lapin::Channel,
    topology: &Topology,
    chosen: &[DeadLetter],
) -> anyhow::Result<usize> {
    let messages: Vec<_> = chosen
        .iter()
        .map(|letter| {
            (
                READING_KEY.to_owned(),
                letter.body.clone(),
                amqp::json_properties(),
            )
        })
        .collect();
    amqp::publish_confirmed(channel, &topology.readings_exchange(), messages).await?;
    for letter in chosen {
        channel
            .basic_ack(letter.delivery_tag, BasicAckOptions::default())
            .await
            .context("Failed to remove a replayed message")?;
    }
    Ok(chosen.len())
}
