//! Static files from the component's mount, with content types and caching.
//!
//! Vite names every file under `assets/` after a hash of its content, so those
//! are cached for a year as immutable. Every other file (`index.html`, the API
//! docs, the OpenAPI document) keeps its name across builds, so it is sent with
//! `no-cache` and an `ETag`, and a request with a matching `If-None-Match` gets
//! 304.

use anyhow::Context;
use bytes::Bytes;
use http::{header, HeaderValue, Method, StatusCode};
use percent_encoding::percent_decode_str;

use dms_platform::files::relative_path;
use dms_platform::{ApiError, Host, Request, Response};

/// The directory of content-hashed build output.
const HASHED_ASSETS: &str = "assets/";

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const REVALIDATE: &str = "no-cache";

/// Serves the file a request path names: the file itself, a directory's
/// `index.html`, or the dashboard's `index.html` for a path the client-side
/// router handles. A missing file under `assets/` is 404, not `index.html`,
/// because the browser requested a script or a style sheet and cannot use HTML.
pub fn serve_path(host: &Host<'_>, request: &Request) -> Result<Response, ApiError> {
    let Some(requested) = decode(request.uri().path()) else {
        return Err(ApiError::not_found("file"));
    };
    let candidates = if requested.is_empty() || requested.ends_with('/') {
        vec![format!("{requested}index.html")]
    } else {
        vec![requested.clone(), format!("{requested}/index.html")]
    };
    for candidate in &candidates {
        if let Some(response) = read(host, request, candidate)? {
            return Ok(response);
        }
    }
    if requested.starts_with(HASHED_ASSETS) {
        return Err(ApiError::not_found("file"));
    }
    read(host, request, "index.html")?.ok_or_else(|| {
        ApiError::NotFound("the dashboard is not built: run `npm run build` in web/".into())
    })
}

/// Serves one file of the mount by its relative path, or 404.
pub fn serve_file(host: &Host<'_>, request: &Request, path: &str) -> Result<Response, ApiError> {
    read(host, request, path)?.ok_or_else(|| ApiError::not_found(path))
}

/// Drops the body of a response to a HEAD request; the headers stay.
pub fn strip_body_for_head(request: &Request, mut response: Response) -> Response {
    if request.method() == Method::HEAD {
        *response.body_mut() = Bytes::new();
    }
    response
}

fn read(host: &Host<'_>, request: &Request, path: &str) -> Result<Option<Response>, ApiError> {
    let files = host
        .files()
        .context("the web component runs without its files mount")?;
    let Some(content) = files
        .read(path)
        .with_context(|| format!("Failed to read the mounted file {path}"))?
    else {
        return Ok(None);
    };
    Ok(Some(respond_with_file(request, path, content)))
}

fn respond_with_file(request: &Request, path: &str, content: Vec<u8>) -> Response {
    let mut response = Response::new(Bytes::new());
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(content_type(path)),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if path.starts_with(HASHED_ASSETS) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE));
    } else {
        let etag = entity_tag(&content);
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(REVALIDATE));
        if let Ok(value) = HeaderValue::from_str(&etag) {
            headers.insert(header::ETAG, value);
        }
        if matches_etag(request, &etag) {
            *response.status_mut() = StatusCode::NOT_MODIFIED;
            return response;
        }
    }
    if request.method() != Method::HEAD {
        *response.body_mut() = Bytes::from(content);
    }
    response
}

/// Turns the URL path into a path relative to the mount: percent-decoded, with
/// a trailing `/` kept to mark a directory and `""` for the root. Returns `None`
/// for a path that could leave the mount (`..`, `.`, an empty segment, a
/// backslash, a NUL) or that names a hidden file such as `.vite/manifest.json`.
fn decode(path: &str) -> Option<String> {
    let trimmed = path.strip_prefix('/')?;
    if trimmed.is_empty() {
        return Some(String::new());
    }
    let directory = trimmed.ends_with('/');
    let decoded = percent_decode_str(trimmed.trim_end_matches('/'))
        .decode_utf8()
        .ok()?
        .into_owned();
    relative_path(&decoded)?;
    if decoded.split('/').any(|segment| segment.starts_with('.')) {
        return None;
    }
    Some(if directory {
        format!("{decoded}/")
    } else {
        decoded
    })
}

fn content_type(path: &str) -> &'static str {
    let extension = path.rsplit_once('.').map_or("", |(_, extension)| extension);
    match extension.to_ascii_lowercase().as_str() {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "webmanifest" => "application/manifest+json",
        "txt" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        "wasm" => "application/wasm",
        _ => "application/octet-stream",
    }
}

/// A strong entity tag from the content: FNV-1a 64 and the length. It changes
/// whenever a rebuilt file changes, which is all a revalidating cache needs.
fn entity_tag(content: &[u8]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in content {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("\"{hash:016x}-{:x}\"", content.len())
}

fn matches_etag(request: &Request, etag: &str) -> bool {
    request
        .headers()
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|tag| tag.trim().trim_start_matches("W/"))
        .any(|tag| tag == "*" || tag == etag)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_keeps_plain_paths() {
        assert_eq!(decode("/").as_deref(), Some(""));
        assert_eq!(decode("/index.html").as_deref(), Some("index.html"));
        assert_eq!(decode("/docs").as_deref(), Some("docs"));
        assert_eq!(decode("/docs/").as_deref(), Some("docs/"));
        assert_eq!(decode("/a%20b.js").as_deref(), Some("a b.js"));
    }

    #[test]
    fn decode_rejects_escapes_and_hidden_files() {
        for path in [
            "/../etc/passwd",
            "/assets/../../etc/passwd",
            "/%2e%2e/etc/passwd",
            "/assets/%2e%2e/%2e%2e/secret",
            "/assets%2f..%2f..%2fsecret",
            "/a%5c..%5csecret",
            "/a%00b",
            "//etc/passwd",
            "/.vite/manifest.json",
            "/assets/.hidden",
            "/%ff",
        ] {
            assert_eq!(decode(path), None, "{path} must be rejected");
        }
    }

    #[test]
    fn content_types_by_extension() {
        assert_eq!(content_type("index.html"), "text/html; charset=utf-8");
        assert_eq!(
            content_type("assets/index-3f2a.js"),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(
            content_type("assets/index-3f2a.CSS"),
            "text/css; charset=utf-8"
        );
        assert_eq!(content_type("api/openapi.json"), "application/json");
        assert_eq!(content_type("LICENSE"), "application/octet-stream");
    }
}
