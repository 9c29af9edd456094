//! Router tests over an in-memory mount.

use std::collections::HashMap;

use bytes::Bytes;
use http::{header, Method, StatusCode};

use dms_platform::db::DbError;
use dms_platform::files::Files;
use dms_platform::host::{Connector, MapConfig, SystemClock};
use dms_platform::{Host, Response};

/// Files held in a map, keyed by their relative path.
struct MemoryFiles(HashMap<&'static str, &'static str>);

impl Files for MemoryFiles {
    fn read(&self, path: &str) -> std::io::Result<Option<Vec<u8>>> {
        Ok(self.0.get(path).map(|text| text.as_bytes().to_vec()))
    }
}

fn dist() -> MemoryFiles {
    MemoryFiles(HashMap::from([
        ("index.html", "<!doctype html><div id=root></div>"),
        ("assets/index-3f2a.js", "console.log(1)"),
        ("assets/index-9c1b.css", "body{}"),
        ("docs/index.html", "<!doctype html>docs"),
        ("api/openapi.json", "{\"openapi\":\"3.1.0\"}"),
        (".vite/manifest.json", "{}"),
    ]))
}

fn request_with(method: Method, path: &str, headers: &[(&str, &str)]) -> Response {
    let files = dist();
    let config = MapConfig(HashMap::from([(
        "socket_url".to_owned(),
        "http://127.0.0.1:4000".to_owned(),
    )]));
    let clock = SystemClock;
    let connector: Connector<'_> =
        Box::new(|| Err(DbError::Connection("no database in these tests".into())));
    let host = Host::new(connector, &config, &clock).with_files(&files);
    let mut builder = http::Request::builder().method(method).uri(path);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    crate::route(&host, builder.body(Bytes::new()).unwrap())
}

fn get(path: &str) -> Response {
    request_with(Method::GET, path, &[])
}

fn header_text(response: &Response, name: header::HeaderName) -> &str {
    response
        .headers()
        .get(&name)
        .map_or("", |value| value.to_str().unwrap())
}

fn body_text(response: &Response) -> &str {
    std::str::from_utf8(response.body()).unwrap()
}

#[test]
fn config_json_returns_socket_url_uncached() {
    let response = get("/config.json");

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header_text(&response, header::CACHE_CONTROL), "no-store");
    let body: serde_json::Value = serde_json::from_slice(response.body()).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"socket_url": "http://127.0.0.1:4000"})
    );
}

#[test]
fn root_serves_index_without_caching() {
    let response = get("/");

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        header_text(&response, header::CONTENT_TYPE),
        "text/html; charset=utf-8"
    );
    assert_eq!(header_text(&response, header::CACHE_CONTROL), "no-cache");
    assert!(body_text(&response).contains("id=root"));
}

#[test]
fn hashed_assets_are_immutable() {
    let script = get("/assets/index-3f2a.js");
    let style = get("/assets/index-9c1b.css");

    assert_eq!(script.status(), StatusCode::OK);
    assert_eq!(
        header_text(&script, header::CONTENT_TYPE),
        "text/javascript; charset=utf-8"
    );
    assert_eq!(
        header_text(&script, header::CACHE_CONTROL),
        "public, max-age=31536000, immutable"
    );
    assert_eq!(
        header_text(&style, header::CONTENT_TYPE),
        "text/css; charset=utf-8"
    );
}

#[test]
fn missing_asset_is_not_found() {
    let response = get("/assets/index-0000.js");

    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        header_text(&response, header::CONTENT_TYPE),
        "application/problem+json"
    );
}

#[test]
fn client_routes_fall_back_to_index() {
    for path in ["/devices", "/devices/5b1c/consumption", "/chat/"] {
        let response = get(path);
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert!(body_text(&response).contains("id=root"), "{path}");
        assert_eq!(
            header_text(&response, header::CACHE_CONTROL),
            "no-cache",
            "{path}"
        );
    }
}

#[test]
fn api_paths_get_problem_not_found() {
    for path in [
        "/api",
        "/api/nope",
        "/api/devices-x/1",
        "/.well-known/other.json",
    ] {
        let response = get(path);
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        assert_eq!(
            header_text(&response, header::CONTENT_TYPE),
            "application/problem+json",
            "{path}"
        );
    }
}

#[test]
fn openapi_document_is_served() {
    let response = get("/api/openapi.json");

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        header_text(&response, header::CONTENT_TYPE),
        "application/json"
    );
    assert!(body_text(&response).contains("3.1.0"));
}

#[test]
fn docs_serve_their_index() {
    for path in ["/docs", "/docs/"] {
        let response = get(path);
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert!(body_text(&response).contains("docs"), "{path}");
    }
}

#[test]
fn traversal_and_hidden_files_are_not_served() {
    for path in [
        "/../Cargo.toml",
        "/%2e%2e/Cargo.toml",
        "/assets/..%2f..%2fCargo.toml",
        "/.vite/manifest.json",
    ] {
        let response = get(path);
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        assert!(!body_text(&response).contains("{}"), "{path} leaked a file");
    }
}

#[test]
fn matching_etag_returns_not_modified() {
    let first = get("/");
    let etag = header_text(&first, header::ETAG).to_owned();
    assert!(
        etag.starts_with('"'),
        "index.html carries a strong ETag: {etag}"
    );

    let again = request_with(Method::GET, "/", &[("if-none-match", &etag)]);

    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert!(again.body().is_empty());
}

#[test]
fn head_returns_headers_only() {
    let response = request_with(Method::HEAD, "/index.html", &[]);

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        header_text(&response, header::CONTENT_TYPE),
        "text/html; charset=utf-8"
    );
    assert!(response.body().is_empty());
}

#[test]
fn writes_are_not_allowed() {
    let response = request_with(Method::POST, "/", &[]);

    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(header_text(&response, header::ALLOW), "GET, HEAD");
}
