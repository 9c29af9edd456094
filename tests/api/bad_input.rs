//! Bad input for every body field, and malformed bodies: each gets a clear
//! problem+json naming the field, and nothing is written.

use serde_json::{json, Value};

use dms_tests::spawn_devhost;

struct Case {
    name: &'static str,
    method: &'static str,
    path: String,
    body: Value,
    status: u16,
    field: &'static str,
}

fn long(length: usize) -> String {
    "x".repeat(length)
}

fn with(base: &Value, field: &str, value: Value) -> Value {
    let mut body = base.clone();
    body[field] = value;
    body
}

fn without(base: &Value, field: &str) -> Value {
    let mut body = base.clone();
    body.as_object_mut().unwrap().remove(field);
    body
}

/// Missing, null, wrong type and unknown-field cases for every field of a body.
fn shape_cases(
    name: &'static str,
    method: &'static str,
    path: &str,
    base: &Value,
    required: &[&'static str],
) -> Vec<Case> {
    let mut cases = Vec::new();
    for field in base.as_object().unwrap().keys() {
        let field: &'static str = Box::leak(field.clone().into_boxed_str());
        if required.contains(&field) {
            cases.push(Case {
                name,
                method,
                path: path.into(),
                body: without(base, field),
                status: 400,
                field,
            });
            cases.push(Case {
                name,
                method,
                path: path.into(),
                body: with(base, field, Value::Null),
                status: 400,
                field,
            });
        }
        cases.push(Case {
            name,
            method,
            path: path.into(),
            body: with(base, field, json!([1])),
            status: 400,
            field,
        });
    }
    cases.push(Case {
        name,
        method,
        path: path.into(),
        body: with(base, "extra", json!(1)),
        status: 400,
        field: "extra",
    });
    cases
}

#[tokio::test]
async fn bad_bodies_are_rejected_and_write_nothing() {
    // Arrange
    let app = spawn_devhost().await;
    let admin = app.create_admin("root").await;
    let ana = app.register_client("ana").await;
    let device = app.create_device(&admin, "meter", 2.0, Some(&ana.id)).await;
    let device_id = device["id"].as_str().unwrap();
    let register = json!({"username": "newbie", "email": "newbie@example.com", "password": "long-password", "timezone": "UTC"});
    let new_user = json!({"username": "newbie", "email": "newbie@example.com", "password": "long-password", "role": "client", "timezone": "UTC"});
    let new_device = json!({"name": "meter 2", "description": "d", "location": "l", "max_hourly_kwh": 3, "owner_id": ana.id});
    let device_path = format!("/api/devices/{device_id}");
    let user_path = format!("/api/users/{}", ana.id);

    let mut cases = Vec::new();
    cases.extend(shape_cases(
        "register",
        "POST",
        "/api/auth/register",
        &register,
        &["username", "email", "password"],
    ));
    cases.extend(shape_cases(
        "create user",
        "POST",
        "/api/users",
        &new_user,
        &["username", "email", "password", "role"],
    ));
    cases.extend(shape_cases(
        "create device",
        "POST",
        "/api/devices",
        &new_device,
        &["name", "max_hourly_kwh"],
    ));
    cases.extend(shape_cases(
        "login",
        "POST",
        "/api/auth/login",
        &json!({"login": "ana", "password": "x"}),
        &["login", "password"],
    ));
    cases.extend(
        shape_cases(
            "set owner",
            "PUT",
            &format!("{device_path}/owner"),
            &json!({"owner_id": ana.id}),
            &["owner_id"],
        )
        .into_iter()
        .filter(|case| {
            !(case.field == "owner_id" && case.body.get("owner_id") == Some(&Value::Null))
        }),
    );
    let value_cases: Vec<(&'static str, &'static str, String, Value, u16, &'static str)> = vec![
        (
            "register",
            "POST",
            "/api/auth/register".into(),
            with(&register, "username", json!("")),
            422,
            "username",
        ),
        (
            "register",
            "POST",
            "/api/auth/register".into(),
            with(&register, "username", json!("ab")),
            422,
            "username",
        ),
        (
            "register",
            "POST",
            "/api/auth/register".into(),
            with(&register, "username", json!(long(51))),
            422,
            "username",
        ),
        (
            "register",
            "POST",
            "/api/auth/register".into(),
            with(&register, "username", json!("ana@home")),
            422,
            "username",
        ),
        (
            "register",
            "POST",
            "/api/auth/register".into(),
            with(&register, "email", json!("")),
            422,
            "email",
        ),
        (
            "register",
            "POST",
            "/api/auth/register".into(),
            with(&register, "email", json!("not-an-email")),
            422,
            "email",
        ),
        (
            "register",
            "POST",
            "/api/auth/register".into(),
            with(
                &register,
                "email",
                json!(format!("{}@example.com", long(250))),
            ),
            422,
            "email",
        ),
        (
            "register",
            "POST",
            "/api/auth/register".into(),
            with(&register, "password", json!("short")),
            422,
            "password",
        ),
        (
            "register",
            "POST",
            "/api/auth/register".into(),
            with(&register, "password", json!(long(129))),
            422,
            "password",
        ),
        (
            "register",
            "POST",
            "/api/auth/register".into(),
            with(&register, "timezone", json!("Mars/Base")),
            422,
            "timezone",
        ),
        (
            "create user",
            "POST",
            "/api/users".into(),
            with(&new_user, "role", json!("owner")),
            400,
            "role",
        ),
        (
            "create device",
            "POST",
            "/api/devices".into(),
            with(&new_device, "name", json!("")),
            422,
            "name",
        ),
        (
            "create device",
            "POST",
            "/api/devices".into(),
            with(&new_device, "name", json!("   ")),
            422,
            "name",
        ),
        (
            "create device",
            "POST",
            "/api/devices".into(),
            with(&new_device, "name", json!(long(101))),
            422,
            "name",
        ),
        (
            "create device",
            "POST",
            "/api/devices".into(),
            with(&new_device, "description", json!(long(1001))),
            422,
            "description",
        ),
        (
            "create device",
            "POST",
            "/api/devices".into(),
            with(&new_device, "location", json!(long(201))),
            422,
            "location",
        ),
        (
            "create device",
            "POST",
            "/api/devices".into(),
            with(&new_device, "max_hourly_kwh", json!(0)),
            422,
            "max_hourly_kwh",
        ),
        (
            "create device",
            "POST",
            "/api/devices".into(),
            with(&new_device, "max_hourly_kwh", json!(-1)),
            422,
            "max_hourly_kwh",
        ),
        (
            "create device",
            "POST",
            "/api/devices".into(),
            with(&new_device, "max_hourly_kwh", json!(10000.5)),
            422,
            "max_hourly_kwh",
        ),
        (
            "create device",
            "POST",
            "/api/devices".into(),
            with(&new_device, "max_hourly_kwh", json!(1e-7)),
            422,
            "max_hourly_kwh",
        ),
        (
            "create device",
            "POST",
            "/api/devices".into(),
            with(&new_device, "max_hourly_kwh", json!("5")),
            400,
            "max_hourly_kwh",
        ),
        (
            "create device",
            "POST",
            "/api/devices".into(),
            with(&new_device, "owner_id", json!("not-a-uuid")),
            400,
            "owner_id",
        ),
        (
            "create device",
            "POST",
            "/api/devices".into(),
            with(&new_device, "owner_id", json!(uuid::Uuid::new_v4())),
            422,
            "owner_id",
        ),
        (
            "create device",
            "POST",
            "/api/devices".into(),
            with(&new_device, "owner_id", json!(admin.id)),
            422,
            "owner_id",
        ),
        (
            "patch device",
            "PATCH",
            device_path.clone(),
            json!({"name": null}),
            422,
            "name",
        ),
        (
            "patch device",
            "PATCH",
            device_path.clone(),
            json!({"name": ""}),
            422,
            "name",
        ),
        (
            "patch device",
            "PATCH",
            device_path.clone(),
            json!({"max_hourly_kwh": null}),
            422,
            "max_hourly_kwh",
        ),
        (
            "patch device",
            "PATCH",
            device_path.clone(),
            json!({"max_hourly_kwh": 0}),
            422,
            "max_hourly_kwh",
        ),
        (
            "patch device",
            "PATCH",
            device_path.clone(),
            json!({"owner_id": ana.id}),
            400,
            "owner_id",
        ),
        (
            "patch user",
            "PATCH",
            user_path.clone(),
            json!({"email": null}),
            422,
            "email",
        ),
        (
            "patch user",
            "PATCH",
            user_path.clone(),
            json!({"role": null}),
            422,
            "role",
        ),
        (
            "patch user",
            "PATCH",
            user_path.clone(),
            json!({"role": "root"}),
            400,
            "role",
        ),
        (
            "patch user",
            "PATCH",
            user_path.clone(),
            json!({"password": "short"}),
            422,
            "password",
        ),
        (
            "patch user",
            "PATCH",
            user_path.clone(),
            json!({"username": "x@y"}),
            422,
            "username",
        ),
        (
            "patch user",
            "PATCH",
            user_path.clone(),
            json!({"username": "root"}),
            409,
            "username",
        ),
        (
            "patch user",
            "PATCH",
            user_path.clone(),
            json!({"email": "root@example.com"}),
            409,
            "email",
        ),
        (
            "set owner",
            "PUT",
            format!("{device_path}/owner"),
            json!({"owner_id": "abc"}),
            400,
            "owner_id",
        ),
        (
            "set owner",
            "PUT",
            format!("{device_path}/owner"),
            json!({}),
            400,
            "owner_id",
        ),
    ];
    for (name, method, path, body, status, field) in value_cases {
        cases.push(Case {
            name,
            method,
            path,
            body,
            status,
            field,
        });
    }
    let before = counts(&app).await;

    // Act and assert
    for case in &cases {
        let (status, body) = app
            .call(
                case.method,
                &case.path,
                Some(&admin.token),
                Some(case.body.clone()),
            )
            .await;
        assert_eq!(status, case.status, "{} {}: {body}", case.name, case.body);
        let fields: Vec<&str> = body["errors"]
            .as_array()
            .map(|errors| errors.iter().filter_map(|e| e["field"].as_str()).collect())
            .unwrap_or_default();
        assert!(
            fields.contains(&case.field),
            "{} {}: expected field {} in {body}",
            case.name,
            case.body,
            case.field
        );
        assert!(
            body["detail"]
                .as_str()
                .is_some_and(|detail| !detail.is_empty()),
            "{}: detail in {body}",
            case.name
        );
    }
    assert_eq!(
        counts(&app).await,
        before,
        "a rejected request wrote something"
    );
}

#[tokio::test]
async fn malformed_bodies_and_content_types() {
    let app = spawn_devhost().await;
    let admin = app.create_admin("root").await;
    let before = counts(&app).await;
    let send = |content_type: Option<&'static str>, body: Vec<u8>| {
        let mut request = app
            .client
            .post(app.url("/api/devices"))
            .bearer_auth(&admin.token)
            .body(body);
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        request.send()
    };

    let cases: Vec<(&str, Option<&'static str>, Vec<u8>, u16)> = vec![
        (
            "malformed JSON",
            Some("application/json"),
            b"{\"name\": ".to_vec(),
            400,
        ),
        (
            "trailing garbage",
            Some("application/json"),
            b"{\"name\": \"a\", \"max_hourly_kwh\": 1} x".to_vec(),
            400,
        ),
        (
            "array instead of object",
            Some("application/json"),
            b"[1, 2]".to_vec(),
            400,
        ),
        ("empty body", Some("application/json"), Vec::new(), 400),
        (
            "text content type",
            Some("text/plain"),
            b"{\"name\": \"a\", \"max_hourly_kwh\": 1}".to_vec(),
            415,
        ),
        (
            "no content type",
            None,
            b"{\"name\": \"a\", \"max_hourly_kwh\": 1}".to_vec(),
            415,
        ),
        (
            "oversize body",
            Some("application/json"),
            format!(
                "{{\"name\": \"a\", \"max_hourly_kwh\": 1, \"description\": \"{}\"}}",
                "x".repeat(64 * 1024)
            )
            .into_bytes(),
            413,
        ),
    ];
    for (name, content_type, body, expected) in cases {
        let response = send(content_type, body).await.unwrap();
        let status = response.status().as_u16();
        let content = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_owned();
        let problem: Value = response.json().await.unwrap();
        assert_eq!(status, expected, "{name}: {problem}");
        assert_eq!(content, "application/problem+json", "{name}");
        assert_eq!(problem["status"], expected, "{name}");
    }
    let (status, _) = app
        .call("DELETE", "/api/users", Some(&admin.token), None)
        .await;
    assert_eq!(status, 405);
    assert_eq!(counts(&app).await, before);
}

