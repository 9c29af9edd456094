//! Handlers of the `devices` component.

use anyhow::Context;
use rust_decimal::Decimal;
use serde::Deserialize;
use uuid::Uuid;

use dms_platform::auth::{self, CurrentUser};
use dms_platform::db::Value;
use dms_platform::energy::decimal_from_json;
use dms_platform::http::{self as web, double_option, Page, Pagination, DEFAULT_BODY_LIMIT};
use dms_platform::model::Device;
use dms_platform::validate::Validator;
use dms_platform::{ApiError, Host, Request, Response};

use crate::sql;

/// Largest allowed `max_hourly_kwh`.
const MAX_LIMIT_KWH: i64 = 10_000;

/// Lists devices by name: every device for an admin, their own for a client.
#[cfg_attr(feature = "openapi", utoipa::path(
    get, path = "/api/devices", tag = "devices", operation_id = "list_devices",
    security(("bearerAuth" = [])),
    params(
        ("page" = Option<i64>, Query, description = "Page number, from 1", minimum = 1),
        ("per_page" = Option<i64>, Query, description = "Page size, 1 to 100 (default 20)", minimum = 1, maximum = 100),
        ("owner_id" = Option<Uuid>, Query, description = "Admins only: the devices this user owns; clients always get their own"),
    ),
    responses(
        (status = 200, description = "A page of devices", body = Page<Device>),
        (status = 400, response = dms_platform::openapi::BadRequest),
    ),
))]
pub fn list(host: &Host<'_>, request: &Request) -> Result<Response, ApiError> {
    let current = auth::authenticate(host, request)?;
    let params = web::query_params(request);
    let pagination = Pagination::from_query(&params)?;
    let owner = if current.is_admin() {
        match params.get("owner_id").map(String::as_str) {
            None | Some("") => None,
            Some(text) => Some(text.parse::<Uuid>().map_err(|_| {
                ApiError::bad_request("owner_id", "owner_id must be a user id (UUID)")
            })?),
        }
    } else {
        // A client sees only their own devices, whatever filter they send.
        Some(current.id)
    };

    let db = host.db()?;
    let rows = db.query(
        &sql::list_devices(),
        &[
            Value::opt_uuid(owner),
            Value::Int64(pagination.per_page),
            Value::Int64(pagination.offset()),
        ],
    )?;
    let items = rows
        .iter()
        .map(|row| Device::from_row(&row))
        .collect::<Result<Vec<_>, _>>()?;
    let total = db
        .query(sql::COUNT_DEVICES, &[Value::opt_uuid(owner)])?
        .first()
        .context("count returned no row")?
        .i64("total")?;
    Ok(web::ok(&Page {
        items,
        page: pagination.page,
        per_page: pagination.per_page,
        total,
    }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
struct CreateDevice {
    /// 1 to 100 characters.
    #[cfg_attr(
        feature = "openapi",
        schema(example = "Kitchen meter", min_length = 1, max_length = 100)
    )]
    name: String,
    /// At most 1000 characters.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 1000))]
    description: Option<String>,
    /// At most 200 characters.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    location: Option<String>,
    /// The limit per UTC hour in kWh: above 0, at most 10000, at most 6 decimals.
    #[cfg_attr(feature = "openapi", schema(value_type = f64, example = 2.5, exclusive_minimum = 0, maximum = 10_000))]
    max_hourly_kwh: serde_json::Number,
    /// A client's id, or absent for an unassigned device.
    #[serde(default)]
    owner_id: Option<Uuid>,
}

/// Creates a device, optionally assigned to a client.
#[cfg_attr(feature = "openapi", utoipa::path(
    post, path = "/api/devices", tag = "devices", operation_id = "create_device",
    security(("bearerAuth" = [])),
    request_body = CreateDevice,
    responses(
        (status = 201, description = "The new device", body = Device,
            headers(("Location" = String, description = "The new device's URL"))),
        (status = 403, response = dms_platform::openapi::Forbidden),
        (status = 422, response = dms_platform::openapi::ValidationFailed),
    ),
))]
pub fn create(host: &Host<'_>, request: &Request) -> Result<Response, ApiError> {
    auth::authenticate(host, request)?.require_admin()?;
    let body: CreateDevice = web::parse_json(request, DEFAULT_BODY_LIMIT)?;
    let mut validator = Validator::new();
    validator.text("name", &body.name, 1, 100);
    check_optional_text(
        &mut validator,
        "description",
        body.description.as_deref(),
        1000,
    );
    check_optional_text(&mut validator, "location", body.location.as_deref(), 200);
    let limit = check_limit(&mut validator, &body.max_hourly_kwh);
    validator.finish()?;

    let rows = host.db()?.query(
        &sql::insert_device(),
        &[
            Value::from(body.name.trim()),
            Value::opt_str(body.description.as_deref()),
            Value::opt_str(body.location.as_deref()),
            Value::Decimal(limit.context("limit checked above")?.to_string()),
            Value::opt_uuid(body.owner_id),
        ],
    )?;
    let row = rows.first().ok_or_else(owner_not_a_client)?;
    let device = Device::from_row(&row)?;
    Ok(web::created(
        &format!("/api/devices/{}", device.id),
        &device,
    ))
}

