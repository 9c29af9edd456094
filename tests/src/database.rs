//! A PostgreSQL database per test. The first test of a process migrates a template
//! named after the migrations' content (under an advisory lock, so parallel test
//! processes build it once); every test clones it and drops its clone at the end.

use std::sync::OnceLock;

use dms_worker::database::MIGRATOR;

/// Server every test uses; override with DMS_TEST_PG (a URL without a database).
pub fn server_url() -> String {
    std::env::var("DMS_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

fn admin_url() -> String {
    format!("{}/postgres?sslmode=disable", server_url())
}

/// Name of the migrated template for the current migrations.
fn template_name() -> &'static str {
    static NAME: OnceLock<String> = OnceLock::new();
    NAME.get_or_init(|| {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for migration in MIGRATOR.iter() {
            for byte in migration.checksum.iter() {
                hash ^= u64::from(*byte);
                hash = hash.wrapping_mul(0x0100_0000_01b3);
            }
        }
        format!("dms_template_{hash:016x}")
    })
}

/// Runs blocking `postgres` work on a thread of its own, outside any Tokio runtime.
fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::spawn(work)
        .join()
        .expect("database setup thread panicked")
}

fn ensure_template() {
    static READY: OnceLock<()> = OnceLock::new();
    READY.get_or_init(|| {
        let template = template_name().to_owned();
        blocking(move || {
            let mut client = postgres::Client::connect(&admin_url(), postgres::NoTls)
                .expect("connect to PostgreSQL on 127.0.0.1:5432 (is it running?)");
            client
                .execute("select pg_advisory_lock(727274)", &[])
                .expect("take the template lock");
            let exists = client
                .query_opt("select 1 from pg_database where datname = $1", &[&template])
                .expect("look up the template")
                .is_some();
            if !exists {
                let building = format!("{template}_building");
                client
                    .batch_execute(&format!("drop database if exists {building} with (force)"))
                    .expect("drop a half-built template");
                client
                    .batch_execute(&format!("create database {building}"))
                    .expect("create the template");
                let url = format!("{}/{building}?sslmode=disable", server_url());
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("build a runtime for migrations");
                runtime.block_on(async {
                    let pool = sqlx::PgPool::connect(&url)
                        .await
                        .expect("connect to the template");
                    MIGRATOR.run(&pool).await.expect("migrate the template");
                    pool.close().await;
                });
                client
                    .batch_execute(&format!("alter database {building} rename to {template}"))
                    .expect("publish the template");
            }
            client
                .execute("select pg_advisory_unlock(727274)", &[])
                .expect("release the template lock");
        });
    });
}

/// A database of its own for one test, dropped with the value.
pub struct TestDatabase {
    pub name: String,
}

impl TestDatabase {
    pub fn create() -> TestDatabase {
        ensure_template();
        let name = format!("dms_test_{}", uuid::Uuid::new_v4().simple());
        let template = template_name().to_owned();
        let statement = format!("create database {name} template {template}");
        blocking(move || {
            let mut client = postgres::Client::connect(&admin_url(), postgres::NoTls)
                .expect("connect to PostgreSQL");
            client
                .batch_execute(&statement)
                .expect("clone the template");
        });
        TestDatabase { name }
    }

    /// URL for this database, with TLS off as Spin's local setup needs it.
    pub fn url(&self) -> String {
        format!("{}/{}?sslmode=disable", server_url(), self.name)
    }

    pub async fn pool(&self) -> sqlx::PgPool {
        sqlx::PgPool::connect(&self.url())
            .await
            .expect("connect to the test database")
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let statement = format!("drop database if exists {} with (force)", self.name);
        blocking(move || {
            if let Ok(mut client) = postgres::Client::connect(&admin_url(), postgres::NoTls) {
                // A leftover database is harmless and named for its test; do not
                // turn a passing test into a panic while dropping.
                let _ = client.batch_execute(&statement);
            }
        });
    }
}
