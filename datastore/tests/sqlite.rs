//! Behaviour specific to the embedded backend: log retention, watchers fed by writes of other
//! processes, and slow watchers that must neither block others nor lose events.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use datastore::StoreError;

use common::{Backend, DEADLINE, next_event};

const WRITER_ENV: &str = "TERRACE_DS_SQLITE_WRITER_URL";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn old_log_rows_beyond_retention_are_compacted_and_reported() {
    let backend = Backend::sqlite_with("retention=10");
    let store = backend.open().await;
    let first = store.put("/terrace/v1/r/k", b"0".to_vec()).await.unwrap();
    for i in 0..200u32 {
        store
            .put("/terrace/v1/r/k", i.to_be_bytes().to_vec())
            .await
            .unwrap();
    }
    let mut watch = store.watch("/terrace/v1/r/", first).await.unwrap();
    match tokio::time::timeout(DEADLINE, watch.next()).await.unwrap() {
        Some(Err(StoreError::Compacted {
            requested,
            compacted,
        })) => {
            assert_eq!(requested, first);
            assert!(
                compacted > first + 100,
                "retention 10 keeps only recent history: {compacted}"
            );
        }
        other => panic!("expected Compacted, got {other:?}"),
    }
    assert_eq!(
        store.get("/terrace/v1/r/k").await.unwrap().unwrap().value,
        199u32.to_be_bytes()
    );
}

/// The child: 50 puts from another process.
#[test]
#[ignore = "run as a child process by watchers_see_writes_made_by_another_process"]
fn sqlite_writer_child() {
    common::as_child(WRITER_ENV, |store| async move {
        for i in 0..50 {
            store
                .put(&format!("/terrace/v1/x/k{i:02}"), vec![1])
                .await
                .unwrap();
        }
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watchers_see_writes_made_by_another_process() {
    let backend = Backend::sqlite();
    let store = backend.open().await;
    let mut watch = store.watch("/terrace/v1/x/", 0).await.unwrap();
    let status = tokio::task::spawn_blocking({
        let url = backend.url().to_owned();
        move || {
            common::child_test("sqlite_writer_child", WRITER_ENV, &url)
                .status()
                .unwrap()
        }
    })
    .await
    .unwrap();
    assert!(status.success());
    for i in 0..50 {
        assert_eq!(
            next_event(&mut watch).await.key,
            format!("/terrace/v1/x/k{i:02}")
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_watcher_that_does_not_read_neither_blocks_others_nor_loses_events() {
    let backend = Backend::sqlite();
    let store = backend.open().await;
    let mut idle = store.watch("/terrace/v1/s/", 0).await.unwrap();
    let mut busy = store.watch("/terrace/v1/s/", 0).await.unwrap();
    // More revisions than a watcher's channel holds (1,024), so `idle` falls behind.
    let total = 1500;
    let writer = {
        let store = store.clone();
        tokio::spawn(async move {
            for i in 0..total {
                store
                    .put(&format!("/terrace/v1/s/k{i:04}"), vec![1])
                    .await
                    .unwrap();
            }
        })
    };
    for i in 0..total {
        assert_eq!(
            next_event(&mut busy).await.key,
            format!("/terrace/v1/s/k{i:04}")
        );
    }
    writer.await.unwrap();
    for i in 0..total {
        assert_eq!(
            next_event(&mut idle).await.key,
            format!("/terrace/v1/s/k{i:04}")
        );
    }
    common::assert_quiet(&mut idle, Duration::from_millis(200)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_blocked_past_the_busy_timeout_is_unavailable_and_retryable() {
    let backend = Backend::sqlite_with("busy-timeout-ms=100");
    let store = backend.open().await;
    store.put("/terrace/v1/b/k", b"0".to_vec()).await.unwrap();
    let path = backend
        .url()
        .trim_start_matches("sqlite://")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    // Another connection (as another process would) holds the write lock.
    let holder = rusqlite::Connection::open(&path).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    let err = store
        .put("/terrace/v1/b/k", b"1".to_vec())
        .await
        .unwrap_err();
    assert!(err.is_transient(), "{err}");
    holder.execute_batch("ROLLBACK").unwrap();
    store
        .put("/terrace/v1/b/k", b"2".to_vec())
        .await
        .expect("works once the lock is free");
    assert_eq!(
        store.get("/terrace/v1/b/k").await.unwrap().unwrap().value,
        b"2"
    );
}

/// Kills the endless writer even when an assertion fails first.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The child: writes forever until killed.
#[test]
#[ignore = "run as a child process by a_writer_killed_mid_stream_leaves_a_consistent_store"]
fn sqlite_endless_writer_child() {
    common::as_child(WRITER_ENV, |store| async move {
        for i in 0u64.. {
            let txn = datastore::model::Txn::new()
                .put(format!("/terrace/v1/kill/a{}", i % 50), i.to_string())
                .put(format!("/terrace/v1/kill/b{}", i % 50), i.to_string());
            store.txn(txn).await.unwrap();
        }
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_writer_killed_mid_stream_leaves_a_consistent_store() {
    let backend = Backend::sqlite();
    let store = backend.open().await;
    let mut watch = store.watch("/terrace/v1/kill/", 0).await.unwrap();
    let mut child = KillOnDrop(
        common::child_test("sqlite_endless_writer_child", WRITER_ENV, backend.url())
            .spawn()
            .unwrap(),
    );
    // Let it write a while (500 transactions seen), then SIGKILL it mid-stream.
    let mut last = 0;
    for _ in 0..1000 {
        let event = next_event(&mut watch).await;
        assert!(event.revision >= last);
        last = event.revision;
    }
    child.0.kill().unwrap();
    child.0.wait().unwrap();

    // Every transaction is whole: a{n} and b{n} always carry the same value.
    let listing = store.list("/terrace/v1/kill/").await.unwrap();
    let value = |key: &str| {
        listing
            .items
            .iter()
            .find(|kv| kv.key == key)
            .map(|kv| kv.value.clone())
    };
    for n in 0..50 {
        assert_eq!(
            value(&format!("/terrace/v1/kill/a{n}")),
            value(&format!("/terrace/v1/kill/b{n}"))
        );
    }
    // The store still takes writes and the watcher, drained, sees them.
    let rev = store
        .put("/terrace/v1/kill/after", b"x".to_vec())
        .await
        .unwrap();
    loop {
        let event = next_event(&mut watch).await;
        if event.key == "/terrace/v1/kill/after" {
            assert_eq!(event.revision, rev);
            break;
        }
    }
}
