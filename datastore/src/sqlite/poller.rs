//! The watch poller: one thread per database file per process follows the change log for
//! every watcher of that file, so a process with fifty watches still reads the log once.
//!
//! Writes from this process wake the poller at once; writes from other processes are seen by
//! checking `PRAGMA data_version` (a counter SQLite bumps when another connection commits)
//! every poll interval (5 ms by default, at most 20 ms), which costs no table read.
//!
//! Each subscriber keeps the next revision it needs. A round reads, in one snapshot, the
//! current and compaction revisions and a page of log rows from the lowest needed revision,
//! then hands each subscriber the events of its prefix, one message per revision. A subscriber
//! whose channel is full simply keeps its position and is served again next round, so a slow
//! watcher never blocks the others; one that falls behind compaction gets
//! [`StoreError::Compacted`] and is dropped.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Condvar, LazyLock, Mutex, MutexGuard, Weak};
use std::time::Duration;

use rusqlite::Connection;
use tokio::sync::mpsc;
use tokio::sync::mpsc::error::TrySendError;

use super::read::log_range;
use super::schema::{connect, meta};
use crate::error::StoreError;
use crate::model::{Event, Revision};
use crate::store::WatchBatch;
use crate::url::SqliteUrl;

/// Log rows read per round (whole revisions are always completed).
const PAGE: usize = 1000;
/// Batches buffered per watcher before it counts as lagging.
const CHANNEL: usize = 1024;

static REGISTRY: LazyLock<Mutex<HashMap<PathBuf, Weak<Poller>>>> = LazyLock::new(Default::default);

/// The shared poller of one database file; it stops when the last handle is dropped.
#[derive(Debug)]
pub(crate) struct Poller {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    state: Mutex<State>,
    wake: Condvar,
    poll_interval: Duration,
}

#[derive(Debug, Default)]
struct State {
    subs: Vec<Sub>,
    dirty: bool,
    stop: bool,
}

#[derive(Debug)]
struct Sub {
    prefix: String,
    next_rev: Revision,
    tx: mpsc::Sender<WatchBatch>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding this lock leaves plain data (positions, senders) that is still
    // consistent, so recovering the guard is safe.
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The poller for `config.path` in this process, started on first use.
pub(crate) fn poller_for(config: &SqliteUrl) -> Result<Arc<Poller>, StoreError> {
    let mut registry = lock(&REGISTRY);
    if let Some(poller) = registry.get(&config.path).and_then(Weak::upgrade) {
        return Ok(poller);
    }
    let conn = connect(config)?;
    let shared = Arc::new(Shared {
        state: Mutex::new(State::default()),
        wake: Condvar::new(),
        poll_interval: config.poll_interval,
    });
    let thread_shared = shared.clone();
    std::thread::Builder::new()
        .name("terrace-sqlite-watch".to_owned())
        .spawn({
            let span = tracing::info_span!("sqlite_watch", path = %config.path.display());
            move || span.in_scope(|| run(&thread_shared, conn))
        })
        .map_err(|e| StoreError::backend("starting the sqlite watch thread", e))?;
    let poller = Arc::new(Poller { shared });
    registry.retain(|_, weak| weak.strong_count() > 0);
    registry.insert(config.path.clone(), Arc::downgrade(&poller));
    Ok(poller)
}

impl Poller {
    /// Registers a watcher of `prefix` from revision `from`.
    pub(crate) fn subscribe(&self, prefix: &str, from: Revision) -> mpsc::Receiver<WatchBatch> {
        let (tx, rx) = mpsc::channel(CHANNEL);
        let mut state = lock(&self.shared.state);
        state.subs.push(Sub {
            prefix: prefix.to_owned(),
            next_rev: from,
            tx,
        });
        state.dirty = true;
        self.shared.wake.notify_all();
        rx
    }

