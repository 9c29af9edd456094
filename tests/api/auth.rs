use dms_tests::spawn_devhost;
use serde_json::json;

#[tokio::test]
async fn register_returns_client_token_and_location() {
    // Arrange
    let app = spawn_devhost().await;

    // Act
    let response = app
        .client
        .post(app.url("/api/auth/register"))
        .json(&json!({"username": "ana", "email": "ana@example.com", "password": "long-password", "timezone": "Europe/Bucharest"}))
        .send()
        .await
        .unwrap();

    // Assert
    assert_eq!(response.status(), 201);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(body["user"]["role"], "client");
    assert_eq!(body["user"]["timezone"], "Europe/Bucharest");
    assert!(
        body["user"].get("password_hash").is_none(),
        "no hash in the user: {body}"
    );
    assert_eq!(
        location,
        format!("/api/users/{}", body["user"]["id"].as_str().unwrap())
    );
}

#[tokio::test]
async fn register_ignores_no_role_and_rejects_role_field() {
    let app = spawn_devhost().await;

    let (status, body) = app
        .call(
            "POST",
            "/api/auth/register",
            None,
            Some(json!({"username": "eve", "email": "eve@example.com", "password": "long-password", "role": "admin"})),
        )
        .await;

    assert_eq!(status, 400, "{body}");
    assert_eq!(body["errors"][0]["field"], "role");
    assert_eq!(app.count("app_user").await, 0);
}

#[tokio::test]
async fn login_by_username_or_email_and_me() {
    let app = spawn_devhost().await;
    let ana = app.register_client("ana").await;

    let by_name = app.login("ANA", &ana.password).await;
    let by_email = app.login("Ana@Example.com", &ana.password).await;
    let (status, me) = app
        .call("GET", "/api/auth/me", Some(&by_email.token), None)
        .await;

    assert_eq!(by_name.id, ana.id);
    assert_eq!(by_email.id, ana.id);
    assert_eq!(status, 200);
    assert_eq!(me["username"], "ana");
    assert_eq!(me["email"], "ana@example.com");
}

#[tokio::test]
async fn unknown_user_and_wrong_password_get_same_answer() {
    let app = spawn_devhost().await;
    app.register_client("ana").await;

    let unknown = app
        .call(
            "POST",
            "/api/auth/login",
            None,
            Some(json!({"login": "nobody", "password": "whatever-1"})),
        )
        .await;
    let wrong = app
        .call(
            "POST",
            "/api/auth/login",
            None,
            Some(json!({"login": "ana", "password": "whatever-1"})),
        )
        .await;

    assert_eq!(unknown.0, 401);
    assert_eq!(unknown, wrong);
}

#[tokio::test]
async fn fifth_failure_throttles_and_success_resets() {
    let app = spawn_devhost().await;
    let ana = app.register_client("ana").await;
    let wrong = json!({"login": "ana", "password": "not-the-password"});

    for attempt in 1..=4 {
        let (status, _) = app
            .call("POST", "/api/auth/login", None, Some(wrong.clone()))
            .await;
        assert_eq!(status, 401, "attempt {attempt}");
    }
    // A success before the fifth failure resets the count.
    app.login("ana", &ana.password).await;
    for attempt in 1..=5 {
        let (status, _) = app
            .call("POST", "/api/auth/login", None, Some(wrong.clone()))
            .await;
        assert_eq!(status, 401, "attempt {attempt} after reset");
    }

    let response = app
        .client
        .post(app.url("/api/auth/login"))
        .json(&json!({"login": "ana", "password": ana.password}))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 429, "even the right password waits");
    let retry_after: i64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (1..=900).contains(&retry_after),
        "Retry-After {retry_after}"
    );
    // Another login name from the same address is not affected.
    let (status, _) = app
        .call(
            "POST",
            "/api/auth/login",
            None,
            Some(json!({"login": "bob", "password": "whatever-1"})),
        )
        .await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn throttle_is_per_client_address() {
    let app = spawn_devhost_forwarded().await;
    let ana = app.register_client("ana").await;
    for _ in 0..5 {
        let status = app
            .client
            .post(app.url("/api/auth/login"))
            .header("x-forwarded-for", "203.0.113.7")
            .json(&json!({"login": "ana", "password": "not-the-password"}))
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 401);
    }

    let from_attacker = app
        .client
        .post(app.url("/api/auth/login"))
        .header("x-forwarded-for", "203.0.113.7")
        .json(&json!({"login": "ana", "password": ana.password}))
        .send()
        .await
        .unwrap()
        .status();
    let from_owner = app
        .client
        .post(app.url("/api/auth/login"))
        .header("x-forwarded-for", "198.51.100.2")
        .json(&json!({"login": "ana", "password": ana.password}))
        .send()
        .await
        .unwrap()
        .status();

    assert_eq!(from_attacker, 429);
    assert_eq!(
        from_owner, 200,
        "nobody can lock another person out from elsewhere"
    );
}

