//! Starts devhost on a free port against a test database.

use std::collections::HashMap;
use std::path::PathBuf;

use serde_json::{json, Value};

use crate::{TestDatabase, TestKeys};

pub const ISSUER: &str = "dms-test";
pub const AUDIENCE: &str = "dms-test-api";

/// A running devhost with its database and keys.
pub struct TestApp {
    pub address: String,
    pub database: TestDatabase,
    pub keys: TestKeys,
    pub client: reqwest::Client,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
    }
}

pub fn manifest_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../spin.toml")
}

/// Spawns devhost with a new database and new keys; `overrides` replace variables.
pub async fn spawn_devhost_with(overrides: &[(&str, &str)]) -> TestApp {
    let database = TestDatabase::create();
    let keys = TestKeys::generate("test-1");
    let mut variables: HashMap<String, String> = HashMap::from([
        ("database_url".into(), database.url()),
        ("jwt_signing_key".into(), keys.seed()),
        ("jwt_signing_kid".into(), keys.kid.clone()),
        ("jwt_verifying_keys".into(), keys.jwks()),
        ("jwt_issuer".into(), ISSUER.into()),
        ("jwt_audience".into(), AUDIENCE.into()),
    ]);
    for (name, value) in overrides {
        variables.insert((*name).to_owned(), (*value).to_owned());
    }
    let manifest = devhost::manifest::Manifest::load(&manifest_path()).expect("load spin.toml");
    let app =
        devhost::App::new(&manifest, |name| variables.get(name).cloned()).expect("build devhost");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a free port");
    let address = format!("http://{}", listener.local_addr().expect("local address"));
    let server = tokio::spawn(async move {
        devhost::serve(listener, app)
            .await
            .expect("devhost stopped");
    });
    TestApp {
        address,
        database,
        keys,
        client: reqwest::Client::new(),
        server,
    }
}

pub async fn spawn_devhost() -> TestApp {
    spawn_devhost_with(&[]).await
}

/// A user made for a test, with a valid token.
#[derive(Debug, Clone)]
pub struct TestUser {
    pub id: String,
    pub username: String,
    pub password: String,
    pub token: String,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Sends a request with an optional token and JSON body; returns status and JSON.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a valid method");
        let mut request = self.client.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("devhost answers");
        let status = response.status().as_u16();
        let text = response.text().await.expect("a body");
        let json = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        (status, json)
    }

    /// Inserts an admin straight into the database and signs in.
    pub async fn create_admin(&self, username: &str) -> TestUser {
        let password = "admin-password-1".to_owned();
        let pool = self.database.pool().await;
        dms_worker::admin::create_admin(
            &pool,
            username,
            &format!("{username}@example.com"),
            &secrecy::SecretString::from(password.clone()),
        )
        .await
        .expect("create an admin");
        pool.close().await;
        self.login(username, &password).await
    }

    /// Registers a client through the API.
    pub async fn register_client(&self, username: &str) -> TestUser {
        let password = "client-password-1".to_owned();
        let (status, body) = self
            .call(
                "POST",
                "/api/auth/register",
                None,
                Some(json!({"username": username, "email": format!("{username}@example.com"), "password": password})),
            )
            .await;
        assert_eq!(status, 201, "register {username}: {body}");
        TestUser {
            id: body["user"]["id"].as_str().expect("user id").to_owned(),
            username: username.to_owned(),
            password,
            token: body["access_token"].as_str().expect("token").to_owned(),
        }
    }

    pub async fn login(&self, username: &str, password: &str) -> TestUser {
        let (status, body) = self
            .call(
                "POST",
                "/api/auth/login",
                None,
                Some(json!({"login": username, "password": password})),
            )
            .await;
        assert_eq!(status, 200, "login {username}: {body}");
        TestUser {
            id: body["user"]["id"].as_str().expect("user id").to_owned(),
            username: username.to_owned(),
            password: password.to_owned(),
            token: body["access_token"].as_str().expect("token").to_owned(),
        }
    }

    /// Creates a device as `admin`, optionally owned by `owner_id`.
    pub async fn create_device(
        &self,
        admin: &TestUser,
        name: &str,
        limit: f64,
        owner_id: Option<&str>,
    ) -> Value {
        let (status, body) = self
            .call(
                "POST",
                "/api/devices",
                Some(&admin.token),
                Some(json!({"name": name, "max_hourly_kwh": limit, "owner_id": owner_id})),
            )
            .await;
        assert_eq!(status, 201, "create device {name}: {body}");
        body
    }

    /// Counts rows of a table, to prove a rejected request wrote nothing.
    pub async fn count(&self, table: &str) -> i64 {
        let pool = self.database.pool().await;
        let count: i64 = sqlx::query_scalar(&format!("select count(*) from {table}"))
            .fetch_one(&pool)
            .await
            .expect("count rows");
        pool.close().await;
        count
    }
}
