//! End-to-end tests of the management API through devhost and a real PostgreSQL.

mod adapter;
mod auth;
mod bad_input;
mod devices;
mod matrix;
mod tokens;
mod users;
