//! `dms-worker import FILE.csv`: validates every row of a CSV file of readings
//! (header `device_id,measured_at,kwh`) with the consumer's rules and checks that
//! each device exists. It publishes the valid rows as gateway arrays with
//! publisher confirms and reports each rejected line with its reason.

use std::collections::HashSet;
use std::path::Path;

use anyhow::{bail, Context};
use indicatif::{ProgressBar, ProgressStyle};
use lapin::types::{AMQPValue, FieldTable};
use serde_json::value::RawValue;
use sqlx::PgPool;
use uuid::Uuid;

use dms_platform::readings::{self, Reading};

use crate::amqp::{self, Topology, READING_KEY};
use crate::ingest::{MAX_READINGS_PER_MESSAGE, PUBLISHED_AT_HEADER};

/// Messages published before waiting for their confirms.
const MESSAGES_PER_ROUND: usize = 20;

/// A rejected row: its line number in the file (the header is line 1) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedRow {
    pub line: u64,
    pub reason: String,
}

/// A valid reading with its line number.
pub type NumberedReading = (u64, Reading);

/// The outcome of an import.
#[derive(Debug, Default)]
pub struct ImportReport {
    pub published: usize,
    pub rejected: Vec<RejectedRow>,
}

/// Reads and validates a whole file.
///
/// # Errors
/// When the file cannot be read or its header is not `device_id,measured_at,kwh`.
pub fn read_file(path: &Path) -> anyhow::Result<(Vec<NumberedReading>, Vec<RejectedRow>)> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_path(path)
        .with_context(|| format!("Failed to open {}", path.display()))?;
    let header = reader
        .headers()
        .context("Failed to read the header")?
        .clone();
    let expected = ["device_id", "measured_at", "kwh"];
    if header.iter().collect::<Vec<_>>() != expected {
        bail!(
            "the header must be `device_id,measured_at,kwh`, found `{}`",
            header.iter().collect::<Vec<_>>().join(",")
        );
    }
    let now = chrono::Utc::now();
    let mut valid = Vec::new();
    let mut rejected = Vec::new();
    let mut seen = HashSet::new();
    for record in reader.records() {
        let record = match record {
            Ok(record) => record,
            Err(err) => {
                let line = err.position().map_or(0, csv::Position::line);
                rejected.push(RejectedRow {
                    line,
                    reason: format!("unreadable row: {err}"),
                });
                continue;
            }
        };
        let line = record.position().map_or(0, csv::Position::line);
        match parse_row(&record, now) {
            Ok(reading) if !seen.insert((reading.device_id, reading.measured_at)) => {
                rejected.push(RejectedRow {
                    line,
                    reason: "repeats an earlier row's device_id and measured_at".into(),
                })
            }
            Ok(reading) => valid.push((line, reading)),
            Err(reason) => rejected.push(RejectedRow { line, reason }),
        }
    }
    Ok((valid, rejected))
}

fn parse_row(
    record: &csv::StringRecord,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Reading, String> {
    if record.len() != 3 {
        return Err(format!("expected 3 fields, found {}", record.len()));
    }
    let kwh = &record[2];
    if kwh.is_empty() {
        return Err("kwh is missing".into());
    }
    if serde_json::from_str::<serde_json::Number>(kwh).is_err()
        && RawValue::from_string(kwh.to_owned()).is_err()
    {
        return Err(format!("kwh {kwh:?} is not a number"));
    }
    // The row becomes the JSON reading the consumer would get, so both apply the
    // same rules; serde_json writes the strings with the right escaping.
    let object = format!(
        r#"{{"device_id":{},"measured_at":{},"kwh":{kwh}}}"#,
        serde_json::to_string(&record[0]).map_err(|err| err.to_string())?,
        serde_json::to_string(&record[1]).map_err(|err| err.to_string())?,
    );
    let raw: Box<RawValue> =
        serde_json::from_str(&object).map_err(|_| format!("kwh {kwh:?} is not a number"))?;
    readings::parse_one(&raw, now).map_err(|rejected| rejected.reason)
}

/// Moves readings of devices that do not exist (or are deleted) to the rejected.
///
/// # Errors
/// When the query fails.
pub async fn reject_unknown_devices(
    pool: &PgPool,
    valid: Vec<(u64, Reading)>,
    rejected: &mut Vec<RejectedRow>,
) -> anyhow::Result<Vec<Reading>> {
    let ids: Vec<Uuid> = valid
        .iter()
        .map(|(_, reading)| reading.device_id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let known: HashSet<Uuid> = sqlx::query_scalar(
        "select device_id from device where device_id = any($1) and deleted_at is null",
    )
    .bind(&ids)
    .fetch_all(pool)
    .await
    .context("Failed to look up the devices")?
    .into_iter()
    .collect();
    let mut kept = Vec::new();
    for (line, reading) in valid {
        if known.contains(&reading.device_id) {
            kept.push(reading);
        } else {
            rejected.push(RejectedRow {
                line,
                reason: format!("unknown device {}", reading.device_id),
            });
        }
    }
    Ok(kept)
}

/// Publishes readings as arrays of up to 1,000, showing a progress bar, and waits
/// for the broker's confirms of each round.
///
/// # Errors
/// When publishing fails; readings of confirmed rounds stay published, and
/// publishing the file again is harmless because repeats change nothing.
pub async fn publish(
    channel: &lapin::Channel,
    topology: &Topology,
    readings: &[Reading],
    show_progress: bool,
) -> anyhow::Result<usize> {
    let progress = if show_progress {
        ProgressBar::new(readings.len() as u64)
    } else {
        ProgressBar::hidden()
    };
    progress.set_style(
        ProgressStyle::with_template(
            "{bar:40} {pos}/{len} readings published ({per_sec}, {eta} left)",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut published = 0;
    for round in readings.chunks(MAX_READINGS_PER_MESSAGE * MESSAGES_PER_ROUND) {
        let messages: Vec<_> = round
            .chunks(MAX_READINGS_PER_MESSAGE)
            .map(|chunk| {
                let body: Vec<serde_json::Value> = chunk.iter().map(reading_json).collect();
                let mut headers = FieldTable::default();
                headers.insert(
                    PUBLISHED_AT_HEADER.into(),
                    AMQPValue::LongLongInt(chrono::Utc::now().timestamp_millis()),
                );
                (
                    READING_KEY.to_owned(),
                    serde_json::to_vec(&body).unwrap_or_default(),
                    amqp::json_properties().with_headers(headers),
                )
            })
            .collect();
        amqp::publish_confirmed(channel, &topology.readings_exchange(), messages).await?;
        published += round.len();
        progress.set_position(published as u64);
    }
    progress.finish_and_clear();
    Ok(published)
}

fn reading_json(reading: &Reading) -> serde_json::Value {
    serde_json::json!({
        "device_id": reading.device_id,
        "measured_at": reading.measured_at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
        "kwh": RawValue::from_string(reading.kwh.to_string()).ok(),
    })
}
