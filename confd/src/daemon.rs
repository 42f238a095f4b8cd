//! The confd loop: follow the datastore, coalesce changes, rebuild this
//! node's speaker configuration, and hand it to a sink when it changed. A
//! configuration that cannot be built or applied leaves the last good one in
//! place and is reported.

use crate::model::{Inputs, SpeakerConfig, build};
use datastore::{Store, key::ROOT, list_watch::ListWatch, mirror::Mirror};
use std::{future::Future, sync::Arc, time::Duration};
use tokio::sync::{mpsc, watch};

/// Changes arriving within this window after the first are folded into one rebuild.
pub const COALESCE: Duration = Duration::from_millis(50);
/// Wait before following the datastore again after it failed.
pub const RETRY: Duration = Duration::from_secs(1);

/// Where a new configuration goes (bgpd's file and reload, or a test recorder).
pub trait Sink: Send {
    /// Applies a configuration; an error keeps the previous one in force.
    fn apply(&mut self, config: &SpeakerConfig) -> impl Future<Output = Result<(), String>> + Send;
}

/// What confd reports about itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Status {
    /// A configuration was applied and the datastore is being followed.
    pub ready: bool,
    /// Why the latest attempt failed, if it did.
    pub last_error: Option<String>,
    /// Configurations applied so far.
    pub applied: u64,
    /// Rebuilds attempted (one per coalesced batch of changes).
    pub renders: u64,
    /// Rebuilds that could not be built or applied.
    pub render_errors: u64,
    /// When the last rebuild succeeded, milliseconds since the Unix epoch.
    pub last_render_unix_ms: u64,
    /// Datastore updates received (snapshots and events).
    pub watch_events: u64,
    /// Times following the datastore failed.
    pub watch_errors: u64,
}

type Batch = Result<datastore::list_watch::Update, String>;

/// Follows the whole Terrace prefix into a channel; the pump owns the
/// list-then-watch so nothing ever cancels it half way.
fn pump(store: Arc<dyn Store>) -> (mpsc::Receiver<Batch>, tokio::task::JoinHandle<()>) {
    let (tx, rx) = mpsc::channel(1024);
    let task = tokio::spawn(async move {
        let mut lw = ListWatch::new(store, ROOT);
        loop {
            let item = lw.next().await.map_err(|e| e.to_string());
            let failed = item.is_err();
            if tx.send(item).await.is_err() {
                return;
            }
            if failed {
                tokio::time::sleep(RETRY).await;
            }
        }
    });
    (rx, task)
}

/// Aborts the pump when the loop ends, however it ends.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Runs until `shutdown` completes.
pub async fn run<S: Sink>(
    store: Arc<dyn Store>,
    node: String,
    mut sink: S,
    status: watch::Sender<Status>,
    shutdown: impl Future<Output = ()>,
) {
    let (mut rx, task) = pump(store);
    let _pump = AbortOnDrop(task);
    let mut mirror = Mirror::default();
    let mut last: Option<SpeakerConfig> = None;
    tokio::pin!(shutdown);
    loop {
        let first = tokio::select! {
            () = &mut shutdown => return,
            item = rx.recv() => item,
        };
        let Some(first) = first else { return };
        let mut batch = vec![first];
        while let Ok(Some(item)) = tokio::time::timeout(COALESCE, rx.recv()).await {
            batch.push(item);
        }
        let mut healthy = true;
        for item in batch {
            match item {
                Ok(update) => {
                    status.send_modify(|s| s.watch_events += 1);
                    mirror.apply(update);
                }
                Err(e) => {
                    healthy = false;
                    status.send_modify(|s| s.watch_errors += 1);
                    tracing::warn!(error = %e, "datastore unavailable; keeping the current configuration");
                    status.send_modify(|s| {
                        s.ready = false;
                        s.last_error = Some(format!("datastore: {e}"));
                    });
                }
            }
        }
        if healthy {
            rebuild(&node, &mirror, &mut last, &mut sink, &status).await;
        }
    }
}

async fn rebuild<S: Sink>(
    node: &str,
    mirror: &Mirror,
    last: &mut Option<SpeakerConfig>,
    sink: &mut S,
    status: &watch::Sender<Status>,
) {
    let decoded = mirror.decode();
    for (key, reason) in &decoded.errors {
        tracing::warn!(%key, %reason, "skipping a record that does not decode");
    }
    let built = Inputs::from_objects(node, &decoded.objects, decoded.blocks)
        .map_err(|e| e.to_string())
        .and_then(|inputs| build(&inputs).map_err(|e| e.to_string()));
    let outcome = match built {
        Ok(config) if last.as_ref() == Some(&config) => Ok(()),
        Ok(config) => {
            let applied = sink.apply(&config).await;
            if applied.is_ok() {
                tracing::info!(
                    revision = mirror.revision(),
                    peers = config.peers.len(),
                    prefixes = config.originate.len(),
                    "configuration applied"
                );
                *last = Some(config);
                status.send_modify(|s| s.applied += 1);
            }
            applied
        }
        Err(e) => Err(e),
    };
    status.send_modify(|s| {
        s.renders += 1;
        match outcome {
            Ok(()) => {
                s.ready = last.is_some();
                s.last_error = None;
                s.last_render_unix_ms = unix_ms();
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot render; keeping the last good configuration");
                s.last_error = Some(e);
                s.render_errors += 1;
            }
        }
    });
}

fn unix_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}
