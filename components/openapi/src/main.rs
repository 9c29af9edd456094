//! `dms-openapi [FILE]`: writes the API's OpenAPI document to FILE (creating
//! its directory), or to standard output without one.

use std::path::PathBuf;

use anyhow::Context;

fn main() -> anyhow::Result<()> {
    let json = dms_openapi::document_json()?;
    match std::env::args_os().nth(1).map(PathBuf::from) {
        None => println!("{json}"),
        Some(path) => {
            if let Some(directory) = path
                .parent()
                .filter(|parent| !parent.as_os_str().is_empty())
            {
                std::fs::create_dir_all(directory)
                    .with_context(|| format!("Failed to create {}", directory.display()))?;
            }
            std::fs::write(&path, json + "\n")
                .with_context(|| format!("Failed to write {}", path.display()))?;
            eprintln!("wrote {}", path.display());
        }
    }
    Ok(())
}
