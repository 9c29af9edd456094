//! The DMS worker: everything long-lived (AMQP consumers, the simulator, the
//! Socket.IO server, the outbox relay, the support bot) plus the operational
//! commands (migrations, admin bootstrap).

pub mod admin;
pub mod amqp;
pub mod bootstrap;
pub mod bot;
pub mod configuration;
pub mod database;
pub mod dead_letters;
pub mod import;
pub mod ingest;
pub mod leader;
pub mod metrics;
pub mod ops;
pub mod profile;
pub mod relay;
pub mod run;
pub mod simulator;
pub mod socket;
pub mod telemetry;
