//! bgpd against BIRD 2, FRR 8.4 and GoBGP 3 in network namespaces (needs root).
//!
//! ```text
//!   +----------------+  eth0            eth0  +-------------------+
//!   | bgpd (binary)  +------------------------+ BIRD / FRR / GoBGP |
//!   | 10.0.9.2/30    |                        | 10.0.9.1/30        |
//!   +----------------+                        +-------------------+
//! ```
//!
//! bgpd originates 10.65.1.0/26, the peer 10.66.1.0/24. Each test checks the session,
//! the route in the peer's RIB (next hop bgpd), the peer's route in bgpd's kernel table
//! (protocol 89), the withdrawal after a SIGHUP reload without the prefix, and removal
//! from the kernel when the peer goes away. Measured times are printed (`--nocapture`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::IpAddr;
use std::time::{Duration, Instant};

use integration::routers::{self, NeighborConfig, Router, RouterConfig, RouterKind};
use integration::{Daemon, Lab, Topology, wait_until};

const CONVERGE: Duration = Duration::from_secs(60);
const BGPD_AS: u32 = 65001;
const BGPD_ADDR: &str = "10.0.9.2";
const PEER_ADDR: &str = "10.0.9.1";
const OURS: &str = "10.65.1.0/26";
const THEIRS: &str = "10.66.1.0/24";

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn lab() -> Lab {
    let topo = Topology::builder()
        .host("bgpd")
        .router("peer")
        .link(
            ("bgpd", "eth0", "10.0.9.2/30"),
            ("peer", "eth0", "10.0.9.1/30"),
        )
        .build()
        .unwrap();
    let mut lab = Lab::new().unwrap();
    lab.build(&topo).unwrap();
    lab
}

