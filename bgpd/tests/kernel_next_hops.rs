//! Recursive next-hop resolution against the kernel's table, in a network namespace
//! (needs root): a route whose next hop is not on-link is installed via the gateway of
//! the route that resolves it, only while such a route exists.
//!
//! ```text
//!  +--------+ 10.0.7.2/30      10.0.7.1/30 +--------+
//!  |  bgpd  +--------------------------------+  peer  |  GoBGP, iBGP (AS 65000):
//!  +--------+                                +--------+  10.66.1.0/24 next hop 10.0.7.1
//!                                                        10.66.2.0/24 next hop 10.0.9.9
//! ```
//! 10.0.9.9 is reachable from bgpd only once bgpd's namespace has a route to 10.0.9.0/24.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use integration::routers::gobgp::Gobgp;
use integration::routers::{NeighborConfig, RouterConfig};
use integration::{Daemon, Lab, Topology, wait_until};

const CONVERGE: Duration = Duration::from_secs(60);
const DIRECT: &str = "10.66.1.0/24";
const REMOTE: &str = "10.66.2.0/24";

fn lab() -> Lab {
    let topo = Topology::builder()
        .host("bgpd")
        .router("peer")
        .link(
            ("bgpd", "eth1", "10.0.7.2/30"),
            ("peer", "eth0", "10.0.7.1/30"),
        )
        .build()
        .unwrap();
    let mut lab = Lab::new().unwrap();
    lab.build(&topo).unwrap();
    lab
}

fn peer(lab: &Lab) -> Gobgp {
    let cfg = RouterConfig::new("10.0.7.1".parse().unwrap(), 65000)
        .neighbor(NeighborConfig::new("10.0.7.2".parse().unwrap(), 65000))
        .originate(DIRECT.parse().unwrap());
    let g = Gobgp::start(lab, "peer", &cfg).unwrap();
    g.gobgp(&[
        "global", "rib", "add", "-a", "ipv4", REMOTE, "nexthop", "10.0.9.9",
    ])
    .unwrap();
    g
}

fn start_bgpd(lab: &Lab) -> Daemon {
    let text = "router_id = \"10.0.7.2\"\nasn = 65000\n\
        [[peers]]\nname = \"peer\"\naddress = \"10.0.7.1\"\nremote_as = 65000\nhold_time = 9\n\
        connect_retry_time = 1\nfamilies = [\"ipv4-unicast\"]\n";
    let path = lab.dir().join("bgpd.toml");
    std::fs::write(&path, text).unwrap();
    let bin = env!("CARGO_BIN_EXE_bgpd");
    lab.spawn("bgpd", "bgpd", &[bin, "--config", path.to_str().unwrap()])
        .unwrap()
}

/// Gateway of bgpd's (proto 89) route to `dst`, if there is one.
fn our_gateway(lab: &Lab, dst: &str) -> Option<String> {
    let out = lab
        .exec("bgpd", &["ip", "-j", "route", "show", dst, "proto", "89"])
        .ok()?;
    let routes: serde_json::Value = serde_json::from_str(&out).ok()?;
    let r = routes.as_array()?.first()?;
    Some(r.get("gateway")?.as_str()?.to_owned())
}

fn ip_route(lab: &Lab, verb: &str) {
    lab.exec(
        "bgpd",
        &["ip", "route", verb, "10.0.9.0/24", "via", "10.0.7.1"],
    )
    .unwrap();
}

#[test]
fn a_route_is_installed_once_its_next_hop_becomes_resolvable_and_removed_when_it_stops() {
    let lab = lab();
    let _peer = peer(&lab);
    let _bgpd = start_bgpd(&lab);

    // The session is up and delivers routes: the one with a connected next hop is in.
    wait_until(CONVERGE, "route with a connected next hop", || {
        our_gateway(&lab, DIRECT).as_deref() == Some("10.0.7.1")
    })
    .unwrap();
    assert_eq!(
        our_gateway(&lab, REMOTE),
        None,
        "10.0.9.9 is unresolvable yet"
    );

    // A route to the next hop appears after the BGP route arrived.
    ip_route(&lab, "add");
    wait_until(
        CONVERGE,
        "route installed via the resolving gateway",
        || our_gateway(&lab, REMOTE).as_deref() == Some("10.0.7.1"),
    )
    .unwrap();

    // ...and goes again: the BGP route leaves the kernel, the other one stays.
    ip_route(&lab, "del");
    wait_until(CONVERGE, "route removed with its resolving route", || {
        our_gateway(&lab, REMOTE).is_none()
    })
    .unwrap();
    assert_eq!(our_gateway(&lab, DIRECT).as_deref(), Some("10.0.7.1"));

    // Resolvable again: back in (the decision process runs again for it).
    ip_route(&lab, "add");
    wait_until(CONVERGE, "route back once resolvable again", || {
        our_gateway(&lab, REMOTE).as_deref() == Some("10.0.7.1")
    })
    .unwrap();
}
