//! The node-to-node mesh: one iBGP (or eBGP, across ASes) session to every
//! other node, route reflectors excepted.

use super::{
    inputs::Inputs,
    nodes::{is_route_reflector, node_addresses, node_as, passive_towards},
    peer::{NextHop, Peer, PeerKind},
};

/// Mesh sessions of the configured node (none when the mesh is disabled).
pub fn mesh_peers(inputs: &Inputs) -> Vec<Peer> {
    let enabled = inputs
        .global_config
        .as_ref()
        .and_then(|c| c.node_to_node_mesh_enabled)
        .unwrap_or(true);
    let Some(me) = inputs.node_info(&inputs.node) else {
        return Vec::new();
    };
    if !enabled || is_route_reflector(me) {
        return Vec::new();
    }
    let local_addresses = node_addresses(me);
    let password = inputs
        .global_config
        .as_ref()
        .and_then(|c| c.node_mesh_password.clone());
    let restart_time = inputs
        .global_config
        .as_ref()
        .and_then(|c| c.node_mesh_max_restart_time);
    let mut peers = Vec::new();
    for other in inputs
        .nodes
        .iter()
        .filter(|n| n.name != me.name && !is_route_reflector(n))
    {
        for remote in node_addresses(other) {
            let Some(&local) = local_addresses
                .iter()
                .find(|l| l.is_ipv4() == remote.is_ipv4())
            else {
                continue;
            };
            let family = if remote.is_ipv4() { "" } else { ".v6" };
            peers.push(Peer {
                name: format!("mesh.{}{family}", other.name),
                kind: PeerKind::Mesh,
                address: remote,
                port: None,
                remote_as: node_as(inputs, &other.name),
                local_as: None,
                passive: passive_towards(local, remote),
                password: password.clone(),
                ttl_security: None,
                next_hop: NextHop::Auto,
                route_reflector_client: false,
                keepalive_time: None,
                restart_time,
                max_prefixes: None,
                allowed_local_as: None,
                filters: Vec::new(),
            });
        }
    }
    peers
}
