use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{Duration, Utc};
use jwt_compact::alg::{Ed25519, Hs256, Hs256Key};
use jwt_compact::{AlgorithmExt, Claims, Header};
use serde_json::{json, Value};

use dms_tests::spawn::{AUDIENCE, ISSUER};
use dms_tests::{spawn_devhost, TestKeys};

fn claims(sub: &str, iss: &str, aud: &str) -> Claims<Value> {
    let mut claims = Claims::new(
        json!({"sub": sub, "role": "client", "username": "ana", "iss": iss, "aud": aud}),
    );
    claims.issued_at = Some(Utc::now());
    claims.expiration = Some(Utc::now() + Duration::hours(1));
    claims
}

fn sign(keys: &TestKeys, claims: &Claims<Value>) -> String {
    let header = Header::empty().with_key_id(keys.kid.clone());
    Ed25519.token(&header, claims, &keys.signing).unwrap()
}

fn encode(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).unwrap())
}

#[tokio::test]
async fn every_forged_or_stale_token_is_rejected() {
    // Arrange
    let app = spawn_devhost().await;
    let ana = app.register_client("ana").await;
    let keys = &app.keys;
    let payload = json!({"sub": ana.id, "role": "admin", "username": "ana", "iss": ISSUER, "aud": AUDIENCE,
                         "iat": Utc::now().timestamp(), "exp": (Utc::now() + Duration::hours(1)).timestamp()});

    let alg_none = format!(
        "{}.{}.",
        encode(&json!({"alg": "none", "typ": "JWT", "kid": "test-1"})),
        encode(&payload)
    );
    let public_key = keys.signing.verifying_key().to_bytes();
    let hs256 = Hs256
        .token(
            &Header::empty().with_key_id("test-1"),
            &Claims::new(payload.clone()),
            &Hs256Key::new(public_key),
        )
        .unwrap();
    let hs256_jwk_text = Hs256
        .token(
            &Header::empty().with_key_id("test-1"),
            &Claims::new(payload.clone()),
            &Hs256Key::new(URL_SAFE_NO_PAD.encode(public_key).as_bytes()),
        )
        .unwrap();
    let mut expired_claims = claims(&ana.id, ISSUER, AUDIENCE);
    expired_claims.issued_at = Some(Utc::now() - Duration::hours(2));
    expired_claims.expiration = Some(Utc::now() - Duration::hours(1));
    let mut future_claims = claims(&ana.id, ISSUER, AUDIENCE);
    future_claims.not_before = Some(Utc::now() + Duration::hours(1));
    let valid = sign(keys, &claims(&ana.id, ISSUER, AUDIENCE));
    let parts: Vec<&str> = valid.split('.').collect();
    let tampered = format!("{}.{}.{}", parts[0], encode(&payload), parts[2]);
    let stranger = TestKeys::generate("test-1");
    let mut no_kid_header = Header::empty();
    no_kid_header.key_id = None;
    let no_kid = Ed25519
        .token(
            &no_kid_header,
            &claims(&ana.id, ISSUER, AUDIENCE),
            &keys.signing,
        )
        .unwrap();

    let cases: Vec<(&str, String)> = vec![
        ("alg none", alg_none),
        ("HS256 keyed with the public key bytes", hs256),
        ("HS256 keyed with the public key text", hs256_jwk_text),
        ("expired", sign(keys, &expired_claims)),
        ("not yet valid", sign(keys, &future_claims)),
        (
            "wrong issuer",
            sign(keys, &claims(&ana.id, "someone-else", AUDIENCE)),
        ),
        (
            "wrong audience",
            sign(keys, &claims(&ana.id, ISSUER, "another-api")),
        ),
        ("tampered payload", tampered),
        (
            "signed by another key",
            sign(&stranger, &claims(&ana.id, ISSUER, AUDIENCE)),
        ),
        ("no key id", no_kid),
        ("garbage", "garbage".into()),
        ("garbage with dots", "abc.def.ghi".into()),
        ("empty", String::new()),
    ];

    // Act and assert
    let (status, _) = app.call("GET", "/api/auth/me", Some(&valid), None).await;
    assert_eq!(status, 200, "the valid token works");
    for (case, token) in cases {
        let response = app
            .client
            .get(app.url("/api/auth/me"))
            .header("authorization", format!("Bearer {token}"))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap();
        assert_eq!(status, 401, "{case}: {body}");
        assert_eq!(body["status"], 401, "{case}: problem body");
    }
}

#[tokio::test]
async fn authorization_header_must_be_bearer() {
    let app = spawn_devhost().await;
    let ana = app.register_client("ana").await;

    for header in [
        format!("Basic {}", ana.token),
        ana.token.clone(),
        "Bearer ".into(),
    ] {
        let status = app
            .client
            .get(app.url("/api/auth/me"))
            .header("authorization", &header)
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 401, "header {header:?}");
    }
}
