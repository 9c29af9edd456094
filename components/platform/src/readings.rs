//! Meter readings: parsing and validation shared by the AMQP consumer and
//! `POST /api/readings`, and the one statement that stores a batch with its totals
//! and alerts.
//!
//! A reading is `{"device_id": uuid, "measured_at": RFC 3339, "kwh": number}`: the
//! energy of the interval that ends at `measured_at`. Its `kwh` is read from the
//! JSON text exactly and rounded half-even to 6 decimals (1 mWh).

use std::collections::HashSet;
use std::str::FromStr;

use chrono::{DateTime, Duration, SubsecRound, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::value::RawValue;
use uuid::Uuid;

use crate::energy::round_kwh;

/// Largest accepted reading, in kWh.
pub const MAX_READING_KWH: i64 = 1_000_000;

/// How far in the future `measured_at` may be, for meters whose clocks run ahead.
pub const MAX_CLOCK_SKEW_MINUTES: i64 = 5;

/// A valid reading, `kwh` already rounded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reading {
    pub device_id: Uuid,
    pub measured_at: DateTime<Utc>,
    pub kwh: Decimal,
}

/// A reading that cannot be stored, with its JSON text and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    pub raw: String,
    pub reason: String,
}

/// The fields as sent, each kept as raw JSON so that the number's text and the
/// wrong types can be judged one by one. Unknown fields are ignored, so a meter
/// that adds its own metadata still gets its readings stored.
#[derive(Debug, Deserialize)]
struct RawReading<'a> {
    #[serde(borrow, default)]
    device_id: Option<&'a RawValue>,
    #[serde(borrow, default)]
    measured_at: Option<&'a RawValue>,
    #[serde(borrow, default)]
    kwh: Option<&'a RawValue>,
}

/// Parses a message body: one reading object, or an array of them.
///
/// # Errors
/// The reason when the body is not JSON, not an object or array, or an array
/// longer than `max_items`; then nothing in it is stored.
pub fn parse_body(
    body: &[u8],
    max_items: usize,
    now: DateTime<Utc>,
) -> Result<Vec<Result<Reading, Rejected>>, String> {
    let value: &RawValue =
        serde_json::from_slice(body).map_err(|err| format!("malformed JSON: {err}"))?;
    let text = value.get().trim_start();
    if text.starts_with('[') {
        let items: Vec<&RawValue> =
            serde_json::from_str(text).map_err(|err| format!("malformed JSON: {err}"))?;
        if items.len() > max_items {
            return Err(format!(
                "an array of {} readings exceeds the maximum of {max_items}; split it",
                items.len()
            ));
        }
        Ok(items.into_iter().map(|item| parse_one(item, now)).collect())
    } else if text.starts_with('{') {
        Ok(vec![parse_one(value, now)])
    } else {
        Err("the body must be a reading object or an array of readings".into())
    }
}

/// Parses and validates one reading.
///
/// # Errors
/// The reading's text and the reason it is invalid.
pub fn parse_one(raw: &RawValue, now: DateTime<Utc>) -> Result<Reading, Rejected> {
    validate(raw, now).map_err(|reason| Rejected {
        raw: raw.get().to_owned(),
        reason,
    })
}

fn validate(raw: &RawValue, now: DateTime<Utc>) -> Result<Reading, String> {
    let fields: RawReading<'_> = serde_json::from_str(raw.get())
        .map_err(|_| "a reading must be a JSON object".to_owned())?;
    let device_id = string_field(fields.device_id, "device_id")?;
    let device_id =
        Uuid::from_str(&device_id).map_err(|_| format!("device_id {device_id:?} is not a UUID"))?;
    let measured_at = string_field(fields.measured_at, "measured_at")?;
    // PostgreSQL keeps microseconds, so the key is rounded to them here already.
    let measured_at = DateTime::parse_from_rfc3339(&measured_at)
        .map_err(|_| format!("measured_at {measured_at:?} is not an RFC 3339 time"))?
        .with_timezone(&Utc)
        .round_subsecs(6);
    if measured_at > now + Duration::minutes(MAX_CLOCK_SKEW_MINUTES) {
        return Err(format!(
            "measured_at {} is more than {MAX_CLOCK_SKEW_MINUTES} minutes in the future",
            measured_at.to_rfc3339()
        ));
    }
    let kwh = kwh_field(fields.kwh)?;
    Ok(Reading {
        device_id,
        measured_at,
        kwh,
    })
}

fn string_field(raw: Option<&RawValue>, name: &str) -> Result<String, String> {
    let raw = raw.ok_or_else(|| format!("{name} is missing"))?;
    serde_json::from_str::<String>(raw.get()).map_err(|_| format!("{name} must be a string"))
}

