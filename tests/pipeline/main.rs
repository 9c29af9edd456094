//! End-to-end tests of the readings pipeline: meters publish to RabbitMQ, the
//! worker stores exact totals and alerts in PostgreSQL, and the outbox relay
//! publishes events.

mod fixtures;
mod import;
mod ingest;
mod outbox;
mod recovery;
mod simulator;
