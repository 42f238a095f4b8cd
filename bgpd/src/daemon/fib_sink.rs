//! Where the core's FIB deltas go: nowhere, a channel (tests), or the kernel through a
//! task that applies them in order over rtnetlink.
//!
//! The kernel task also owns next-hop resolution: it keeps the main table (dumped at
//! start, again on every route/address/link change the [`Monitor`] reports and every
//! [`RESYNC`]), installs each route via the gateways its BGP next hops resolve to, and
//! sends every changed table to the core so the RIB re-runs the decision process.

use std::collections::{BTreeSet, HashSet};
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures::StreamExt;
use ipnet::IpNet;
use tokio::sync::mpsc;
use tracing::Instrument;

use super::conn::AbortOnDrop;
use crate::fib::plan::{self, Change, Op, Routes, Shared};
use crate::fib::{KernelFib, Monitor};
use crate::rib::{FibDelta, Gateway, NextHopTable};

/// Dump the main table this often even without change events (missed events).
pub const RESYNC: Duration = Duration::from_secs(30);

/// Deltas taken from the queue at once and coalesced per prefix.
const BATCH: usize = 4096;

/// Netlink route requests in flight at once.
const IN_FLIGHT: usize = 64;

/// What [`FibSink::start`] sets up.
#[derive(Debug)]
pub struct FibStart {
    /// The sink.
    pub sink: FibSink,
    /// Routes of a previous run were found (we restarted).
    pub restarted: bool,
    /// With the kernel FIB: the main table now, for the RIB's next-hop resolution.
    pub table: Option<Arc<NextHopTable>>,
    /// With the kernel FIB: every later change of the table.
    pub tables: Option<mpsc::UnboundedReceiver<Arc<NextHopTable>>>,
}

/// How learned routes reach the forwarding table.
#[derive(Debug, Default)]
pub enum FibMode {
    /// Not installed anywhere (a route server, or tests without a namespace).
    #[default]
    Off,
    /// Sent to a channel (tests observe them).
    Channel(mpsc::UnboundedSender<FibDelta>),
    /// Installed in the kernel of the current network namespace.
    Kernel,
}

/// Messages to the kernel task.
#[derive(Debug)]
pub enum KernelMsg {
    /// Apply one change.
    Change(Change),
    /// The RIB re-converged after a restart: delete what was not re-announced.
    Converged,
}

/// The core's handle on the FIB.
#[derive(Debug)]
pub enum FibSink {
    /// Dropped.
    Off,
    /// Forwarded to a channel.
    Channel(mpsc::UnboundedSender<FibDelta>),
    /// Applied by the kernel task.
    Kernel {
        /// Messages to the task.
        tx: mpsc::UnboundedSender<KernelMsg>,
        /// Next-hop lists shared by the changes queued and the task's routes:
        /// a full table waits in the queue while the kernel catches up.
        hops: Mutex<Shared<IpAddr>>,
        /// The task, stopped with the sink.
        _task: AbortOnDrop,
    },
}

impl FibSink {
    /// Set up the sink; for the kernel also read the routes a previous run left, which
    /// keep forwarding until the RIB has re-converged, and the table next hops resolve
    /// against.
    pub async fn start(mode: FibMode) -> Result<FibStart, crate::fib::FibError> {
        let plain = |sink| FibStart {
            sink,
            restarted: false,
            table: None,
            tables: None,
        };
        match mode {
            FibMode::Off => Ok(plain(FibSink::Off)),
            FibMode::Channel(tx) => Ok(plain(FibSink::Channel(tx))),
            FibMode::Kernel => {
                let fib = KernelFib::connect()?;
                // Subscribe before the first dump so no change falls in between.
                let monitor = Monitor::start()?;
                let mut gateways = Shared::default();
                let found = fib.dump(&mut gateways).await?;
                let table = fib.next_hop_table().await?;
                let restarted = !found.is_empty();
                tracing::info!(routes = found.len(), "routes of a previous run kept");
                let (tx, rx) = mpsc::unbounded_channel();
                let (tables_tx, tables) = mpsc::unbounded_channel();
                let span = tracing::info_span!("reconciler", kind = "routes");
                let state = KernelState::new(found, gateways, table.clone());
                let task =
                    tokio::spawn(kernel_task(fib, state, rx, monitor, tables_tx).instrument(span));
                Ok(FibStart {
                    sink: FibSink::Kernel {
                        tx,
                        hops: Mutex::default(),
                        _task: AbortOnDrop::new(task),
                    },
                    restarted,
                    table: Some(Arc::new(table)),
                    tables: Some(tables),
                })
            }
        }
    }

