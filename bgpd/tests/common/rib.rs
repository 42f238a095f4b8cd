//! A small RIB fixture: us (AS 65001, 10.0.0.1), a ToR over eBGP and two iBGP peers.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::net::{IpAddr, Ipv4Addr};

use bgpd::fsm::NegotiatedSession;
use bgpd::rib::{PeerId, PeerPolicy, Rib, RibConfig};
use bgpd::wire::{Afi, AsPath, GracefulRestartCap, Nlri, Origin, PathAttrs, Update};
use ipnet::IpNet;

pub const TOR: PeerId = PeerId(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)));
pub const TOR2: PeerId = PeerId(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 2)));
pub const A: PeerId = PeerId(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)));
pub const B: PeerId = PeerId(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 3)));

pub fn net(s: &str) -> IpNet {
    s.parse().unwrap()
}

pub fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

pub fn session(peer: PeerId, peer_as: u32, gr: bool) -> NegotiatedSession {
    let IpAddr::V4(id) = peer.0 else {
        panic!("ipv4 peers only")
    };
    NegotiatedSession {
        peer_as,
        peer_id: id,
        hold_time: 90,
        keepalive: 30,
        four_octet_as: true,
        families: vec![Afi::Ipv4, Afi::Ipv6],
        route_refresh: true,
        extended_message: false,
        add_path: vec![],
        graceful_restart: gr.then(|| GracefulRestartCap {
            restarting: false,
            restart_time: 120,
            families: vec![(Afi::Ipv4, true), (Afi::Ipv6, true)],
        }),
        ebgp: peer_as != 65001,
    }
}

pub fn policy(peer: PeerId, peer_as: u32) -> PeerPolicy {
    // Our address on the session: 10.0.0.1 towards the mesh, 192.0.2.10 towards the ToRs.
    let v4 = if net("10.0.0.0/24").contains(&peer.0) {
        ip("10.0.0.1")
    } else {
        ip("192.0.2.10")
    };
    PeerPolicy::new(peer_as, 65001, vec![v4, ip("2001:db8::10")])
}

/// RIB with all four peers configured and up. `cluster`: act as route reflector.
pub fn rib(cluster: Option<Ipv4Addr>) -> Rib {
    let mut rib = Rib::new(RibConfig {
        router_id: Ipv4Addr::new(10, 0, 0, 1),
        local_as: 65001,
        cluster_id: cluster,
        max_paths: 4,
    });
    for (id, asn) in [(TOR, 65100), (TOR2, 65200), (A, 65001), (B, 65001)] {
        rib.add_peer(id, policy(id, asn));
        rib.peer_up(id, &session(id, asn, true));
    }
    rib
}

/// An IPv4 UPDATE announcing `prefixes` via `next_hop` with AS_PATH `path`.
pub fn announce(
    prefixes: &[&str],
    next_hop: &str,
    path: &[u32],
    tweak: impl Fn(&mut PathAttrs),
) -> Update {
    let IpAddr::V4(nh) = ip(next_hop) else {
        panic!("ipv4 next hop")
    };
    let mut attrs = PathAttrs {
        origin: Some(Origin::Igp),
        as_path: AsPath::sequence(path.to_vec()),
        next_hop: Some(nh),
        ..PathAttrs::default()
    };
    tweak(&mut attrs);
    Update {
        attrs,
        nlri: prefixes.iter().map(|p| Nlri::new(net(p))).collect(),
        ..Update::default()
    }
}

pub fn withdraw(prefixes: &[&str]) -> Update {
    Update {
        withdrawn: prefixes.iter().map(|p| Nlri::new(net(p))).collect(),
        ..Update::default()
    }
}
