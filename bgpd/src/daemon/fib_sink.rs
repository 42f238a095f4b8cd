//! Where the core's FIB deltas go: nowhere, a channel (tests), or the kernel through a
//! task that applies them in order over rtnetlink.

use std::collections::BTreeSet;

use ipnet::IpNet;
use tokio::sync::mpsc;
use tracing::Instrument;

use super::conn::AbortOnDrop;
use crate::fib::KernelFib;
use crate::fib::plan::{self, Installed};
use crate::rib::FibDelta;

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
    Delta(FibDelta),
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
        /// The task, stopped with the sink.
        _task: AbortOnDrop,
    },
}

impl FibSink {
    /// Set up the sink; for the kernel also read the routes a previous run left, which
    /// keep forwarding until the RIB has re-converged. Returns whether any were found.
    pub async fn start(mode: FibMode) -> Result<(FibSink, bool), crate::fib::FibError> {
        match mode {
            FibMode::Off => Ok((FibSink::Off, false)),
            FibMode::Channel(tx) => Ok((FibSink::Channel(tx), false)),
            FibMode::Kernel => {
                let fib = KernelFib::connect()?;
                let found = fib.dump().await?;
                let restarted = !found.is_empty();
                tracing::info!(routes = found.len(), "routes of a previous run kept");
                let (tx, rx) = mpsc::unbounded_channel();
                let span = tracing::info_span!("reconciler", kind = "routes");
                let task = tokio::spawn(kernel_task(fib, found, rx).instrument(span));
                Ok((
                    FibSink::Kernel {
                        tx,
                        _task: AbortOnDrop::new(task),
                    },
                    restarted,
                ))
            }
        }
    }

    /// Apply deltas (in order).
    pub fn apply(&self, deltas: Vec<FibDelta>) {
        for d in deltas {
            match self {
                FibSink::Off => {}
                FibSink::Channel(tx) => {
                    let _ = tx.send(d);
                }
                FibSink::Kernel { tx, .. } => {
                    let _ = tx.send(KernelMsg::Delta(d));
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

async fn kernel_task(fib: KernelFib, found: Installed, mut rx: mpsc::UnboundedReceiver<KernelMsg>) {
    let mut installed = found.clone();
    let mut touched: BTreeSet<IpNet> = BTreeSet::new();
    while let Some(msg) = rx.recv().await {
        match msg {
            KernelMsg::Delta(d) => {
                let r = match &d {
                    FibDelta::Add { prefix, next_hops }
                    | FibDelta::Replace { prefix, next_hops } => {
                        touched.insert(*prefix);
                        fib.replace(*prefix, next_hops).await
                    }
                    FibDelta::Remove { prefix } => {
                        touched.insert(*prefix);
                        fib.delete(*prefix).await
                    }
                };
                match r {
                    Ok(()) => plan::record(&mut installed, &d),
                    Err(e) => tracing::warn!(error = %e, "kernel route update failed"),
                }
            }
            KernelMsg::Converged => {
                for prefix in plan::leftovers(&found, &touched) {
                    if let Err(e) = fib.delete(prefix).await {
                        tracing::warn!(error = %e, "cannot delete stale route");
                    }
                    installed.remove(&prefix);
                }
            }
        }
    }
}
