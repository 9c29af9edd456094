//! `dms-worker run`: starts the roles it is given and the HTTP listener, and stops
//! them gracefully on SIGINT or SIGTERM (each role finishes what it holds, such as
//! the ingest batch in hand, before it returns).

use std::time::Duration;

use anyhow::Context;
use axum::http::{header, HeaderValue, Method};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::amqp::Topology;
use crate::bot::BotSettings;
use crate::configuration::{Role, RunOptions};
use crate::ingest::IngestSettings;
use crate::metrics::Metrics;
use crate::ops::{self, OpsState};
use crate::simulator::SimulatorSettings;
use crate::{bot, database, ingest, relay, simulator, socket};

/// Runs until stopped by a signal.
///
/// # Errors
/// When the listener cannot bind or the database URL is invalid.
pub async fn run(options: RunOptions) -> anyhow::Result<()> {
    let stop = CancellationToken::new();
    spawn_signal_handler(stop.clone());
    let listener = tokio::net::TcpListener::bind(&options.listen_addr)
        .await
        .with_context(|| format!("Failed to listen on {}", options.listen_addr))?;
    serve(options, listener, stop).await
}

/// Runs with an already bound listener until `stop` is cancelled; tests use it to
/// pick a free port and to stop the worker.
///
/// # Errors
/// When the database URL is invalid or the listener fails.
pub async fn serve(
    options: RunOptions,
    listener: tokio::net::TcpListener,
    stop: CancellationToken,
) -> anyhow::Result<()> {
    let pool = database::connect_lazy(&options.database.database_url, 10)?;
    let metrics = Metrics::new();
    let topology = Topology::new(&options.broker.amqp_prefix);
    let address = listener.local_addr()?;
    tracing::info!(%address, roles = ?options.roles, prefix = %topology.prefix, "worker starting");

    let mut tasks = JoinSet::new();
    let mut router = ops::router(OpsState::new(
        pool.clone(),
        options.broker.amqp_url.clone(),
        metrics.clone(),
    ));
    for role in dedup(&options.roles) {
        let pool = pool.clone();
        let url = options.broker.amqp_url.clone();
        let stop = stop.clone();
        let metrics = metrics.clone();
        let topology = topology.clone();
        match role {
            Role::Ingest => {
                let settings = IngestSettings {
                    topology,
                    batch_size: options.ingest.ingest_batch_size.max(1),
                    batch_wait: Duration::from_millis(options.ingest.ingest_batch_wait_ms),
                };
                tasks.spawn(async move {
                    (
                        "ingest",
                        ingest::run(pool, url, settings, metrics, stop).await,
                    )
                });
            }
            Role::Relay => {
                tasks.spawn(async move {
                    (
                        "relay",
                        relay::run(pool, url, topology, metrics, stop).await,
                    )
                });
            }
            Role::Simulator => {
                let settings = SimulatorSettings {
                    topology,
                    interval: Duration::from_secs(
                        options.simulator.simulator_interval_seconds.max(1),
                    ),
                    backfill_days: options.simulator.simulator_backfill_days,
                    spike_probability: options
                        .simulator
                        .simulator_spike_probability
                        .clamp(0.0, 1.0),
                    backfill_only: false,
                };
                tasks.spawn(async move {
                    ("simulator", simulator::run(pool, url, settings, stop).await)
                });
            }
            Role::Bot => {
                let settings = BotSettings::from_options(topology, &options.ai)?;
                tasks.spawn(async move { ("bot", bot::run(pool, url, settings, stop).await) });
            }
            Role::Chat => {
                let chat = socket::build(
                    pool,
                    metrics,
                    &options.jwt_verifying_keys,
                    &options.jwt_issuer,
                    &options.jwt_audience,
                )?;
                router = router
                    .layer(chat.layer)
                    .layer(cors_layer(&options.cors_origins)?);
                let hub = chat.hub.clone();
                let relay_stop = stop.clone();
                tasks.spawn(async move {
                    (
                        "chat",
                        socket::relay::run(chat.hub, url, topology, chat.transient, relay_stop)
                            .await,
                    )
                });
                // Open WebSockets would hold the graceful shutdown of the listener
                // forever, so close every socket when stopping.
                tasks.spawn(async move {
                    stop.cancelled().await;
                    hub.io().close().await;
                    ("chat sockets", Ok(()))
                });
            }
        }
    }

    let server_stop = stop.clone();
    tasks.spawn(async move {
        let result = axum::serve(listener, router)
            .with_graceful_shutdown(async move { server_stop.cancelled().await })
            .await
            .context("the HTTP listener failed");
        ("http", result)
    });

    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok((name, Ok(()))) => tracing::info!(role = name, "stopped"),
            Ok((name, Err(err))) => {
                tracing::error!(role = name, error.cause_chain = ?err, error.message = %format!("{err:#}"), "role failed; stopping the worker");
                stop.cancel();
            }
            Err(err) => {
                tracing::error!(error.message = %err, "a role panicked; stopping the worker");
                stop.cancel();
            }
        }
    }
    pool.close().await;
    tracing::info!("worker stopped");
    Ok(())
}

/// CORS for the Socket.IO long-polling requests of a dashboard served from
/// another origin. Without origins, browsers allow only the same origin.
fn cors_layer(origins: &[String]) -> anyhow::Result<CorsLayer> {
    let origins = origins
        .iter()
        .map(|origin| origin.trim())
        .filter(|origin| !origin.is_empty())
        .map(|origin| {
            HeaderValue::from_str(origin)
                .with_context(|| format!("CORS_ORIGINS holds an invalid origin: {origin:?}"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
        .allow_headers([header::CONTENT_TYPE, header::AUTHORIZATION])
        .allow_credentials(true))
}

fn dedup(roles: &[Role]) -> Vec<Role> {
    let mut unique = Vec::new();
    for role in roles {
        if !unique.contains(role) {
            unique.push(*role);
        }
    }
    unique
}

fn spawn_signal_handler(stop: CancellationToken) {
    tokio::spawn(async move {
        let terminate = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut signal) => {
                    signal.recv().await;
                }
                Err(err) => {
                    tracing::warn!(error.message = %err, "cannot listen for SIGTERM");
                    std::future::pending::<()>().await;
                }
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => tracing::info!("SIGINT received; stopping"),
            () = terminate => tracing::info!("SIGTERM received; stopping"),
        }
        stop.cancel();
    });
}
