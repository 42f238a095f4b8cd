//! The desired configuration of this node's BGP speaker, and how it is built.

use super::{
    error::ModelError,
    inputs::Inputs,
    mesh::mesh_peers,
    nodes::node_as,
    origination::{Origination, originations},
    peers::explicit_peers,
};
use resources::AsNumber;
use std::net::{IpAddr, Ipv4Addr};

// Re-exported: the renderer and tests name the session types through `speaker`.
pub use super::peer::{NextHop, Peer, PeerKind};

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

/// BGP's well-known port.
pub const DEFAULT_LISTEN_PORT: u16 = 179;

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