    /// Apply deltas (in order).
    pub fn apply(&self, deltas: Vec<FibDelta>) {
        match self {
            FibSink::Off => {}
            FibSink::Channel(tx) => {
                for d in deltas {
                    let _ = tx.send(d);
                }
            }
            FibSink::Kernel { tx, hops, .. } => {
                // Only the core takes this lock, and sharing a list cannot stop half
                // way, so a lock poisoned by a panic elsewhere still holds a sound store.
                let mut hops = hops.lock().unwrap_or_else(PoisonError::into_inner);
                for d in &deltas {
                    let _ = tx.send(KernelMsg::Change(plan::change(d, &mut hops)));
                }
            }
        }
    }

    /// The RIB re-converged: remove leftovers of the previous run.
    pub fn converged(&self) {
        if let FibSink::Kernel { tx, .. } = self {
            let _ = tx.send(KernelMsg::Converged);
        }
    }
}

/// The kernel task's view: what the RIB wants, what we installed, the table.
#[derive(Debug)]
struct KernelState {
    /// Prefixes of the routes found at start (a previous run's).
    found: BTreeSet<IpNet>,
    /// Prefixes the RIB has spoken about since start.
    touched: BTreeSet<IpNet>,
    /// Until the RIB re-converged after a restart: only then are `touched` prefixes
    /// tracked (for the leftovers of the previous run).
    restarting: bool,
    /// What the RIB wants and what the kernel holds, per prefix.
    routes: Routes,
    /// Gateway lists shared by the installed routes.
    gateways: Shared<Gateway>,
    table: NextHopTable,
}

impl KernelState {
    fn new(found: Routes, gateways: Shared<Gateway>, table: NextHopTable) -> KernelState {
        KernelState {
            restarting: !found.is_empty(),
            found: found.keys().copied().collect(),
            routes: found,
            gateways,
            touched: BTreeSet::new(),
            table,
        }
    }
}

async fn kernel_task(
    fib: KernelFib,
    mut st: KernelState,
    mut rx: mpsc::UnboundedReceiver<KernelMsg>,
    mut monitor: Monitor,
    tables: mpsc::UnboundedSender<Arc<NextHopTable>>,
) {
    let mut resync = tokio::time::interval(RESYNC);
    resync.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    resync.tick().await;
    let mut watching = true;
    loop {
        tokio::select! {
            msg = rx.recv() => match msg {
                None => return,
                Some(KernelMsg::Change(d)) => {
                    // Coalesce what is queued behind it (rule 7: per batch, not per event).
                    let mut batch = vec![d];
                    let mut converged = false;
                    while batch.len() < BATCH {
                        match rx.try_recv() {
                            Ok(KernelMsg::Change(d)) => batch.push(d),
                            Ok(KernelMsg::Converged) => {
                                converged = true;
                                break;
                            }
                            Err(_) => break,
                        }
                    }
                    apply_batch(&fib, &mut st, batch).await;
                    if converged {
                        remove_leftovers(&fib, &mut st).await;
                    }
                }
                Some(KernelMsg::Converged) => remove_leftovers(&fib, &mut st).await,
            },
            alive = monitor.changed(), if watching => {
                if !alive {
                    tracing::warn!("route monitor ended; rescanning every {RESYNC:?} only");
                    watching = false;
                }
                rescan(&fib, &mut st, &tables).await;
            }
            _ = resync.tick() => rescan(&fib, &mut st, &tables).await,
        }
    }
}

