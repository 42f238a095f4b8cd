//! The store trait (etcd v3 semantics) and the watch stream handle.
//!
//! Backends implement the primitive operations (`get`, `list`, `txn`, `watch`, `compact`,
//! `current_revision`); `create`, `update`, `delete` and `put` are provided on top of `txn` so
//! both backends share one definition of their guards and errors.

use std::any::Any;
use std::collections::VecDeque;
use std::fmt::Debug;
use std::sync::Arc;

use async_trait::async_trait;
use futures::Stream as _;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::task::AbortOnDropHandle;

use crate::error::StoreError;
use crate::model::{Event, Expect, KeyValue, Listing, Revision, Txn};

/// A key-value store with revisions, compare-and-swap transactions and watches.
#[async_trait]
pub trait Store: Send + Sync + Debug {
    /// Reads one key.
    async fn get(&self, key: &str) -> Result<Option<KeyValue>, StoreError>;

    /// Reads every key starting with `prefix`, sorted by key, with the revision of the read.
    async fn list(&self, prefix: &str) -> Result<Listing, StoreError>;

    /// Applies a transaction atomically: all operations at one new revision if every guard holds,
    /// else nothing and [`StoreError::Conflict`] naming the first failing guard. Returns the
    /// revision of the write (the current revision when the operations changed nothing).
    async fn txn(&self, txn: Txn) -> Result<Revision, StoreError>;

    /// Watches every key starting with `prefix` from revision `from` (inclusive; 0 means "after
    /// the current revision"). When `from` is older than the compaction revision, or the watcher
    /// falls behind compaction, the stream yields [`StoreError::Compacted`] and ends.
    async fn watch(&self, prefix: &str, from: Revision) -> Result<WatchStream, StoreError>;

    /// Discards history older than `revision`; watching from an older revision then fails with
    /// [`StoreError::Compacted`]. Compacting an already compacted revision is a no-op.
    async fn compact(&self, revision: Revision) -> Result<(), StoreError>;

    /// The store's current revision.
    async fn current_revision(&self) -> Result<Revision, StoreError>;

    /// Creates a key; fails with [`StoreError::AlreadyExists`] if present.
    async fn create(&self, key: &str, value: Vec<u8>) -> Result<Revision, StoreError> {
        let txn = Txn::new().when(key, Expect::Absent).put(key, value);
        self.txn(txn).await.map_err(|err| match err {
            StoreError::Conflict { key, actual, .. } => StoreError::AlreadyExists {
                key,
                revision: actual,
            },
            other => other,
        })
    }

    /// Replaces a key only if its mod revision is `expected` (compare-and-swap); fails with
    /// [`StoreError::Conflict`] if it changed, [`StoreError::NotFound`] if it is gone.
    async fn update(
        &self,
        key: &str,
        value: Vec<u8>,
        expected: Revision,
    ) -> Result<Revision, StoreError> {
        let txn = Txn::new()
            .when(key, Expect::ModRevision(expected))
            .put(key, value);
        self.txn(txn).await.map_err(absent_is_not_found)
    }

    /// Creates or replaces a key unconditionally.
    async fn put(&self, key: &str, value: Vec<u8>) -> Result<Revision, StoreError> {
        self.txn(Txn::new().put(key, value)).await
    }

    /// Deletes a key, only if its mod revision is `expected` when given; fails with
    /// [`StoreError::NotFound`] if absent and [`StoreError::Conflict`] if it changed.
    async fn delete(&self, key: &str, expected: Option<Revision>) -> Result<Revision, StoreError> {
        let expect = expected.map_or(Expect::Present, Expect::ModRevision);
        let txn = Txn::new().when(key, expect).delete(key);
        self.txn(txn).await.map_err(absent_is_not_found)
    }
}

fn absent_is_not_found(err: StoreError) -> StoreError {
    match err {
        StoreError::Conflict { key, actual: 0, .. } => StoreError::NotFound { key },
        other => other,
    }
}

/// One message from a backend's watch machinery: the events of one revision, or the error
/// that ends the stream.
pub type WatchBatch = Result<Vec<Event>, StoreError>;

