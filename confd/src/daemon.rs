//! The confd loop: follow the datastore, coalesce changes, rebuild this
//! node's speaker configuration, and hand it to a sink when it changed. A
//! configuration that cannot be built or applied leaves the last good one in
//! place and is reported.

use crate::model::{Inputs, SpeakerConfig, build};
use crate::screen::Screen;
use datastore::{Store, list_watch::ListWatch, mirror::Mirror};
use resources::key::ROOT;
use std::{future::Future, sync::Arc, time::Duration};
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

/// How changes are folded into one rebuild: a burst of writes (a host joining, many
/// containers starting) costs one render and one bgpd reload, not one per write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Coalesce {
    /// Rebuild once no further change has arrived for this long.
    pub quiet: Duration,
    /// Rebuild at the latest this long after the first change of a batch, so a
    /// steady stream of changes cannot postpone every rebuild.
    pub max: Duration,
}

impl Default for Coalesce {
    fn default() -> Self {
        Self {
            quiet: Duration::from_millis(20),
            max: Duration::from_millis(500),
        }
    }
}

/// A coalescing window that could never be honoured.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the quiet window ({quiet} ms) is longer than the longest wait ({max} ms)")]
pub struct CoalesceError {
    /// Milliseconds of quiet asked for.
    pub quiet: u64,
    /// Longest wait asked for, milliseconds.
    pub max: u64,
}

impl Coalesce {
    /// A window from milliseconds, refused when it could never be honoured.
    pub fn from_millis(quiet: u64, max: u64) -> Result<Self, CoalesceError> {
        if quiet > max {
            return Err(CoalesceError { quiet, max });
        }
        Ok(Self {
            quiet: Duration::from_millis(quiet),
            max: Duration::from_millis(max),
        })
    }
}
/// Wait before following the datastore again after it failed.
pub const RETRY: Duration = Duration::from_secs(1);

/// Where a new configuration goes (bgpd's file and reload, or a test recorder).
pub trait Sink: Send {
    /// Why a configuration was not applied; reported as one line.
    type Error: std::fmt::Display + Send;

    /// Applies a configuration; an error keeps the previous one in force.
    fn apply(
        &mut self,
        config: &SpeakerConfig,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send;
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
    /// Records refused now (not decodable or not valid); each is used in the version
    /// last accepted, or left out.
    pub records_refused: u64,
}

type Batch = Result<datastore::list_watch::Update, String>;

/// Follows the whole Terrace prefix into a channel; the pump owns the
/// list-then-watch so nothing ever cancels it half way.
fn pump(store: Arc<dyn Store>) -> (mpsc::Receiver<Batch>, tokio::task::JoinHandle<()>) {
    let (tx, rx) = mpsc::channel(1024);
    let follow = ListWatch::new(store, ROOT);
    let task = tokio::spawn(follow.pump(RETRY, tx, |item| item.map_err(|e| e.to_string())));
    (rx, task)
}

/// `first` and whatever follows it within `window`.
async fn gather<T>(rx: &mut mpsc::Receiver<T>, first: T, window: Coalesce) -> Vec<T> {
    let deadline = Instant::now() + window.max;
    let mut batch = vec![first];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return batch;
        }
        match tokio::time::timeout(window.quiet.min(left), rx.recv()).await {
            Ok(Some(item)) => batch.push(item),
            // Quiet long enough, or the pump ended (the caller sees that next).
            Ok(None) | Err(_) => return batch,
        }
    }
}

/// Runs until `shutdown` completes.
pub async fn run<S: Sink>(
    store: Arc<dyn Store>,
    node: String,
    mut sink: S,
    window: Coalesce,
    status: watch::Sender<Status>,
    shutdown: impl Future<Output = ()>,
) {
    let (mut rx, task) = pump(store);
    // Aborts the pump when the loop ends, however it ends.
    let _pump = tokio_util::task::AbortOnDropHandle::new(task);
    let mut mirror = Mirror::default();
    let mut last: Option<SpeakerConfig> = None;
    let mut screen = Screen::default();
    tokio::pin!(shutdown);
    loop {
        let first = tokio::select! {
            () = &mut shutdown => return,
            item = rx.recv() => item,
        };
        let Some(first) = first else { return };
        let batch = gather(&mut rx, first, window).await;
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
            let seen = (&mirror, &mut screen);
            rebuild(&node, seen, &mut last, &mut sink, &status).await;
        }
    }
}

async fn rebuild<S: Sink>(
    node: &str,
    (mirror, screen): (&Mirror, &mut Screen),
    last: &mut Option<SpeakerConfig>,
    sink: &mut S,
    status: &watch::Sender<Status>,
) {
    let decoded = mirror.decode();
    let screened = screen.pass(&decoded);
    for (key, reason) in &screened.newly_refused {
        tracing::warn!(%key, %reason, "record refused; using the version last accepted, if any");
    }
    let refused = screened.refused as u64;
    status.send_modify(|s| s.records_refused = refused);
    let built = Inputs::from_objects(node, &screened.objects, decoded.blocks)
        .map_err(|e| e.to_string())
        .and_then(|inputs| build(&inputs).map_err(|e| e.to_string()));
    let outcome = match built {
        Ok(config) if last.as_ref() == Some(&config) => Ok(()),
        Ok(config) => {
            let applied = sink.apply(&config).await.map_err(|e| e.to_string());
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Sends `n` items `every` apart, from now, and then stays open.
    fn steady(n: u64, every: Duration) -> mpsc::Receiver<u64> {
        let (tx, rx) = mpsc::channel(1024);
        tokio::spawn(async move {
            for i in 0..n {
                tokio::time::sleep(every).await;
                if tx.send(i).await.is_err() {
                    return;
                }
            }
            std::future::pending::<()>().await;
        });
        rx
    }

    #[tokio::test(start_paused = true)]
    async fn a_burst_is_one_batch_once_it_goes_quiet() {
        let mut rx = steady(10, Duration::from_millis(5));
        let start = Instant::now();
        let batch = gather(&mut rx, 99, Coalesce::default()).await;
        assert_eq!(batch.len(), 11);
        assert_eq!(start.elapsed(), Duration::from_millis(50 + 20));
    }

    #[tokio::test(start_paused = true)]
    async fn a_steady_stream_is_cut_at_the_longest_wait() {
        let mut rx = steady(1000, Duration::from_millis(30));
        let window = Coalesce::from_millis(50, 200).unwrap();
        let start = Instant::now();
        let first = gather(&mut rx, 0, window).await;
        assert_eq!(start.elapsed(), Duration::from_millis(200));
        assert_eq!(first.len(), 1 + 6, "one change every 30 ms for 200 ms");
        let next = rx.recv().await.unwrap();
        let second = gather(&mut rx, next, window).await;
        assert!(second.len() > 1, "the stream goes on into the next batch");
    }

    #[test]
    fn a_quiet_window_longer_than_the_longest_wait_is_refused() {
        assert!(Coalesce::from_millis(100, 50).is_err());
        assert_eq!(Coalesce::from_millis(20, 500).unwrap(), Coalesce::default());
    }
}