/// Returns one device: any for an admin, their own for a client.
#[cfg_attr(feature = "openapi", utoipa::path(
    get, path = "/api/devices/{id}", tag = "devices", operation_id = "get_device",
    security(("bearerAuth" = [])),
    params(("id" = Uuid, Path, description = "The device's id")),
    responses(
        (status = 200, description = "The device", body = Device),
        (status = 404, response = dms_platform::openapi::NotFound),
    ),
))]
pub fn show(host: &Host<'_>, request: &Request, id: &str) -> Result<Response, ApiError> {
    let current = auth::authenticate(host, request)?;
    let id = web::path_uuid(id, "device")?;
    let device = load_visible(host, &current, id)?;
    Ok(web::ok(&device))
}

/// Loads a device the caller may see: any for an admin, their own for a client.
/// Another client's device is 404, so ids do not leak.
fn load_visible(host: &Host<'_>, current: &CurrentUser, id: Uuid) -> Result<Device, ApiError> {
    let only_owner = (!current.is_admin()).then_some(current.id);
    let rows = host.db()?.query(
        &sql::select_device(),
        &[Value::Uuid(id), Value::opt_uuid(only_owner)],
    )?;
    let row = rows.first().ok_or_else(|| ApiError::not_found("device"))?;
    Ok(Device::from_row(&row)?)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
struct DeviceChanges {
    #[serde(default, deserialize_with = "double_option")]
    name: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    description: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    location: Option<Option<String>>,
    /// Cannot be null: above 0, at most 10000 kWh, at most 6 decimals.
    #[serde(default, deserialize_with = "double_option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<f64>))]
    max_hourly_kwh: Option<Option<serde_json::Number>>,
}

/// Changes a device: an absent field stays, `null` clears `description` or `location`.
#[cfg_attr(feature = "openapi", utoipa::path(
    patch, path = "/api/devices/{id}", tag = "devices", operation_id = "update_device",
    security(("bearerAuth" = [])),
    params(("id" = Uuid, Path, description = "The device's id")),
    request_body = DeviceChanges,
    responses(
        (status = 200, description = "The changed device", body = Device),
        (status = 403, response = dms_platform::openapi::Forbidden),
        (status = 404, response = dms_platform::openapi::NotFound),
        (status = 422, response = dms_platform::openapi::ValidationFailed),
    ),
))]
pub fn update(host: &Host<'_>, request: &Request, id: &str) -> Result<Response, ApiError> {
    auth::authenticate(host, request)?.require_admin()?;
    let id = web::path_uuid(id, "device")?;
    let body: DeviceChanges = web::parse_json(request, DEFAULT_BODY_LIMIT)?;
    let mut validator = Validator::new();
    match &body.name {
        Some(Some(name)) => {
            validator.text("name", name, 1, 100);
        }
        Some(None) => {
            validator.check(
                false,
                "name",
                "name cannot be null; give 1 to 100 characters",
            );
        }
        None => {}
    }
    check_optional_text(
        &mut validator,
        "description",
        body.description.clone().flatten().as_deref(),
        1000,
    );
    check_optional_text(
        &mut validator,
        "location",
        body.location.clone().flatten().as_deref(),
        200,
    );
    let limit = match &body.max_hourly_kwh {
        Some(Some(number)) => check_limit(&mut validator, number),
        Some(None) => {
            validator.check(false, "max_hourly_kwh", "max_hourly_kwh cannot be null");
            None
        }
        None => None,
    };
    validator.finish()?;

    let name = body.name.clone().flatten();
    let rows = host.db()?.query(
        &sql::update_device(),
        &[
            Value::Uuid(id),
            Value::Bool(name.is_some()),
            Value::opt_str(name.as_deref().map(str::trim)),
            Value::Bool(body.description.is_some()),
            Value::opt_str(body.description.clone().flatten().as_deref()),
            Value::Bool(body.location.is_some()),
            Value::opt_str(body.location.clone().flatten().as_deref()),
            Value::Bool(limit.is_some()),
            limit.map_or(Value::Null, |limit| Value::Decimal(limit.to_string())),
        ],
    )?;
    let row = rows.first().ok_or_else(|| ApiError::not_found("device"))?;
    Ok(web::ok(&Device::from_row(&row)?))
}

