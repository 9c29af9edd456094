//! Strict JSON request bodies for the chat routes.

use serde::de::DeserializeOwned;

use dms_platform::http::{self as web, DEFAULT_BODY_LIMIT};
use dms_platform::{ApiError, Request};

/// Parses a JSON object body with [`web::parse_json`]. serde's derived structs
/// also accept a JSON array of their fields in order, so anything but an object
/// is rejected first.
///
/// # Errors
/// 400 for a body that is not a JSON object, else as [`web::parse_json`].
pub fn parse_object<T: DeserializeOwned>(request: &Request) -> Result<T, ApiError> {
    let first = request
        .body()
        .iter()
        .find(|byte| !byte.is_ascii_whitespace());
    if first.is_some_and(|byte| *byte == b'[') {
        return Err(ApiError::bad_request(
            "body",
            "the body must be a JSON object, not an array",
        ));
    }
    web::parse_json(request, DEFAULT_BODY_LIMIT)
}

/// Parses a body that the route also accepts empty, as `T::default()`.
///
/// # Errors
/// As [`parse_object`].
pub fn parse_optional_object<T: DeserializeOwned + Default>(
    request: &Request,
) -> Result<T, ApiError> {
    if request.body().is_empty() {
        return Ok(T::default());
    }
    parse_object(request)
}
