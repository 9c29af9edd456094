//! OpenAPI pieces every component's document shares: the problem+json error
//! responses, the bearer token scheme and the schema of exact kWh values.
//! Compiled only with the `openapi` feature, by the native document generator.

use std::borrow::Cow;

use utoipa::openapi::path::Operation;
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::{ContentBuilder, HeaderBuilder, Ref, RefOr};
use utoipa::{PartialSchema, ToResponse, ToSchema};

use crate::energy::Kwh;

/// The security scheme name that authenticated operations reference.
pub const BEARER_AUTH: &str = "bearerAuth";

/// The media type of every error response (RFC 9457).
pub const PROBLEM_JSON: &str = "application/problem+json";

impl PartialSchema for Kwh {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::Number)
            .description(Some(
                "Energy in kWh: an exact decimal with at most 6 fractional digits (1 mWh), \
                 written as a plain JSON number",
            ))
            .examples([serde_json::json!(1.25)])
            .into()
    }
}

impl ToSchema for Kwh {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Kwh")
    }
}

/// Builds a problem+json response with `description`, referencing the `Problem` schema.
fn problem(description: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            PROBLEM_JSON,
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
        .build()
}

/// Declares a reusable problem+json response component.
macro_rules! problem_response {
    ($(#[$doc:meta])* $name:ident, $description:literal) => {
        $(#[$doc])*
        pub struct $name;

        impl<'r> ToResponse<'r> for $name {
            fn response() -> (&'r str, RefOr<Response>) {
                (stringify!($name), problem($description).into())
            }
        }
    };
}

problem_response!(
    /// 400: malformed JSON, an unknown or missing field, a bad query parameter.
    BadRequest,
    "The request is malformed: invalid JSON, an unknown or missing field, or an invalid query parameter. `errors[].field` names each one."
);
problem_response!(
    /// 403: a client calling an admin-only route.
    Forbidden,
    "The caller's role may not use this route."
);
problem_response!(
    /// 404: no such resource, or one the caller may not see.
    NotFound,
    "No such resource, or one that belongs to another user (ids do not leak)."
);
problem_response!(
    /// 409: the change conflicts with the current state.
    Conflict,
    "The change conflicts with the current state, such as a taken username or the last admin. `errors[].field` names the field when one is to blame."
);
problem_response!(
    /// 413: a body above the route's limit.
    PayloadTooLarge,
    "The request body exceeds the route's limit (64 KiB, or 2 MiB for readings)."
);
problem_response!(
    /// 415: a body that is not JSON.
    UnsupportedMediaType,
    "The body must be sent as application/json."
);
problem_response!(
    /// 422: well-formed input that breaks a rule.
    ValidationFailed,
    "One or more fields are invalid. `errors[]` lists each field with its message."
);
problem_response!(
    /// 500: an internal error, logged with its cause and returned without detail.
    InternalError,
    "An internal error occurred; the response carries no detail."
);
problem_response!(
    /// 503: the database is unreachable.
    Unavailable,
    "The database is unavailable; try again later."
);

/// 401: a missing, invalid or expired token, or a user who no longer exists.
pub struct Unauthorized;

impl<'r> ToResponse<'r> for Unauthorized {
    fn response() -> (&'r str, RefOr<Response>) {
        let mut response = problem(
            "The bearer token is missing, invalid or expired, or its user no longer exists.",
        );
        response.headers.insert(
            "WWW-Authenticate".into(),
            HeaderBuilder::new()
                .schema(String::schema())
                .description(Some("Always `Bearer`."))
                .build(),
        );
        ("Unauthorized", response.into())
    }
}

/// 429: too many failed sign-ins.
pub struct TooManyRequests;

impl<'r> ToResponse<'r> for TooManyRequests {
    fn response() -> (&'r str, RefOr<Response>) {
        let mut response = problem(
            "Too many failed sign-ins for this login name from this address; wait for the window to end.",
        );
        response.headers.insert(
            "Retry-After".into(),
            HeaderBuilder::new()
                .schema(i64::schema())
                .description(Some("Seconds until the next attempt is accepted."))
                .build(),
        );
        ("TooManyRequests", response.into())
    }
}

/// Returns every reusable response above, by component name, for `components.responses`.
pub fn problem_responses() -> Vec<(String, RefOr<Response>)> {
    let named = [
        BadRequest::response(),
        Unauthorized::response(),
        Forbidden::response(),
        NotFound::response(),
        Conflict::response(),
        PayloadTooLarge::response(),
        UnsupportedMediaType::response(),
        ValidationFailed::response(),
        TooManyRequests::response(),
        InternalError::response(),
        Unavailable::response(),
    ];
    named
        .into_iter()
        .map(|(name, response)| (name.to_owned(), response))
        .collect()
}

/// Adds a reference to a response component for `status`, unless the operation
/// already documents that status.
pub fn add_response_ref(operation: &mut Operation, status: &str, component: &str) {
    operation
        .responses
        .responses
        .entry(status.to_owned())
        .or_insert_with(|| Ref::from_response_name(component).into());
}