fn kwh_field(raw: Option<&RawValue>) -> Result<Decimal, String> {
    let raw = raw.ok_or_else(|| "kwh is missing".to_owned())?;
    let text = raw.get().trim();
    if text.starts_with('"') || text == "null" || text == "true" || text == "false" {
        let shown = text.trim_matches('"');
        if ["nan", "inf", "infinity", "-inf", "-infinity"]
            .contains(&shown.to_ascii_lowercase().as_str())
        {
            return Err(format!("kwh {shown} is not a finite number"));
        }
        return Err("kwh must be a JSON number".into());
    }
    if text.starts_with('[') || text.starts_with('{') {
        return Err("kwh must be a JSON number".into());
    }
    let value = Decimal::from_str(text)
        .or_else(|_| Decimal::from_scientific(text))
        .map_err(|_| format!("kwh {text} is not a finite number within range"))?;
    if value.is_sign_negative() && !value.is_zero() {
        return Err(format!("kwh {text} is negative"));
    }
    if value > Decimal::from(MAX_READING_KWH) {
        return Err(format!(
            "kwh {text} is above the maximum of {MAX_READING_KWH}"
        ));
    }
    Ok(round_kwh(value).normalize())
}

/// The outcome of one reading of a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Stored,
    /// Same device and `measured_at` as a stored reading (or an earlier one in the
    /// batch); it changes nothing.
    Duplicate,
    /// No such device, or the device is deleted.
    UnknownDevice,
}

/// Stores a batch in one statement: the new readings, their quarter-hour and hour
/// totals, and for each UTC hour whose total rises above the device's limit one
/// alert with its `alert.raised` event. Parameters are three `text[]` of equal
/// length (device ids, RFC 3339 times, kWh as decimal text). It returns rows of
/// `(kind, device_id, measured_at, count)`: `stored` for each new reading,
/// `unknown` for each device id that names no device, and one `alerts` row with
/// the number of alerts raised. [`summarize`] turns them into one outcome per
/// reading. The result is built without joining the statement's own row sets,
/// whose sizes the planner cannot estimate (a nested loop over them made batches
/// quadratic once statistics changed).
///
/// Rows are written in key order so that concurrent batches lock in the same
/// order; the hour row is updated with `on conflict ... do update`, which waits
/// for a concurrent batch of the same hour and then adds to its committed total,
/// so the alert decision always reads the whole hour's total.
pub fn ingest_sql() -> String {
    let alert_json = crate::events::ALERT_JSON;
    format!(
        "with raw as materialized (
             select t.device_id::uuid as device_id, t.measured_at::timestamptz as measured_at,
                    t.kwh::numeric as kwh, t.ord
             from unnest($1::text[], $2::text[], $3::text[]) with ordinality as t(device_id, measured_at, kwh, ord)
         ),
         valid as materialized (
             select r.* from raw r
             join device d on d.device_id = r.device_id and d.deleted_at is null
         ),
         first_of_key as (
             select distinct on (device_id, measured_at) * from valid
             order by device_id, measured_at, ord
         ),
         inserted as (
             insert into reading (device_id, measured_at, kwh)
             select device_id, measured_at, kwh from first_of_key order by device_id, measured_at
             on conflict do nothing
             returning device_id, measured_at, kwh
         ),
         quarters as (
             insert into consumption_quarter as q (device_id, bucket_start, kwh, readings)
             select device_id, reading_quarter(measured_at), sum(kwh), count(*)
             from inserted group by 1, 2 order by 1, 2
             on conflict (device_id, bucket_start) do update
                 set kwh = q.kwh + excluded.kwh, readings = q.readings + excluded.readings
             returning q.device_id
         ),
         hours as (
             insert into consumption_hour as h (device_id, hour_start, kwh)
             select device_id,
                    date_bin('1 hour', reading_quarter(measured_at), timestamptz '2000-01-01 00:00:00+00'),
                    sum(kwh)
             from inserted group by 1, 2 order by 1, 2
             on conflict (device_id, hour_start) do update set kwh = h.kwh + excluded.kwh
             returning h.device_id, h.hour_start, h.kwh
         ),
         raised as (
             insert into alert as a (device_id, owner_id, hour_start, kwh, max_hourly_kwh)
             select h.device_id, d.owner_id, h.hour_start, h.kwh, d.max_hourly_kwh
             from hours h join device d on d.device_id = h.device_id
             where h.kwh > d.max_hourly_kwh
             order by h.device_id, h.hour_start
             on conflict (device_id, hour_start) do nothing
             returning a.*
         ),
         events as (
             insert into outbox (event_type, data)
             select 'alert.raised', {alert_json}
             from raised a join device d on d.device_id = a.device_id
         )
         select 'stored' as kind, i.device_id, i.measured_at at time zone 'UTC' as measured_at, 0::int8 as count
         from inserted i
         union all
         select distinct 'unknown', r.device_id, null::timestamp, 0::int8
         from raw r
         where not exists (select 1 from device d where d.device_id = r.device_id and d.deleted_at is null)
         union all
         select 'alerts', null::uuid, null::timestamp, count(*)::int8 from raised"
    )
}

