//! Errors at the HTTP boundary, sent as `application/problem+json` (RFC 9457).

use bytes::Bytes;
use http::{header, HeaderValue, Response, StatusCode};
use serde::Serialize;

use crate::db::DbError;

/// One invalid input: which field, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> FieldError {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Every way a request can fail. The caller's faults carry a message for them;
/// `Unexpected` is ours, logged in full and returned as an opaque 500.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{detail}")]
    BadRequest {
        detail: String,
        errors: Vec<FieldError>,
    },
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("method not allowed")]
    MethodNotAllowed(&'static [&'static str]),
    #[error("{detail}")]
    Conflict {
        detail: String,
        field: Option<String>,
    },
    #[error("request body larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("unsupported content type")]
    UnsupportedMediaType,
    #[error("too many requests")]
    TooManyRequests {
        retry_after_secs: i64,
        detail: String,
    },
    #[error("{0}")]
    Unavailable(String),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl ApiError {
    pub fn bad_request(field: &str, message: impl Into<String>) -> ApiError {
        let message = message.into();
        ApiError::BadRequest {
            detail: message.clone(),
            errors: vec![FieldError::new(field, message)],
        }
    }

    pub fn invalid(field: &str, message: impl Into<String>) -> ApiError {
        ApiError::Validation(vec![FieldError::new(field, message)])
    }

    pub fn not_found(what: &str) -> ApiError {
        ApiError::NotFound(format!("{what} not found"))
    }

    pub fn conflict(field: &str, detail: impl Into<String>) -> ApiError {
        ApiError::Conflict {
            detail: detail.into(),
            field: Some(field.to_owned()),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ApiError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Builds the problem+json response. An unexpected error is written to stderr
    /// with its cause chain (the one log line a component writes per failure) and
    /// returned without any detail.
    pub fn into_response(self) -> Response<Bytes> {
        let status = self.status();
        let mut problem = Problem {
            r#type: "about:blank",
            title: status.canonical_reason().unwrap_or("Error"),
            status: status.as_u16(),
            detail: self.to_string(),
            errors: Vec::new(),
        };
        match &self {
            ApiError::BadRequest { errors, .. } | ApiError::Validation(errors) => {
                problem.errors.clone_from(errors);
                if let ApiError::Validation(errors) = &self {
                    problem.detail = summarize(errors);
                }
            }
            ApiError::Conflict {
                detail,
                field: Some(field),
            } => problem
                .errors
                .push(FieldError::new(field.clone(), detail.clone())),
            ApiError::PayloadTooLarge { limit } => {
                problem.detail = format!("the request body exceeds the limit of {limit} bytes")
            }
            ApiError::UnsupportedMediaType => {
                problem.detail = "send the body as application/json".into()
            }
            ApiError::TooManyRequests { detail, .. } => problem.detail.clone_from(detail),
            ApiError::Unexpected(cause) => {
                report_failure(cause);
                problem.detail = "an internal error occurred; try again later".into();
            }
            _ => {}
        }
        let mut response = crate::http::json_response(status, &problem);
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        match &self {
            ApiError::Unauthorized(_) => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            ApiError::MethodNotAllowed(methods) => {
                if let Ok(allow) = HeaderValue::from_str(&methods.join(", ")) {
                    headers.insert(header::ALLOW, allow);
                }
            }
            ApiError::TooManyRequests {
                retry_after_secs, ..
            } => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs));
            }
            _ => {}
        }
        response
    }
}

fn summarize(errors: &[FieldError]) -> String {
    match errors {
        [one] if one.message.contains(&one.field) => one.message.clone(),
        [one] => format!("{}: {}", one.field, one.message),
        _ => format!("{} fields are invalid", errors.len()),
    }
}

/// The body of every error response.
#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Problem {
    /// Always `about:blank`: the status code says what kind of problem it is.
    #[cfg_attr(feature = "openapi", schema(example = "about:blank"))]
    r#type: &'static str,
    /// The status code's reason phrase.
    #[cfg_attr(feature = "openapi", schema(example = "Unprocessable Entity"))]
    title: &'static str,
    status: u16,
    /// What went wrong, for a person to read.
    detail: String,
    /// Each invalid field, for 400, 409 and 422; absent when empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "openapi", schema(required = false))]
    errors: Vec<FieldError>,
}

/// Writes one line with the error and its causes to stderr, where both Spin and
/// devhost collect a component's log.
pub fn report_failure(cause: &anyhow::Error) {
    // NOTE: components log through stderr because a WASM component has no
    // tracing subscriber of its own; devhost forwards nothing else.
    eprintln!("level=error msg=\"request failed\" error={cause:#}");
}

impl From<DbError> for ApiError {
    fn from(err: DbError) -> ApiError {
        match err {
            DbError::Connection(_) => {
                report_failure(&anyhow::Error::new(err));
                ApiError::Unavailable("the database is unavailable; try again later".into())
            }
            // PostgreSQL text cannot hold the NUL character (SQLSTATE 22021);
            // it can only have come from the request.
            DbError::Query {
                code: Some(code), ..
            } if code == "22021" => ApiError::bad_request(
                "input",
                "text must not contain the NUL character (\\u0000); remove it",
            ),
            other => ApiError::Unexpected(anyhow::Error::new(other)),
        }
    }
}
