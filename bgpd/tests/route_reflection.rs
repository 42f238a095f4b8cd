//! bgpd as a route reflector (RFC 4456) for two GoBGP clients in one AS (needs root).
//!
//! ```text
//!  +----------+ 10.0.7.1   10.0.7.2 +------------+ 10.0.8.2   10.0.8.1 +----------+
//!  | client1  +---------------------+ bgpd (RR)  +---------------------+ client2  |
//!  +----------+  originates         +------------+                     +----------+
//!               10.66.1.0/24        cluster 10.0.7.2, AS 65001 everywhere
//! ```
//! Without reflection an iBGP route is never passed to another iBGP peer, so client2
//! learning client1's route with client1's next hop shows the reflection.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::IpAddr;
use std::time::Duration;

use integration::routers::{self, NeighborConfig, Router, RouterConfig, RouterKind};
use integration::{Lab, Topology};

const CONVERGE: Duration = Duration::from_secs(60);

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn client(lab: &Lab, role: &str, addr: &str, rr: &str, originate: Option<&str>) -> Box<dyn Router> {
    let mut cfg = RouterConfig::new(addr.parse().unwrap(), 65001)
        .neighbor(NeighborConfig::new(ip(rr), 65001));
    if let Some(p) = originate {
        cfg = cfg.originate(p.parse().unwrap());
    }
    routers::start(RouterKind::Gobgp, lab, role, &cfg).unwrap()
}

#[test]
fn bgpd_reflects_a_clients_route_to_the_other_client_with_its_next_hop() {
    let topo = Topology::builder()
        .host("bgpd")
        .host("client1")
        .host("client2")
        .link(
            ("bgpd", "eth1", "10.0.7.2/30"),
            ("client1", "eth0", "10.0.7.1/30"),
        )
        .link(
            ("bgpd", "eth2", "10.0.8.2/30"),
            ("client2", "eth0", "10.0.8.1/30"),
        )
        .build()
        .unwrap();
    let mut lab = Lab::new().unwrap();
    lab.build(&topo).unwrap();
    let text = "router_id = \"10.0.7.2\"\nasn = 65001\ncluster_id = \"10.0.7.2\"\n\
        [[peers]]\nname = \"client1\"\naddress = \"10.0.7.1\"\nremote_as = 65001\n\
        route_reflector_client = true\nhold_time = 9\nconnect_retry_time = 1\n\
        families = [\"ipv4-unicast\"]\n\
        [[peers]]\nname = \"client2\"\naddress = \"10.0.8.1\"\nremote_as = 65001\n\
        route_reflector_client = true\nhold_time = 9\nconnect_retry_time = 1\n\
        families = [\"ipv4-unicast\"]\n";
    let path = lab.dir().join("bgpd.toml");
    std::fs::write(&path, text).unwrap();
    let c1 = client(
        &lab,
        "client1",
        "10.0.7.1",
        "10.0.7.2",
        Some("10.66.1.0/24"),
    );
    let c2 = client(&lab, "client2", "10.0.8.1", "10.0.8.2", None);
    let bin = env!("CARGO_BIN_EXE_bgpd");
    let _bgpd = lab
        .spawn(
            "bgpd",
            "bgpd",
            &[bin, "--no-fib", "--config", path.to_str().unwrap()],
        )
        .unwrap();
    c1.wait_established(ip("10.0.7.2"), CONVERGE).unwrap();
    c2.wait_established(ip("10.0.8.2"), CONVERGE).unwrap();
    let r = c2
        .wait_route("10.66.1.0/24".parse().unwrap(), CONVERGE)
        .unwrap();
    assert_eq!(
        r.next_hop,
        Some(ip("10.0.7.1")),
        "reflected routes keep their next hop"
    );
}
