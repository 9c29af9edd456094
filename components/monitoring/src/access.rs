//! Who may read which device, and which part of its data.
//!
//! An admin may read every device that is not deleted, with all of its data. A
//! client may read only the devices they own now (`device.owner_id`). Another user's device
//! and an unknown id are both 404, never 403, so ids do not leak.
//!
//! Of a device they own, a client sees only the data from the periods in
//! `device_ownership` during which it was theirs. Totals are kept per UTC
//! quarter-hour, so the rule works on quarters: a quarter is included when its
//! start is at or after the period's start rounded down to the quarter-hour, and
//! before the period's end if the period has ended. The quarter in which a device
//! changed hands cannot be split, so it is visible to both owners.
//!
//! Alerts carry the owner at the time they were raised; a client sees the alerts
//! raised for them.

use uuid::Uuid;

use dms_platform::auth::CurrentUser;
use dms_platform::db::Value;
use dms_platform::model::Device;
use dms_platform::{ApiError, Host};

use crate::sql;

/// Returns the client whose ownership periods bound the data the caller may read,
/// or `None` for an admin, who may read all of it.
pub fn data_owner(current: &CurrentUser) -> Option<Uuid> {
    (!current.is_admin()).then_some(current.id)
}

/// Loads a device the caller may see: any for an admin, their own for a client.
///
/// # Errors
/// 404 when the device is unknown, deleted or not the client's.
pub fn visible_device(
    host: &Host<'_>,
    current: &CurrentUser,
    id: Uuid,
) -> Result<Device, ApiError> {
    let rows = host.db()?.query(
        &sql::select_device(),
        &[Value::Uuid(id), Value::opt_uuid(data_owner(current))],
    )?;
    let row = rows.first().ok_or_else(|| ApiError::not_found("device"))?;
    Ok(Device::from_row(&row)?)
}
