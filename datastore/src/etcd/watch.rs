//! etcd watches that survive reconnects.
//!
//! A task owns the gRPC watch stream and remembers the next revision it needs. When the stream
//! breaks (member killed, network blip) it re-creates the watch from that revision, with
//! back-off, so the caller sees every event exactly once. etcd delivers all events of one
//! revision in one response, so resuming at "last delivered revision + 1" never splits a
//! transaction. A compaction notice (the start revision is gone) is passed on as
//! [`StoreError::Compacted`] and ends the stream.

use std::time::Duration;

use etcd_client::{Client, WatchOptions, WatchResponse};
use tokio::sync::mpsc;
use tracing::Instrument;

use super::MAX_MESSAGE;
use super::convert::{etcd_error, event};
use crate::error::StoreError;
use crate::model::{Event, Revision};
use crate::store::{WatchBatch, WatchStream};

const FIRST_BACKOFF: Duration = Duration::from_millis(50);
const MAX_BACKOFF: Duration = Duration::from_secs(2);

/// Starts watching `prefix` from revision `from` (> 0).
pub(crate) async fn start(
    client: Client,
    prefix: &str,
    from: Revision,
) -> Result<WatchStream, StoreError> {
    let first = open(&client, prefix, from).await?;
    let (tx, rx) = mpsc::channel(1024);
    let follower = Follower {
        client,
        prefix: prefix.to_owned(),
        next: from,
        tx,
    };
    let span = tracing::info_span!("etcd_watch", prefix = %prefix);
    let task = tokio::spawn(follower.run(first).instrument(span));
    Ok(WatchStream::new(prefix, rx, Some(task)))
}

async fn open(
    client: &Client,
    prefix: &str,
    from: Revision,
) -> Result<etcd_client::WatchStream, StoreError> {
    let options = WatchOptions::new()
        .with_prefix()
        .with_start_revision(from)
        .with_prev_key()
        .with_progress_notify();
    client
        .watch_client()
        .max_decoding_message_size(MAX_MESSAGE)
        .watch(prefix, Some(options))
        .await
        .map_err(|e| etcd_error(format!("watching {prefix} from revision {from}"), e))
}

/// What to do after one response.
enum Flow {
    Continue,
    Reconnect,
    Stop,
}

struct Follower {
    client: Client,
    prefix: String,
    next: Revision,
    tx: mpsc::Sender<WatchBatch>,
}

impl Follower {
    async fn run(mut self, first: etcd_client::WatchStream) {
        let mut stream = Some(first);
        let mut backoff = FIRST_BACKOFF;
        loop {
            let mut current = match stream.take() {
                Some(current) => current,
                None => match open(&self.client, &self.prefix, self.next).await {
                    Ok(current) => current,
                    Err(err) => {
                        tracing::debug!(prefix = %self.prefix, error = %err, "etcd watch reconnect failed");
                        if self.tx.is_closed() {
                            return;
                        }
                        tokio::time::sleep(backoff).await;
                        backoff = (backoff * 2).min(MAX_BACKOFF);
                        continue;
                    }
                },
            };
            loop {
                match current.message().await {
                    Ok(Some(response)) => match self.handle(response).await {
                        Flow::Continue => backoff = FIRST_BACKOFF,
                        Flow::Reconnect => break,
                        Flow::Stop => return,
                    },
                    Ok(None) => break,
                    Err(err) => {
                        tracing::info!(prefix = %self.prefix, next = self.next, error = %err, "etcd watch broke, resuming");
                        break;
                    }
                }
            }
            if self.tx.is_closed() {
                return;
            }
            tokio::time::sleep(backoff).await;
        }
    }

    async fn handle(&mut self, response: WatchResponse) -> Flow {
        if response.compact_revision() > 0 {
            let err = StoreError::Compacted {
                requested: self.next,
                compacted: response.compact_revision(),
            };
            let _ = self.tx.send(Err(err)).await;
            return Flow::Stop;
        }
        if response.canceled() {
            tracing::warn!(prefix = %self.prefix, reason = response.cancel_reason(), "etcd cancelled the watch, resuming");
            return Flow::Reconnect;
        }
        if response.events().is_empty() {
            // A progress notification: every event up to the header revision was sent (etcd
            // only sends these to caught-up watchers), so a later resume may start after it.
            if !response.created()
                && let Some(header) = response.header()
            {
                self.next = self.next.max(header.revision() + 1);
            }
            return Flow::Continue;
        }
        let events: Result<Vec<Event>, StoreError> = response.events().iter().map(event).collect();
        let events = match events {
            Ok(events) => events,
            Err(err) => {
                let _ = self.tx.send(Err(err)).await;
                return Flow::Stop;
            }
        };
        for batch in events.chunk_by(|a, b| a.revision == b.revision) {
            let revision = batch[0].revision;
            if revision < self.next {
                // Already delivered before a reconnect; etcd never does this, but a duplicate
                // would break the exactly-once promise, so guard anyway.
                continue;
            }
            if self.tx.send(Ok(batch.to_vec())).await.is_err() {
                return Flow::Stop;
            }
            self.next = revision + 1;
        }
        Flow::Continue
    }
}