#[tokio::test]
async fn utf8_json_content_type_with_charset_is_accepted() {
    let app = spawn_devhost().await;
    let admin = app.create_admin("root").await;

    let status = app
        .client
        .post(app.url("/api/devices"))
        .bearer_auth(&admin.token)
        .header("content-type", "application/json; charset=utf-8")
        .body(r#"{"name": "Contor bucătărie", "max_hourly_kwh": 1.5}"#)
        .send()
        .await
        .unwrap()
        .status();

    assert_eq!(status, 201);
}

async fn counts(app: &dms_tests::TestApp) -> [i64; 5] {
    [
        app.count("app_user").await,
        app.count("device").await,
        app.count("device_ownership").await,
        app.count("outbox").await,
        app.count("login_throttle").await,
    ]
}

#[tokio::test]
async fn nul_characters_are_bad_requests() {
    let app = spawn_devhost().await;
    let admin = app.create_admin("root").await;

    let (login, login_body) = app
        .call(
            "POST",
            "/api/auth/login",
            None,
            Some(json!({"login": "ro\u{0}ot", "password": "whatever-1"})),
        )
        .await;
    let (search, search_body) = app
        .call("GET", "/api/users?q=a%00b", Some(&admin.token), None)
        .await;
    let (create, _) = app
        .call(
            "POST",
            "/api/devices",
            Some(&admin.token),
            Some(json!({"name": "me\u{0}ter", "max_hourly_kwh": 1})),
        )
        .await;

    assert_eq!(login, 400, "{login_body}");
    assert_eq!(login_body["errors"][0]["field"], "input");
    assert_eq!(search, 400, "{search_body}");
    assert_eq!(create, 400);
    assert_eq!(app.count("device").await, 0);
}
