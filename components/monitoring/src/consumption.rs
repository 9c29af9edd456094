//! Consumption views of one device: its day by local hour and its range of days.
//!
//! Every view sums the exact quarter-hour totals (`consumption_quarter`) over
//! intervals cut in Rust from the requested date and IANA zone (see
//! [`crate::local_day`]). So a day's total in the days view equals the same day's
//! total in the day view, and both equal the sum of that day's accepted readings.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use uuid::Uuid;

use dms_platform::auth::{self, CurrentUser};
use dms_platform::db::{DbError, Value};
use dms_platform::energy::Kwh;
use dms_platform::http as web;
use dms_platform::{ApiError, Host, Request, Response};

use crate::local_day::{self, Interval};
use crate::{access, params, sql};

/// Maximum range of the days view, in days (a leap year).
const MAX_DAYS: i64 = 366;

/// Every energy value is in kWh.
const UNIT: &str = "kWh";

/// One device's day, by local hour.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
struct DayView {
    device_id: Uuid,
    date: NaiveDate,
    /// The IANA time zone the day is cut in.
    #[cfg_attr(feature = "openapi", schema(example = "Europe/Bucharest"))]
    tz: &'static str,
    /// Always `kWh`.
    #[cfg_attr(feature = "openapi", schema(example = "kWh"))]
    unit: &'static str,
    max_hourly_kwh: Kwh,
    total_kwh: Kwh,
    hours: Vec<HourTotal>,
}

/// One local hour: `kwh` over `[start, end)` and the number of readings in it.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
struct HourTotal {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    kwh: Kwh,
    readings: i64,
    /// Whether `kwh` is above the device's current `max_hourly_kwh`.
    over_limit: bool,
}

/// `GET /api/devices/{id}/consumption?date=&tz=`: one bucket per local hour of
/// the day, stepped by one UTC hour from local midnight.
#[cfg_attr(feature = "openapi", utoipa::path(
    get, path = "/api/devices/{id}/consumption", tag = "monitoring", operation_id = "device_day",
    description = "One bucket per local hour of the day: 24, or 23 or 25 on a daylight-saving day. A client sees only the data from their own ownership periods.",
    security(("bearerAuth" = [])),
    params(
        ("id" = Uuid, Path, description = "The device's id"),
        ("date" = Option<NaiveDate>, Query, description = "The calendar day (YYYY-MM-DD, 1970-01-01 to 9998-12-31); defaults to today in the zone"),
        ("tz" = Option<String>, Query, description = "An IANA time zone name such as Europe/Bucharest; defaults to the user's zone, else UTC"),
    ),
    responses(
        (status = 200, description = "The device's day by local hour", body = DayView),
        (status = 400, response = dms_platform::openapi::BadRequest),
        (status = 404, response = dms_platform::openapi::NotFound),
    ),
))]
pub fn day(host: &Host<'_>, request: &Request, id: &str) -> Result<Response, ApiError> {
    let current = auth::authenticate(host, request)?;
    let id = web::path_uuid(id, "device")?;
    let query = web::query_params(request);
    let zone = requested_zone(host, &current, &query)?;
    let date = params::date(&query, "date")?.unwrap_or_else(|| today(host, zone));
    let device = access::visible_device(host, &current, id)?;

    let hours = local_day::hours(local_day::day(zone, date));
    let totals = interval_totals(host, id, access::data_owner(&current), &hours)?;
    let hours: Vec<HourTotal> = hours
        .iter()
        .zip(totals)
        .map(|(hour, totals)| HourTotal {
            start: hour.start,
            end: hour.end,
            kwh: totals.kwh,
            readings: totals.readings,
            over_limit: totals.kwh > device.max_hourly_kwh,
        })
        .collect();
    Ok(web::ok(&DayView {
        device_id: id,
        date,
        tz: zone.name(),
        unit: UNIT,
        max_hourly_kwh: device.max_hourly_kwh,
        total_kwh: hours.iter().map(|hour| hour.kwh).sum(),
        hours,
    }))
}

/// One device's days, each with its total.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
struct DaysView {
    device_id: Uuid,
    from: NaiveDate,
    to: NaiveDate,
    #[cfg_attr(feature = "openapi", schema(example = "Europe/Bucharest"))]
    tz: &'static str,
    /// Always `kWh`.
    #[cfg_attr(feature = "openapi", schema(example = "kWh"))]
    unit: &'static str,
    max_hourly_kwh: Kwh,
    days: Vec<DayTotal>,
}

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
struct DayTotal {
    date: NaiveDate,
    total_kwh: Kwh,
    readings: i64,
}

