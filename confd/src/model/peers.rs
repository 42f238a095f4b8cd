//! BGPPeer resources that apply to this node, expanded to sessions.

use super::{
    error::ModelError,
    inputs::{Inputs, NodeInfo},
    nodes::{node_addresses, node_as, passive_towards},
    peer::{NextHop, Peer, PeerKind},
};
use policies::selector::Selector;
use resources::BGPPeerSpec;
use resources::bgppeer::{NextHopMode, parse_peer_ip};
use std::net::IpAddr;

fn selector(peer: &str, field: &'static str, text: &str) -> Result<Selector, ModelError> {
    Selector::parse(text).map_err(|e| ModelError::InvalidSelector {
        peer: peer.into(),
        field,
        message: e.to_string(),
    })
}

/// Whether the BGPPeer applies to `me`, and as which kind.
fn applies(name: &str, spec: &BGPPeerSpec, me: &NodeInfo) -> Result<Option<PeerKind>, ModelError> {
    if !spec.node.is_empty() {
        return Ok((spec.node == me.name).then_some(PeerKind::NodeSpecific));
    }
    if !spec.node_selector.is_empty() {
        let matches = selector(name, "nodeSelector", &spec.node_selector)?.matches(&me.labels);
        return Ok(matches.then_some(PeerKind::NodeSpecific));
    }
    Ok(Some(PeerKind::Global))
}

fn next_hop(spec: &BGPPeerSpec) -> NextHop {
    match (spec.keep_original_next_hop, spec.next_hop_mode) {
        (true, _) | (false, Some(NextHopMode::Keep)) => NextHop::Keep,
        (false, Some(NextHopMode::SelfAddress)) => NextHop::SelfAddress,
        (false, Some(NextHopMode::Auto) | None) => NextHop::Auto,
    }
}

/// A route reflector treats every node outside its own cluster as a client.
fn is_rr_client(me: &NodeInfo, remote: Option<&NodeInfo>) -> bool {
    let cluster = |n: &NodeInfo| {
        n.spec
            .bgp
            .as_ref()
            .and_then(|b| b.route_reflector_cluster_id)
    };
    match (cluster(me), remote) {
        (Some(mine), Some(other)) => cluster(other) != Some(mine),
        _ => false,
    }
}

fn session(
    name: String,
    kind: PeerKind,
    spec: &BGPPeerSpec,
    address: IpAddr,
    remote_as: resources::AsNumber,
) -> Peer {
    Peer {
        name,
        kind,
        address,
        port: None,
        remote_as,
        local_as: spec.local_as_number,
        passive: false,
        password: spec.password.clone(),
        ttl_security: spec.ttl_security,
        next_hop: next_hop(spec),
        route_reflector_client: false,
        keepalive_time: spec.keepalive_time,
        restart_time: spec.max_restart_time,
        max_prefixes: spec.max_prefixes,
        allowed_local_as: spec.num_allowed_local_as_numbers,
        filters: spec.filters.clone(),
    }
}

/// Sessions to other nodes, one per shared address family.
#[allow(clippy::too_many_arguments)]
fn node_sessions(
    inputs: &Inputs,
    me: &NodeInfo,
    local_addresses: &[IpAddr],
    name: &str,
    prefix: &str,
    kind: PeerKind,
    spec: &BGPPeerSpec,
    nodes: &[&NodeInfo],
) -> Vec<Peer> {
    let mut peers = Vec::new();
    for other in nodes {
        for remote in node_addresses(other) {
            let Some(&local) = local_addresses
                .iter()
                .find(|l| l.is_ipv4() == remote.is_ipv4())
            else {
                continue;
            };
            let family = if remote.is_ipv4() { "" } else { ".v6" };
            let mut peer = session(
                format!("{prefix}.{name}.{}{family}", other.name),
                kind,
                spec,
                remote,
                node_as(inputs, &other.name),
            );
            peer.passive = passive_towards(local, remote);
            peer.route_reflector_client = is_rr_client(me, Some(other));
            peers.push(peer);
        }
    }
    peers
}

/// Sessions from BGPPeers that apply to the configured node.
pub fn explicit_peers(inputs: &Inputs) -> Result<Vec<Peer>, ModelError> {
    let Some(me) = inputs.node_info(&inputs.node) else {
        return Ok(Vec::new());
    };
    let local_addresses = node_addresses(me);
    let mut peers = Vec::new();
    for (name, spec) in &inputs.peers {
        let Some(kind) = applies(name, spec, me)? else {
            continue;
        };
        let prefix = if kind == PeerKind::Global {
            "global"
        } else {
            "node"
        };
        if spec.peer_selector.is_empty() {
            let Ok((address, port)) = parse_peer_ip(&spec.peer_ip) else {
                continue;
            };
            let Some(remote_as) = spec.as_number else {
                continue;
            };
            let remote_node = inputs
                .nodes
                .iter()
                .find(|n| node_addresses(n).contains(&address));
            if remote_node.is_some_and(|n| n.name == me.name) {
                continue;
            }
            let mut peer = session(format!("{prefix}.{name}"), kind, spec, address, remote_as);
            peer.port = port;
            peer.route_reflector_client = is_rr_client(me, remote_node);
            peers.push(peer);
            continue;
        }
        let wanted = selector(name, "peerSelector", &spec.peer_selector)?;
        let selected: Vec<&NodeInfo> = inputs
            .nodes
            .iter()
            .filter(|n| n.name != me.name && wanted.matches(&n.labels))
            .collect();
        peers.extend(node_sessions(
            inputs,
            me,
            &local_addresses,
            name,
            prefix,
            kind,
            spec,
            &selected,
        ));
    }
    // peerSelector peerings are two-sided: a node the selector picks also peers
    // back with every node the BGPPeer applies to.
    for (name, spec) in inputs
        .peers
        .iter()
        .filter(|(_, s)| !s.peer_selector.is_empty())
    {
        if !selector(name, "peerSelector", &spec.peer_selector)?.matches(&me.labels) {
            continue;
        }
        let mut sources = Vec::new();
        for other in inputs.nodes.iter().filter(|n| n.name != me.name) {
            if applies(name, spec, other)?.is_some() {
                sources.push(other);
            }
        }
        let fresh: Vec<Peer> = node_sessions(
            inputs,
            me,
            &local_addresses,
            name,
            "node",
            PeerKind::NodeSpecific,
            spec,
            &sources,
        )
        .into_iter()
        .filter(|p| !peers.iter().any(|q| q.address == p.address))
        .collect();
        peers.extend(fresh);
    }
    Ok(peers)
}
