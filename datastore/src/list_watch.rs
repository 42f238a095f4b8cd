//! List-then-watch: a consistent snapshot of a prefix followed by every later change, with no
//! gap and no duplicate. The watch starts at the listing's revision + 1, so every change is
//! either in the snapshot or delivered as an event, never both. When the watch falls behind
//! compaction the helper re-lists and hands out a fresh snapshot ([`Update::Snapshot`] again),
//! which the caller uses to replace, not merge into, its state.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

use crate::error::StoreError;
use crate::model::{Event, KeyValue, Revision};
use crate::store::{Store, WatchStream};

/// What [`ListWatch::next`] yields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Update {
    /// The full state of the prefix at `revision`: replace everything known so far.
    Snapshot {
        /// Every key under the prefix.
        items: Vec<KeyValue>,
        /// The revision the snapshot was read at.
        revision: Revision,
        /// True when this snapshot replaces an earlier one after compaction.
        resync: bool,
    },
    /// One change after the latest snapshot.
    Event(Event),
}

/// Follows a prefix: first a snapshot, then events, re-listing after compaction.
#[derive(Debug)]
pub struct ListWatch {
    store: Arc<dyn Store>,
    prefix: String,
    watch: Option<WatchStream>,
    listed: bool,
}

impl ListWatch {
    /// Prepares to follow `prefix`; the first call to [`ListWatch::next`] lists it.
    pub fn new(store: Arc<dyn Store>, prefix: &str) -> Self {
        Self {
            store,
            prefix: prefix.to_owned(),
            watch: None,
            listed: false,
        }
    }

    /// The next update. Errors other than compaction (which is handled by re-listing) are
    /// returned; calling `next` again after one starts over with a fresh snapshot.
    pub async fn next(&mut self) -> Result<Update, StoreError> {
        if let Some(watch) = &mut self.watch {
            match watch.next().await {
                Some(Ok(event)) => return Ok(Update::Event(event)),
                Some(Err(StoreError::Compacted {
                    requested,
                    compacted,
                })) => {
                    tracing::info!(prefix = %self.prefix, requested, compacted, "watch compacted, re-listing");
                }
                Some(Err(err)) => {
                    self.watch = None;
                    return Err(err);
                }
                None => {
                    self.watch = None;
                    return Err(StoreError::WatchClosed {
                        prefix: self.prefix.clone(),
                    });
                }
            }
        }
        self.watch = None;
        let listing = self.store.list(&self.prefix).await?;
        self.watch = Some(self.store.watch(&self.prefix, listing.revision + 1).await?);
        let resync = self.listed;
        self.listed = true;
        Ok(Update::Snapshot {
            items: listing.items,
            revision: listing.revision,
            resync,
        })
    }

    /// Follows the prefix until `tx`'s receiver is gone, sending every update and every
    /// failure, turned into the caller's message by `wrap`. After a failure it waits `retry`
    /// and starts over with a fresh snapshot. Run it as its own task: it owns the listing, so
    /// nothing cancels one half way.
    pub async fn pump<T>(
        mut self,
        retry: Duration,
        tx: mpsc::Sender<T>,
        wrap: impl Fn(Result<Update, StoreError>) -> T,
    ) {
        loop {
            let item = self.next().await;
            let failed = item.is_err();
            if tx.send(wrap(item)).await.is_err() {
                return;
            }
            if failed {
                tokio::time::sleep(retry).await;
            }
        }
    }
}
