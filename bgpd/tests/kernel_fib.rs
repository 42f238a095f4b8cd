//! bgpd's kernel FIB in a network namespace (needs root): ECMP as one multipath route,
//! and a restart that keeps forwarding (routes are never flushed) while routes of our
//! protocol that nobody re-announces are removed once bgpd has re-converged.
//!
//! ```text
//!          10.0.7.1/30 +--------+
//!      +---------------+ peer1  |  GoBGP, AS 65000, originates 10.66.1.0/24
//!  +---+----+          +--------+
//!  |  bgpd  | 10.0.7.2/30, 10.0.8.2/30
//!  +---+----+          +--------+
//!      +---------------+ peer2  |  GoBGP, AS 65000, originates 10.66.1.0/24
//!          10.0.8.1/30 +--------+
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::IpAddr;
use std::time::Duration;

use integration::routers::{self, NeighborConfig, Router, RouterConfig, RouterKind};
use integration::{Daemon, Lab, Topology, wait_until};

const CONVERGE: Duration = Duration::from_secs(60);
const PREFIX: &str = "10.66.1.0/24";

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn lab() -> Lab {
    let topo = Topology::builder()
        .host("bgpd")
        .router("peer1")
        .router("peer2")
        .link(
            ("bgpd", "eth1", "10.0.7.2/30"),
            ("peer1", "eth0", "10.0.7.1/30"),
        )
        .link(
            ("bgpd", "eth2", "10.0.8.2/30"),
            ("peer2", "eth0", "10.0.8.1/30"),
        )
        .build()
        .unwrap();
    let mut lab = Lab::new().unwrap();
    lab.build(&topo).unwrap();
    lab
}

fn peer(lab: &Lab, role: &str, addr: &str, bgpd_addr: &str) -> Box<dyn Router> {
    let cfg = RouterConfig::new(addr.parse().unwrap(), 65000)
        .neighbor(NeighborConfig::new(ip(bgpd_addr), 65001))
        .originate(PREFIX.parse().unwrap());
    routers::start(RouterKind::Gobgp, lab, role, &cfg).unwrap()
}

fn start_bgpd(lab: &Lab) -> Daemon {
    let text = "router_id = \"10.0.7.2\"\nasn = 65001\ngraceful_restart_time = 15\n\
        [[peers]]\nname = \"peer1\"\naddress = \"10.0.7.1\"\nremote_as = 65000\nhold_time = 9\n\
        connect_retry_time = 1\nfamilies = [\"ipv4-unicast\"]\n\
        [[peers]]\nname = \"peer2\"\naddress = \"10.0.8.1\"\nremote_as = 65000\nhold_time = 9\n\
        connect_retry_time = 1\nfamilies = [\"ipv4-unicast\"]\n";
    let path = lab.dir().join("bgpd.toml");
    std::fs::write(&path, text).unwrap();
    let bin = env!("CARGO_BIN_EXE_bgpd");
    lab.spawn("bgpd", "bgpd", &[bin, "--config", path.to_str().unwrap()])
        .unwrap()
}

/// Next hops of our (proto 89) route to `dst`, from `ip -j route` (multipath included).
fn our_next_hops(lab: &Lab, dst: &str) -> Option<Vec<String>> {
    let out = lab
        .exec("bgpd", &["ip", "-j", "route", "show", dst, "proto", "89"])
        .ok()?;
    let routes: serde_json::Value = serde_json::from_str(&out).ok()?;
    let r = routes.as_array()?.first()?;
    let mut hops: Vec<String> = match r.get("nexthops") {
        Some(list) => list
            .as_array()?
            .iter()
            .filter_map(|h| Some(h.get("gateway")?.as_str()?.to_owned()))
            .collect(),
        None => vec![r.get("gateway")?.as_str()?.to_owned()],
    };
    hops.sort();
    Some(hops)
}

fn both() -> Option<Vec<String>> {
    Some(vec!["10.0.7.1".to_owned(), "10.0.8.1".to_owned()])
}

#[test]
fn equal_paths_become_one_multipath_route_that_survives_a_restart() {
    let lab = lab();
    let _p1 = peer(&lab, "peer1", "10.0.7.1", "10.0.7.2");
    let _p2 = peer(&lab, "peer2", "10.0.8.1", "10.0.8.2");
    let bgpd = start_bgpd(&lab);
    wait_until(CONVERGE, "multipath route over both peers", || {
        our_next_hops(&lab, PREFIX) == both()
    })
    .unwrap();

    // Stop bgpd: its routes stay in the kernel (graceful restart keeps forwarding).
    bgpd.stop();
    assert_eq!(
        our_next_hops(&lab, PREFIX),
        both(),
        "routes kept after bgpd stopped"
    );
    // A route of our protocol that nobody will announce again.
    lab.exec(
        "bgpd",
        &[
            "ip",
            "route",
            "add",
            "10.99.0.0/24",
            "via",
            "10.0.7.1",
            "proto",
            "89",
        ],
    )
    .unwrap();

    let _bgpd = start_bgpd(&lab);
    wait_until(
        CONVERGE,
        "leftover route removed after re-convergence",
        || our_next_hops(&lab, "10.99.0.0/24").is_none(),
    )
    .unwrap();
    assert_eq!(
        our_next_hops(&lab, PREFIX),
        both(),
        "re-announced route still in place"
    );
}
