//! Every probe outcome on real packets, and typed reads of addresses,
//! routes and an nftables ruleset inside a lab.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{PROBE, ip, lab_with};
use integration::reads::route;
use integration::{Lab, ProbeOutcome, Proto, Topology};

const RULESET: &str = "table inet tlab {
  set blocked { type ipv4_addr; elements = { 10.1.0.1 } }
  chain in_filter {
    type filter hook input priority filter; policy accept;
    tcp dport 9090 drop comment \"silently drop 9090\"
    ip saddr @blocked udp dport 9091 drop
  }
}
";

/// a (10.1.0.1/24) --- b (10.1.0.2/24), b serving probes on 8080 and
/// dropping TCP 9090 and UDP 9091 with nftables.
fn two_node_lab() -> Lab {
    let t = Topology::builder()
        .description("a --- b")
        .host("a")
        .host("b")
        .link(("a", "eth0", "10.1.0.1/24"), ("b", "eth0", "10.1.0.2/24"))
        .build()
        .unwrap();
    let lab = lab_with(&t);
    let file = lab.dir().join("b.nft");
    std::fs::write(&file, RULESET).unwrap();
    lab.exec("b", &["nft", "-f", &file.display().to_string()])
        .unwrap();
    lab
}

#[test]
fn probes_report_connected_refused_and_timed_out() {
    let lab = two_node_lab();
    let servers = [
        lab.serve_probe("b", 8080).unwrap(),
        lab.serve_probe("b", 9090).unwrap(),
        lab.serve_probe("b", 9091).unwrap(),
    ];
    assert!(servers.iter().all(|s| s.is_running()));
    let short = Duration::from_secs(2);
    let b = ip("10.1.0.2");
    let cases = [
        (
            "tcp to a listening port",
            Proto::Tcp,
            8080,
            ProbeOutcome::Connected,
        ),
        (
            "udp to the echo server",
            Proto::Udp,
            8080,
            ProbeOutcome::Connected,
        ),
        (
            "tcp to a closed port",
            Proto::Tcp,
            8081,
            ProbeOutcome::Refused,
        ),
        (
            "udp to a closed port",
            Proto::Udp,
            8081,
            ProbeOutcome::Refused,
        ),
        (
            "tcp dropped by nftables",
            Proto::Tcp,
            9090,
            ProbeOutcome::TimedOut,
        ),
        (
            "udp dropped by an nftables set",
            Proto::Udp,
            9091,
            ProbeOutcome::TimedOut,
        ),
    ];
    for (name, proto, port, want) in cases {
        assert_eq!(lab.probe("a", proto, b, port, short), want, "{name}");
    }
    assert_eq!(lab.ping("a", b, PROBE), ProbeOutcome::Connected);
    assert_eq!(
        lab.ping("a", ip("10.1.0.3"), Duration::from_secs(1)),
        ProbeOutcome::TimedOut,
        "nobody owns .3"
    );
    let no_route = lab.ping("a", ip("10.99.99.99"), Duration::from_secs(1));
    assert!(
        matches!(no_route, ProbeOutcome::Error(ref e) if e.contains("unreachable")),
        "{no_route:?}"
    );
}

#[test]
fn addresses_routes_and_ruleset_read_back_as_typed_values() {
    let lab = two_node_lab();
    let ifs = lab.addrs("a").unwrap();
    let eth0 = ifs.iter().find(|i| i.ifname == "eth0").unwrap();
    assert!(eth0.is_up());
    assert!(eth0.cidrs().contains(&"10.1.0.1/24".to_owned()));
    assert!(
        ifs.iter().any(|i| i.ifname == "lo" && i.is_up()),
        "loopback is brought up"
    );

    let routes = lab.routes("a").unwrap();
    let connected = route::find(&routes, "10.1.0.0/24").unwrap();
    assert_eq!(
        (connected.protocol.as_deref(), connected.scope.as_deref()),
        (Some("kernel"), Some("link"))
    );
    assert_eq!(connected.prefsrc, Some(ip("10.1.0.1")));

    let rs = lab.nft_ruleset("b").unwrap();
    assert!(
        rs.tables
            .iter()
            .any(|t| t.family == "inet" && t.name == "tlab")
    );
    let chain = rs.chains.iter().find(|c| c.name == "in_filter").unwrap();
    assert_eq!(
        (chain.hook.as_deref(), chain.policy.as_deref()),
        (Some("input"), Some("accept"))
    );
    let rules: Vec<_> = rs.rules_of("tlab", "in_filter").collect();
    assert_eq!(rules.len(), 2);
    assert_eq!(rules[0].comment.as_deref(), Some("silently drop 9090"));
    let set = rs.sets.iter().find(|s| s.name == "blocked").unwrap();
    assert_eq!(set.elements.len(), 1);
    assert!(
        lab.nft_ruleset("a").unwrap().tables.is_empty(),
        "rulesets are per namespace"
    );
}
