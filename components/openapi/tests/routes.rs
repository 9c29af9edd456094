//! The OpenAPI document matches the routing: it covers every route `spin.toml`
//! gives an API component, and for each documented path the component's router
//! accepts exactly the documented methods.
//!
//! The routers run without a database or keys, so an authenticated route
//! returns 401 and a route reading a body returns 415: enough to tell a known
//! route from the router's "route not found" 404 and 405, whose `Allow` header
//! lists the methods the router serves on that path.

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;

use bytes::Bytes;
use http::{header, Method, StatusCode};

use dms_platform::db::DbError;
use dms_platform::host::{Connector, MapConfig, SystemClock};
use dms_platform::{Host, Response};

/// The component that serves files, not API routes; the document leaves it out.
const FILES_COMPONENT: &str = "web";

/// A value for every path parameter: routers parse ids as UUIDs.
const SAMPLE_ID: &str = "7d0c8f3e-58b4-4f2b-9d57-3c1a1f6f0b2e";

struct Routing {
    routes: Vec<(String, String)>,
    finder: routefinder::Router<usize>,
}

impl Routing {
    fn load() -> Routing {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../spin.toml");
        let manifest = devhost::manifest::Manifest::load(&path).expect("load spin.toml");
        let mut finder = routefinder::Router::new();
        for (index, (route, _)) in manifest.routes.iter().enumerate() {
            let pattern = match route.strip_suffix("/...") {
                Some(prefix) => format!("{prefix}/*"),
                None => route.clone(),
            };
            finder.add(pattern.as_str(), index).expect("a valid route");
        }
        Routing {
            routes: manifest.routes,
            finder,
        }
    }

    /// Returns the index of the `spin.toml` route that serves `path`, as Spin picks it.
    fn route_of(&self, path: &str) -> Option<usize> {
        self.finder.best_match(path).map(|found| *found.handler())
    }
}

/// Returns the documented paths with their methods, upper case.
fn documented() -> Vec<(String, BTreeSet<String>)> {
    let mut document = dms_openapi::document();
    document
        .paths
        .paths
        .iter_mut()
        .map(|(path, item)| {
            let methods = dms_openapi::operations(item)
                .into_iter()
                .map(|(method, _)| method.to_owned())
                .collect();
            (path.clone(), methods)
        })
        .collect()
}

/// Returns the documented path with every `{parameter}` replaced by [`SAMPLE_ID`].
fn concrete(path: &str) -> String {
    path.split('/')
        .map(|segment| {
            if segment.starts_with('{') && segment.ends_with('}') {
                SAMPLE_ID
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn call(component: &str, method: Method, path: &str) -> Response {
    let router = devhost::component_router(component)
        .unwrap_or_else(|| panic!("devhost has no router for {component}"));
    let config = MapConfig(HashMap::new());
    let clock = SystemClock;
    let connector: Connector<'_> =
        Box::new(|| Err(DbError::Connection("no database in this test".into())));
    let host = Host::new(connector, &config, &clock);
    let request = http::Request::builder()
        .method(method)
        .uri(path)
        .body(Bytes::new())
        .expect("a valid request");
    router(&host, request)
}

fn problem_detail(response: &Response) -> String {
    let body: serde_json::Value = serde_json::from_slice(response.body()).unwrap_or_default();
    body["detail"].as_str().unwrap_or_default().to_owned()
}

#[test]
fn document_covers_every_api_route() {
    let routing = Routing::load();
    let covered: BTreeSet<usize> = documented()
        .iter()
        .filter_map(|(path, _)| routing.route_of(&concrete(path)))
        .collect();

    for (index, (route, component)) in routing.routes.iter().enumerate() {
        if component == FILES_COMPONENT {
            continue;
        }
        assert!(
            covered.contains(&index),
            "spin.toml routes {route} to {component}, but no path in the OpenAPI document reaches it"
        );
    }
}

#[test]
fn documented_paths_reach_api_components() {
    let routing = Routing::load();

    for (path, _) in documented() {
        let index = routing
            .route_of(&concrete(&path))
            .unwrap_or_else(|| panic!("spin.toml has no route for the documented path {path}"));
        let (route, component) = &routing.routes[index];
        assert_ne!(
            component, FILES_COMPONENT,
            "the documented path {path} falls through to the web component's {route}"
        );
    }
}

#[test]
fn routers_serve_documented_methods() {
    let routing = Routing::load();

    for (path, methods) in documented() {
        let concrete_path = concrete(&path);
        let component = &routing.routes[routing.route_of(&concrete_path).expect("a route")].1;
        for method in &methods {
            let response = call(component, method.parse().expect("a method"), &concrete_path);
            let status = response.status();
            assert_ne!(
                status,
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path}: the {component} router does not serve the documented method"
            );
            assert!(
                !(status == StatusCode::NOT_FOUND
                    && problem_detail(&response) == "route not found"),
                "{method} {path}: the {component} router does not know the documented path"
            );
        }
    }
}

#[test]
fn routers_serve_no_undocumented_methods() {
    let routing = Routing::load();

    for (path, methods) in documented() {
        let concrete_path = concrete(&path);
        let component = &routing.routes[routing.route_of(&concrete_path).expect("a route")].1;
        let response = call(component, Method::TRACE, &concrete_path);
        assert_eq!(
            response.status(),
            StatusCode::METHOD_NOT_ALLOWED,
            "TRACE {path}: expected 405 from the {component} router"
        );
        let allowed: BTreeSet<String> = response
            .headers()
            .get(header::ALLOW)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .split(',')
            .map(|method| method.trim().to_owned())
            .filter(|method| !method.is_empty())
            .collect();
        assert_eq!(
            allowed, methods,
            "{path}: the {component} router's Allow header differs from the documented methods"
        );
    }
}

#[test]
fn operation_ids_are_unique() {
    let mut document = dms_openapi::document();
    let mut seen = BTreeSet::new();

    for item in document.paths.paths.values_mut() {
        for (method, operation) in dms_openapi::operations(item) {
            let id = operation
                .operation_id
                .clone()
                .unwrap_or_else(|| panic!("a {method} operation has no operationId"));
            assert!(seen.insert(id.clone()), "operationId {id} is used twice");
        }
    }
}

#[test]
fn secured_operations_use_bearer_auth() {
    let document = dms_openapi::document();
    let components = document.components.as_ref().expect("components");
    assert!(components.security_schemes.contains_key("bearerAuth"));
    let json = serde_json::to_value(&document).expect("serializable");

    for (path, item) in json["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("a path item") {
            let Some(requirements) = operation["security"].as_array() else {
                continue;
            };
            for requirement in requirements {
                let names: Vec<&String> = requirement
                    .as_object()
                    .expect("a requirement")
                    .keys()
                    .collect();
                assert_eq!(names, ["bearerAuth"], "{method} {path}");
            }
        }
    }
}