/// Record a batch of deltas and carry out one kernel operation per prefix it touched,
/// [`IN_FLIGHT`] at a time (the prefixes are distinct, so their order does not matter).
async fn apply_batch(fib: &KernelFib, st: &mut KernelState, batch: Vec<Change>) {
    let mut seen: HashSet<IpNet> = HashSet::with_capacity(batch.len());
    let mut order = Vec::with_capacity(batch.len());
    for c in &batch {
        let prefix = c.0;
        if st.restarting {
            st.touched.insert(prefix);
        }
        plan::record(&mut st.routes, c);
        if seen.insert(prefix) {
            order.push(prefix);
        }
    }
    let ops: Vec<Op> = order
        .into_iter()
        .filter_map(|prefix| {
            // Withdrawn by the batch's last change for it: the removal always goes to
            // the kernel, since deleting what is gone is success.
            let wanted = st.routes.get(&prefix).is_some_and(|r| r.want.is_some());
            let op = plan::sync(prefix, &st.routes, &st.table)
                .or_else(|| (!wanted).then_some(Op::Delete(prefix)))?;
            if matches!(op, Op::Delete(_)) && wanted {
                tracing::info!(%prefix, "no next hop resolvable; route removed");
            }
            Some(op)
        })
        .collect();
    execute_all(fib, &mut st.routes, &mut st.gateways, ops).await;
}

/// After re-converging from a restart: delete the previous run's routes nobody
/// re-announced, and stop tracking which prefixes were touched.
async fn remove_leftovers(fib: &KernelFib, st: &mut KernelState) {
    let ops = plan::leftovers(&st.found, &st.touched)
        .into_iter()
        .map(Op::Delete)
        .collect();
    execute_all(fib, &mut st.routes, &mut st.gateways, ops).await;
    st.restarting = false;
    st.found = BTreeSet::new();
    st.touched = BTreeSet::new();
}

/// Dump the table; if it changed, tell the core and move our routes to the new gateways.
async fn rescan(
    fib: &KernelFib,
    st: &mut KernelState,
    tables: &mpsc::UnboundedSender<Arc<NextHopTable>>,
) {
    let table = match fib.next_hop_table().await {
        Ok(t) => t,
        Err(e) => {
            tracing::warn!(error = %e, "cannot read the routing table");
            return;
        }
    };
    if table == st.table {
        return;
    }
    tracing::debug!(routes = table.len(), "routing table changed");
    st.table = table;
    let _ = tables.send(Arc::new(st.table.clone()));
    let ops = plan::reconcile(&st.routes, &st.table);
    execute_all(fib, &mut st.routes, &mut st.gateways, ops).await;
}

/// Carry out operations on distinct prefixes, [`IN_FLIGHT`] netlink requests at a time
/// (one round trip per route, waited for in turn, is what made installing a full table
/// slow), recording each one that succeeded.
async fn execute_all(
    fib: &KernelFib,
    routes: &mut Routes,
    gateways: &mut Shared<Gateway>,
    ops: Vec<Op>,
) {
    let mut results = futures::stream::iter(ops)
        .map(|op| async move {
            let r = match &op {
                Op::Replace(prefix, gws) => fib.replace(*prefix, gws).await,
                Op::Delete(prefix) => fib.delete(*prefix).await,
            };
            (op, r)
        })
        .buffer_unordered(IN_FLIGHT);
    while let Some((op, r)) = results.next().await {
        match r {
            Ok(()) => plan::applied(routes, gateways, &op),
            Err(e) => tracing::warn!(error = %e, "kernel route update failed"),
        }
    }
}
