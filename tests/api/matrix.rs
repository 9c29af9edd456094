//! Who may call what: anonymous, client A, client B and an admin against every
//! route of the management API, in one table.

use serde_json::{json, Value};

use dms_tests::spawn_devhost;

struct Case {
    method: &'static str,
    path: String,
    body: Option<Value>,
    /// Expected status for anonymous, client A, client B, admin.
    expected: [u16; 4],
}

#[tokio::test]
async fn authorization_matrix() {
    // Arrange
    let app = spawn_devhost().await;
    let admin = app.create_admin("root").await;
    let client_a = app.register_client("client-a").await;
    let client_b = app.register_client("client-b").await;
    let device_a = app
        .create_device(&admin, "a-meter", 3.0, Some(&client_a.id))
        .await;
    let device_a = device_a["id"].as_str().unwrap().to_owned();
    let mut victims = Vec::new();
    for index in 0..4 {
        let victim = app.register_client(&format!("victim-{index}")).await;
        let device = app
            .create_device(&admin, &format!("victim-meter-{index}"), 1.0, None)
            .await;
        victims.push((victim.id, device["id"].as_str().unwrap().to_owned()));
    }
    let b = client_b.id.clone();
    let cases = |caller: usize| -> Vec<Case> {
        let (victim_user, victim_device) = victims[caller].clone();
        let unique = format!("new-{caller}");
        let own_password =
            ["x", &client_a.password, &client_b.password, &admin.password][caller].to_owned();
        let own_login = ["client-a", "client-a", "client-b", "root"][caller];
        vec![
            Case {
                method: "POST",
                path: "/api/auth/register".into(),
                body: Some(
                    json!({"username": format!("{unique}-reg"), "email": format!("{unique}-reg@example.com"), "password": "long-password"}),
                ),
                expected: [201, 201, 201, 201],
            },
            Case {
                method: "POST",
                path: "/api/auth/login".into(),
                body: Some(
                    json!({"login": own_login, "password": if caller == 0 { client_a.password.clone() } else { own_password.clone() }}),
                ),
                expected: [200, 200, 200, 200],
            },
            Case {
                method: "GET",
                path: "/api/auth/me".into(),
                body: None,
                expected: [401, 200, 200, 200],
            },
            Case {
                method: "POST",
                path: "/api/auth/password".into(),
                body: Some(
                    json!({"current_password": "wrong-password", "new_password": "another-password"}),
                ),
                expected: [401, 422, 422, 422],
            },
            Case {
                method: "GET",
                path: "/api/auth/verify".into(),
                body: None,
                expected: [401, 200, 200, 200],
            },
            Case {
                method: "GET",
                path: "/.well-known/jwks.json".into(),
                body: None,
                expected: [200, 200, 200, 200],
            },
            Case {
                method: "GET",
                path: "/api/health".into(),
                body: None,
                expected: [200, 200, 200, 200],
            },
            Case {
                method: "GET",
                path: "/api/users".into(),
                body: None,
                expected: [401, 403, 403, 200],
            },
            Case {
                method: "POST",
                path: "/api/users".into(),
                body: Some(
                    json!({"username": unique, "email": format!("{unique}@example.com"), "password": "long-password", "role": "client"}),
                ),
                expected: [401, 403, 403, 201],
            },
            Case {
                method: "GET",
                path: format!("/api/users/{b}"),
                body: None,
                expected: [401, 403, 403, 200],
            },
            Case {
                method: "PATCH",
                path: format!("/api/users/{b}"),
                body: Some(json!({"timezone": "UTC"})),
                expected: [401, 403, 403, 200],
            },
            Case {
                method: "DELETE",
                path: format!("/api/users/{victim_user}"),
                body: None,
                expected: [401, 403, 403, 204],
            },
            Case {
                method: "GET",
                path: "/api/users/me".into(),
                body: None,
                expected: [401, 200, 200, 200],
            },
            Case {
                method: "PATCH",
                path: "/api/users/me".into(),
                body: Some(json!({"timezone": "Europe/Bucharest"})),
                expected: [401, 200, 200, 200],
            },
            Case {
                method: "GET",
                path: "/api/admins".into(),
                body: None,
                expected: [401, 200, 200, 200],
            },
            Case {
                method: "GET",
                path: "/api/devices".into(),
                body: None,
                expected: [401, 200, 200, 200],
            },
            Case {
                method: "POST",
                path: "/api/devices".into(),
                body: Some(json!({"name": unique, "max_hourly_kwh": 2})),
                expected: [401, 403, 403, 201],
            },
            Case {
                method: "GET",
                path: format!("/api/devices/{device_a}"),
                body: None,
                expected: [401, 200, 404, 200],
            },
            Case {
                method: "PATCH",
                path: format!("/api/devices/{device_a}"),
                body: Some(json!({"location": "Brasov"})),
                expected: [401, 403, 403, 200],
            },
            Case {
                method: "PUT",
                path: format!("/api/devices/{device_a}/owner"),
                body: Some(json!({"owner_id": client_a.id})),
                expected: [401, 403, 403, 200],
            },
            Case {
                method: "DELETE",
                path: format!("/api/devices/{victim_device}"),
                body: None,
                expected: [401, 403, 403, 204],
            },
        ]
    };
    let callers = [
        ("anonymous", None),
        ("client A", Some(&client_a.token)),
        ("client B", Some(&client_b.token)),
        ("admin", Some(&admin.token)),
    ];

    // Act and assert
    for (index, (caller, token)) in callers.iter().enumerate() {
        for case in cases(index) {
            let (status, body) = app
                .call(
                    case.method,
                    &case.path,
                    token.map(String::as_str),
                    case.body.clone(),
                )
                .await;
            assert_eq!(
                status, case.expected[index],
                "{caller} {} {}: {body}",
                case.method, case.path
            );
        }
    }
}