    /// Wakes the poller after a write by this process.
    pub(crate) fn notify(&self) {
        lock(&self.shared.state).dirty = true;
        self.shared.wake.notify_all();
    }
}

impl Drop for Poller {
    fn drop(&mut self) {
        lock(&self.shared.state).stop = true;
        self.shared.wake.notify_all();
    }
}

fn run(shared: &Shared, mut conn: Connection) {
    let mut last_version: Option<i64> = None;
    let mut behind = false;
    loop {
        let dirty = {
            let mut state = lock(&shared.state);
            if !state.dirty && !state.stop {
                let idle = if state.subs.is_empty() {
                    Duration::from_secs(1)
                } else {
                    shared.poll_interval
                };
                state = shared
                    .wake
                    .wait_timeout(state, idle)
                    .map_or_else(|poisoned| poisoned.into_inner().0, |(guard, _)| guard);
            }
            if state.stop {
                return;
            }
            if state.subs.is_empty() {
                state.dirty = false;
                continue;
            }
            std::mem::take(&mut state.dirty)
        };
        let version = conn.query_row("PRAGMA data_version", [], |row| row.get::<_, i64>(0));
        let version = match version {
            Ok(version) => Some(version),
            Err(err) => {
                tracing::warn!(error = %err, "sqlite watch poll failed");
                None
            }
        };
        if !dirty && !behind && version.is_some() && version == last_version {
            continue;
        }
        last_version = version;
        behind = match round(shared, &mut conn) {
            Ok(behind) => behind,
            Err(err) => {
                tracing::warn!(error = %err, "sqlite watch round failed, retrying");
                true
            }
        };
    }
}

/// One round: returns whether some subscriber could not take all its events (full channel),
/// so the next round must run even if nothing new was committed.
fn round(shared: &Shared, conn: &mut Connection) -> rusqlite::Result<bool> {
    let lowest = lock(&shared.state).subs.iter().map(|s| s.next_rev).min();
    let Some(lowest) = lowest else {
        return Ok(false);
    };
    let tx = conn.transaction()?;
    let (current, compacted) = (meta(&tx, "revision")?, meta(&tx, "compacted")?);
    let from = lowest.max(compacted);
    let batch = if from <= current {
        log_range(&tx, from, current, PAGE)?
    } else {
        Vec::new()
    };
    tx.commit()?;
    let rows: usize = batch.iter().map(|(_, events)| events.len()).sum();
    // When the page was full, only revisions up to the last one read are known complete.
    let upper = if rows >= PAGE {
        batch.last().map_or(current, |(rev, _)| *rev)
    } else {
        current
    };
    let mut behind = false;
    let mut state = lock(&shared.state);
    // More log to read: go again at once instead of after a poll interval.
    state.dirty |= upper < current;
    state.subs.retain_mut(|sub| {
        let (keep, lagging) = deliver(sub, &batch, from, upper, compacted);
        behind |= lagging;
        keep
    });
    Ok(behind)
}

/// Hands one subscriber its events; returns (keep subscribed, still behind).
fn deliver(
    sub: &mut Sub,
    batch: &[(Revision, Vec<Event>)],
    from: Revision,
    upper: Revision,
    compacted: Revision,
) -> (bool, bool) {
    if sub.tx.is_closed() {
        return (false, false);
    }
    if sub.next_rev < compacted {
        let err = StoreError::Compacted {
            requested: sub.next_rev,
            compacted,
        };
        return match sub.tx.try_send(Err(err)) {
            Err(TrySendError::Full(_)) => (true, true),
            _ => (false, false),
        };
    }
    if sub.next_rev < from {
        // Registered after this round chose its starting point: served next round.
        return (true, true);
    }
    if sub.next_rev > upper {
        return (true, false);
    }
    for (rev, events) in batch.iter().filter(|(rev, _)| *rev >= sub.next_rev) {
        let mine: Vec<Event> = events
            .iter()
            .filter(|e| e.key.starts_with(&sub.prefix))
            .cloned()
            .collect();
        if mine.is_empty() {
            continue;
        }
        match sub.tx.try_send(Ok(mine)) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                sub.next_rev = *rev;
                return (true, true);
            }
            Err(TrySendError::Closed(_)) => return (false, false),
        }
    }
    sub.next_rev = upper + 1;
    (true, false)
}
