//! Third-party BGP routers (BIRD 2, FRR 8.4, GoBGP 3) as lab nodes: started
//! inside a namespace from a [`RouterConfig`], with session states and RIB
//! readable as typed data through the [`Router`] trait.

pub mod bird;
pub mod frr;
pub mod gobgp;
mod types;

pub use types::{
    BgpSession, NeighborConfig, RibRoute, RouterConfig, RouterKind, SessionState, Timers,
};

use std::net::IpAddr;
use std::time::Duration;

use ipnet::IpNet;

use crate::error::LabError;
use crate::lab::Lab;
use crate::process::Daemon;
use crate::wait::{wait_for, wait_until};

/// Generous readiness deadline: the machine running the tests is loaded.
pub const READY_TIMEOUT: Duration = Duration::from_secs(60);

/// A running BGP router in a lab namespace.
pub trait Router: std::fmt::Debug + Send {
    /// Which implementation this is.
    fn kind(&self) -> RouterKind;

    /// The namespace it runs in.
    fn namespace(&self) -> &str;

    /// State of every configured BGP session.
    fn sessions(&self) -> Result<Vec<BgpSession>, LabError>;

    /// The router's IPv4 and IPv6 unicast BGP RIB (received and originated).
    fn rib(&self) -> Result<Vec<RibRoute>, LabError>;

    /// Waits until the session with `peer` is established.
    fn wait_established(&self, peer: IpAddr, timeout: Duration) -> Result<(), LabError> {
        let what = format!("{:?} session with {peer} to be established", self.kind());
        wait_until(timeout, &what, || {
            self.sessions().is_ok_and(|s| {
                s.iter()
                    .any(|s| s.peer == peer && s.state == SessionState::Established)
            })
        })?;
        Ok(())
    }

    /// Waits until `prefix` is in the RIB and returns that route.
    fn wait_route(&self, prefix: IpNet, timeout: Duration) -> Result<RibRoute, LabError> {
        let what = format!("{prefix} in the {:?} RIB", self.kind());
        Ok(wait_for(timeout, &what, || {
            self.rib().ok()?.into_iter().find(|r| r.prefix == prefix)
        })?)
    }
}

/// Starts a router of `kind` in node `role` of `lab` and waits until it
/// answers on its control interface.
pub fn start(
    kind: RouterKind,
    lab: &Lab,
    role: &str,
    config: &RouterConfig,
) -> Result<Box<dyn Router>, LabError> {
    Ok(match kind {
        RouterKind::Bird => Box::new(bird::Bird::start(lab, role, config)?),
        RouterKind::Frr => Box::new(frr::Frr::start(lab, role, config)?),
        RouterKind::Gobgp => Box::new(gobgp::Gobgp::start(lab, role, config)?),
    })
}

/// Waits until `ready()` holds, failing early (with the log) if one of
/// `daemons` exits meanwhile.
pub(crate) fn wait_ready(
    daemons: &[&Daemon],
    what: &str,
    mut ready: impl FnMut() -> bool,
) -> Result<(), LabError> {
    let exited = || daemons.iter().find(|d| !d.is_running());
    wait_until(READY_TIMEOUT, what, || ready() || exited().is_some())?;
    match exited() {
        Some(d) => Err(LabError::DaemonExited {
            name: d.name().to_owned(),
            log: d.log(),
        }),
        None => Ok(()),
    }
}

/// A per-router directory inside the lab dir.
pub(crate) fn router_dir(
    lab: &Lab,
    kind: RouterKind,
    role: &str,
) -> Result<std::path::PathBuf, LabError> {
    let dir = lab.dir().join(format!("{}-{role}", kind.as_str()));
    std::fs::create_dir_all(&dir)
        .map_err(LabError::io(format!("failed to create {}", dir.display())))?;
    Ok(dir)
}

/// Writes a config file.
pub(crate) fn write_config(path: &std::path::Path, text: &str) -> Result<(), LabError> {
    std::fs::write(path, text).map_err(LabError::io(format!("failed to write {}", path.display())))
}
