//! Logging: JSON lines on stderr, filtered by RUST_LOG (default `info`).

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber. `json` picks JSON lines over plain text.
pub fn init(json: bool) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        builder.json().flatten_event(true).init();
    } else {
        builder.init();
    }
}
