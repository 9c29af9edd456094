//! `GET /api/consumption`: one day of every device the caller may see, with
//! each device's total and peak hour, cut into local hours as the day view is.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use uuid::Uuid;

use dms_platform::auth;
use dms_platform::db::{DbError, Value};
use dms_platform::energy::Kwh;
use dms_platform::http as web;
use dms_platform::{ApiError, Host, Request, Response};

use crate::consumption::{bounds, requested_zone, today};
use crate::{access, local_day, params, sql};

/// Every visible device's day.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
struct Overview {
    date: NaiveDate,
    #[cfg_attr(feature = "openapi", schema(example = "Europe/Bucharest"))]
    tz: &'static str,
    devices: Vec<DeviceDay>,
}

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
struct DeviceDay {
    device_id: Uuid,
    name: String,
    max_hourly_kwh: Kwh,
    total_kwh: Kwh,
    peak_hour: Option<PeakHour>,
}

/// The local hour of the day with the most energy.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
struct PeakHour {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    kwh: Kwh,
}

/// `GET /api/consumption?date=&tz=&owner_id=`: the day's total and peak hour of
/// each device. A client gets their own devices and ignores `owner_id` (it is
/// still checked to be a UUID), as the device list does. An admin gets every
/// device, or with `owner_id` the devices that user owns now, with all their data.
#[cfg_attr(feature = "openapi", utoipa::path(
    get, path = "/api/consumption", tag = "monitoring", operation_id = "consumption_overview",
    description = "The day's total and peak hour of each device the caller may see. A client gets their own devices and `owner_id` is ignored.",
    security(("bearerAuth" = [])),
    params(
        ("date" = Option<NaiveDate>, Query, description = "The calendar day (YYYY-MM-DD); defaults to today in the zone"),
        ("tz" = Option<String>, Query, description = "An IANA time zone name such as Europe/Bucharest; defaults to the user's zone, else UTC"),
        ("owner_id" = Option<Uuid>, Query, description = "Admins only: the devices this user owns now"),
    ),
    responses(
        (status = 200, description = "Each device's day", body = Overview),
        (status = 400, response = dms_platform::openapi::BadRequest),
    ),
))]
pub fn day(host: &Host<'_>, request: &Request) -> Result<Response, ApiError> {
    let current = auth::authenticate(host, request)?;
    let query = web::query_params(request);
    let owner_filter = params::uuid(&query, "owner_id")?;
    let zone = requested_zone(host, &current, &query)?;
    let date = params::date(&query, "date")?.unwrap_or_else(|| today(host, zone));
    let listed_owner = if current.is_admin() {
        owner_filter
    } else {
        Some(current.id)
    };

    let day = local_day::day(zone, date);
    let (starts, ends) = bounds(&local_day::hours(day));
    let rows = host.db()?.query(
        &sql::day_overview(),
        &[
            Value::opt_uuid(listed_owner),
            Value::opt_uuid(access::data_owner(&current)),
            Value::ArrayStr(starts),
            Value::ArrayStr(ends),
            Value::instant(day.start),
            Value::instant(day.end),
        ],
    )?;
    let devices = rows
        .iter()
        .map(|row| {
            let peak_hour = match row.opt_instant("peak_start")? {
                None => None,
                Some(start) => Some(PeakHour {
                    start,
                    end: row.instant("peak_end")?,
                    kwh: row.kwh("peak_kwh")?,
                }),
            };
            Ok(DeviceDay {
                device_id: row.uuid("device_id")?,
                name: row.str("name")?,
                max_hourly_kwh: row.kwh("max_hourly_kwh")?,
                total_kwh: row.kwh("total_kwh")?,
                peak_hour,
            })
        })
        .collect::<Result<Vec<_>, DbError>>()?;
    Ok(web::ok(&Overview {
        date,
        tz: zone.name(),
        devices,
    }))
}
