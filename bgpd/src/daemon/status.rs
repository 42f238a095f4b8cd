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

/// More about a peer: its AS and how many of its routes were accepted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PeerDetail {
    /// Configured remote AS.
    pub remote_as: u32,
    /// Routes in the Loc-RIB from this peer (import policy passed, next hop resolvable).
    pub accepted: usize,
}

/// The whole speaker.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Status {
    /// Peers by address.
    pub peers: BTreeMap<IpAddr, PeerStatus>,
    /// Prefixes in the Loc-RIB.
    pub loc_rib: usize,
    /// Per peer AS and accepted routes, by address (same keys as `peers`).
    pub details: BTreeMap<IpAddr, PeerDetail>,
    /// Reloads applied.
    pub reloads: u64,
}
