//! One BGP session this node should have, whichever resource asked for it
//! (the mesh or a BGPPeer).

use resources::bgppeer::BGPPassword;
use resources::{AsNumber, GoDuration};
use std::net::IpAddr;

/// Where a session comes from, as `netctl node status` shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PeerKind {
    /// The automatic node-to-node mesh.
    Mesh,
    /// A BGPPeer that applies to every node.
    Global,
    /// A BGPPeer for this node (by `node` or `nodeSelector`).
    NodeSpecific,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextHop {
    /// Self on eBGP, unchanged on iBGP (BGP's default).
    Auto,
    SelfAddress,
    Keep,
}

/// One BGP session this node should have.
#[derive(Debug, Clone, PartialEq)]
pub struct Peer {
    /// Stable name: `mesh.<node>`, `global.<bgppeer>`, `node.<bgppeer>`, with
    /// `.<node>` appended for peers expanded from a peerSelector.
    pub name: String,
    pub kind: PeerKind,
    pub address: IpAddr,
    pub port: Option<u16>,
    pub remote_as: AsNumber,
    pub local_as: Option<AsNumber>,
    /// Wait for the peer to connect (exactly one side of a node pair initiates).
    pub passive: bool,
    pub password: Option<BGPPassword>,
    pub ttl_security: Option<u8>,
    pub next_hop: NextHop,
    pub route_reflector_client: bool,
    pub keepalive_time: Option<GoDuration>,
    pub restart_time: Option<GoDuration>,
    pub max_prefixes: Option<u32>,
    pub allowed_local_as: Option<u32>,
    pub filters: Vec<String>,
}
