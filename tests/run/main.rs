//! The README's run command, started as a person would start it: it brings up a
//! system that answers `/api/health` and `/readyz`, and Ctrl-C stops it without
//! leftovers. Its name starts with `serial_` because it builds and starts the
//! whole system, so it runs alone.

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn port_is_free(port: u16) -> bool {
    TcpListener::bind(("127.0.0.1", port)).is_ok()
}

async fn answers(url: &str) -> bool {
    matches!(reqwest::get(url).await, Ok(response) if response.status().is_success())
}

#[tokio::test]
async fn serial_local_run_starts_and_stops_cleanly() {
    // Arrange: a database, ports and queue names of its own.
    let database = format!("dms_run_{}", uuid::Uuid::new_v4().simple());
    let prefix = dms_tests::worker::unique_prefix();
    let (http_port, worker_port) = (free_port(), free_port());
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let keys_dir = tempfile::tempdir().unwrap();

    // Act
    let mut child = Command::new(root.join("scripts/run"))
        .current_dir(&root)
        .env(
            "DATABASE_URL",
            format!(
                "{}/{database}?sslmode=disable",
                dms_tests::database::server_url()
            ),
        )
        .env("AMQP_PREFIX", &*prefix)
        .env("HTTP_LISTEN", format!("127.0.0.1:{http_port}"))
        .env("WORKER_LISTEN", format!("127.0.0.1:{worker_port}"))
        .env("SIMULATOR_BACKFILL_DAYS", "1")
        .env("DMS_STATE_DIR", keys_dir.path())
        .env("DMS_SKIP_WEB_BUILD", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .process_group(0)
        .spawn()
        .expect("start scripts/run");
    let group = child.id();
    let started = Instant::now();
    let mut up = false;
    while started.elapsed() < Duration::from_secs(300) {
        if answers(&format!("http://127.0.0.1:{http_port}/api/health")).await
            && answers(&format!("http://127.0.0.1:{worker_port}/readyz")).await
        {
            up = true;
            break;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("scripts/run exited early with {status}");
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    // The simulator's backfill reaches the database, inside the demo client's
    // ownership periods, so the dashboard shows data at once.
    let mut demo_readings = None;
    let waiting = Instant::now();
    while up && waiting.elapsed() < Duration::from_secs(60) {
        demo_readings = readings_count(&database).await;
        if demo_readings.is_some_and(|count| count > 0) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }

    // Ctrl-C, as a terminal sends it: SIGINT to the whole process group.
    Command::new("kill")
        .args(["-INT", "--", &format!("-{group}")])
        .status()
        .unwrap();
    let stop_started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if stop_started.elapsed() > Duration::from_secs(30) {
            Command::new("kill")
                .args(["-KILL", "--", &format!("-{group}")])
                .status()
                .unwrap();
            break None;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let leftovers = Command::new("pgrep")
        .args(["-g", &group.to_string()])
        .output()
        .unwrap();
    drop_database(&database);

    // Assert
    assert!(
        up,
        "the system answered /api/health and /readyz within 5 minutes"
    );
    assert!(
        status.is_some(),
        "scripts/run stopped within 30 s of Ctrl-C"
    );
    assert!(
        leftovers.stdout.is_empty(),
        "processes left behind: {}",
        String::from_utf8_lossy(&leftovers.stdout)
    );
    assert!(port_is_free(http_port), "the HTTP port is released");
    assert!(port_is_free(worker_port), "the worker port is released");
    assert!(
        demo_readings.is_some_and(|count| count > 0),
        "the demo client's devices have readings they may see: {demo_readings:?}"
    );
}

/// Readings stored so far within the demo client's ownership periods, or `None`
/// when the demo data is missing.
async fn readings_count(database: &str) -> Option<i64> {
    let url = format!(
        "{}/{database}?sslmode=disable",
        dms_tests::database::server_url()
    );
    let pool = sqlx::PgPool::connect(&url).await.ok()?;
    let devices: i64 = sqlx::query_scalar("select count(*) from device")
        .fetch_one(&pool)
        .await
        .ok()?;
    let readings: i64 = sqlx::query_scalar(
        "select count(*) from reading r
         join device_ownership o on o.device_id = r.device_id and r.measured_at > o.started_at
         join app_user u on u.user_id = o.owner_id and u.username = 'demo'",
    )
    .fetch_one(&pool)
    .await
    .ok()?;
    pool.close().await;
    (devices == 3).then_some(readings)
}

fn drop_database(name: &str) {
    let statement = format!("drop database if exists {name} with (force)");
    let url = format!(
        "{}/postgres?sslmode=disable",
        dms_tests::database::server_url()
    );
    std::thread::spawn(move || {
        if let Ok(mut client) = postgres::Client::connect(&url, postgres::NoTls) {
            let _ = client.batch_execute(&statement);
        }
    })
    .join()
    .unwrap();
}
