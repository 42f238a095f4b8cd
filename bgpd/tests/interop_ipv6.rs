//! bgpd against BIRD 2, FRR 8.4 and GoBGP 3 over an IPv6 session carrying IPv6 unicast
//! (needs root): eBGP and iBGP, both directions, withdrawals; the lab and the checks are
//! the IPv4 ones (`peering/mod.rs`) with IPv6 addresses and prefixes.
//!
//! A directly connected BIRD or FRR sends a global and a link-local next hop
//! (RFC 2545 §3); bgpd installs the global one, which the kernel reaches on the link,
//! and a ping across the installed route proves it forwards.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod peering;

use integration::routers::RouterKind;
use peering::{BGPD_AS, PEER_AS, V6, exchange_with};

#[test]
fn ipv6_ebgp_with_bird_exchanges_and_withdraws_routes() {
    exchange_with(RouterKind::Bird, PEER_AS, &V6);
}

#[test]
fn ipv6_ibgp_with_bird_exchanges_and_withdraws_routes() {
    exchange_with(RouterKind::Bird, BGPD_AS, &V6);
}

#[test]
fn ipv6_ebgp_with_frr_exchanges_and_withdraws_routes() {
    exchange_with(RouterKind::Frr, PEER_AS, &V6);
}

#[test]
fn ipv6_ibgp_with_frr_exchanges_and_withdraws_routes() {
    exchange_with(RouterKind::Frr, BGPD_AS, &V6);
}

#[test]
fn ipv6_ebgp_with_gobgp_exchanges_and_withdraws_routes() {
    exchange_with(RouterKind::Gobgp, PEER_AS, &V6);
}

#[test]
fn ipv6_ibgp_with_gobgp_exchanges_and_withdraws_routes() {
    exchange_with(RouterKind::Gobgp, BGPD_AS, &V6);
}

/// The known gap "link-local IPv6 next hops installed without an interface": a BGP next
/// hop reached through a route via the router's link-local address (as a router
/// advertisement sets up a default route) must be installed `via fe80::1 dev eth0`; the
/// kernel refuses a link-local gateway without a device.
///
/// ```text
///   bgpd  fd00:9::2/64 ---- fd00:9::1/64, fe80::1  GoBGP (iBGP), fd00:99::1 on lo
///   route fd00:99::/64 via fe80::1 dev eth0        announces fd00:66:1::/64
///                                                  with next hop fd00:99::1
/// ```
#[test]
fn ipv6_next_hop_behind_a_link_local_gateway_is_installed_on_its_interface() {
    use integration::routers::gobgp::Gobgp;
    use integration::routers::{NeighborConfig, Router, RouterConfig};
    use integration::{ProbeOutcome, wait_until};
    use std::time::Duration;

    let lab = peering::lab(&V6);
    for (role, args) in [
        ("peer", "addr add fe80::1/64 dev eth0"),
        ("peer", "addr add fd00:99::1/128 dev lo"),
        ("peer", "addr add fd00:66:1::1/128 dev lo"),
        ("bgpd", "-6 route add fd00:99::/64 via fe80::1 dev eth0"),
    ] {
        let mut argv = vec!["ip"];
        argv.extend(args.split_whitespace());
        lab.exec(role, &argv).unwrap();
    }
    let cfg = RouterConfig::new(peering::PEER_ID.parse().unwrap(), BGPD_AS)
        .neighbor(NeighborConfig::new(peering::ip(V6.bgpd), BGPD_AS));
    let gobgp = Gobgp::start(&lab, "peer", &cfg).unwrap();
    gobgp
        .gobgp(&[
            "global",
            "rib",
            "add",
            "-a",
            "ipv6",
            V6.theirs,
            "nexthop",
            "fd00:99::1",
        ])
        .unwrap();
    let config = peering::bgpd_config(&lab, &V6, peering::BgpdConfig::new(BGPD_AS));
    let _bgpd = peering::start_bgpd(&lab, &config);
    gobgp
        .wait_established(peering::ip(V6.bgpd), peering::CONVERGE)
        .unwrap();
    let k = lab
        .wait_kernel_route("bgpd", V6.theirs, peering::CONVERGE, |r| {
            r.protocol.as_deref() == Some("89")
        })
        .unwrap();
    assert_eq!(
        (k.gateway, k.dev.as_deref()),
        (Some(peering::ip("fe80::1")), Some("eth0"))
    );
    wait_until(peering::CONVERGE, "a ping over the installed route", || {
        lab.ping("bgpd", peering::ip(V6.theirs_host), Duration::from_secs(2))
            == ProbeOutcome::Connected
    })
    .unwrap();
}
