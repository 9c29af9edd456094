//! The files port: read-only access to the static files mounted into a component
//! (Spin's `files` mounts). Paths are relative to the component's file system
//! root, `/`-separated, with no leading slash (`assets/index-3f2a.js`).

use std::io;
use std::path::{Component, Path, PathBuf};

/// Read-only static files.
pub trait Files {
    /// Reads a whole file. Returns `Ok(None)` when there is no regular file at
    /// `path`, including for a directory and for a path that is not a plain
    /// relative path (see [`relative_path`]).
    ///
    /// # Errors
    /// When the file exists but cannot be read.
    fn read(&self, path: &str) -> io::Result<Option<Vec<u8>>>;
}

/// Files under one directory, read with `std::fs`. Inside Spin the root is `/`,
/// where the component's mounts appear; natively it is a mount's source directory.
#[derive(Debug, Clone)]
pub struct DirectoryFiles {
    root: PathBuf,
}

impl DirectoryFiles {
    pub fn new(root: impl Into<PathBuf>) -> DirectoryFiles {
        DirectoryFiles { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }
}

impl Files for DirectoryFiles {
    fn read(&self, path: &str) -> io::Result<Option<Vec<u8>>> {
        let Some(relative) = relative_path(path) else {
            return Ok(None);
        };
        let full = self.root.join(relative);
        match std::fs::metadata(&full) {
            Ok(metadata) if metadata.is_file() => std::fs::read(&full).map(Some),
            Ok(_) => Ok(None),
            Err(err) if is_missing(&err) => Ok(None),
            Err(err) => Err(err),
        }
    }
}

/// Checks that `path` names something below the root: only normal segments, so
/// no `..`, no `.`, no root or drive prefix and no empty segment. Returns it as
/// a relative path, or `None` when it could leave the root.
pub fn relative_path(path: &str) -> Option<PathBuf> {
    if path.is_empty() || path.contains('\\') || path.contains('\0') {
        return None;
    }
    let mut relative = PathBuf::new();
    for segment in path.split('/') {
        let mut components = Path::new(segment).components();
        match (components.next(), components.next()) {
            (Some(Component::Normal(name)), None) if name == segment => relative.push(name),
            _ => return None,
        }
    }
    Some(relative)
}

/// `NotFound`, and `NotADirectory` when a file stands where a directory of the
/// path should be (`index.html/x`).
fn is_missing(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_path_accepts_plain_paths() {
        assert_eq!(
            relative_path("index.html"),
            Some(PathBuf::from("index.html"))
        );
        assert_eq!(
            relative_path("assets/index-3f2a.js"),
            Some(PathBuf::from("assets/index-3f2a.js"))
        );
    }

    #[test]
    fn relative_path_rejects_escapes() {
        for path in [
            "",
            "..",
            "../etc/passwd",
            "assets/../../etc/passwd",
            "./index.html",
            "/etc/passwd",
            "assets//index.js",
            "assets/",
            "a\\..\\b",
            "nul\0byte",
        ] {
            assert_eq!(relative_path(path), None, "{path:?} must be rejected");
        }
    }

    #[test]
    fn directory_files_read_only_regular_files() {
        let root = std::env::temp_dir().join(format!("dms-files-{}", std::process::id()));
        std::fs::create_dir_all(root.join("assets")).unwrap();
        std::fs::write(root.join("index.html"), b"<html>").unwrap();
        let files = DirectoryFiles::new(&root);

        assert_eq!(files.read("index.html").unwrap(), Some(b"<html>".to_vec()));
        assert_eq!(
            files.read("assets").unwrap(),
            None,
            "a directory is not a file"
        );
        assert_eq!(files.read("missing.js").unwrap(), None);
        assert_eq!(files.read("index.html/x").unwrap(), None);
        assert_eq!(files.read("../index.html").unwrap(), None);

        std::fs::remove_dir_all(&root).unwrap();
    }
}
