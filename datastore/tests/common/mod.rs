//! Test fixtures shared by the integration tests: a backend (SQLite file or real etcd) per test.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod etcd;

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use datastore::Store;
use datastore::url::DatastoreUrl;

/// Generous deadline for anything that waits on the store (the machine is shared and slow).
pub const DEADLINE: Duration = Duration::from_secs(60);

/// One backend instance owned by one test.
#[derive(Debug)]
pub struct Backend {
    url: String,
    etcd: Option<etcd::EtcdServer>,
    _dir: Option<tempfile::TempDir>,
}

impl Backend {
    /// A fresh SQLite file in a temporary directory (with extra URL parameters, e.g. `retention=10`).
    pub fn sqlite_with(params: &str) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut url = format!("sqlite://{}/sub/store.db", dir.path().display());
        if !params.is_empty() {
            url = format!("{url}?{params}");
        }
        Self {
            url,
            etcd: None,
            _dir: Some(dir),
        }
    }

    /// A fresh SQLite file.
    pub fn sqlite() -> Self {
        Self::sqlite_with("")
    }

    /// A fresh etcd server.
    pub fn etcd() -> Self {
        let server = etcd::EtcdServer::start();
        Self {
            url: server.url(),
            etcd: Some(server),
            _dir: None,
        }
    }

    /// The datastore URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Opens a new store handle (a new connection).
    pub async fn open(&self) -> Arc<dyn Store> {
        let url = DatastoreUrl::parse(&self.url).expect("test url parses");
        datastore::open(&url).await.expect("open the store")
    }

    /// Breaks every connection: etcd is killed and restarted on the same data; SQLite has no
    /// connection to lose (its watchers read the file), so nothing happens.
    pub fn interrupt(&mut self) {
        if let Some(server) = &mut self.etcd {
            server.kill();
            server.restart();
        }
    }

    /// The etcd server, for fault tests.
    pub fn etcd_server(&mut self) -> Option<&mut etcd::EtcdServer> {
        self.etcd.as_mut()
    }
}

/// Waits for the next watch event, failing the test after [`DEADLINE`].
pub async fn next_event(watch: &mut datastore::WatchStream) -> datastore::model::Event {
    match tokio::time::timeout(DEADLINE, watch.next()).await {
        Ok(Some(Ok(event))) => event,
        Ok(Some(Err(err))) => panic!("watch failed: {err}"),
        Ok(None) => panic!("watch ended"),
        Err(_) => panic!("no watch event within {DEADLINE:?}"),
    }
}

/// Asserts that no event arrives within `wait` (used after the expected events, to catch
/// duplicates; a bounded wait for something that must NOT happen).
pub async fn assert_quiet(watch: &mut datastore::WatchStream, wait: Duration) {
    if let Ok(item) = tokio::time::timeout(wait, watch.next()).await {
        panic!("unexpected watch item: {item:?}");
    }
}

/// The body of a test that the parent re-runs as a child process: when `env`
/// names a datastore URL, opens it and runs `body` to completion; otherwise
/// (a plain test run) does nothing.
pub fn as_child<F, Fut>(env: &str, body: F)
where
    F: FnOnce(Arc<dyn Store>) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let Ok(url) = std::env::var(env) else {
        return;
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let store = datastore::open(&DatastoreUrl::parse(&url).unwrap())
            .await
            .unwrap();
        body(store).await;
    });
}

/// A command that re-runs this test binary as a child executing only the ignored test
/// `test`, with `env` naming the datastore URL. The child's stdout is dropped, but its
/// test output is not captured, so a panic in it reaches the parent's stderr (and the log).
pub fn child_test(test: &str, env: &str, url: &str) -> Command {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args([
            test,
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(env, url)
        .stdout(Stdio::null());
    command
}
