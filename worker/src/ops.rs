//! The worker's operational HTTP endpoints: `/healthz` (the process runs),
//! `/readyz` (PostgreSQL and RabbitMQ are reachable) and `/metrics` (Prometheus text).

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use secrecy::SecretString;
use sqlx::PgPool;
use tokio::sync::Mutex;

use crate::amqp;
use crate::metrics::Metrics;

/// How long a readiness probe waits for each dependency.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// Shared state of the endpoints.
#[derive(Clone)]
pub struct OpsState {
    pub pool: PgPool,
    pub amqp_url: SecretString,
    pub metrics: Metrics,
    /// A connection kept open for readiness probes, reopened when it drops.
    broker: Arc<Mutex<Option<lapin::Connection>>>,
}

impl OpsState {
    pub fn new(pool: PgPool, amqp_url: SecretString, metrics: Metrics) -> OpsState {
        OpsState {
            pool,
            amqp_url,
            metrics,
            broker: Arc::new(Mutex::new(None)),
        }
    }
}

/// Builds the router with the three endpoints.
pub fn router(state: OpsState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .with_state(state)
}

async fn healthz() -> impl IntoResponse {
    (
        StatusCode::OK,
        axum::Json(serde_json::json!({"status": "ok"})),
    )
}

async fn readyz(State(state): State<OpsState>) -> Response {
    let database =
        tokio::time::timeout(PROBE_TIMEOUT, sqlx::query("select 1").execute(&state.pool))
            .await
            .is_ok_and(|result| result.is_ok());
    let broker = broker_ready(&state).await;
    let status = if database && broker {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let word = |ok: bool| if ok { "ok" } else { "unreachable" };
    (
        status,
        axum::Json(serde_json::json!({"database": word(database), "broker": word(broker)})),
    )
        .into_response()
}

async fn broker_ready(state: &OpsState) -> bool {
    let mut broker = state.broker.lock().await;
    if broker
        .as_ref()
        .is_some_and(|connection| connection.status().connected())
    {
        return true;
    }
    match tokio::time::timeout(
        PROBE_TIMEOUT,
        amqp::connect(&state.amqp_url, "dms-readiness"),
    )
    .await
    {
        Ok(Ok(connection)) => {
            *broker = Some(connection);
            true
        }
        Ok(Err(err)) => {
            tracing::warn!(error.message = %format!("{err:#}"), "readiness: RabbitMQ unreachable");
            false
        }
        Err(_) => {
            tracing::warn!("readiness: RabbitMQ connection timed out");
            false
        }
    }
}

async fn metrics(State(state): State<OpsState>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.render(),
    )
        .into_response()
}
