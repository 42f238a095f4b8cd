//! Fault tolerance: etcd is killed (SIGKILL) and restarted on the same data twice while a
//! watcher runs and a writer keeps writing. The watcher must deliver exactly the writes: every
//! key once, in order, nothing lost, nothing duplicated.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use datastore::{Store, StoreError};
use tokio::time::Instant;

use common::{Backend, DEADLINE, assert_quiet, next_event};

const PREFIX: &str = "/terrace/v1/fault/";
const TOTAL: usize = 300;
/// Kill etcd after this many writes.
const KILL_AT: [usize; 2] = [100, 200];

fn key(i: usize) -> String {
    format!("{PREFIX}k{i:04}")
}

/// Creates keys 0..TOTAL in order. A create whose answer was lost in a crash is retried; if the
/// first attempt had landed, the retry sees AlreadyExists, so each key is written exactly once.
async fn write_all(
    store: Arc<dyn Store>,
    progress: Arc<AtomicUsize>,
    failures: Arc<AtomicUsize>,
    mut kills: tokio::sync::watch::Receiver<usize>,
) {
    for i in 0..TOTAL {
        let deadline = Instant::now() + DEADLINE;
        loop {
            match store.create(&key(i), i.to_string().into_bytes()).await {
                Ok(_) | Err(StoreError::AlreadyExists { .. }) => break,
                Err(err) if err.is_transient() && Instant::now() < deadline => {
                    failures.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                Err(err) => panic!("create {}: {err}", key(i)),
            }
        }
        progress.store(i + 1, Ordering::SeqCst);
        // Hold at each kill point until etcd is down, so every outage hits a write.
        if let Some(n) = KILL_AT.iter().position(|&at| at == i + 1) {
            kills.wait_for(|&k| k > n).await.unwrap();
        }
    }
}

async fn wait_until(what: &str, condition: impl Fn() -> bool) {
    let deadline = Instant::now() + DEADLINE;
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_watcher_survives_etcd_kills_without_loss_or_duplicate() {
    let mut backend = Backend::etcd();
    let store = backend.open().await;
    let start = store.current_revision().await.unwrap() + 1;
    let mut watch = store.watch(PREFIX, start).await.unwrap();

    let progress = Arc::new(AtomicUsize::new(0));
    let failures = Arc::new(AtomicUsize::new(0));
    let (kills, kills_rx) = tokio::sync::watch::channel(0);
    let writer = tokio::spawn(write_all(
        store.clone(),
        progress.clone(),
        failures.clone(),
        kills_rx,
    ));

    for (n, at) in KILL_AT.into_iter().enumerate() {
        wait_until("writer progress", || progress.load(Ordering::SeqCst) >= at).await;
        let server = backend.etcd_server().expect("etcd backend");
        tokio::task::block_in_place(|| server.kill());
        let before = failures.load(Ordering::SeqCst);
        kills.send(n + 1).unwrap();
        wait_until("the writer to notice the outage", || {
            failures.load(Ordering::SeqCst) > before
        })
        .await;
        tokio::task::block_in_place(|| server.restart());
    }

    let mut last_revision = 0;
    for i in 0..TOTAL {
        let event = next_event(&mut watch).await;
        assert_eq!(
            event.key,
            key(i),
            "events arrive exactly once and in write order"
        );
        assert!(event.revision > last_revision);
        last_revision = event.revision;
    }
    writer.await.unwrap();
    assert_quiet(&mut watch, Duration::from_millis(500)).await;

    // The events match the stored state revision for revision.
    let listing = store.list(PREFIX).await.unwrap();
    assert_eq!(listing.items.len(), TOTAL);
    assert_eq!(
        listing.items.last().map(|kv| kv.mod_revision),
        Some(last_revision)
    );
    assert!(
        failures.load(Ordering::SeqCst) >= 2,
        "both outages were felt by the writer"
    );
}
