//! A snapshot of the speaker for status displays and tests, published on a watch channel.
//! The core is its only writer; per-peer counters live here, in the daemon's own state.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};

use tokio::time::Instant;

use crate::config::PeerKind;
use crate::fsm::{NegotiatedSession, State};
use crate::wire::{Notification, NotificationText};

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

/// More about a peer: its AS, prefix counts, counters, the session and the last error.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeerDetail {
    /// Configured remote AS.
    pub remote_as: u32,
    /// Routes in the Loc-RIB from this peer (import policy passed, next hop resolvable).
    pub accepted: usize,
    /// Prefixes advertised to the peer on the current session (its Adj-RIB-Out).
    pub advertised: usize,
    /// Message and session counters, kept across session resets and reloads.
    pub counters: PeerCounters,
    /// The Established session, if there is one.
    pub session: Option<SessionInfo>,
    /// What last went wrong with this peer.
    pub last_error: Option<LastError>,
}

/// Monotonic per-peer counters (for /metrics).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PeerCounters {
    /// UPDATE messages received.
    pub updates_in: u64,
    /// UPDATE messages sent.
    pub updates_out: u64,
    /// Established sessions that went down.
    pub flaps: u64,
}

/// An Established session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    /// When it reached Established (uptime).
    pub established: Instant,
    /// The peer's BGP Identifier.
    pub peer_id: Ipv4Addr,
    /// Negotiated hold time, seconds.
    pub hold_time: u16,
    /// Keepalive interval, seconds.
    pub keepalive: u16,
    /// Negotiated capabilities by name ([`NegotiatedSession::capability_names`]).
    pub capabilities: Vec<String>,
}

impl SessionInfo {
    /// The session as negotiated, up from `established`.
    pub fn new(negotiated: &NegotiatedSession, established: Instant) -> SessionInfo {
        SessionInfo {
            established,
            peer_id: negotiated.peer_id,
            hold_time: negotiated.hold_time,
            keepalive: negotiated.keepalive,
            capabilities: negotiated.capability_names(),
        }
    }
}

/// Something that ended or prevented a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PeerError {
    /// We sent this NOTIFICATION.
    NotificationSent(Notification),
    /// The peer sent this NOTIFICATION.
    NotificationReceived(Notification),
    /// The TCP connection failed or was closed (what the OS said).
    Connection(String),
}

impl PeerError {
    /// Which of the three: `notification sent`, `notification received`, `connection`.
    pub fn kind(&self) -> &'static str {
        match self {
            PeerError::NotificationSent(_) => "notification sent",
            PeerError::NotificationReceived(_) => "notification received",
            PeerError::Connection(_) => "connection",
        }
    }
}

impl std::fmt::Display for PeerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PeerError::NotificationSent(n) | PeerError::NotificationReceived(n) => {
                write!(f, "{}", NotificationText(n))
            }
            PeerError::Connection(e) => f.write_str(e),
        }
    }
}

/// The last error of a peer and when it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastError {
    /// What happened.
    pub error: PeerError,
    /// When.
    pub at: Instant,
}

/// The whole speaker.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Status {
    /// Peers by address.
    pub peers: BTreeMap<IpAddr, PeerStatus>,
    /// Prefixes in the Loc-RIB.
    pub loc_rib: usize,
    /// Per peer details, by address (same keys as `peers`).
    pub details: BTreeMap<IpAddr, PeerDetail>,
    /// Reloads applied.
    pub reloads: u64,
}
