//! Test harness shared by the end-to-end tests: a fresh database per test (cloned
//! from a migrated template), generated signing keys, and devhost on a free port.

pub mod database;
pub mod keys;
pub mod spawn;
pub mod worker;

pub use database::TestDatabase;
pub use keys::TestKeys;
pub use spawn::{spawn_devhost, TestApp};
