//! Graceful Restart (RFC 4724) with FRR as the helper (needs root): bgpd stops without
//! a NOTIFICATION, FRR keeps bgpd's route (stale) meanwhile, and bgpd's own kernel routes
//! stay too; after bgpd is back, the route is still there on both sides.
//!
//! ```text
//!   +--------+ 10.0.9.2        10.0.9.1 +-----+
//!   |  bgpd  +--------------------------+ FRR |  eBGP 65001 <-> 65000
//!   +--------+  originates 10.65.1.0/26 +-----+  originates 10.66.1.0/24
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::IpAddr;
use std::time::{Duration, Instant};

use integration::routers::{self, NeighborConfig, RouterConfig, RouterKind, SessionState};
use integration::{Daemon, Lab, Topology, wait_until};

const CONVERGE: Duration = Duration::from_secs(60);

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn start_bgpd(lab: &Lab, path: &std::path::Path) -> Daemon {
    let bin = env!("CARGO_BIN_EXE_bgpd");
    lab.spawn("bgpd", "bgpd", &[bin, "--config", path.to_str().unwrap()])
        .unwrap()
}

fn kernel_has(lab: &Lab, dst: &str) -> bool {
    lab.routes("bgpd").is_ok_and(|rs| {
        rs.iter()
            .any(|r| r.dst == dst && r.protocol.as_deref() == Some("89"))
    })
}

#[test]
fn frr_keeps_bgpd_routes_while_bgpd_restarts_and_bgpd_keeps_its_kernel_routes() {
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
    let cfg = RouterConfig::new("10.0.9.1".parse().unwrap(), 65000)
        .neighbor(NeighborConfig::new(ip("10.0.9.2"), 65001))
        .originate("10.66.1.0/24".parse().unwrap());
    let frr = routers::start(RouterKind::Frr, &lab, "peer", &cfg).unwrap();
    let text = "router_id = \"10.0.9.2\"\nasn = 65001\ngraceful_restart_time = 120\n\
        [[originate]]\nprefix = \"10.65.1.0/26\"\n\
        [[peers]]\nname = \"frr\"\naddress = \"10.0.9.1\"\nremote_as = 65000\nhold_time = 9\n\
        connect_retry_time = 1\nfamilies = [\"ipv4-unicast\"]\n";
    let path = lab.dir().join("bgpd.toml");
    std::fs::write(&path, text).unwrap();
    let bgpd = start_bgpd(&lab, &path);
    let ours = "10.65.1.0/26".parse().unwrap();
    frr.wait_route(ours, CONVERGE).unwrap();
    wait_until(CONVERGE, "frr route in bgpd's kernel", || {
        kernel_has(&lab, "10.66.1.0/24")
    })
    .unwrap();

    bgpd.stop();
    wait_until(CONVERGE, "frr notices the session is gone", || {
        frr.sessions()
            .is_ok_and(|s| s.iter().all(|s| s.state != SessionState::Established))
    })
    .unwrap();
    assert!(
        frr.rib().unwrap().iter().any(|r| r.prefix == ours),
        "frr keeps the stale route"
    );
    assert!(
        kernel_has(&lab, "10.66.1.0/24"),
        "bgpd's kernel route survives the stop"
    );

    let t = Instant::now();
    let _bgpd = start_bgpd(&lab, &path);
    frr.wait_established(ip("10.0.9.2"), CONVERGE).unwrap();
    eprintln!(
        "measured: session re-established {:?} after restart",
        t.elapsed()
    );
    frr.wait_route(ours, CONVERGE).unwrap();
    assert!(kernel_has(&lab, "10.66.1.0/24"));
}
