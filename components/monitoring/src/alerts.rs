//! Over-consumption alerts: the list and the acknowledgement. The ingest
//! statement raises them (see `dms_platform::readings::ingest_sql`).
//!
//! A client sees and acknowledges only the alerts raised while they owned the
//! device (`alert.owner_id`), and another user's alert is 404. An admin may read
//! and acknowledge every alert.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use uuid::Uuid;

use dms_platform::auth;
use dms_platform::db::{DbError, Row, Value};
use dms_platform::energy::Kwh;
use dms_platform::http::{self as web, Page, Pagination};
use dms_platform::{ApiError, Host, Request, Response};

use crate::params::{self, TimeBound};
use crate::{access, sql};

/// An alert as the API shows it.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
struct Alert {
    id: Uuid,
    device_id: Uuid,
    /// The device's owner when the alert was raised.
    owner_id: Option<Uuid>,
    device_name: String,
    /// Start of the UTC hour whose total rose above the limit.
    hour_start: DateTime<Utc>,
    /// The hour's total when the alert was raised.
    kwh: Kwh,
    /// The device's limit when the alert was raised.
    max_hourly_kwh: Kwh,
    raised_at: DateTime<Utc>,
    acknowledged_at: Option<DateTime<Utc>>,
    acknowledged_by: Option<Uuid>,
}

impl Alert {
    fn from_row(row: &Row<'_>) -> Result<Alert, DbError> {
        Ok(Alert {
            id: row.uuid("alert_id")?,
            device_id: row.uuid("device_id")?,
            owner_id: row.opt_uuid("owner_id")?,
            device_name: row.str("device_name")?,
            hour_start: row.instant("hour_start")?,
            kwh: row.kwh("kwh")?,
            max_hourly_kwh: row.kwh("max_hourly_kwh")?,
            raised_at: row.instant("raised_at")?,
            acknowledged_at: row.opt_instant("acknowledged_at")?,
            acknowledged_by: row.opt_uuid("acknowledged_by")?,
        })
    }
}

/// `GET /api/alerts?device_id=&from=&to=&acknowledged=&page=&per_page=`, newest
/// hour first. `from` and `to` bound `hour_start` and are both inclusive. As a
/// date, `from` means UTC midnight and `to` the whole UTC day. As an RFC 3339
/// time, each is that instant.
#[cfg_attr(feature = "openapi", utoipa::path(
    get, path = "/api/alerts", tag = "monitoring", operation_id = "list_alerts",
    description = "Over-consumption alerts, newest hour first. A client sees the alerts raised while they owned the device.",
    security(("bearerAuth" = [])),
    params(
        ("device_id" = Option<Uuid>, Query, description = "Only this device's alerts"),
        ("from" = Option<String>, Query, description = "Earliest `hour_start`, inclusive: a date (UTC midnight) or an RFC 3339 time"),
        ("to" = Option<String>, Query, description = "Latest `hour_start`, inclusive: a date (the whole UTC day) or an RFC 3339 time"),
        ("acknowledged" = Option<bool>, Query, description = "Only acknowledged (`true`) or open (`false`) alerts"),
        ("page" = Option<i64>, Query, description = "Page number, from 1", minimum = 1),
        ("per_page" = Option<i64>, Query, description = "Page size, 1 to 100 (default 20)", minimum = 1, maximum = 100),
    ),
    responses(
        (status = 200, description = "A page of alerts", body = Page<Alert>),
        (status = 400, response = dms_platform::openapi::BadRequest),
    ),
))]
pub fn list(host: &Host<'_>, request: &Request) -> Result<Response, ApiError> {
    let current = auth::authenticate(host, request)?;
    let query = web::query_params(request);
    let pagination = Pagination::from_query(&query)?;
    let device = params::uuid(&query, "device_id")?;
    let from = params::time_bound(&query, "from")?.map(range_start);
    let until = params::time_bound(&query, "to")?.map(range_end);
    if let (Some(from), Some(until)) = (from, until) {
        if until <= from {
            return Err(ApiError::bad_request("to", "to must not be before from"));
        }
    }
    let acknowledged = params::boolean(&query, "acknowledged")?;

    let filters = [
        Value::opt_uuid(access::data_owner(&current)),
        Value::opt_uuid(device),
        from.map_or(Value::Null, Value::instant),
        until.map_or(Value::Null, Value::instant),
        acknowledged.map_or(Value::Null, Value::Bool),
    ];
    let db = host.db()?;
    let mut list_params = filters.to_vec();
    list_params.push(Value::Int64(pagination.per_page));
    list_params.push(Value::Int64(pagination.offset()));
    let items = db
        .query(&sql::list_alerts(), &list_params)?
        .iter()
        .map(|row| Alert::from_row(&row))
        .collect::<Result<Vec<_>, _>>()?;
    let total = match db.query(&sql::count_alerts(), &filters)?.first() {
        Some(row) => row.i64("total")?,
        None => return Err(anyhow::anyhow!("count of alerts returned no row").into()),
    };
    Ok(web::ok(&Page {
        items,
        page: pagination.page,
        per_page: pagination.per_page,
        total,
    }))
}

/// Returns the first instant in the range.
fn range_start(bound: TimeBound) -> DateTime<Utc> {
    match bound {
        TimeBound::Date(date) => date.and_time(chrono::NaiveTime::MIN).and_utc(),
        TimeBound::Instant(instant) => instant,
    }
}

/// Returns the first instant after the range: the next UTC midnight for a date,
/// or one microsecond (PostgreSQL's resolution) after an instant.
fn range_end(bound: TimeBound) -> DateTime<Utc> {
    match bound {
        TimeBound::Date(date) => range_start(TimeBound::Date(date)) + Duration::days(1),
        TimeBound::Instant(instant) => instant + Duration::microseconds(1),
    }
}

/// `POST /api/alerts/{id}/ack`: sets `acknowledged_at` and `acknowledged_by` and
/// writes an `alert.acknowledged` event, the first time only. Acknowledging again
/// returns the alert unchanged.
#[cfg_attr(feature = "openapi", utoipa::path(
    post, path = "/api/alerts/{id}/ack", tag = "monitoring", operation_id = "acknowledge_alert",
    description = "Acknowledges an alert the first time; acknowledging again returns it unchanged.",
    security(("bearerAuth" = [])),
    params(("id" = Uuid, Path, description = "The alert's id")),
    responses(
        (status = 200, description = "The acknowledged alert", body = Alert),
        (status = 404, response = dms_platform::openapi::NotFound),
    ),
))]
pub fn acknowledge(host: &Host<'_>, request: &Request, id: &str) -> Result<Response, ApiError> {
    let current = auth::authenticate(host, request)?;
    let id = web::path_uuid(id, "alert")?;
    let rows = host.db()?.query(
        &sql::acknowledge_alert(),
        &[
            Value::Uuid(id),
            Value::opt_uuid(access::data_owner(&current)),
            Value::Uuid(current.id),
        ],
    )?;
    let row = rows.first().ok_or_else(|| ApiError::not_found("alert"))?;
    Ok(web::ok(&Alert::from_row(&row)?))
}
