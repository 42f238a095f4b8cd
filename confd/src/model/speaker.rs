//! The desired configuration of this node's BGP speaker, and how it is built.

use super::{
    inputs::Inputs,
    mesh::mesh_peers,
    origination::{Origination, originations},
    peers::explicit_peers,
};
use resources::bgpconfig::DEFAULT_AS_NUMBER;
use resources::bgppeer::BGPPassword;
use resources::{AsNumber, GoDuration};
use std::net::{IpAddr, Ipv4Addr};

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

/// The whole speaker configuration of one node.
#[derive(Debug, Clone, PartialEq)]
pub struct SpeakerConfig {
    pub node: String,
    pub router_id: Ipv4Addr,
    pub local_as: AsNumber,
    /// `None`: listen on every address.
    pub listen_address: Option<IpAddr>,
    pub listen_port: u16,
    /// Set when this node is a route reflector.
    pub cluster_id: Option<Ipv4Addr>,
    /// Sorted by name.
    pub peers: Vec<Peer>,
    /// Sorted by prefix.
    pub originate: Vec<Origination>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    #[error("node {0} is not registered (no Node resource)")]
    NoNode(String),
    #[error("node {0} has no IPv4 BGP address (spec.bgp.ipv4Address); the router ID needs one")]
    NoAddress(String),
    #[error("BGPPeer {peer}: invalid {field}: {message}")]
    InvalidSelector {
        peer: String,
        field: &'static str,
        message: String,
    },
}

/// BGP's well-known port.
pub const DEFAULT_LISTEN_PORT: u16 = 179;

/// The AS a node uses: its own, else the cluster default, else 64512.
pub fn node_as(inputs: &Inputs, node: &str) -> AsNumber {
    inputs
        .node_info(node)
        .and_then(|n| n.spec.bgp.as_ref())
        .and_then(|b| b.as_number)
        .or_else(|| inputs.global_config.as_ref().and_then(|c| c.as_number))
        .unwrap_or(DEFAULT_AS_NUMBER)
}

/// Builds this node's configuration from the inputs.
pub fn build(inputs: &Inputs) -> Result<SpeakerConfig, ModelError> {
    let me = inputs
        .node_info(&inputs.node)
        .ok_or_else(|| ModelError::NoNode(inputs.node.clone()))?;
    let bgp = me
        .spec
        .bgp
        .as_ref()
        .ok_or_else(|| ModelError::NoAddress(me.name.clone()))?;
    let router_id = bgp
        .ipv4_address
        .ok_or_else(|| ModelError::NoAddress(me.name.clone()))?
        .addr();
    let bind_node_ip =
        inputs.setting(|c| c.bind_mode) == Some(resources::bgpconfig::BindMode::NodeIP);

    let mut peers = explicit_peers(inputs)?;
    for peer in mesh_peers(inputs) {
        // An explicit BGPPeer to the same address takes precedence over the mesh.
        if !peers.iter().any(|p| p.address == peer.address) {
            peers.push(peer);
        }
    }
    peers.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(SpeakerConfig {
        node: inputs.node.clone(),
        router_id,
        local_as: node_as(inputs, &inputs.node),
        listen_address: bind_node_ip.then_some(IpAddr::V4(router_id)),
        listen_port: inputs
            .setting(|c| c.listen_port)
            .unwrap_or(DEFAULT_LISTEN_PORT),
        cluster_id: bgp.route_reflector_cluster_id,
        peers,
        originate: originations(inputs),
    })
}
