//! Facts about nodes that both the mesh and BGPPeer sessions depend on: a
//! node's AS and BGP addresses, route reflectors, which side initiates.

use super::inputs::{Inputs, NodeInfo};
use resources::AsNumber;
use resources::bgpconfig::DEFAULT_AS_NUMBER;
use std::net::IpAddr;

/// The AS a node uses: its own, else the cluster default, else 64512.
pub fn node_as(inputs: &Inputs, node: &str) -> AsNumber {
    inputs
        .node_info(node)
        .and_then(|n| n.spec.bgp.as_ref())
        .and_then(|b| b.as_number)
        .or_else(|| inputs.global_config.as_ref().and_then(|c| c.as_number))
        .unwrap_or(DEFAULT_AS_NUMBER)
}

/// The node's BGP addresses (IPv4, IPv6).
pub fn node_addresses(node: &NodeInfo) -> Vec<IpAddr> {
    let Some(bgp) = &node.spec.bgp else {
        return Vec::new();
    };
    let v4 = bgp.ipv4_address.map(|n| IpAddr::V4(n.addr()));
    let v6 = bgp.ipv6_address.map(|n| IpAddr::V6(n.addr()));
    v4.into_iter().chain(v6).collect()
}

pub fn is_route_reflector(node: &NodeInfo) -> bool {
    node.spec
        .bgp
        .as_ref()
        .is_some_and(|b| b.route_reflector_cluster_id.is_some())
}

/// Exactly one side of a node pair initiates, so the two never race to open
/// two sessions: the node with the lower address connects, the higher waits.
pub fn passive_towards(local: IpAddr, remote: IpAddr) -> bool {
    local > remote
}
