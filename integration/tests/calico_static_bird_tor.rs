//! Two hosts, a BIRD ToR between them, one Calico-style container per host,
//! static routes through the ToR: real packets in both directions.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{PROBE, ip, lab_with, two_hosts_tor};
use integration::ProbeOutcome;
use integration::reads::route;
use integration::routers::{self, RouterConfig, RouterKind};

#[test]
fn containers_on_two_hosts_reach_each_other_through_a_bird_tor() {
    let lab = lab_with(&two_hosts_tor());
    let tor = routers::start(
        RouterKind::Bird,
        &lab,
        "tor",
        &RouterConfig::new("10.0.1.1".parse().unwrap(), 65000),
    )
    .unwrap();
    assert!(
        tor.sessions().unwrap().is_empty(),
        "a ToR without neighbors has no sessions"
    );

    // The Calico wiring as the kernel sees it.
    let eth0 = lab
        .addrs("c1")
        .unwrap()
        .into_iter()
        .find(|i| i.ifname == "eth0")
        .unwrap();
    assert_eq!(
        eth0.cidrs().first().map(String::as_str),
        Some("10.65.1.2/32")
    );
    let c1_routes = lab.routes("c1").unwrap();
    assert_eq!(
        route::find(&c1_routes, "169.254.1.1").and_then(|r| r.scope.as_deref()),
        Some("link")
    );
    assert_eq!(
        route::find(&c1_routes, "default").and_then(|r| r.gateway),
        Some(ip("169.254.1.1"))
    );
    let h1_routes = lab.routes("host1").unwrap();
    assert_eq!(
        route::find(&h1_routes, "10.65.1.2/32").and_then(|r| r.dev.as_deref()),
        Some("cali-c1")
    );
    assert_eq!(
        lab.sysctl("host1", "net.ipv4.conf.cali-c1.proxy_arp")
            .unwrap(),
        "1"
    );
    assert_eq!(lab.sysctl("host1", "net.ipv4.ip_forward").unwrap(), "1");
    let cali = lab
        .addrs("host1")
        .unwrap()
        .into_iter()
        .find(|i| i.ifname == "cali-c1")
        .unwrap();
    assert!(
        cali.addr_info.iter().all(|a| a.family != "inet"),
        "host-side veth has no IPv4 address"
    );

    let _s1 = lab.serve_probe("c1", 8080).unwrap();
    let _s2 = lab.serve_probe("c2", 8080).unwrap();
    let (c1, c2) = (ip("10.65.1.2"), ip("10.65.2.2"));
    for (from, to) in [("c1", c2), ("c2", c1)] {
        assert_eq!(
            lab.ping(from, to, PROBE),
            ProbeOutcome::Connected,
            "ping {from} -> {to}"
        );
        assert_eq!(
            lab.probe_tcp(from, to, 8080, PROBE),
            ProbeOutcome::Connected,
            "tcp {from} -> {to}"
        );
        assert_eq!(
            lab.probe_udp(from, to, 8080, PROBE),
            ProbeOutcome::Connected,
            "udp {from} -> {to}"
        );
        assert_eq!(
            lab.probe_tcp(from, to, 8081, PROBE),
            ProbeOutcome::Refused,
            "closed tcp {from} -> {to}"
        );
    }
}

#[test]
fn without_the_tor_route_packets_go_nowhere() {
    // The same lab minus the ToR's route back to host1's containers: the
    // probes must fail, which shows the passing test depends on the routes.
    let mut t = two_hosts_tor();
    let tor = t.nodes.iter_mut().find(|n| n.name == "tor").unwrap();
    tor.routes.retain(|r| r.dst.to_string() != "10.65.1.0/24");
    let lab = lab_with(&t);
    let _s2 = lab.serve_probe("c2", 8080).unwrap();
    let short = std::time::Duration::from_secs(2);
    assert_eq!(
        lab.ping("c1", ip("10.65.2.2"), short),
        ProbeOutcome::TimedOut
    );
    assert_eq!(
        lab.probe_tcp("c1", ip("10.65.2.2"), 8080, short),
        ProbeOutcome::TimedOut
    );
    // Up to the ToR the path still works: host2 reaches c2.
    assert_eq!(
        lab.probe_tcp("host2", ip("10.65.2.2"), 8080, PROBE),
        ProbeOutcome::Connected
    );
}
