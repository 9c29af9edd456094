//! Prometheus metrics of the worker, served at `/metrics`.

use std::sync::atomic::AtomicI64;
use std::sync::Arc;

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

/// Every metric the worker exports. Cheap to clone; clones share the values.
#[derive(Clone)]
pub struct Metrics {
    registry: Arc<Registry>,
    pub readings_ingested: Counter,
    pub readings_duplicate: Counter,
    pub readings_rejected: Counter,
    pub messages_dead_lettered: Counter,
    pub ingest_batch_seconds: Histogram,
    pub alert_latency_seconds: Histogram,
    pub alerts_raised: Counter,
    pub outbox_backlog: Gauge<i64, AtomicI64>,
    pub events_published: Counter,
    pub sockets_connected: Gauge<i64, AtomicI64>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("dms");
        let readings_ingested = Counter::default();
        let readings_duplicate = Counter::default();
        let readings_rejected = Counter::default();
        let messages_dead_lettered = Counter::default();
        // 1 ms to about 16 s.
        let ingest_batch_seconds = Histogram::new(exponential_buckets(0.001, 2.0, 15));
        let alert_latency_seconds = Histogram::new(exponential_buckets(0.001, 2.0, 15));
        let alerts_raised = Counter::default();
        let outbox_backlog = Gauge::<i64, AtomicI64>::default();
        let events_published = Counter::default();
        let sockets_connected = Gauge::<i64, AtomicI64>::default();
        registry.register(
            "readings_ingested",
            "Readings stored",
            readings_ingested.clone(),
        );
        registry.register(
            "readings_duplicate",
            "Readings that repeated a stored one and changed nothing",
            readings_duplicate.clone(),
        );
        registry.register(
            "readings_rejected",
            "Readings rejected as invalid or for an unknown device",
            readings_rejected.clone(),
        );
        registry.register(
            "dead_lettered_messages",
            "Messages sent to the dead-letter queue",
            messages_dead_lettered.clone(),
        );
        registry.register(
            "ingest_batch_seconds",
            "Time to store one batch and acknowledge it",
            ingest_batch_seconds.clone(),
        );
        registry.register(
            "alert_latency_seconds",
            "From a reading's publish time (AMQP timestamp, whole seconds) to the commit of the alert it raised",
            alert_latency_seconds.clone(),
        );
        registry.register(
            "alerts_raised",
            "Alerts raised by this replica",
            alerts_raised.clone(),
        );
        registry.register(
            "outbox_backlog",
            "Outbox rows not yet published, as last seen by the relay",
            outbox_backlog.clone(),
        );
        registry.register(
            "events_published",
            "Outbox events published to the events exchange",
            events_published.clone(),
        );
        registry.register(
            "sockets_connected",
            "Socket.IO connections open on this replica",
            sockets_connected.clone(),
        );
        Metrics {
            registry: Arc::new(registry),
            readings_ingested,
            readings_duplicate,
            readings_rejected,
            messages_dead_lettered,
            ingest_batch_seconds,
            alert_latency_seconds,
            alerts_raised,
            outbox_backlog,
            events_published,
            sockets_connected,
        }
    }

    /// Renders the metrics in the Prometheus text format (OpenMetrics).
    pub fn render(&self) -> String {
        let mut text = String::new();
        // Writing into a String cannot fail.
        let _ = encode(&mut text, &self.registry);
        text
    }
}
