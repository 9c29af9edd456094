//! `POST /api/readings`: the HTTP entry for readings, for imports and tools that
//! do not speak AMQP. Admin only.
//!
//! The body is what the AMQP ingest queue takes: one reading object
//! `{"device_id", "measured_at", "kwh"}` or a JSON array of them, at most 10,000
//! readings in 2 MiB. Parsing, validation, rounding and the storing statement are
//! the consumer's own (`dms_platform::readings`), so both paths store a reading
//! the same way. Each reading is judged alone: the valid ones are stored, and the
//! response reports every reading by its 0-based index in the request.

use serde::Serialize;

use dms_platform::auth;
use dms_platform::db::Value;
use dms_platform::http as web;
use dms_platform::readings::{self as ingest, Outcome, Reading};
use dms_platform::{ApiError, Host, Request, Response};

/// Largest request body, in bytes.
const BODY_LIMIT: usize = 2 * 1024 * 1024;

/// Maximum number of readings in one request.
const MAX_READINGS: usize = 10_000;

/// What happened to each reading of a request.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
struct IngestReport {
    stored: usize,
    duplicates: usize,
    rejected: usize,
    results: Vec<ReadingResult>,
}

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
struct ReadingResult {
    /// The reading's 0-based position in the request.
    index: usize,
    status: Status,
    /// Why a rejected reading was not stored.
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ReadingStatus))]
enum Status {
    Stored,
    /// Same device and `measured_at` as a stored reading, or as an earlier one in
    /// the request; it changes nothing.
    Duplicate,
    Rejected,
}

/// Validates and stores a batch of readings and reports each one.
#[cfg_attr(feature = "openapi", utoipa::path(
    post, path = "/api/readings", tag = "monitoring", operation_id = "ingest_readings",
    description = "Stores readings as the AMQP ingest queue does: one reading or an array of up to 10,000 in at most 2 MiB. Each reading is judged alone and reported by its index.",
    security(("bearerAuth" = [])),
    request_body = crate::openapi::ReadingsBody,
    responses(
        (status = 200, description = "Each reading's outcome", body = IngestReport),
        (status = 403, response = dms_platform::openapi::Forbidden),
    ),
))]
pub fn ingest(host: &Host<'_>, request: &Request) -> Result<Response, ApiError> {
    auth::authenticate(host, request)?.require_admin()?;
    let body = web::json_body(request, BODY_LIMIT)?;
    let parsed = ingest::parse_body(body, MAX_READINGS, host.now())
        .map_err(|reason| ApiError::bad_request("body", reason))?;

    let mut results = Vec::with_capacity(parsed.len());
    let mut valid: Vec<(usize, Reading)> = Vec::new();
    for (index, reading) in parsed.into_iter().enumerate() {
        match reading {
            Ok(reading) => valid.push((index, reading)),
            Err(rejected) => results.push(ReadingResult {
                index,
                status: Status::Rejected,
                reason: Some(rejected.reason),
            }),
        }
    }
    results.extend(store(host, &valid)?);
    results.sort_by_key(|result| result.index);

    let count = |status: Status| {
        results
            .iter()
            .filter(|result| result.status == status)
            .count()
    };
    Ok(web::ok(&IngestReport {
        stored: count(Status::Stored),
        duplicates: count(Status::Duplicate),
        rejected: count(Status::Rejected),
        results,
    }))
}

/// Runs the ingest statement over the valid readings, each paired with its index
/// in the request, and reports each one.
fn store(host: &Host<'_>, valid: &[(usize, Reading)]) -> Result<Vec<ReadingResult>, ApiError> {
    if valid.is_empty() {
        return Ok(Vec::new());
    }
    let readings: Vec<Reading> = valid.iter().map(|(_, reading)| reading.clone()).collect();
    let [device_ids, times, kwhs] =
        ingest::ingest_params(&readings).map(|column| column.into_iter().map(Some).collect());
    let rows = host.db()?.query(
        &ingest::ingest_sql(),
        &[
            Value::ArrayStr(device_ids),
            Value::ArrayStr(times),
            Value::ArrayStr(kwhs),
        ],
    )?;

    let rows = rows
        .iter()
        .map(|row| {
            let kind = row.str("kind")?;
            let measured_at = match row.value("measured_at")? {
                Value::Timestamp(at) => Some(*at),
                _ => None,
            };
            ingest::IngestRow::from_columns(
                &kind,
                row.opt_uuid("device_id")?,
                measured_at,
                row.i64("count")?,
            )
            .map_err(|err| ApiError::Unexpected(anyhow::anyhow!(err)))
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    let summary = ingest::summarize(&readings, &rows);
    let mut results = Vec::with_capacity(valid.len());
    for ((index, _), outcome) in valid.iter().zip(&summary.outcomes) {
        let (status, reason) = match outcome {
            Outcome::Stored => (Status::Stored, None),
            Outcome::Duplicate => (Status::Duplicate, None),
            Outcome::UnknownDevice => (Status::Rejected, Some("unknown device".to_owned())),
        };
        results.push(ReadingResult {
            index: *index,
            status,
            reason,
        });
    }
    if results.len() != valid.len() {
        return Err(anyhow::anyhow!(
            "ingest returned {} rows for {} readings",
            results.len(),
            valid.len()
        )
        .into());
    }
    Ok(results)
}
