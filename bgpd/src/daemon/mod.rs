//! The tokio shell around the sans-IO core.
//!
//! ```text
//!  listener task ──accepted──▶ ┌──────┐ ──PeerCmd──▶ neighbor task (one per peer,
//!                              │ core │                span neighbor{addr}): sockets,
//!  neighbor tasks ──CoreMsg──▶ │ Rib  │ ◀──CoreMsg── FSM sessions, timers, collisions
//!  control (reload) ─────────▶ └──────┘ ──FibDelta──▶ kernel task (rtnetlink)
//!                                  ▲                      │ next-hop resolution
//!                                  └──NextHopTable────────┘ (main table changes)
//! ```
//!
//! [`run`] takes a pre-bound listener and a shutdown future, so tests run the daemon
//! in-process on port 0. Shutdown closes sockets without a NOTIFICATION and leaves the
//! kernel routes in place: Graceful Restart peers keep forwarding to us meanwhile.

mod conn;
mod core;
mod fib_sink;
mod msg;
mod neighbor;
pub mod reload;
mod soft_reset;
mod status;
mod timers;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};

pub use fib_sink::FibMode;
pub use soft_reset::{SoftResetDirection, SoftResetError, SoftResetOutcome, SoftResetResult};
pub use status::{LastError, PeerCounters, PeerDetail, PeerError, PeerStatus, SessionInfo, Status};

use self::conn::AbortOnDrop;
use self::core::Core;
use self::fib_sink::FibSink;
use crate::config::Config;

/// Deferral after a restart when no session does Graceful Restart, seconds.
const NO_GR_DEFERRAL_SECS: u16 = 10;

/// Requests from outside (SIGHUP handler, management API).
#[derive(Debug)]
pub enum ControlMsg {
    /// Apply this configuration; unchanged peers keep their sessions.
    Reload(Box<Config>),
    /// Selected Loc-RIB paths, optionally of one prefix and/or from one peer.
    Routes {
        /// Only this prefix.
        prefix: Option<ipnet::IpNet>,
        /// Only paths from this peer.
        peer: Option<std::net::IpAddr>,
        /// Where the answer goes.
        reply: tokio::sync::oneshot::Sender<Vec<RouteInfo>>,
    },
    /// Soft reset of one peer's session, inbound, outbound or both.
    SoftReset {
        /// Peer address.
        peer: std::net::IpAddr,
        /// Directions.
        direction: SoftResetDirection,
        /// Where the answer goes.
        reply: tokio::sync::oneshot::Sender<SoftResetResult>,
    },
}

/// One selected path, as the management API shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteInfo {
    /// Prefix.
    pub prefix: ipnet::IpNet,
    /// Source peer address; unspecified (0.0.0.0) for originated prefixes.
    pub peer: std::net::IpAddr,
    /// Next hop; unspecified for originated prefixes.
    pub next_hop: std::net::IpAddr,
    /// AS_PATH, leftmost first.
    pub as_path: Vec<u32>,
    /// The best path of its prefix.
    pub best: bool,
}

/// Why the daemon stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    /// The kernel FIB could not be opened or read.
    #[error("failed to set up the kernel fib")]
    Fib(#[from] crate::fib::FibError),
}

/// Everything besides the configuration, listener and shutdown signal.
#[derive(Debug, Default)]
pub struct Options {
    /// Where learned routes go.
    pub fib: FibMode,
    /// Reload requests.
    pub control: Option<mpsc::Receiver<ControlMsg>>,
    /// Receives status snapshots (peer states, prefix counts).
    pub status: Option<watch::Sender<Status>>,
}

/// Run the speaker with the kernel FIB until `shutdown` completes.
pub async fn run(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()>,
) -> Result<(), DaemonError> {
    let opts = Options {
        fib: FibMode::Kernel,
        ..Options::default()
    };
    run_with(config, listener, shutdown, opts).await
}

/// Run the speaker with explicit options until `shutdown` completes.
pub async fn run_with(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()>,
    opts: Options,
) -> Result<(), DaemonError> {
    let fib_sink::FibStart {
        sink: fib,
        restarted,
        table,
        tables,
    } = FibSink::start(opts.fib).await?;
    let mut tables = tables.unwrap_or_else(|| mpsc::unbounded_channel().1);
    let listener = Arc::new(listener);
    // Small: a queue of decoded UPDATEs (each ~20 KiB with its NLRI) only adds memory;
    // the neighbor tasks wait for the core instead (measured: convergence bench).
    let (core_tx, mut core_rx) = mpsc::channel(32);
    let (stale_tx, mut stale_rx) = mpsc::unbounded_channel();
    let (accept_tx, mut accept_rx) = mpsc::channel(64);
    let status = opts
        .status
        .unwrap_or_else(|| watch::channel(Status::default()).0);
    let mut control = opts.control.unwrap_or_else(|| mpsc::channel(1).1);
    // Selection deferral after a restart (RFC 4724 §4.1): as long as the longest restart
    // time we advertise; without Graceful Restart on any session, a short grace so the
    // directly connected peers' initial tables arrive before old routes are removed.
    let deferral_secs = config
        .peers
        .iter()
        .filter_map(|p| p.graceful_restart_time)
        .max()
        .unwrap_or(NO_GR_DEFERRAL_SECS);
    let mut core = Core::new(
        config,
        core_tx,
        fib,
        Arc::clone(&listener),
        stale_tx,
        status,
    );
    if table.is_some() {
        // Before any session is up, so no route is selected with an unresolvable next hop.
        core.next_hop_table(table);
    }
    if restarted {
        core.begin_deferral();
    }
    let _accept = accept_task(listener, accept_tx);
    core.start();
    tracing::info!("bgpd running");
    let deferral = tokio::time::sleep(Duration::from_secs(u64::from(deferral_secs)));
    tokio::pin!(deferral, shutdown);
    let mut deferral_done = false;
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            Some((generation, msg)) = core_rx.recv() => core.message(generation, msg),
            Some((stream, from)) = accept_rx.recv() => core.accepted(stream, from),
            Some(peer) = stale_rx.recv() => core.stale_expired(peer),
            Some(msg) = control.recv() => core.control(msg),
            Some(table) = tables.recv() => core.next_hop_table(Some(table)),
            () = &mut deferral, if !deferral_done => {
                deferral_done = true;
                core.deferral_expired();
            }
        }
    }
    tracing::info!("bgpd stopping; kernel routes kept for graceful restart");
    Ok(())
}

/// Accept connections and pass them to the core; errors (e.g. out of descriptors) are
/// logged and accepting continues.
fn accept_task(
    listener: Arc<TcpListener>,
    tx: mpsc::Sender<(tokio::net::TcpStream, std::net::SocketAddr)>,
) -> AbortOnDrop {
    AbortOnDrop::new(tokio::spawn(async move {
        loop {
            match listener.accept().await {
                Ok(pair) => {
                    if tx.send(pair).await.is_err() {
                        return;
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    }))
}