/// Builds the three text arrays [`ingest_sql`] takes.
pub fn ingest_params(readings: &[Reading]) -> [Vec<String>; 3] {
    let mut device_ids = Vec::with_capacity(readings.len());
    let mut times = Vec::with_capacity(readings.len());
    let mut kwhs = Vec::with_capacity(readings.len());
    for reading in readings {
        device_ids.push(reading.device_id.to_string());
        times.push(
            reading
                .measured_at
                .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
        );
        kwhs.push(reading.kwh.to_string());
    }
    [device_ids, times, kwhs]
}

/// One result row of [`ingest_sql`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IngestRow {
    Stored {
        device_id: Uuid,
        measured_at: chrono::NaiveDateTime,
    },
    Unknown {
        device_id: Uuid,
    },
    Alerts {
        count: i64,
    },
}

impl IngestRow {
    /// Reads a row from its four columns.
    ///
    /// # Errors
    /// When a column a kind needs is null, or the kind is unknown.
    pub fn from_columns(
        kind: &str,
        device_id: Option<Uuid>,
        measured_at: Option<chrono::NaiveDateTime>,
        count: i64,
    ) -> Result<IngestRow, String> {
        match (kind, device_id, measured_at) {
            ("stored", Some(device_id), Some(measured_at)) => Ok(IngestRow::Stored {
                device_id,
                measured_at,
            }),
            ("unknown", Some(device_id), _) => Ok(IngestRow::Unknown { device_id }),
            ("alerts", _, _) => Ok(IngestRow::Alerts { count }),
            _ => Err(format!("unexpected ingest result row of kind {kind:?}")),
        }
    }
}

/// The outcome of each reading, in order, and the number of alerts raised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub outcomes: Vec<Outcome>,
    pub alerts_raised: u64,
}

