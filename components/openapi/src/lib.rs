//! The DMS API's OpenAPI 3.1 document, merged from each component's
//! annotations (`utoipa`), with the parts every operation shares: the bearer
//! token scheme and the problem+json errors any route may return.
//!
//! The build writes it to `web/dist/api/openapi.json`, which the web component
//! serves at `GET /api/openapi.json`: a Spin component cannot link the other
//! components' crates, so the document is generated natively ahead of time.

use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::request_body::RequestBody;
use utoipa::openapi::schema::{Schema, SchemaType, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::tag::TagBuilder;
use utoipa::openapi::{Components, InfoBuilder, LicenseBuilder, OpenApi, OpenApiBuilder};
use utoipa::openapi::{RefOr, Required};
use utoipa::{PartialSchema, ToSchema};

use dms_platform::openapi::{add_response_ref, problem_responses, BEARER_AUTH};
use dms_platform::problem::Problem;

const DESCRIPTION: &str = "\
The HTTP API of DMS, the energy Device Management System: users, metering \
devices, hourly consumption, over-consumption alerts and the support chat.

Sign in with `POST /api/auth/login` and send the `access_token` as \
`Authorization: Bearer <token>`. Every error is `application/problem+json` \
(RFC 9457) with `type`, `title`, `status`, `detail` and, for invalid input, \
`errors: [{\"field\", \"message\"}]`. Ids are UUIDs, times RFC 3339 in UTC, \
energy a JSON number of kWh. Live alerts and chat events go over Socket.IO, \
which this document does not describe.";

/// Operations that never open a database connection, so never return 503.
const WITHOUT_DATABASE: &[&str] = &["jwks"];

/// Each component's tag and what it covers, in the order the document lists them.
const TAGS: &[(&str, &str)] = &[
    (
        "auth",
        "Registration, sign-in, tokens, public keys and health",
    ),
    (
        "users",
        "User administration (admins) and the caller's profile",
    ),
    (
        "devices",
        "Metering devices, their hourly limits and owners",
    ),
    (
        "monitoring",
        "Consumption by hour and day, alerts, and readings over HTTP",
    ),
    ("chat", "Support chat sessions and messages"),
];

/// Builds the whole document.
pub fn document() -> OpenApi {
    let mut document = OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("DMS API")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(DESCRIPTION))
                .license(Some(
                    LicenseBuilder::new()
                        .name("Apache-2.0")
                        .identifier(Some("Apache-2.0"))
                        .build(),
                ))
                .build(),
        )
        .tags(Some(TAGS.iter().map(|(name, description)| {
            TagBuilder::new()
                .name(*name)
                .description(Some(*description))
                .build()
        })))
        .build();
    for part in [
        dms_auth::openapi::document(),
        dms_users::openapi::document(),
        dms_devices::openapi::document(),
        dms_monitoring::openapi::document(),
        dms_chat::openapi::document(),
    ] {
        document.merge(part);
    }

    let components = document.components.get_or_insert_with(Components::new);
    add_shared_components(components);
    for item in document.paths.paths.values_mut() {
        for operation in operations_mut(item) {
            if let Some(body) = operation.request_body.as_mut() {
                make_optional_body_optional(body);
            }
            add_shared_responses(operation);
        }
    }
    document
}

/// Renders [`document`] as pretty-printed JSON.
///
/// # Errors
/// When serialization fails, which the document's plain types do not cause.
pub fn document_json() -> anyhow::Result<String> {
    Ok(serde_json::to_string_pretty(&document())?)
}

fn add_shared_components(components: &mut Components) {
    components.add_security_scheme(
        BEARER_AUTH,
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .description(Some(
                    "The `access_token` from `POST /api/auth/login` or `POST /api/auth/register`: \
                     an EdDSA-signed JWT",
                ))
                .build(),
        ),
    );
    for (name, response) in problem_responses() {
        components.responses.insert(name, response);
    }
    let mut schemas = vec![(Problem::name().into_owned(), Problem::schema())];
    Problem::schemas(&mut schemas);
    for (name, schema) in schemas {
        components.schemas.entry(name).or_insert(schema);
    }
}

/// Rewrites a body annotated as `Option<T>` (`oneOf: [null, T]`) into an
/// optional body of `T`: those routes accept an empty body, not a JSON `null`.
fn make_optional_body_optional(body: &mut RequestBody) {
    let mut optional = false;
    for content in body.content.values_mut() {
        let Some(RefOr::T(Schema::OneOf(one_of))) = &content.schema else {
            continue;
        };
        let (nulls, others): (Vec<_>, Vec<_>) =
            one_of.items.iter().cloned().partition(is_null_schema);
        if nulls.len() == 1 && others.len() == 1 {
            content.schema = others.into_iter().next();
            optional = true;
        }
    }
    body.required = Some(if optional {
        Required::False
    } else {
        Required::True
    });
}

fn is_null_schema(schema: &RefOr<Schema>) -> bool {
    matches!(schema, RefOr::T(Schema::Object(object)) if object.schema_type == SchemaType::Type(Type::Null))
}

/// Adds the errors any operation of its kind may return, unless its own
/// annotation already documents that status. These are 500 everywhere, 503
/// where the database is used, 401 where a token is required, and 400, 413 and
/// 415 where a JSON body is read.
fn add_shared_responses(operation: &mut Operation) {
    let secured = operation
        .security
        .as_ref()
        .is_some_and(|requirements| !requirements.is_empty());
    let takes_body = operation.request_body.is_some();
    let uses_database = !operation
        .operation_id
        .as_deref()
        .is_some_and(|id| WITHOUT_DATABASE.contains(&id));

    if secured {
        add_response_ref(operation, "401", "Unauthorized");
    }
    if takes_body {
        add_response_ref(operation, "400", "BadRequest");
        add_response_ref(operation, "413", "PayloadTooLarge");
        add_response_ref(operation, "415", "UnsupportedMediaType");
    }
    add_response_ref(operation, "500", "InternalError");
    if uses_database {
        add_response_ref(operation, "503", "Unavailable");
    }
}

/// Returns every operation of a path item.
pub fn operations_mut(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        item.get.as_mut(),
        item.put.as_mut(),
        item.post.as_mut(),
        item.delete.as_mut(),
        item.options.as_mut(),
        item.head.as_mut(),
        item.patch.as_mut(),
        item.trace.as_mut(),
    ]
    .into_iter()
    .flatten()
}

/// Returns the methods of a path item, upper case, with their operations.
pub fn operations(item: &PathItem) -> Vec<(&'static str, &Operation)> {
    [
        ("GET", item.get.as_ref()),
        ("PUT", item.put.as_ref()),
        ("POST", item.post.as_ref()),
        ("DELETE", item.delete.as_ref()),
        ("OPTIONS", item.options.as_ref()),
        ("HEAD", item.head.as_ref()),
        ("PATCH", item.patch.as_ref()),
        ("TRACE", item.trace.as_ref()),
    ]
    .into_iter()
    .filter_map(|(method, operation)| operation.map(|operation| (method, operation)))
    .collect()
}