async fn spawn_devhost_forwarded() -> dms_tests::TestApp {
    dms_tests::spawn::spawn_devhost_with(&[("trust_forwarded_for", "true")]).await
}

#[tokio::test]
async fn password_change_revokes_older_tokens() {
    let app = spawn_devhost().await;
    let ana = app.register_client("ana").await;
    // Tokens carry whole seconds; let the clock pass the old token's second.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;

    let (wrong_status, wrong) = app
        .call(
            "POST",
            "/api/auth/password",
            Some(&ana.token),
            Some(json!({"current_password": "not-it-at-all", "new_password": "new-password-2"})),
        )
        .await;
    let (status, body) = app
        .call(
            "POST",
            "/api/auth/password",
            Some(&ana.token),
            Some(json!({"current_password": ana.password, "new_password": "new-password-2"})),
        )
        .await;
    let (old_status, _) = app
        .call("GET", "/api/auth/me", Some(&ana.token), None)
        .await;
    let new_token = body["access_token"].as_str().unwrap();
    let (new_status, _) = app.call("GET", "/api/auth/me", Some(new_token), None).await;

    assert_eq!(wrong_status, 422, "{wrong}");
    assert_eq!(wrong["errors"][0]["field"], "current_password");
    assert_eq!(status, 200, "{body}");
    assert_eq!(old_status, 401);
    assert_eq!(new_status, 200);
    app.login("ana", "new-password-2").await;
    let events = app.count("outbox where event_type = 'user.updated'").await;
    assert_eq!(events, 1);
}

#[tokio::test]
async fn verify_sets_user_headers() {
    let app = spawn_devhost().await;
    let ana = app.register_client("ana").await;

    let response = app
        .client
        .get(app.url("/api/auth/verify"))
        .bearer_auth(&ana.token)
        .send()
        .await
        .unwrap();
    let anonymous = app
        .client
        .get(app.url("/api/auth/verify"))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-user-id"], ana.id.as_str());
    assert_eq!(response.headers()["x-user-role"], "client");
    assert_eq!(anonymous.status(), 401);
    assert_eq!(anonymous.headers()["www-authenticate"], "Bearer");
}

#[tokio::test]
async fn jwks_publishes_public_key_only() {
    let app = spawn_devhost().await;

    let (status, body) = app.call("GET", "/.well-known/jwks.json", None, None).await;

    assert_eq!(status, 200);
    let key = &body["keys"][0];
    assert_eq!(key["kty"], "OKP");
    assert_eq!(key["crv"], "Ed25519");
    assert_eq!(key["kid"], "test-1");
    assert!(key.get("d").is_none(), "no private part: {body}");
}

#[tokio::test]
async fn health_reports_database() {
    let app = spawn_devhost().await;
    let broken = dms_tests::spawn::spawn_devhost_with(&[(
        "database_url",
        "postgres://postgres@127.0.0.1:5432/dms_no_such_database?sslmode=disable",
    )])
    .await;

    let (ok_status, ok) = app.call("GET", "/api/health", None, None).await;
    let (down_status, down) = broken.call("GET", "/api/health", None, None).await;

    assert_eq!(ok_status, 200, "{ok}");
    assert_eq!(ok["database"], "ok");
    assert_eq!(down_status, 503, "{down}");
}

#[tokio::test]
async fn demotion_and_deletion_apply_at_once() {
    let app = spawn_devhost().await;
    let root = app.create_admin("root").await;
    let second = app.create_admin("second").await;
    let ana = app.register_client("ana").await;

    let (demote, _) = app
        .call(
            "PATCH",
            &format!("/api/users/{}", second.id),
            Some(&root.token),
            Some(json!({"role": "client"})),
        )
        .await;
    let (after_demotion, _) = app
        .call("GET", "/api/users", Some(&second.token), None)
        .await;
    let (delete, _) = app
        .call(
            "DELETE",
            &format!("/api/users/{}", ana.id),
            Some(&root.token),
            None,
        )
        .await;
    let (after_deletion, _) = app
        .call("GET", "/api/auth/me", Some(&ana.token), None)
        .await;
    let (login_after_deletion, _) = app
        .call(
            "POST",
            "/api/auth/login",
            None,
            Some(json!({"login": "ana", "password": ana.password})),
        )
        .await;

    assert_eq!(demote, 200);
    assert_eq!(
        after_demotion, 403,
        "the old admin token no longer grants admin"
    );
    assert_eq!(delete, 204);
    assert_eq!(after_deletion, 401);
    assert_eq!(login_after_deletion, 401);
}

#[tokio::test]
async fn deleted_username_can_register_again() {
    let app = spawn_devhost().await;
    let root = app.create_admin("root").await;
    let ana = app.register_client("ana").await;
    app.call(
        "DELETE",
        &format!("/api/users/{}", ana.id),
        Some(&root.token),
        None,
    )
    .await;

    let again = app.register_client("ana").await;

    assert_ne!(again.id, ana.id);
}