/// Matches the statement's rows to the readings: a reading whose device is
/// unknown is rejected; the first reading of a stored key is stored; every other
/// reading is a duplicate (of a stored row or of an earlier one in the batch).
pub fn summarize(readings: &[Reading], rows: &[IngestRow]) -> Summary {
    let mut stored = HashSet::new();
    let mut unknown = HashSet::new();
    let mut alerts_raised = 0;
    for row in rows {
        match row {
            IngestRow::Stored {
                device_id,
                measured_at,
            } => {
                stored.insert((*device_id, *measured_at));
            }
            IngestRow::Unknown { device_id } => {
                unknown.insert(*device_id);
            }
            IngestRow::Alerts { count } => alerts_raised = u64::try_from(*count).unwrap_or(0),
        }
    }
    let mut seen = HashSet::new();
    let outcomes = readings
        .iter()
        .map(|reading| {
            let key = (reading.device_id, reading.measured_at.naive_utc());
            if unknown.contains(&reading.device_id) {
                Outcome::UnknownDevice
            } else if seen.insert(key) && stored.contains(&key) {
                Outcome::Stored
            } else {
                Outcome::Duplicate
            }
        })
        .collect();
    Summary {
        outcomes,
        alerts_raised,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-06-01T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn one(body: &str) -> Result<Reading, Rejected> {
        let mut parsed = parse_body(body.as_bytes(), 1000, now()).expect("a valid body");
        assert_eq!(parsed.len(), 1);
        parsed.remove(0)
    }

    const DEVICE: &str = "5f0c7a52-8f34-4c55-9b32-0e0e8a7e4b11";

    #[test]
    fn kwh_is_read_exactly_and_rounded_half_even() {
        let reading = |kwh: &str| {
            one(&format!(
                r#"{{"device_id":"{DEVICE}","measured_at":"2026-06-01T10:00:00Z","kwh":{kwh}}}"#
            ))
            .unwrap()
            .kwh
            .to_string()
        };
        assert_eq!(reading("0.1234565"), "0.123456");
        assert_eq!(
            reading("0.12345650000000000001"),
            "0.123457",
            "beyond f64 precision"
        );
        assert_eq!(reading("0.1234575"), "0.123458");
        assert_eq!(reading("2.5e-1"), "0.25");
        assert_eq!(reading("0"), "0");
        assert_eq!(reading("-0"), "0");
        assert_eq!(reading("1000000"), "1000000");
    }

    #[test]
    fn bad_readings_get_reasons() {
        let cases = [
            (
                r#"{"measured_at":"2026-06-01T10:00:00Z","kwh":1}"#,
                "device_id is missing",
            ),
            (
                r#"{"device_id":"x","measured_at":"2026-06-01T10:00:00Z","kwh":1}"#,
                "is not a UUID",
            ),
            (
                &format!(r#"{{"device_id":"{DEVICE}","measured_at":"yesterday","kwh":1}}"#),
                "RFC 3339",
            ),
            (
                &format!(
                    r#"{{"device_id":"{DEVICE}","measured_at":"2026-06-01T12:06:00Z","kwh":1}}"#
                ),
                "in the future",
            ),
            (
                &format!(
                    r#"{{"device_id":"{DEVICE}","measured_at":"2026-06-01T10:00:00Z","kwh":-0.5}}"#
                ),
                "negative",
            ),
            (
                &format!(
                    r#"{{"device_id":"{DEVICE}","measured_at":"2026-06-01T10:00:00Z","kwh":"NaN"}}"#
                ),
                "not a finite number",
            ),
            (
                &format!(
                    r#"{{"device_id":"{DEVICE}","measured_at":"2026-06-01T10:00:00Z","kwh":1000000.000001}}"#
                ),
                "above the maximum",
            ),
            (
                &format!(
                    r#"{{"device_id":"{DEVICE}","measured_at":"2026-06-01T10:00:00Z","kwh":1e400}}"#
                ),
                "not a finite number",
            ),
            (
                &format!(r#"{{"device_id":"{DEVICE}","measured_at":"2026-06-01T10:00:00Z"}}"#),
                "kwh is missing",
            ),
            (
                &format!(
                    r#"{{"device_id":"{DEVICE}","measured_at":"2026-06-01T10:00:00Z","kwh":"3"}}"#
                ),
                "must be a JSON number",
            ),
        ];
        for (body, reason) in cases {
            let rejected = one(body).expect_err(body);
            assert!(
                rejected.reason.contains(reason),
                "{body}: {}",
                rejected.reason
            );
            assert_eq!(rejected.raw, body);
        }
    }

    #[test]
    fn array_items_stand_alone() {
        let body = format!(
            r#"[{{"device_id":"{DEVICE}","measured_at":"2026-06-01T10:00:00Z","kwh":1}}, 7,
                {{"device_id":"{DEVICE}","measured_at":"2026-06-01T10:10:00Z","kwh":-1}}]"#
        );

        let parsed = parse_body(body.as_bytes(), 1000, now()).unwrap();

        assert!(parsed[0].is_ok());
        assert_eq!(
            parsed[1].as_ref().unwrap_err().reason,
            "a reading must be a JSON object"
        );
        assert!(parsed[2].as_ref().unwrap_err().reason.contains("negative"));
    }

    #[test]
    fn summary_marks_repeats_duplicate() {
        let device: Uuid = DEVICE.parse().unwrap();
        let stranger = Uuid::nil();
        let at = now() - Duration::hours(1);
        let reading = |device_id, kwh: i64| Reading {
            device_id,
            measured_at: at,
            kwh: Decimal::from(kwh),
        };
        let readings = [reading(device, 1), reading(device, 2), reading(stranger, 1)];
        let rows = [
            IngestRow::Stored {
                device_id: device,
                measured_at: at.naive_utc(),
            },
            IngestRow::Unknown {
                device_id: stranger,
            },
            IngestRow::Alerts { count: 2 },
        ];

        let summary = summarize(&readings, &rows);

        assert_eq!(
            summary.outcomes,
            [Outcome::Stored, Outcome::Duplicate, Outcome::UnknownDevice]
        );
        assert_eq!(summary.alerts_raised, 2);
    }

    #[test]
    fn measured_at_is_rounded_to_microseconds() {
        let body = format!(
            r#"{{"device_id":"{DEVICE}","measured_at":"2026-06-01T10:00:00.0000004Z","kwh":1}}"#
        );

        let reading = one(&body).unwrap();

        assert_eq!(
            reading.measured_at.to_rfc3339(),
            "2026-06-01T10:00:00+00:00"
        );
    }

    #[test]
    fn whole_body_errors() {
        assert!(parse_body(b"{nope", 10, now())
            .unwrap_err()
            .contains("malformed JSON"));
        assert!(parse_body(br#"{"kwh": NaN}"#, 10, now())
            .unwrap_err()
            .contains("malformed JSON"));
        assert!(parse_body(b"42", 10, now())
            .unwrap_err()
            .contains("reading object or an array"));
        assert!(parse_body(b"[{}, {}, {}]", 2, now())
            .unwrap_err()
            .contains("exceeds the maximum of 2"));
    }
}
