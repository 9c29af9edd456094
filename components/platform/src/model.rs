//! The resources several components read, with the SQL select lists that load them
//! in the shapes Spin can convert (instants as UTC `timestamp`, `citext` as text).

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::db::{DbError, Row};
use crate::energy::Kwh;

/// A user as the API shows it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    pub id: Uuid,
    pub username: String,
    pub email: String,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::auth::Role))]
    pub role: String,
    pub timezone: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Select list for [`User::from_row`], for a user table aliased `u`.
pub const USER_COLUMNS: &str = "u.user_id, u.username::text as username, u.email::text as email, \
     u.role, u.timezone, u.created_at at time zone 'UTC' as created_at, \
     u.updated_at at time zone 'UTC' as updated_at";

impl User {
    /// # Errors
    /// When a column is missing or has another type.
    pub fn from_row(row: &Row<'_>) -> Result<User, DbError> {
        Ok(User {
            id: row.uuid("user_id")?,
            username: row.str("username")?,
            email: row.str("email")?,
            role: row.str("role")?,
            timezone: row.opt_str("timezone")?,
            created_at: row.instant("created_at")?,
            updated_at: row.instant("updated_at")?,
        })
    }
}

/// A device as the API shows it. The limit is kWh per UTC hour.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Device {
    pub id: Uuid,
    pub name: String,
    pub description: Option<String>,
    pub location: Option<String>,
    pub max_hourly_kwh: Kwh,
    pub owner_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Select list for [`Device::from_row`], for a device table aliased `d`.
pub const DEVICE_COLUMNS: &str =
    "d.device_id, d.name, d.description, d.location, d.max_hourly_kwh, \
     d.owner_id, d.created_at at time zone 'UTC' as created_at, \
     d.updated_at at time zone 'UTC' as updated_at";

impl Device {
    /// # Errors
    /// When a column is missing or has another type.
    pub fn from_row(row: &Row<'_>) -> Result<Device, DbError> {
        Ok(Device {
            id: row.uuid("device_id")?,
            name: row.str("name")?,
            description: row.opt_str("description")?,
            location: row.opt_str("location")?,
            max_hourly_kwh: row.kwh("max_hourly_kwh")?,
            owner_id: row.opt_uuid("owner_id")?,
            created_at: row.instant("created_at")?,
            updated_at: row.instant("updated_at")?,
        })
    }
}