/// bgpd's config file text; `password` goes to a file next to it.
fn bgpd_config(
    lab: &Lab,
    peer_as: u32,
    password: Option<&str>,
    originate: bool,
) -> std::path::PathBuf {
    let mut text = format!(
        "router_id = \"{BGPD_ADDR}\"\nasn = {BGPD_AS}\nlisten_address = \"{BGPD_ADDR}\"\n\
         graceful_restart_time = 0\n"
    );
    if originate {
        text.push_str(&format!("[[originate]]\nprefix = \"{OURS}\"\n"));
    }
    text.push_str(&format!(
        "[[peers]]\nname = \"peer\"\naddress = \"{PEER_ADDR}\"\nremote_as = {peer_as}\n\
         hold_time = 9\nconnect_retry_time = 1\nfamilies = [\"ipv4-unicast\"]\n"
    ));
    if let Some(pw) = password {
        std::fs::write(lab.dir().join("peer.password"), pw).unwrap();
        text.push_str("password_file = \"peer.password\"\n");
    }
    let path = lab.dir().join("bgpd.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn start_bgpd(lab: &Lab, config: &std::path::Path) -> Daemon {
    let bin = env!("CARGO_BIN_EXE_bgpd");
    lab.spawn("bgpd", "bgpd", &[bin, "--config", config.to_str().unwrap()])
        .unwrap()
}

fn start_peer(
    lab: &Lab,
    kind: RouterKind,
    peer_as: u32,
    password: Option<&str>,
) -> Box<dyn Router> {
    let mut n = NeighborConfig::new(ip(BGPD_ADDR), BGPD_AS);
    if let Some(p) = password {
        n = n.password(p);
    }
    let cfg = RouterConfig::new(PEER_ADDR.parse().unwrap(), peer_as)
        .neighbor(n)
        .originate(THEIRS.parse().unwrap());
    routers::start(kind, lab, "peer", &cfg).unwrap()
}

/// bgpd's kernel route to `dst` of protocol 89, if any.
fn bgpd_route(lab: &Lab, dst: &str) -> Option<integration::reads::KernelRoute> {
    let routes = lab.routes("bgpd").ok()?;
    routes
        .into_iter()
        .find(|r| r.dst == dst && r.protocol.as_deref() == Some("89"))
}

fn exchange_with(kind: RouterKind, peer_as: u32) {
    let lab = lab();
    let peer = start_peer(&lab, kind, peer_as, None);
    let config = bgpd_config(&lab, peer_as, None, true);
    let t0 = Instant::now();
    let bgpd = start_bgpd(&lab, &config);
    peer.wait_established(ip(BGPD_ADDR), CONVERGE).unwrap();
    let established = t0.elapsed();
    let route = peer.wait_route(OURS.parse().unwrap(), CONVERGE).unwrap();
    let in_peer = t0.elapsed();
    if kind == RouterKind::Bird && peer_as == BGPD_AS {
        // The lab's BIRD resolves iBGP next hops recursively (BIRD's iBGP default) and
        // has no IGP table (no `protocol direct`), so it shows the route as unreachable
        // without a "via"; the route's presence is what we can check there.
        assert_eq!(
            route.next_hop, None,
            "lab BIRD cannot resolve iBGP next hops"
        );
    } else {
        assert_eq!(
            route.next_hop,
            Some(ip(BGPD_ADDR)),
            "{kind:?}: next hop is bgpd"
        );
    }
    let k = lab
        .wait_kernel_route("bgpd", THEIRS, CONVERGE, |r| {
            r.protocol.as_deref() == Some("89")
        })
        .unwrap();
    let in_kernel = t0.elapsed();
    assert_eq!(
        (k.gateway, k.metric),
        (Some(ip(PEER_ADDR)), Some(20)),
        "{kind:?}"
    );
    eprintln!(
        "measured {kind:?} AS {peer_as}: established {established:?}, route in peer RIB {in_peer:?}, peer route in bgpd kernel {in_kernel:?}"
    );

    // Withdrawal: reload without the originated prefix; the session stays up.
    bgpd_config(&lab, peer_as, None, false);
    let t1 = Instant::now();
    lab.exec("bgpd", &["kill", "-HUP", &bgpd.pid().to_string()])
        .unwrap();
    let ours = OURS.parse().unwrap();
    wait_until(CONVERGE, "withdrawal reaches the peer", || {
        peer.rib()
            .is_ok_and(|rib| rib.iter().all(|r| r.prefix != ours))
    })
    .unwrap();
    eprintln!(
        "measured {kind:?} AS {peer_as}: withdrawal in peer RIB after {:?}",
        t1.elapsed()
    );
    assert!(
        peer.sessions()
            .unwrap()
            .iter()
            .any(|s| s.state == routers::SessionState::Established)
    );

    // The peer goes away: its route leaves bgpd's kernel table.
    drop(peer);
    wait_until(CONVERGE, "peer route removed from bgpd's kernel", || {
        bgpd_route(&lab, THEIRS).is_none()
    })
    .unwrap();
    assert!(bgpd.is_running(), "bgpd survives its peer");
}

#[test]
fn ebgp_with_bird_exchanges_and_withdraws_routes() {
    exchange_with(RouterKind::Bird, 65000);
}

#[test]
fn ibgp_with_bird_exchanges_and_withdraws_routes() {
    exchange_with(RouterKind::Bird, BGPD_AS);
}

#[test]
fn ebgp_with_frr_exchanges_and_withdraws_routes() {
    exchange_with(RouterKind::Frr, 65000);
}

#[test]
fn ibgp_with_frr_exchanges_and_withdraws_routes() {
    exchange_with(RouterKind::Frr, BGPD_AS);
}

#[test]
fn ebgp_with_gobgp_exchanges_and_withdraws_routes() {
    exchange_with(RouterKind::Gobgp, 65000);
}

#[test]
fn ibgp_with_gobgp_exchanges_and_withdraws_routes() {
    exchange_with(RouterKind::Gobgp, BGPD_AS);
}

fn md5(kind: RouterKind, peer_password: &str) -> (Lab, Box<dyn Router>, Daemon) {
    let lab = lab();
    let peer = start_peer(&lab, kind, 65000, Some(peer_password));
    let config = bgpd_config(&lab, 65000, Some("s3cret"), true);
    let bgpd = start_bgpd(&lab, &config);
    (lab, peer, bgpd)
}

#[test]
fn md5_with_the_right_password_establishes_with_frr_and_bird() {
    for kind in [RouterKind::Frr, RouterKind::Bird] {
        let (lab, peer, _bgpd) = md5(kind, "s3cret");
        peer.wait_established(ip(BGPD_ADDR), CONVERGE).unwrap();
        peer.wait_route(OURS.parse().unwrap(), CONVERGE).unwrap();
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
    assert!(bgpd_route(&lab, THEIRS).is_none());
}