/// Deletes a device (soft: its history stays, new readings are rejected).
#[cfg_attr(feature = "openapi", utoipa::path(
    delete, path = "/api/devices/{id}", tag = "devices", operation_id = "delete_device",
    security(("bearerAuth" = [])),
    params(("id" = Uuid, Path, description = "The device's id")),
    responses(
        (status = 204, description = "The device is deleted"),
        (status = 403, response = dms_platform::openapi::Forbidden),
        (status = 404, response = dms_platform::openapi::NotFound),
    ),
))]
pub fn delete(host: &Host<'_>, request: &Request, id: &str) -> Result<Response, ApiError> {
    auth::authenticate(host, request)?.require_admin()?;
    let id = web::path_uuid(id, "device")?;
    let rows = host
        .db()?
        .query(&sql::delete_device(), &[Value::Uuid(id)])?;
    let deleted = rows
        .first()
        .context("delete returned no row")?
        .i64("deleted")?;
    if deleted == 0 {
        return Err(ApiError::not_found("device"));
    }
    Ok(web::no_content())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
struct OwnerRequest {
    /// The new owner: a client's id, or null to unassign the device. Required.
    // Without a serde default, a body that forgets the field is rejected
    // instead of unassigning the device.
    #[serde(deserialize_with = "double_option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Uuid>, required = true))]
    owner_id: Option<Option<Uuid>>,
}

/// Assigns a device to a client, or unassigns it with `null`. The new owner
/// sees only the data from their own ownership periods.
#[cfg_attr(feature = "openapi", utoipa::path(
    put, path = "/api/devices/{id}/owner", tag = "devices", operation_id = "set_device_owner",
    security(("bearerAuth" = [])),
    params(("id" = Uuid, Path, description = "The device's id")),
    request_body = OwnerRequest,
    responses(
        (status = 200, description = "The device with its new owner", body = Device),
        (status = 403, response = dms_platform::openapi::Forbidden),
        (status = 404, response = dms_platform::openapi::NotFound),
        (status = 422, response = dms_platform::openapi::ValidationFailed),
    ),
))]
pub fn set_owner(host: &Host<'_>, request: &Request, id: &str) -> Result<Response, ApiError> {
    let current = auth::authenticate(host, request)?;
    current.require_admin()?;
    let id = web::path_uuid(id, "device")?;
    let body: OwnerRequest = web::parse_json(request, DEFAULT_BODY_LIMIT)?;

    let owner_id = body.owner_id.flatten();
    let rows = host.db()?.query(
        &sql::set_owner(),
        &[Value::Uuid(id), Value::opt_uuid(owner_id)],
    )?;
    let row = rows.first().context("set owner returned no row")?;
    if row.i64("found")? == 0 {
        return Err(ApiError::not_found("device"));
    }
    if !row.bool("owner_valid")? {
        return Err(owner_not_a_client());
    }
    Ok(web::ok(&load_visible(host, &current, id)?))
}

fn owner_not_a_client() -> ApiError {
    ApiError::invalid(
        "owner_id",
        "owner_id must be the id of an existing client (see GET /api/users?role=client)",
    )
}

fn check_optional_text(validator: &mut Validator, field: &str, value: Option<&str>, max: usize) {
    if let Some(text) = value {
        validator.check(
            text.chars().count() <= max,
            field,
            format!("{field} must be at most {max} characters long"),
        );
    }
}

/// Checks a limit: above 0, at most 10,000 kWh, at most 6 decimals.
fn check_limit(validator: &mut Validator, number: &serde_json::Number) -> Option<Decimal> {
    let field = "max_hourly_kwh";
    let Ok(limit) = decimal_from_json(number) else {
        validator.check(false, field, "max_hourly_kwh must be a number of kWh");
        return None;
    };
    let in_range = limit > Decimal::ZERO && limit <= Decimal::from(MAX_LIMIT_KWH);
    validator.check(
        in_range,
        field,
        "max_hourly_kwh must be above 0 and at most 10000 kWh",
    );
    validator.check(
        limit.normalize().scale() <= 6,
        field,
        "max_hourly_kwh takes at most 6 decimals (1 Wh is 0.001)",
    );
    in_range.then_some(limit)
}
