//! The two-host lab with FRR, GoBGP or BIRD as the ToR, exchanging routes
//! over BGP with other router kinds running on the hosts.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{CONVERGE, ip, lab_with, two_hosts_tor};
use integration::Lab;
use integration::routers::{self, NeighborConfig, RouterConfig, RouterKind};

const TOR_AS: u32 = 65000;
const HOST1_AS: u32 = 65001;
const HOST2_AS: u32 = 65002;

fn net(s: &str) -> ipnet::IpNet {
    s.parse().unwrap()
}

/// Waits until `dst` is in node `role`'s kernel table from `proto`, and
/// returns its gateway.
fn wait_kernel_route(lab: &Lab, role: &str, dst: &str, proto: &str) -> Option<std::net::IpAddr> {
    let r = lab
        .wait_kernel_route(role, dst, CONVERGE, |r| {
            r.protocol.as_deref() == Some(proto)
        })
        .unwrap();
    r.gateway
}

/// ToR of `kind` peering with BIRD on host1; each originates one prefix.
fn tor_exchanges_routes_with_bird_on_host1(kind: RouterKind, password: Option<&str>) {
    let lab = lab_with(&two_hosts_tor());
    let mut to_host1 = NeighborConfig::new(ip("10.0.1.2"), HOST1_AS);
    let mut to_tor = NeighborConfig::new(ip("10.0.1.1"), TOR_AS);
    if let Some(p) = password {
        to_host1 = to_host1.password(p);
        to_tor = to_tor.password(p);
    }
    let tor_cfg = RouterConfig::new("10.0.1.1".parse().unwrap(), TOR_AS)
        .neighbor(to_host1)
        .originate(net("10.66.100.0/24"));
    let tor = routers::start(kind, &lab, "tor", &tor_cfg).unwrap();
    let h1_cfg = RouterConfig::new("10.0.1.2".parse().unwrap(), HOST1_AS)
        .neighbor(to_tor)
        .originate(net("10.66.1.0/24"));
    let bird = routers::start(RouterKind::Bird, &lab, "host1", &h1_cfg).unwrap();

    tor.wait_established(ip("10.0.1.2"), CONVERGE).unwrap();
    bird.wait_established(ip("10.0.1.1"), CONVERGE).unwrap();
    let learned = tor.wait_route(net("10.66.1.0/24"), CONVERGE).unwrap();
    assert_eq!(learned.next_hop, Some(ip("10.0.1.2")));
    let own = tor
        .rib()
        .unwrap()
        .into_iter()
        .find(|r| r.prefix == net("10.66.100.0/24"))
        .unwrap();
    assert_eq!(
        own.next_hop, None,
        "locally originated routes have no next hop"
    );
    bird.wait_route(net("10.66.100.0/24"), CONVERGE).unwrap();
    assert_eq!(
        wait_kernel_route(&lab, "host1", "10.66.100.0/24", "bird"),
        Some(ip("10.0.1.1"))
    );
    if kind == RouterKind::Frr {
        assert_eq!(
            wait_kernel_route(&lab, "tor", "10.66.1.0/24", "bgp"),
            Some(ip("10.0.1.2"))
        );
    }
}

#[test]
fn frr_tor_exchanges_routes_with_bird_over_an_md5_session() {
    tor_exchanges_routes_with_bird_on_host1(RouterKind::Frr, Some("s3cret"));
}

#[test]
fn gobgp_tor_exchanges_routes_with_bird() {
    tor_exchanges_routes_with_bird_on_host1(RouterKind::Gobgp, None);
}

#[test]
fn a_bird_tor_carries_a_gobgp_route_to_frr_and_back() {
    // host1 runs FRR, host2 runs a passive, MD5-protected GoBGP; the BIRD
    // ToR passes each host's prefix on to the other.
    let lab = lab_with(&two_hosts_tor());
    let tor_cfg = RouterConfig::new("10.0.1.1".parse().unwrap(), TOR_AS)
        .neighbor(NeighborConfig::new(ip("10.0.1.2"), HOST1_AS))
        .neighbor(NeighborConfig::new(ip("10.0.2.2"), HOST2_AS).password("pw2"));
    let tor = routers::start(RouterKind::Bird, &lab, "tor", &tor_cfg).unwrap();
    let frr_cfg = RouterConfig::new("10.0.1.2".parse().unwrap(), HOST1_AS)
        .neighbor(NeighborConfig::new(ip("10.0.1.1"), TOR_AS))
        .originate(net("10.66.1.0/24"));
    let frr = routers::start(RouterKind::Frr, &lab, "host1", &frr_cfg).unwrap();
    let gobgp_cfg = RouterConfig::new("10.0.2.2".parse().unwrap(), HOST2_AS)
        .neighbor(
            NeighborConfig::new(ip("10.0.2.1"), TOR_AS)
                .password("pw2")
                .passive(),
        )
        .originate(net("10.66.2.0/24"));
    let gobgp = routers::start(RouterKind::Gobgp, &lab, "host2", &gobgp_cfg).unwrap();

    for peer in ["10.0.1.2", "10.0.2.2"] {
        tor.wait_established(ip(peer), CONVERGE).unwrap();
    }
    let via_tor = frr.wait_route(net("10.66.2.0/24"), CONVERGE).unwrap();
    assert_eq!(via_tor.next_hop, Some(ip("10.0.1.1")));
    assert_eq!(
        wait_kernel_route(&lab, "host1", "10.66.2.0/24", "bgp"),
        Some(ip("10.0.1.1"))
    );
    let from_frr = gobgp.wait_route(net("10.66.1.0/24"), CONVERGE).unwrap();
    assert_eq!(from_frr.next_hop, Some(ip("10.0.2.1")));
    let sessions = gobgp.sessions().unwrap();
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0].remote_as, Some(TOR_AS));
}

#[test]
fn an_md5_password_mismatch_keeps_the_session_down() {
    // FRR on the ToR wants a password, BIRD on host1 sends none: the ToR's
    // kernel must drop BIRD's unsigned segments and the session stays down.
    let lab = lab_with(&two_hosts_tor());
    let tor_cfg = RouterConfig::new("10.0.1.1".parse().unwrap(), TOR_AS).neighbor(
        NeighborConfig::new(ip("10.0.1.2"), HOST1_AS)
            .password("s3cret")
            .passive(),
    );
    let tor = routers::start(RouterKind::Frr, &lab, "tor", &tor_cfg).unwrap();
    let h1_cfg = RouterConfig::new("10.0.1.2".parse().unwrap(), HOST1_AS)
        .neighbor(NeighborConfig::new(ip("10.0.1.1"), TOR_AS));
    let _bird = routers::start(RouterKind::Bird, &lab, "host1", &h1_cfg).unwrap();

    integration::wait_until(
        CONVERGE,
        "the ToR kernel to reject unsigned segments",
        || {
            lab.netstat("tor")
                .is_ok_and(|c| c.get("TcpExt.TCPMD5NotFound").copied().unwrap_or(0) >= 2)
        },
    )
    .unwrap();
    let state = &tor.sessions().unwrap()[0].state;
    assert_ne!(*state, integration::routers::SessionState::Established);
}
