//! bgpd against BIRD 2, FRR 8.4 and GoBGP 3 over IPv4 in network namespaces (needs
//! root): eBGP and iBGP, both directions, withdrawals (the lab and the checks are in
//! `peering/mod.rs`), and TCP MD5 with the right and a wrong password.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod peering;

use integration::routers::{self, Router, RouterKind};
use integration::{Daemon, Lab, wait_until};
use peering::{BGPD_AS, BgpdConfig, CONVERGE, PEER_AS, V4, exchange_with, ip};

#[test]
fn ebgp_with_bird_exchanges_and_withdraws_routes() {
    exchange_with(RouterKind::Bird, PEER_AS, &V4);
}

#[test]
fn ibgp_with_bird_exchanges_and_withdraws_routes() {
    exchange_with(RouterKind::Bird, BGPD_AS, &V4);
}

#[test]
fn ebgp_with_frr_exchanges_and_withdraws_routes() {
    exchange_with(RouterKind::Frr, PEER_AS, &V4);
}

#[test]
fn ibgp_with_frr_exchanges_and_withdraws_routes() {
    exchange_with(RouterKind::Frr, BGPD_AS, &V4);
}

#[test]
fn ebgp_with_gobgp_exchanges_and_withdraws_routes() {
    exchange_with(RouterKind::Gobgp, PEER_AS, &V4);
}

#[test]
fn ibgp_with_gobgp_exchanges_and_withdraws_routes() {
    exchange_with(RouterKind::Gobgp, BGPD_AS, &V4);
}

fn md5(kind: RouterKind, peer_password: &str) -> (Lab, Box<dyn Router>, Daemon) {
    let lab = peering::lab(&V4);
    let peer = peering::start_peer(&lab, kind, &V4, PEER_AS, Some(peer_password));
    let with_password = BgpdConfig {
        password: Some("s3cret"),
        ..BgpdConfig::new(PEER_AS)
    };
    let config = peering::bgpd_config(&lab, &V4, with_password);
    let bgpd = peering::start_bgpd(&lab, &config);
    (lab, peer, bgpd)
}

#[test]
fn md5_with_the_right_password_establishes_with_frr_and_bird() {
    for kind in [RouterKind::Frr, RouterKind::Bird] {
        let (lab, peer, _bgpd) = md5(kind, "s3cret");
        peer.wait_established(ip(V4.bgpd), CONVERGE).unwrap();
        peer.wait_route(V4.ours.parse().unwrap(), CONVERGE).unwrap();
        drop(peer);
        lab.teardown().unwrap();
    }
}

#[test]
fn md5_with_a_wrong_password_is_dropped_by_the_kernel_and_never_establishes() {
    let (lab, peer, _bgpd) = md5(RouterKind::Frr, "wrong");
    // Both sides' kernels discard the other's segments: the failure counters rise.
    let failures = |role: &str| {
        lab.netstat(role).map_or(0, |m| {
            m.get("TcpExt.TCPMD5Failure").copied().unwrap_or(0)
                + m.get("TcpExt.TCPMD5NotFound").copied().unwrap_or(0)
        })
    };
    wait_until(CONVERGE, "md5 failures on both sides", || {
        failures("bgpd") >= 2 && failures("peer") >= 2
    })
    .unwrap();
    let sessions = peer.sessions().unwrap();
    assert!(
        sessions
            .iter()
            .all(|s| s.state != routers::SessionState::Established),
        "{sessions:?}"
    );
    assert!(peering::bgpd_route(&lab, V4.theirs).is_none());
}
