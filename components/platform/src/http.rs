//! Request and response helpers shared by the routers: strict JSON bodies with a
//! size limit, query strings, pagination and JSON responses.

use std::collections::HashMap;

use bytes::Bytes;
use http::{header, HeaderValue, Response, StatusCode};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};

use crate::problem::{ApiError, FieldError};

pub type Request = http::Request<Bytes>;

/// Maximum JSON body size of a route that sets no limit of its own.
pub const DEFAULT_BODY_LIMIT: usize = 64 * 1024;

pub fn json_response<T: Serialize>(status: StatusCode, body: &T) -> Response<Bytes> {
    // Serializing our own response types cannot fail: they hold only strings,
    // numbers, maps with string keys and sequences.
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    let mut response = Response::new(Bytes::from(bytes));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

pub fn ok<T: Serialize>(body: &T) -> Response<Bytes> {
    json_response(StatusCode::OK, body)
}

/// 201 with the new resource and its `Location`.
pub fn created<T: Serialize>(location: &str, body: &T) -> Response<Bytes> {
    let mut response = json_response(StatusCode::CREATED, body);
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

pub fn no_content() -> Response<Bytes> {
    let mut response = Response::new(Bytes::new());
    *response.status_mut() = StatusCode::NO_CONTENT;
    response
}

/// Parses a JSON body strictly: the content type must be JSON, the body at most
/// `limit` bytes, and the target type decides which fields are allowed (request
/// types use `deny_unknown_fields`). Errors name the offending field.
///
/// # Errors
/// 415 for another content type, 413 above the limit, 400 for malformed JSON, an
/// unknown or missing field, or a value of the wrong type.
pub fn parse_json<T: DeserializeOwned>(request: &Request, limit: usize) -> Result<T, ApiError> {
    if !is_json(request) {
        return Err(ApiError::UnsupportedMediaType);
    }
    let body = request.body();
    if body.len() > limit {
        return Err(ApiError::PayloadTooLarge { limit });
    }
    // serde fills a struct from a JSON array by position; request bodies are
    // objects, so an array is rejected before it can be read that way.
    if body.iter().find(|byte| !byte.is_ascii_whitespace()) == Some(&b'[') {
        return Err(ApiError::bad_request(
            "body",
            "the body must be a JSON object",
        ));
    }
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(body_error)?;
    deserializer
        .end()
        .map_err(|err| ApiError::bad_request("body", format!("malformed JSON: {err}")))?;
    Ok(value)
}

/// Checks a JSON request's content type and size and returns its raw body, for
/// routes that parse the JSON themselves (`POST /api/readings`).
///
/// # Errors
/// 415 for another content type, 413 above `limit` bytes.
pub fn json_body(request: &Request, limit: usize) -> Result<&[u8], ApiError> {
    if !is_json(request) {
        return Err(ApiError::UnsupportedMediaType);
    }
    let body = request.body();
    if body.len() > limit {
        return Err(ApiError::PayloadTooLarge { limit });
    }
    Ok(body)
}

fn is_json(request: &Request) -> bool {
    let Some(content_type) = request.headers().get(header::CONTENT_TYPE) else {
        return false;
    };
    let Ok(content_type) = content_type.to_str() else {
        return false;
    };
    let essence = content_type.split(';').next().unwrap_or("").trim();
    essence.eq_ignore_ascii_case("application/json")
        || essence.to_ascii_lowercase().ends_with("+json")
}

fn body_error(err: serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    let path = err.path().to_string();
    let inner = err.inner();
    if inner.is_eof() || (inner.is_syntax() && path == ".") {
        // Keep serde_json's line and column: they point at the mistake.
        return ApiError::bad_request("body", format!("malformed JSON: {inner}"));
    }
    let message = inner.to_string();
    let message = message
        .split(" at line ")
        .next()
        .unwrap_or(&message)
        .to_owned();
    if inner.is_syntax() {
        // serde_json reports some wrong types (null for an enum) as syntax errors;
        // the path still names the field.
        return ApiError::bad_request(&path, format!("{path} has an invalid value: {message}"));
    }
    // serde reports unknown and missing fields on the enclosing object, so take the
    // field's own name from the message.
    let named = backticked(&message);
    let field = match (
        named,
        message.starts_with("unknown field") || message.starts_with("missing field"),
    ) {
        (Some(name), true) if path == "." => name,
        (Some(name), true) if path == name || path.ends_with(&format!(".{name}")) => path,
        (Some(name), true) => format!("{path}.{name}"),
        _ if path == "." => "body".to_owned(),
        _ => path,
    };
    let message = if message.starts_with("unknown field") {
        format!("{field} is not a known field; remove it")
    } else if message.starts_with("missing field") {
        format!("{field} is required")
    } else {
        describe_value_error(&field, &message)
    };
    ApiError::BadRequest {
        detail: message.clone(),
        errors: vec![FieldError::new(field, message)],
    }
}

/// Rewrites serde's wording ("invalid type: integer `5`, expected a string") as a
/// sentence about the field ("name must be a string, not integer 5").
fn describe_value_error(field: &str, message: &str) -> String {
    let plain = message.replace('`', "");
    for prefix in ["invalid type: ", "invalid value: "] {
        if let Some((found, expected)) = plain
            .strip_prefix(prefix)
            .and_then(|rest| rest.split_once(", expected "))
        {
            return format!("{field} must be {expected}, not {found}");
        }
    }
    if let Some((_, expected)) = plain
        .strip_prefix("unknown variant ")
        .and_then(|rest| rest.split_once(", expected "))
    {
        let expected = expected.strip_prefix("one of ").unwrap_or(expected);
        return format!("{field} must be {expected}");
    }
    format!("{field} is invalid: {plain}")
}

fn backticked(message: &str) -> Option<String> {
    let start = message.find('`')? + 1;
    let end = message[start..].find('`')?;
    Some(message[start..start + end].to_owned())
}

/// Deserializes a PATCH field: absent stays `None`, `null` becomes `Some(None)`.
pub fn double_option<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// Decodes the query string; a repeated key keeps its last value.
pub fn query_params(request: &Request) -> HashMap<String, String> {
    request
        .uri()
        .query()
        .map(|query| {
            url::form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default()
}

/// Splits the path into its segments, without the empty first one.
pub fn path_segments(request: &Request) -> Vec<&str> {
    request
        .uri()
        .path()
        .trim_end_matches('/')
        .split('/')
        .skip(1)
        .collect()
}

/// Parses a path segment as a UUID; anything else names no resource.
///
/// # Errors
/// 404 naming `what`.
pub fn path_uuid(segment: &str, what: &str) -> Result<uuid::Uuid, ApiError> {
    segment.parse().map_err(|_| ApiError::not_found(what))
}

/// Page and page size from `page` and `per_page`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pagination {
    pub page: i64,
    pub per_page: i64,
}

impl Pagination {
    pub const MAX_PER_PAGE: i64 = 100;
    pub const DEFAULT_PER_PAGE: i64 = 20;

    /// # Errors
    /// 400 when `page` is not a whole number of at least 1, or `per_page` is not
    /// between 1 and 100.
    pub fn from_query(params: &HashMap<String, String>) -> Result<Pagination, ApiError> {
        let page = match params.get("page") {
            None => 1,
            Some(text) => text
                .parse::<i64>()
                .ok()
                .filter(|page| *page >= 1)
                .ok_or_else(|| {
                    ApiError::bad_request("page", "page must be a whole number of at least 1")
                })?,
        };
        let per_page = match params.get("per_page") {
            None => Self::DEFAULT_PER_PAGE,
            Some(text) => text
                .parse::<i64>()
                .ok()
                .filter(|size| (1..=Self::MAX_PER_PAGE).contains(size))
                .ok_or_else(|| {
                    ApiError::bad_request("per_page", "per_page must be between 1 and 100")
                })?,
        };
        Ok(Pagination { page, per_page })
    }

    /// Returns the number of rows before the page. A page far past the end
    /// saturates at `i64::MAX` instead of overflowing, and lists nothing.
    pub fn offset(&self) -> i64 {
        (self.page - 1).saturating_mul(self.per_page)
    }
}

/// One page of a list.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page<T> {
    pub items: Vec<T>,
    pub page: i64,
    pub per_page: i64,
    pub total: i64,
}

/// Returns the caller's address: the first `X-Forwarded-For` hop when the deployment
/// trusts its ingress, else Spin's `spin-client-addr` without the port.
pub fn client_address(request: &Request, trust_forwarded_for: bool) -> String {
    let header_text = |name: &str| {
        request
            .headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::trim)
            .filter(|value| !value.is_empty())
    };
    if trust_forwarded_for {
        if let Some(first) = header_text("x-forwarded-for").and_then(|hops| hops.split(',').next())
        {
            return first.trim().to_owned();
        }
    }
    let Some(address) = header_text("spin-client-addr") else {
        return "unknown".to_owned();
    };
    match address.parse::<std::net::SocketAddr>() {
        Ok(socket) => socket.ip().to_string(),
        Err(_) => address.to_owned(),
    }
}

/// Formats an instant as RFC 3339 in UTC, as every response carries times.
pub fn rfc3339(at: chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_errors_read_as_sentences() {
        assert_eq!(
            describe_value_error("name", "invalid type: integer `5`, expected a string"),
            "name must be a string, not integer 5"
        );
        assert_eq!(
            describe_value_error(
                "role",
                "unknown variant `boss`, expected `admin` or `client`"
            ),
            "role must be admin or client"
        );
        assert_eq!(
            describe_value_error("owner_id", "UUID parsing failed: invalid character"),
            "owner_id is invalid: UUID parsing failed: invalid character"
        );
    }

    fn pagination(page: &str, per_page: &str) -> Pagination {
        let params = HashMap::from([
            ("page".to_owned(), page.to_owned()),
            ("per_page".to_owned(), per_page.to_owned()),
        ]);
        Pagination::from_query(&params).unwrap()
    }

    #[test]
    fn offset_counts_rows_before_page() {
        assert_eq!(pagination("1", "20").offset(), 0);
        assert_eq!(pagination("3", "20").offset(), 40);
    }

    #[test]
    fn offset_saturates_far_past_end() {
        let far = pagination("6359863304857497600", "51");

        assert_eq!(far.offset(), i64::MAX);
    }
}
