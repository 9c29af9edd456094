//! devhost's command line: serve the components of a `spin.toml` on one port.

use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;
use tracing_subscriber::EnvFilter;

/// Serves every DMS component as spin.toml routes them. Component variables come
/// from the environment: the Spin variable name in upper case (DATABASE_URL, ...).
#[derive(Debug, Parser)]
#[command(version)]
struct Options {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, env = "DEVHOST_LISTEN", default_value = "127.0.0.1:3000")]
    listen: String,
    /// Path of the Spin manifest whose routes and variables to mirror.
    #[arg(long, env = "DEVHOST_MANIFEST", default_value = "spin.toml")]
    manifest: PathBuf,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    let options = Options::parse();
    let app = devhost::App::from_environment(&options.manifest)?;
    let listener = tokio::net::TcpListener::bind(&options.listen)
        .await
        .with_context(|| format!("Failed to listen on {}", options.listen))?;
    let address = listener.local_addr()?;
    tracing::info!(%address, manifest = %options.manifest.display(), "devhost listening");
    tokio::select! {
        result = devhost::serve(listener, app) => result,
        _ = tokio::signal::ctrl_c() => {
            tracing::info!("devhost stopping");
            Ok(())
        }
    }
}