/// A stream of watch events in revision order. Dropping it cancels the watch.
#[derive(Debug)]
pub struct WatchStream {
    prefix: String,
    rx: mpsc::Receiver<WatchBatch>,
    buffered: VecDeque<Event>,
    _task: Option<AbortOnDropHandle<()>>,
    keep_alive: Option<Arc<dyn Any + Send + Sync>>,
    done: bool,
}

impl WatchStream {
    /// Wraps a channel fed by a backend; `task` (if any) is aborted when the stream is dropped.
    pub fn new(prefix: &str, rx: mpsc::Receiver<WatchBatch>, task: Option<JoinHandle<()>>) -> Self {
        Self {
            prefix: prefix.to_owned(),
            rx,
            buffered: VecDeque::new(),
            _task: task.map(AbortOnDropHandle::new),
            keep_alive: None,
            done: false,
        }
    }

    /// Keeps `owner` (e.g. the backend's shared state) alive as long as the stream.
    pub fn keep_alive(mut self, owner: Arc<dyn Any + Send + Sync>) -> Self {
        self.keep_alive = Some(owner);
        self
    }

    /// The watched prefix.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The next event; `Some(Err(_))` ends the stream (e.g. [`StoreError::Compacted`]), and
    /// `None` means the store was closed.
    pub async fn next(&mut self) -> Option<Result<Event, StoreError>> {
        std::future::poll_fn(|cx| std::pin::Pin::new(&mut *self).poll_next(cx)).await
    }
}

/// The same items as [`WatchStream::next`], for `select!` loops and stream combinators.
impl futures::Stream for WatchStream {
    type Item = Result<Event, StoreError>;

    fn poll_next(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        use std::task::Poll;
        // Every field is Unpin, so the stream can be used through a plain `&mut`.
        let this = self.get_mut();
        loop {
            if let Some(event) = this.buffered.pop_front() {
                return Poll::Ready(Some(Ok(event)));
            }
            if this.done {
                return Poll::Ready(None);
            }
            match this.rx.poll_recv(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Some(Ok(events))) => this.buffered.extend(events),
                Poll::Ready(Some(Err(err))) => {
                    this.done = true;
                    return Poll::Ready(Some(Err(err)));
                }
                Poll::Ready(None) => {
                    this.done = true;
                    return Poll::Ready(None);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use futures::StreamExt;
    use tokio::sync::mpsc;

    use super::*;
    use crate::model::EventKind;

    fn event(key: &str, revision: Revision) -> Event {
        Event {
            kind: EventKind::Delete,
            key: key.to_owned(),
            revision,
            new: None,
            prev: None,
        }
    }

    #[tokio::test]
    async fn batches_are_flattened_in_order_and_an_error_ends_the_stream() {
        let (tx, rx) = mpsc::channel(8);
        tx.send(Ok(vec![event("/a", 2), event("/b", 2)]))
            .await
            .unwrap();
        tx.send(Ok(vec![event("/c", 3)])).await.unwrap();
        let compacted = StoreError::Compacted {
            requested: 4,
            compacted: 9,
        };
        tx.send(Err(compacted)).await.unwrap();
        tx.send(Ok(vec![event("/never", 10)])).await.unwrap();
        let items: Vec<_> = WatchStream::new("/", rx, None).collect().await;
        let keys: Vec<String> = items
            .iter()
            .filter_map(|item| item.as_ref().ok().map(|e| e.key.clone()))
            .collect();
        assert_eq!(keys, ["/a", "/b", "/c"]);
        assert_eq!(items.len(), 4);
        assert!(matches!(
            items[3],
            Err(StoreError::Compacted { compacted: 9, .. })
        ));
    }

    #[tokio::test]
    async fn a_closed_channel_ends_the_stream_with_none() {
        let (tx, rx) = mpsc::channel(1);
        drop(tx);
        let mut stream = WatchStream::new("/", rx, None);
        assert!(stream.next().await.is_none());
        assert!(stream.next().await.is_none());
    }
}
