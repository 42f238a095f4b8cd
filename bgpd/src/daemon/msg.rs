//! Typed messages between the neighbor tasks and the RIB core.

use std::net::IpAddr;

use tokio::net::TcpStream;

use super::status::PeerError;
use crate::fsm::{NegotiatedSession, State};
use crate::rib::{Advert, PeerId};
use crate::wire::{Afi, Notification, Update};

/// Neighbor task → core.
// UPDATEs dominate the traffic; boxing them would add an allocation per message.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum CoreMsg {
    /// The session reached Established; `local` is our address on it (next-hop-self).
    Up {
        /// Peer.
        peer: PeerId,
        /// Negotiated parameters.
        negotiated: NegotiatedSession,
        /// Our session address.
        local: IpAddr,
    },
    /// An UPDATE arrived.
    Update {
        /// Peer.
        peer: PeerId,
        /// The message.
        update: Update,
    },
    /// The peer asked for our routes again.
    RouteRefresh {
        /// Peer.
        peer: PeerId,
        /// Family.
        afi: Afi,
    },
    /// The session left Established.
    Down {
        /// Peer.
        peer: PeerId,
        /// Keep its routes stale (Graceful Restart).
        graceful: bool,
    },
    /// UPDATE messages were written to the peer (status only).
    Sent {
        /// Peer.
        peer: PeerId,
        /// How many.
        updates: u64,
    },
    /// A NOTIFICATION went either way, or the connection failed (status only).
    Error {
        /// Peer.
        peer: PeerId,
        /// What happened.
        error: PeerError,
    },
    /// The FSM state changed (status only).
    State {
        /// Peer.
        peer: PeerId,
        /// New state.
        state: State,
    },
}

/// Core → one neighbor task.
#[derive(Debug)]
pub enum PeerCmd {
    /// Send these Adj-RIB-Out changes (packed into UPDATEs by the neighbor).
    Adverts(Vec<Advert>),
    /// Close the session with this NOTIFICATION (max-prefix, de-configuration).
    Close(Notification),
    /// Ask the peer to send its routes of these families again (RFC 2918).
    RouteRefresh(Vec<Afi>),
    /// A connection the listener accepted from this peer's address.
    Accepted(TcpStream),
    /// The peer was removed from the configuration: send Cease / Peer De-configured and
    /// end. (A closed command channel means daemon shutdown: end without a NOTIFICATION,
    /// so Graceful Restart peers keep our routes.)
    Remove,
}