/// `GET /api/devices/{id}/consumption/days?from=&to=&tz=`: every day of an
/// inclusive range of at most 366 days, zero for a day without data.
#[cfg_attr(feature = "openapi", utoipa::path(
    get, path = "/api/devices/{id}/consumption/days", tag = "monitoring", operation_id = "device_days",
    description = "Every day of an inclusive range of at most 366 days, zero for a day without data.",
    security(("bearerAuth" = [])),
    params(
        ("id" = Uuid, Path, description = "The device's id"),
        ("from" = NaiveDate, Query, description = "The first day (YYYY-MM-DD)"),
        ("to" = NaiveDate, Query, description = "The last day, inclusive (YYYY-MM-DD)"),
        ("tz" = Option<String>, Query, description = "An IANA time zone name such as Europe/Bucharest; defaults to the user's zone, else UTC"),
    ),
    responses(
        (status = 200, description = "The device's total of each day", body = DaysView),
        (status = 400, response = dms_platform::openapi::BadRequest),
        (status = 404, response = dms_platform::openapi::NotFound),
    ),
))]
pub fn days(host: &Host<'_>, request: &Request, id: &str) -> Result<Response, ApiError> {
    let current = auth::authenticate(host, request)?;
    let id = web::path_uuid(id, "device")?;
    let query = web::query_params(request);
    let zone = requested_zone(host, &current, &query)?;
    let (from, to) = date_range(&query)?;
    let device = access::visible_device(host, &current, id)?;

    let dates: Vec<NaiveDate> = from.iter_days().take_while(|date| *date <= to).collect();
    let intervals: Vec<Interval> = dates
        .iter()
        .map(|date| local_day::day(zone, *date))
        .collect();
    let totals = interval_totals(host, id, access::data_owner(&current), &intervals)?;
    let days = dates
        .into_iter()
        .zip(totals)
        .map(|(date, totals)| DayTotal {
            date,
            total_kwh: totals.kwh,
            readings: totals.readings,
        })
        .collect();
    Ok(web::ok(&DaysView {
        device_id: id,
        from,
        to,
        tz: zone.name(),
        unit: UNIT,
        max_hourly_kwh: device.max_hourly_kwh,
        days,
    }))
}

/// Reads the required `from` and `to` dates of an inclusive range.
fn date_range(query: &HashMap<String, String>) -> Result<(NaiveDate, NaiveDate), ApiError> {
    let required = |field: &str| {
        params::date(query, field)?.ok_or_else(|| {
            ApiError::bad_request(field, format!("{field} is required (YYYY-MM-DD)"))
        })
    };
    let from = required("from")?;
    let to = required("to")?;
    if to < from {
        return Err(ApiError::bad_request("to", "to must not be before from"));
    }
    if (to - from).num_days() + 1 > MAX_DAYS {
        return Err(ApiError::bad_request(
            "to",
            format!(
                "the range from {from} to {to} exceeds the maximum of {MAX_DAYS} days; split it"
            ),
        ));
    }
    Ok((from, to))
}

/// Returns the zone of the request: `tz`, else the user's saved zone, else UTC.
pub(crate) fn requested_zone(
    host: &Host<'_>,
    current: &CurrentUser,
    query: &HashMap<String, String>,
) -> Result<Tz, ApiError> {
    if let Some(zone) = params::time_zone(query)? {
        return Ok(zone);
    }
    let rows = host
        .db()?
        .query(sql::USER_TIME_ZONE, &[Value::Uuid(current.id)])?;
    let saved = match rows.first() {
        Some(row) => row.opt_str("timezone")?,
        None => None,
    };
    // Saved zones are checked when set. One that this build's tz database lacks
    // falls back to UTC instead of failing every view.
    Ok(saved.and_then(|name| name.parse().ok()).unwrap_or(Tz::UTC))
}

pub(crate) fn today(host: &Host<'_>, zone: Tz) -> NaiveDate {
    host.now().with_timezone(&zone).date_naive()
}

/// Energy and reading count of one interval.
struct Totals {
    kwh: Kwh,
    readings: i64,
}

/// Sums a device's quarter-hour totals over each interval, within the client's
/// ownership periods when `data_owner` is set.
fn interval_totals(
    host: &Host<'_>,
    device_id: Uuid,
    data_owner: Option<Uuid>,
    intervals: &[Interval],
) -> Result<Vec<Totals>, ApiError> {
    if intervals.is_empty() {
        return Ok(Vec::new());
    }
    let (starts, ends) = bounds(intervals);
    let rows = host.db()?.query(
        &sql::interval_totals(),
        &[
            Value::Uuid(device_id),
            Value::opt_uuid(data_owner),
            Value::ArrayStr(starts),
            Value::ArrayStr(ends),
        ],
    )?;
    let totals = rows
        .iter()
        .map(|row| {
            Ok(Totals {
                kwh: row.kwh("kwh")?,
                readings: row.i64("readings")?,
            })
        })
        .collect::<Result<Vec<_>, DbError>>()?;
    if totals.len() != intervals.len() {
        return Err(anyhow::anyhow!(
            "interval totals returned {} rows for {} intervals",
            totals.len(),
            intervals.len()
        )
        .into());
    }
    Ok(totals)
}

/// Formats the intervals' starts and ends as RFC 3339 text, for `text[]` parameters.
pub(crate) fn bounds(intervals: &[Interval]) -> (Vec<Option<String>>, Vec<Option<String>>) {
    intervals
        .iter()
        .map(|interval| {
            (
                Some(web::rfc3339(interval.start)),
                Some(web::rfc3339(interval.end)),
            )
        })
        .unzip()
}
