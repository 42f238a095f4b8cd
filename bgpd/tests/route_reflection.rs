//! Route reflection (RFC 4456) in the lab (needs root): bgpd as the reflector for two
//! GoBGP clients, and bgpd as a client of an FRR reflector.
//!
//! ```text
//!  +----------+ 10.0.7.1   10.0.7.2 +------------+ 10.0.8.2   10.0.8.1 +----------+
//!  | client1  +---------------------+ bgpd (RR)  +---------------------+ client2  |
//!  +----------+  originates         +------------+                     +----------+
//!               10.66.1.0/24        cluster 10.0.7.2, AS 65001 everywhere
//! ```
//! Without reflection an iBGP route is never passed to another iBGP peer, so client2
//! learning client1's route with client1's next hop shows the reflection. The client
//! lab is drawn at its test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod peering;

use std::net::IpAddr;
use std::time::Duration;

use integration::routers::{self, NeighborConfig, Router, RouterConfig, RouterKind};
use integration::{Lab, ProbeOutcome, Topology, wait_for};

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

fn metric(lab: &Lab, name: &str) -> Option<f64> {
    peering::bgpd_metric(lab, "bgpd", name, None)
}

/// BIRD, a client of the FRR reflector, originates two prefixes; the second carries
/// bgpd's router ID as ORIGINATOR_ID (set by BIRD's export filter), as if bgpd had
/// originated it and a reflector had looped it back.
fn bird_client_config() -> String {
    let proto = routers::bird::config::protocol_name(ip("10.0.8.1"));
    format!(
        r#"router id 10.0.8.2;
log stderr all;
protocol device {{ scan time 2; }}
protocol kernel {{ ipv4 {{ import none; export where source = RTS_BGP; }}; scan time 2; }}
protocol static announced {{ ipv4; route 10.66.1.0/24 blackhole; route 10.66.2.0/24 blackhole; }}
protocol bgp {proto} {{
  local as 65001; neighbor 10.0.8.1 as 65001;
  hold time 9; keepalive time 3; connect retry time 1; error wait time 1, 5;
  ipv4 {{
    import all;
    export filter {{
      if proto != "announced" then reject;
      if net = 10.66.2.0/24 then bgp_originator_id = 10.0.7.2;
      accept;
    }};
  }};
}}
"#
    )
}

/// ```text
///  +------+ 10.0.7.2   10.0.7.1 +------------------+ 10.0.8.1   10.0.8.2 +------+
///  | bgpd +---------------------+ FRR RR           +---------------------+ BIRD |
///  +------+  client, originates | cluster 10.0.7.1 |  client, originates +------+
///            10.65.1.0/26       +------------------+  10.66.1.0/24, and 10.66.2.0/24
///            AS 65001 everywhere                       with ORIGINATOR_ID 10.0.7.2
/// ```
/// bgpd installs the reflected 10.66.1.0/24 (BIRD's next hop, resolved through FRR, and
/// a ping crosses it) and drops what carries its own router ID as ORIGINATOR_ID
/// (RFC 4456 §8): BIRD's 10.66.2.0/24 and its own route reflected back by FRR. bgpd's
/// route reaches BIRD via FRR.
#[test]
fn bgpd_as_client_of_an_frr_reflector_installs_reflected_routes_and_drops_its_own_originator_id() {
    let topo = Topology::builder()
        .host("bgpd")
        .router("rr")
        .host("bird")
        .link(
            ("bgpd", "eth0", "10.0.7.2/30"),
            ("rr", "eth1", "10.0.7.1/30"),
        )
        .link(
            ("rr", "eth2", "10.0.8.1/30"),
            ("bird", "eth0", "10.0.8.2/30"),
        )
        .route_via("bgpd", "10.0.8.0/30", "10.0.7.1")
        .route_via("bird", "10.0.7.0/30", "10.0.8.1")
        .build()
        .unwrap();
    let mut lab = Lab::new().unwrap();
    lab.build(&topo).unwrap();
    lab.exec("bird", &["ip", "addr", "add", "10.66.1.1/32", "dev", "lo"])
        .unwrap();
    let rr_cfg = RouterConfig::new("10.0.7.1".parse().unwrap(), 65001)
        .neighbor(NeighborConfig::new(ip("10.0.7.2"), 65001).rr_client())
        .neighbor(NeighborConfig::new(ip("10.0.8.2"), 65001).rr_client());
    let rr = routers::start(RouterKind::Frr, &lab, "rr", &rr_cfg).unwrap();
    let mut bird_cfg = RouterConfig::new("10.0.8.2".parse().unwrap(), 65001)
        .neighbor(NeighborConfig::new(ip("10.0.8.1"), 65001));
    bird_cfg.config_text = Some(bird_client_config());
    let bird = routers::start(RouterKind::Bird, &lab, "bird", &bird_cfg).unwrap();
    let text = "router_id = \"10.0.7.2\"\nasn = 65001\ngraceful_restart_time = 0\n\
        [[originate]]\nprefix = \"10.65.1.0/26\"\n\
        [[peers]]\nname = \"rr\"\naddress = \"10.0.7.1\"\nremote_as = 65001\n\
        hold_time = 9\nconnect_retry_time = 1\nfamilies = [\"ipv4-unicast\"]\n";
    let path = lab.dir().join("bgpd.toml");
    std::fs::write(&path, text).unwrap();
    let bin = env!("CARGO_BIN_EXE_bgpd");
    let bgpd = lab
        .spawn("bgpd", "bgpd", &[bin, "--config", path.to_str().unwrap()])
        .unwrap();
    rr.wait_established(ip("10.0.7.2"), CONVERGE).unwrap();
    bird.wait_established(ip("10.0.8.1"), CONVERGE).unwrap();

    let k = lab
        .wait_kernel_route("bgpd", "10.66.1.0/24", CONVERGE, |r| {
            r.protocol.as_deref() == Some("89")
        })
        .unwrap();
    assert_eq!(k.gateway, Some(ip("10.0.7.1")), "BIRD's next hop, via FRR");
    // The ping crosses the reflector too: wait until zebra has installed the
    // route there (it can lag FRR's bgpd reflecting it).
    lab.wait_kernel_route("rr", "10.66.1.0/24", CONVERGE, |r| {
        r.protocol.as_deref() == Some("bgp")
    })
    .unwrap();
    assert_eq!(
        lab.ping("bgpd", ip("10.66.1.1"), Duration::from_secs(5)),
        ProbeOutcome::Connected
    );
    // FRR reflects three prefixes to bgpd: BIRD's two and bgpd's own 10.65.1.0/26, which
    // FRR 8.4 sends back to its originator with ORIGINATOR_ID 10.0.7.2. All three reach
    // the Adj-RIB-In; the two carrying bgpd's router ID fail the loop check.
    wait_for(
        CONVERGE,
        "three reflected prefixes received by bgpd",
        || (metric(&lab, "bgpd_peer_prefixes_received") == Some(3.0)).then_some(()),
    )
    .unwrap();
    assert!(
        lab.routes("bgpd")
            .unwrap()
            .iter()
            .all(|r| r.dst != "10.66.2.0/24"),
        "a route with bgpd's own ORIGINATOR_ID is not installed"
    );
    assert_eq!(
        metric(&lab, "bgpd_loc_rib_prefixes"),
        Some(2.0),
        "ours and 10.66.1.0/24"
    );
    // The other direction: bgpd's route is reflected to BIRD.
    bird.wait_route("10.65.1.0/26".parse().unwrap(), CONVERGE)
        .unwrap();
    assert!(bgpd.is_running());
}
