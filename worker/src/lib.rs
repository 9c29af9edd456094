//! The DMS worker: everything long-lived (AMQP consumers, the simulator, the
//! Socket.IO server, the outbox relay, the support bot) plus the operational
//! commands (migrations, admin bootstrap).

pub mod admin;
pub mod configuration;
pub mod database;
pub mod telemetry;
