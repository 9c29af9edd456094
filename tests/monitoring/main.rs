//! End-to-end tests of the monitoring component through devhost.
