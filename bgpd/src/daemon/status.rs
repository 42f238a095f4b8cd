//! A snapshot of the speaker for status displays and tests, published on a watch channel.

use std::collections::BTreeMap;
use std::net::IpAddr;

use tokio::time::Instant;

use crate::config::PeerKind;
use crate::fsm::State;

/// One peer's status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerStatus {
    /// Configured name.
    pub name: String,
    /// Mesh / global / node.
    pub kind: PeerKind,
    /// FSM state of the session.
    pub state: State,
    /// When it entered that state.
    pub since: Instant,
    /// Prefixes received (Adj-RIB-In size).
    pub received: usize,
}

/// The whole speaker.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Status {
    /// Peers by address.
    pub peers: BTreeMap<IpAddr, PeerStatus>,
    /// Prefixes in the Loc-RIB.
    pub loc_rib: usize,
    /// Reloads applied.
    pub reloads: u64,
}
