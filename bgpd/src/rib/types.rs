//! Shared RIB vocabulary: peers, interned attributes, candidate paths.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use crate::wire::PathAttrs;

/// The per-peer and per-route maps of the RIB: foldhash instead of SipHash (SipHash on
/// the peer maps was a tenth of bgpd's CPU time converging 400,000 routes), still
/// seeded per process against crafted collisions.
pub type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::quality::RandomState>;

/// A peer, identified by its address. `PeerId::LOCAL` stands for routes we originate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PeerId(pub IpAddr);

impl PeerId {
    /// Pseudo-peer for locally originated routes.
    pub const LOCAL: PeerId = PeerId(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
}

/// Path attributes plus the next hop of the route (NEXT_HOP or MP_REACH next hop).
/// This is what gets interned.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RibAttrs {
    /// Attributes as received (after import policy).
    pub path: PathAttrs,
    /// Next hop; unspecified for locally originated routes.
    pub next_hop: IpAddr,
}

/// What the decision process needs to know about the peer a path came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerInfo {
    /// Peer address (last tie-breaker, RFC 4271 §9.1.2.2 (g)).
    pub addr: IpAddr,
    /// Peer BGP Identifier (§9.1.2.2 (f)).
    pub router_id: Ipv4Addr,
    /// Learned over eBGP (§9.1.2.2 (d)).
    pub ebgp: bool,
    /// The peer is our route-reflector client (RFC 4456).
    pub rr_client: bool,
    /// The peer's AS.
    pub asn: u32,
}

impl PeerInfo {
    /// The pseudo-peer of locally originated routes.
    pub fn local(router_id: Ipv4Addr, asn: u32) -> PeerInfo {
        PeerInfo {
            addr: PeerId::LOCAL.0,
            router_id,
            ebgp: false,
            rr_client: false,
            asn,
        }
    }
}

/// One candidate path for a prefix in the Loc-RIB.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// Where it came from.
    pub peer: PeerId,
    /// ADD-PATH identifier it was received with (0 without ADD-PATH).
    pub path_id: u32,
    /// Interned attributes.
    pub attrs: Arc<RibAttrs>,
    /// Interior cost to the next hop, if an IGP metric is known (§9.1.2.2 (e)).
    pub igp_cost: Option<u32>,
}
