//! Compaction: surfaced explicitly, and handled by re-listing in the list-then-watch helper.

use std::sync::Arc;

use async_trait::async_trait;
use datastore::list_watch::{ListWatch, Update};
use datastore::model::{KeyValue, Listing, Revision, Txn};
use datastore::{Store, StoreError, WatchStream};
use tokio::sync::Mutex;

use crate::common::{Backend, DEADLINE, next_event};

async fn next_item(watch: &mut WatchStream) -> Option<Result<datastore::model::Event, StoreError>> {
    tokio::time::timeout(DEADLINE, watch.next())
        .await
        .expect("watch item in time")
}

pub async fn watching_a_compacted_revision_reports_compacted(backend: Backend) {
    let store = backend.open().await;
    let first = store.put("/terrace/v1/c/k", b"0".to_vec()).await.unwrap();
    let mut revs = vec![first];
    for i in 1..6u8 {
        revs.push(store.put("/terrace/v1/c/k", vec![i]).await.unwrap());
    }
    store.compact(revs[3]).await.unwrap();
    store
        .compact(revs[3])
        .await
        .expect("compacting again is a no-op");

    let mut stale = store.watch("/terrace/v1/c/", first).await.unwrap();
    match next_item(&mut stale).await {
        Some(Err(StoreError::Compacted {
            requested,
            compacted,
        })) => {
            assert_eq!((requested, compacted), (first, revs[3]));
        }
        other => panic!("expected Compacted, got {other:?}"),
    }
    assert!(
        next_item(&mut stale).await.is_none(),
        "a compacted watch ends"
    );

    // The compaction revision itself is still watchable.
    let mut fresh = store.watch("/terrace/v1/c/", revs[3]).await.unwrap();
    for revision in &revs[3..] {
        assert_eq!(next_event(&mut fresh).await.revision, *revision);
    }
}

pub async fn compacting_the_future_is_refused(backend: Backend) {
    let store = backend.open().await;
    let current = store.put("/terrace/v1/c/k", b"0".to_vec()).await.unwrap();
    match store.compact(current + 10).await {
        Err(StoreError::FutureRevision {
            requested,
            current: now,
        }) => assert_eq!((requested, now), (current + 10, current)),
        other => panic!("expected FutureRevision, got {other:?}"),
    }
}

/// A store whose first watch starts at revision 1 instead of the requested one, i.e. a watcher
/// that fell behind a compaction; everything else goes to the real backend.
#[derive(Debug)]
struct FirstWatchFallsBehind {
    inner: Arc<dyn Store>,
    fallen: Mutex<bool>,
}

#[async_trait]
impl Store for FirstWatchFallsBehind {
    async fn get(&self, key: &str) -> Result<Option<KeyValue>, StoreError> {
        self.inner.get(key).await
    }
    async fn list(&self, prefix: &str) -> Result<Listing, StoreError> {
        self.inner.list(prefix).await
    }
    async fn txn(&self, txn: Txn) -> Result<Revision, StoreError> {
        self.inner.txn(txn).await
    }
    async fn watch(&self, prefix: &str, from: Revision) -> Result<WatchStream, StoreError> {
        let mut fallen = self.fallen.lock().await;
        let from = if *fallen { from } else { 1 };
        *fallen = true;
        self.inner.watch(prefix, from).await
    }
    async fn compact(&self, revision: Revision) -> Result<(), StoreError> {
        self.inner.compact(revision).await
    }
    async fn current_revision(&self) -> Result<Revision, StoreError> {
        self.inner.current_revision().await
    }
}

pub async fn list_then_watch_relists_after_compaction(backend: Backend) {
    let real = backend.open().await;
    for i in 0..5u8 {
        real.put(&format!("/terrace/v1/c/k{i}"), vec![i])
            .await
            .unwrap();
    }
    let compacted = real.current_revision().await.unwrap();
    real.compact(compacted).await.unwrap();
    let store = Arc::new(FirstWatchFallsBehind {
        inner: real.clone(),
        fallen: Mutex::new(false),
    });
    let mut follow = ListWatch::new(store, "/terrace/v1/c/");

    let first = follow.next().await.unwrap();
    assert!(
        matches!(&first, Update::Snapshot { items, resync: false, .. } if items.len() == 5),
        "{first:?}"
    );
    real.put("/terrace/v1/c/k5", vec![5]).await.unwrap();
    // The first watch hits the compaction: the helper re-lists instead of failing.
    match follow.next().await.unwrap() {
        Update::Snapshot {
            items,
            revision,
            resync,
        } => {
            assert!(resync);
            assert!(items.len() == 5 || items.len() == 6, "{items:?}");
            if items.len() == 5 {
                let Update::Event(event) = follow.next().await.unwrap() else {
                    panic!("expected the k5 event")
                };
                assert!(event.key.ends_with("k5") && event.revision > revision);
            }
        }
        other => panic!("expected a resync snapshot, got {other:?}"),
    }
    real.put("/terrace/v1/c/k6", vec![6]).await.unwrap();
    let Update::Event(event) = follow.next().await.unwrap() else {
        panic!("expected the k6 event")
    };
    assert!(event.key.ends_with("k6"));
}
