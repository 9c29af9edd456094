//! A component's Spin `files` mounts, read natively: each mount's source
//! directory (relative to the manifest) appears at its destination, as Spin
//! maps it into the component's file system.

use std::io;
use std::path::Path;

use dms_platform::files::{DirectoryFiles, Files};

use crate::manifest::FileMount;

/// The mounts of one component, longest destination first. As in Spin, where
/// the WASI runtime resolves a path through the longest matching preopened
/// directory, only the innermost mount containing a path is searched.
#[derive(Debug, Clone)]
pub struct Mounts {
    mounts: Vec<(String, DirectoryFiles)>,
}

impl Mounts {
    /// Resolves each mount's source against the manifest's directory.
    pub fn new(manifest_directory: &Path, mounts: &[FileMount]) -> Mounts {
        let mut resolved: Vec<(String, DirectoryFiles)> = mounts
            .iter()
            .map(|mount| {
                let destination = mount.destination.trim_matches('/').to_owned();
                let source = DirectoryFiles::new(manifest_directory.join(&mount.source));
                (destination, source)
            })
            .collect();
        resolved.sort_by_key(|(destination, _)| std::cmp::Reverse(destination.len()));
        Mounts { mounts: resolved }
    }

    /// The source directories, for the startup log.
    pub fn sources(&self) -> impl Iterator<Item = &Path> {
        self.mounts.iter().map(|(_, files)| files.root())
    }
}

impl Files for Mounts {
    fn read(&self, path: &str) -> io::Result<Option<Vec<u8>>> {
        for (destination, files) in &self.mounts {
            let inner = if destination.is_empty() {
                Some(path)
            } else {
                path.strip_prefix(destination.as_str())
                    .and_then(|rest| rest.strip_prefix('/'))
            };
            if let Some(inner) = inner {
                return files.read(inner);
            }
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn innermost_mount_serves_its_paths() {
        let root = std::env::temp_dir().join(format!("devhost-mounts-{}", std::process::id()));
        std::fs::create_dir_all(root.join("dist/docs")).unwrap();
        std::fs::create_dir_all(root.join("swagger")).unwrap();
        std::fs::write(root.join("dist/index.html"), b"dashboard").unwrap();
        std::fs::write(root.join("dist/docs/index.html"), b"shadowed").unwrap();
        std::fs::write(root.join("swagger/index.html"), b"swagger").unwrap();
        let mounts = Mounts::new(
            &root,
            &[
                FileMount {
                    source: "dist".into(),
                    destination: "/".into(),
                },
                FileMount {
                    source: "swagger".into(),
                    destination: "/docs".into(),
                },
            ],
        );

        assert_eq!(
            mounts.read("index.html").unwrap().as_deref(),
            Some(&b"dashboard"[..])
        );
        assert_eq!(
            mounts.read("docs/index.html").unwrap().as_deref(),
            Some(&b"swagger"[..])
        );
        assert_eq!(mounts.read("docs/../index.html").unwrap(), None);
        assert_eq!(mounts.read("missing").unwrap(), None);
        assert_eq!(
            mounts.read("docs/other.html").unwrap(),
            None,
            "the root mount is not searched"
        );

        std::fs::remove_dir_all(&root).unwrap();
    }
}
