//! Starts `dms-worker run` in-process on a free port with its own AMQP name prefix,
//! and talks to RabbitMQ the way meters do.

use std::time::Duration;

use lapin::options::{ExchangeDeleteOptions, QueueDeleteOptions};
use secrecy::SecretString;
use tokio_util::sync::CancellationToken;

use dms_worker::amqp::{self, Topology};
use dms_worker::configuration::{
    AiOptions, BrokerOptions, DatabaseOptions, IngestOptions, Role, RunOptions, SimulatorOptions,
};

/// RabbitMQ every test uses; override with DMS_TEST_AMQP.
pub fn amqp_url() -> String {
    std::env::var("DMS_TEST_AMQP")
        .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".into())
}

/// An AMQP name prefix no other test shares. Dropping it deletes every exchange
/// and queue under it, also when the test failed.
pub struct TestPrefix(String);

impl std::ops::Deref for TestPrefix {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl Drop for TestPrefix {
    fn drop(&mut self) {
        let prefix = self.0.clone();
        // Runs outside the test's runtime, which may be shutting down.
        let _ = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            runtime.block_on(async move {
                if let Ok(Some(meter)) =
                    tokio::time::timeout(Duration::from_secs(5), Meter::connect_quietly(&prefix))
                        .await
                {
                    meter.delete_topology().await;
                    let _ = meter.connection.close(200, "cleanup").await;
                }
            });
        })
        .join();
    }
}

pub fn unique_prefix() -> TestPrefix {
    TestPrefix(format!("test-{}", uuid::Uuid::new_v4().simple()))
}

/// Options for a worker on `database_url` with `prefix`, roles and simulator
/// settings as given; everything else at its defaults.
pub fn run_options(database_url: &str, prefix: &str, roles: &[Role]) -> RunOptions {
    RunOptions {
        database: DatabaseOptions {
            database_url: SecretString::from(database_url.to_owned()),
        },
        broker: BrokerOptions {
            amqp_url: SecretString::from(amqp_url()),
            amqp_prefix: prefix.to_owned(),
        },
        roles: roles.to_vec(),
        listen_addr: "127.0.0.1:0".into(),
        jwt_verifying_keys: String::new(),
        jwt_issuer: crate::spawn::ISSUER.into(),
        jwt_audience: crate::spawn::AUDIENCE.into(),
        cors_origins: Vec::new(),
        ingest: IngestOptions {
            ingest_batch_size: 500,
            ingest_batch_wait_ms: 20,
        },
        simulator: SimulatorOptions {
            simulator_interval_seconds: 600,
            simulator_backfill_days: 0,
            simulator_spike_probability: 0.0,
        },
        ai: AiOptions {
            ai_base_url: "http://127.0.0.1:9".into(),
            ai_model: "test-model".into(),
            ai_token: None,
            ai_timeout_seconds: 2,
            ai_max_tokens: 100,
        },
        log_json: false,
    }
}

/// A running worker.
pub struct TestWorker {
    pub address: String,
    pub stop: CancellationToken,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

impl TestWorker {
    pub async fn start(options: RunOptions) -> TestWorker {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a free port");
        let address = format!("http://{}", listener.local_addr().expect("local address"));
        let stop = CancellationToken::new();
        let task = tokio::spawn(dms_worker::run::serve(options, listener, stop.clone()));
        TestWorker {
            address,
            stop,
            task: Some(task),
        }
    }

    /// Stops the worker gracefully and waits for it.
    pub async fn shutdown(mut self) {
        self.stop.cancel();
        if let Some(task) = self.task.take() {
            let result = tokio::time::timeout(Duration::from_secs(30), task).await;
            assert!(result.is_ok(), "the worker did not stop within 30 s");
        }
    }

    /// Ends the worker at once, as a crash would: nothing in hand is acknowledged.
    pub fn kill(mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

impl Drop for TestWorker {
    fn drop(&mut self) {
        self.stop.cancel();
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// A meter's view of the broker: a confirm channel and the test's topology.
pub struct Meter {
    pub connection: lapin::Connection,
    pub channel: lapin::Channel,
    pub topology: Topology,
}

impl Meter {
    pub async fn connect(prefix: &str) -> Meter {
        let url = SecretString::from(amqp_url());
        let connection = amqp::connect(&url, "dms-test-meter")
            .await
            .expect("connect to RabbitMQ on 127.0.0.1:5672");
        let channel = amqp::confirm_channel(&connection)
            .await
            .expect("open a channel");
        let topology = Topology::new(prefix);
        topology
            .declare(&channel)
            .await
            .expect("declare the topology");
        Meter {
            connection,
            channel,
            topology,
        }
    }

    /// Connects without declaring anything; `None` when the broker is unreachable.
    pub async fn connect_quietly(prefix: &str) -> Option<Meter> {
        let url = SecretString::from(amqp_url());
        let connection = amqp::connect(&url, "dms-test-cleanup").await.ok()?;
        let channel = connection.create_channel().await.ok()?;
        Some(Meter {
            connection,
            channel,
            topology: Topology::new(prefix),
        })
    }

    /// Publishes raw bodies to the readings exchange and waits for the confirms.
    pub async fn publish(&self, bodies: Vec<Vec<u8>>) {
        let messages = bodies
            .into_iter()
            .map(|body| (amqp::READING_KEY.to_owned(), body, amqp::json_properties()))
            .collect();
        amqp::publish_confirmed(&self.channel, &self.topology.readings_exchange(), messages)
            .await
            .expect("publish with confirms");
    }

    pub async fn publish_json(&self, body: &serde_json::Value) {
        self.publish(vec![body.to_string().into_bytes()]).await;
    }

    /// Deletes every exchange and queue of the test's prefix.
    pub async fn delete_topology(&self) {
        let topology = &self.topology;
        for queue in [
            topology.ingest_queue(),
            topology.dead_letter_queue(),
            topology.bot_queue(),
        ] {
            let _ = self
                .channel
                .queue_delete(&queue, QueueDeleteOptions::default())
                .await;
        }
        for exchange in [
            topology.readings_exchange(),
            topology.dead_letter_exchange(),
            topology.events_exchange(),
        ] {
            let _ = self
                .channel
                .exchange_delete(&exchange, ExchangeDeleteOptions::default())
                .await;
        }
    }
}

/// Polls `check` every 50 ms until it returns `Some`, for at most `timeout`.
pub async fn eventually<T, F, Fut>(timeout: Duration, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
