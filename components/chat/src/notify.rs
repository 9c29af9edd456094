//! Over-consumption notices: an admin posts a system message into a client's
//! open session, which is created when the client has none.

use anyhow::Context;
use serde::Deserialize;
use uuid::Uuid;

use dms_platform::auth;
use dms_platform::db::Value;
use dms_platform::http as web;
use dms_platform::validate::Validator;
use dms_platform::{ApiError, Host, Request, Response};

use crate::body::parse_object;
use crate::messages::MAX_BODY_CHARS;
use crate::model::ChatMessage;
use crate::sql;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
struct Notice {
    client_id: Uuid,
    #[serde(default)]
    device_id: Option<Uuid>,
    /// 1 to 4000 characters; absent for a standard text naming the device.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 4000))]
    message: Option<String>,
}

/// Stores the notice as a system message and returns it with 201.
#[cfg_attr(feature = "openapi", utoipa::path(
    post, path = "/api/chat/notify/overconsumption", tag = "chat", operation_id = "notify_overconsumption",
    description = "Admins only: posts a system message about over-consumption into the client's open session, opening one when there is none.",
    security(("bearerAuth" = [])),
    request_body = Notice,
    responses(
        (status = 201, description = "The stored notice", body = ChatMessage,
            headers(("Location" = String, description = "The message's URL"))),
        (status = 403, response = dms_platform::openapi::Forbidden),
        (status = 409, response = dms_platform::openapi::Conflict),
        (status = 422, response = dms_platform::openapi::ValidationFailed),
    ),
))]
pub fn overconsumption(host: &Host<'_>, request: &Request) -> Result<Response, ApiError> {
    auth::authenticate(host, request)?.require_admin()?;
    let notice: Notice = parse_object(request)?;
    let mut validator = Validator::new();
    if let Some(text) = &notice.message {
        validator.text("message", text, 1, MAX_BODY_CHARS);
    }
    validator.finish()?;

    let db = host.db()?;
    let client_found = db
        .query(sql::CLIENT_EXISTS, &[Value::Uuid(notice.client_id)])?
        .first()
        .context("count returned no row")?
        .i64("found")?;
    if client_found == 0 {
        return Err(ApiError::invalid(
            "client_id",
            "client_id must be the id of an existing client",
        ));
    }
    let device = match notice.device_id {
        None => None,
        Some(device_id) => {
            let rows = db.query(
                sql::CLIENT_DEVICE,
                &[Value::Uuid(device_id), Value::Uuid(notice.client_id)],
            )?;
            let row = rows.first().ok_or_else(|| {
                ApiError::invalid(
                    "device_id",
                    "device_id must be the id of a device that this client owns",
                )
            })?;
            Some((row.str("name")?, row.str("max_hourly_kwh")?))
        }
    };
    let text = match &notice.message {
        Some(text) => text.trim().to_owned(),
        None => default_text(device.as_ref()),
    };

    // A concurrent request may create the open session first; the second run
    // finds it.
    for _ in 0..2 {
        let rows = db.query(
            &sql::insert_system_message(),
            &[Value::Uuid(notice.client_id), Value::from(text.as_str())],
        )?;
        if let Some(row) = rows.first() {
            let message = ChatMessage::from_row(&row)?;
            return Ok(web::created(&message.location(), &message));
        }
    }
    Err(ApiError::Conflict {
        detail: "the client's open session changed while the notice was being stored; try again"
            .into(),
        field: None,
    })
}

/// Builds the notice's text for a request without one, naming the device and its
/// hourly limit when known.
fn default_text(device: Option<&(String, String)>) -> String {
    match device {
        Some((name, limit)) => format!(
            "Your device \"{name}\" used more energy in one hour than its limit of {limit} kWh. \
             Open it on the My devices page to see when, and reply here if you need help."
        ),
        None => "One of your devices used more energy in one hour than its limit. \
                 See the Alerts page for details, and reply here if you need help."
            .to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_text_names_device_and_limit() {
        let text = default_text(Some(&("Kitchen meter".to_owned(), "2.5".to_owned())));

        assert!(text.contains("\"Kitchen meter\""), "{text}");
        assert!(text.contains("2.5 kWh"), "{text}");
    }

    #[test]
    fn default_text_without_device() {
        let text = default_text(None);

        assert!(text.starts_with("One of your devices"), "{text}");
    }
}
