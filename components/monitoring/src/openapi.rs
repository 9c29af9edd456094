//! The OpenAPI description of the `monitoring` routes, for the native document
//! generator. Compiled only with the `openapi` feature.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::{OpenApi, ToSchema};
use uuid::Uuid;

/// One reading as `POST /api/readings` and the AMQP ingest queue take it: the
/// energy of the interval that ends at `measured_at`. Other fields are ignored.
#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct ReadingInput {
    device_id: Uuid,
    /// At most 5 minutes in the future.
    measured_at: DateTime<Utc>,
    /// kWh, 0 to 1000000, rounded half-even to 6 decimals on entry.
    #[schema(minimum = 0, maximum = 1_000_000, example = 0.25)]
    kwh: f64,
}

/// The body of `POST /api/readings`: one reading, or an array of them.
#[derive(Deserialize, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum ReadingsBody {
    One(ReadingInput),
    /// Up to 10,000 readings.
    Many(Vec<ReadingInput>),
}

#[derive(OpenApi)]
#[openapi(paths(
    crate::consumption::day,
    crate::consumption::days,
    crate::overview::day,
    crate::alerts::list,
    crate::alerts::acknowledge,
    crate::readings::ingest,
))]
struct MonitoringApi;

/// Returns the OpenAPI document of the `monitoring` routes.
pub fn document() -> utoipa::openapi::OpenApi {
    MonitoringApi::openapi()
}
