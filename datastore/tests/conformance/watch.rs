//! Watches: order, history, resume after reconnect, list-then-watch.

use std::collections::BTreeSet;
use std::time::Duration;

use datastore::list_watch::{ListWatch, Update};
use datastore::model::{Event, EventKind, Txn};

use crate::common::{Backend, DEADLINE, assert_quiet, next_event};

fn summary(event: &Event) -> (EventKind, String, Option<Vec<u8>>, Option<Vec<u8>>) {
    (
        event.kind,
        event.key.clone(),
        event.new.as_ref().map(|kv| kv.value.clone()),
        event.prev.as_ref().map(|kv| kv.value.clone()),
    )
}

pub async fn watch_delivers_events_in_order_with_previous_values(backend: Backend) {
    let store = backend.open().await;
    let mut watch = store.watch("/terrace/v1/w/", 0).await.unwrap();
    let r1 = store.put("/terrace/v1/w/a", b"1".to_vec()).await.unwrap();
    let r2 = store.put("/terrace/v1/w/a", b"2".to_vec()).await.unwrap();
    let r3 = store
        .txn(
            Txn::new()
                .put("/terrace/v1/w/c", b"c".to_vec())
                .put("/terrace/v1/w/b", b"b".to_vec()),
        )
        .await
        .unwrap();
    let r4 = store.delete("/terrace/v1/w/a", None).await.unwrap();

    let expected = [
        (
            r1,
            (
                EventKind::Put,
                "/terrace/v1/w/a".to_owned(),
                Some(b"1".to_vec()),
                None,
            ),
        ),
        (
            r2,
            (
                EventKind::Put,
                "/terrace/v1/w/a".to_owned(),
                Some(b"2".to_vec()),
                Some(b"1".to_vec()),
            ),
        ),
        (
            r3,
            (
                EventKind::Put,
                "/terrace/v1/w/c".to_owned(),
                Some(b"c".to_vec()),
                None,
            ),
        ),
        (
            r3,
            (
                EventKind::Put,
                "/terrace/v1/w/b".to_owned(),
                Some(b"b".to_vec()),
                None,
            ),
        ),
        (
            r4,
            (
                EventKind::Delete,
                "/terrace/v1/w/a".to_owned(),
                None,
                Some(b"2".to_vec()),
            ),
        ),
    ];
    for (revision, want) in expected {
        let event = next_event(&mut watch).await;
        assert_eq!((event.revision, summary(&event)), (revision, want));
    }
    assert_quiet(&mut watch, Duration::from_millis(300)).await;
}

pub async fn watch_from_a_past_revision_replays_history(backend: Backend) {
    let store = backend.open().await;
    let mut revisions = Vec::new();
    for i in 0..20 {
        revisions.push(
            store
                .put(&format!("/terrace/v1/h/k{i:02}"), vec![i])
                .await
                .unwrap(),
        );
    }
    // From the 6th write on: exactly writes 5..20, in order.
    let mut watch = store.watch("/terrace/v1/h/", revisions[5]).await.unwrap();
    for (i, revision) in revisions.iter().enumerate().skip(5) {
        let event = next_event(&mut watch).await;
        assert_eq!(
            (event.revision, event.key),
            (*revision, format!("/terrace/v1/h/k{i:02}"))
        );
    }
    assert_quiet(&mut watch, Duration::from_millis(300)).await;
}

pub async fn watch_resumes_after_reconnect_without_loss_or_duplicate(mut backend: Backend) {
    let store = backend.open().await;
    let mut watch = store.watch("/terrace/v1/r/", 0).await.unwrap();
    store
        .put("/terrace/v1/r/before", b"1".to_vec())
        .await
        .unwrap();
    let seen = next_event(&mut watch).await;
    assert_eq!(seen.key, "/terrace/v1/r/before");

    backend.interrupt();
    let writer = backend.open().await;
    let mut written = Vec::new();
    for i in 0..5 {
        let key = format!("/terrace/v1/r/after{i}");
        written.push((retry_put(&*writer, &key).await, key));
    }
    // The watch that lived through the interruption, and a new one resumed by revision.
    let mut resumed = writer
        .watch("/terrace/v1/r/", seen.revision + 1)
        .await
        .unwrap();
    for stream in [&mut watch, &mut resumed] {
        for (revision, key) in &written {
            let event = next_event(stream).await;
            assert_eq!((event.revision, &event.key), (*revision, key));
        }
        assert_quiet(stream, Duration::from_millis(300)).await;
    }
}

async fn retry_put(store: &dyn datastore::Store, key: &str) -> i64 {
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        match store.put(key, key.as_bytes().to_vec()).await {
            Ok(revision) => return revision,
            Err(err) if err.is_transient() && tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(err) => panic!("put {key}: {err}"),
        }
    }
}

pub async fn list_then_watch_has_no_gap_and_no_duplicate(backend: Backend) {
    let store = backend.open().await;
    let total = 200;
    // Writes race with the list: whichever side of the snapshot a write lands on, it must be
    // seen exactly once.
    let writer_store = backend.open().await;
    let writer = tokio::spawn(async move {
        for i in 0..total {
            writer_store
                .create(&format!("/terrace/v1/lw/k{i:03}"), vec![1])
                .await
                .unwrap();
        }
    });
    let deadline = tokio::time::Instant::now() + DEADLINE;
    while store.list("/terrace/v1/lw/").await.unwrap().items.len() < 20 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the writer made no progress"
        );
        tokio::task::yield_now().await;
    }
    let mut follow = ListWatch::new(store.clone(), "/terrace/v1/lw/");
    let mut seen = BTreeSet::new();
    let mut last_revision;
    match follow.next().await.unwrap() {
        Update::Snapshot {
            items,
            revision,
            resync,
        } => {
            assert!(!resync);
            last_revision = revision;
            seen.extend(items.into_iter().map(|kv| kv.key));
        }
        other => panic!("expected a snapshot first, got {other:?}"),
    }
    while seen.len() < total {
        match tokio::time::timeout(DEADLINE, follow.next())
            .await
            .expect("update in time")
            .unwrap()
        {
            Update::Event(event) => {
                assert!(
                    event.revision > last_revision,
                    "events come after the snapshot, in order"
                );
                last_revision = event.revision;
                assert!(seen.insert(event.key.clone()), "duplicate {}", event.key);
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    writer.await.unwrap();
    assert_eq!(seen.len(), total);
}
