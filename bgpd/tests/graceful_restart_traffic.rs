//! Issue 7's traffic criterion for Graceful Restart (needs root): containers on two
//! hosts keep talking while bgpd on one host is killed (-9) and restarted, with an FRR
//! or a BIRD ToR as the helper. The hosts have no static routes between their blocks:
//! every route the traffic uses comes from bgpd or the ToR's BGP.
//!
//! ```text
//!   c1 10.65.1.2                                                    c2 10.65.2.2
//!    | cali-c1                                                         | cali-c2
//!  +-+-----------------+ eth0            h1 +-----+ h2            eth0 +-+-----------------+
//!  | host1: bgpd 65001 +--------------------+ ToR +--------------------+ host2: bgpd 65002 |
//!  | 10.0.1.2/30       |         10.0.1.1/30|65000|10.0.2.1/30         | 10.0.2.2/30       |
//!  +-------------------+ 10.65.1.0/26       +-----+       10.65.2.0/26 +-------------------+
//! ```
//!
//! Criterion: a ping every 50 ms from c1 to c2 runs from before the kill until after
//! bgpd is back; bgpd stays down until at least 20 requests (1 s) have gone out with it
//! dead. Without Graceful Restart the ToR would withdraw host1's block from host2 for
//! that second and every reply would be lost (20 in a row); the test allows at most 3
//! lost requests in a row and 5 in all, which scheduling hiccups on a loaded machine
//! stay well within.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use integration::routers::{self, NeighborConfig, Router, RouterConfig, RouterKind, SessionState};
use integration::{Daemon, Lab, ProbeOutcome, Topology, wait_until};

const CONVERGE: Duration = Duration::from_secs(60);
const INTERVAL: Duration = Duration::from_millis(50);
/// Requests sent while bgpd is dead before it is started again.
const DOWN_FOR: u32 = 20;
const MAX_GAP: u32 = 3;
const MAX_LOST: u32 = 5;

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn lab() -> Lab {
    // Proxy ARP answers a container's ARP for 169.254.1.1 only when the host has a route
    // to that address out of another interface: a host route towards the ToR, instead of
    // a default route that would carry the traffic without bgpd's routes.
    let topo = Topology::builder()
        .host("host1")
        .host("host2")
        .router("tor")
        .link(
            ("host1", "eth0", "10.0.1.2/30"),
            ("tor", "h1", "10.0.1.1/30"),
        )
        .link(
            ("host2", "eth0", "10.0.2.2/30"),
            ("tor", "h2", "10.0.2.1/30"),
        )
        .route_via("host1", "169.254.1.1/32", "10.0.1.1")
        .route_via("host2", "169.254.1.1/32", "10.0.2.1")
        .container("c1", "host1", "10.65.1.2", "cali-c1")
        .container("c2", "host2", "10.65.2.2", "cali-c2")
        .build()
        .unwrap();
    let mut lab = Lab::new().unwrap();
    lab.build(&topo).unwrap();
    lab
}

/// bgpd's config for `host` (1 or 2): its block, the ToR as its one peer, GR on.
fn bgpd_config(lab: &Lab, host: u8) -> PathBuf {
    let text = format!(
        "router_id = \"10.0.{host}.2\"\nasn = 6500{host}\nlisten_address = \"10.0.{host}.2\"\n\
         graceful_restart_time = 20\n\
         [[originate]]\nprefix = \"10.65.{host}.0/26\"\n\
         [[peers]]\nname = \"tor\"\naddress = \"10.0.{host}.1\"\nremote_as = 65000\n\
         hold_time = 9\nconnect_retry_time = 1\nfamilies = [\"ipv4-unicast\"]\n"
    );
    let path = lab.dir().join(format!("bgpd-host{host}.toml"));
    std::fs::write(&path, text).unwrap();
    path
}

fn start_bgpd(lab: &Lab, host: u8, config: &Path) -> Daemon {
    let bin = env!("CARGO_BIN_EXE_bgpd");
    let role = format!("host{host}");
    lab.spawn(
        &role,
        &format!("bgpd-{role}"),
        &[bin, "--config", config.to_str().unwrap()],
    )
    .unwrap()
}

fn tor_session_with_host1(tor: &dyn Router) -> Option<SessionState> {
    let s = tor.sessions().ok()?;
    s.into_iter()
        .find(|s| s.peer == ip("10.0.1.2"))
        .map(|s| s.state)
}

fn traffic_survives_a_killed_bgpd(kind: RouterKind) {
    let lab = lab();
    // No BGP yet, so no route between the blocks: the containers cannot talk.
    assert_ne!(
        lab.ping("c1", ip("10.65.2.2"), Duration::from_secs(1)),
        ProbeOutcome::Connected
    );
    let tor_cfg = RouterConfig::new("10.0.1.1".parse().unwrap(), 65000)
        .neighbor(NeighborConfig::new(ip("10.0.1.2"), 65001))
        .neighbor(NeighborConfig::new(ip("10.0.2.2"), 65002));
    let tor = routers::start(kind, &lab, "tor", &tor_cfg).unwrap();
    let config1 = bgpd_config(&lab, 1);
    let bgpd1 = start_bgpd(&lab, 1, &config1);
    let _bgpd2 = start_bgpd(&lab, 2, &bgpd_config(&lab, 2));
    for (host, block) in [("host1", "10.65.2.0/26"), ("host2", "10.65.1.0/26")] {
        lab.wait_kernel_route(host, block, CONVERGE, |r| {
            r.protocol.as_deref() == Some("89")
        })
        .unwrap();
    }
    wait_until(CONVERGE, "c1 reaches c2 over the BGP routes", || {
        lab.ping("c1", ip("10.65.2.2"), Duration::from_secs(1)) == ProbeOutcome::Connected
    })
    .unwrap();

    let stream = lab.ping_stream("c1", ip("10.65.2.2"), INTERVAL).unwrap();
    wait_until(CONVERGE, "traffic flowing", || stream.sent() >= 10).unwrap();
    lab.exec("host1", &["kill", "-9", &bgpd1.pid().to_string()])
        .unwrap();
    wait_until(CONVERGE, "the ToR notices host1's bgpd is gone", || {
        tor_session_with_host1(&*tor) != Some(SessionState::Established)
    })
    .unwrap();
    let at_kill = stream.sent();
    wait_until(CONVERGE, "traffic while bgpd is dead", || {
        stream.sent() >= at_kill + DOWN_FOR
    })
    .unwrap();
    let _bgpd1 = start_bgpd(&lab, 1, &config1);
    wait_until(CONVERGE, "the ToR session with host1 back", || {
        tor_session_with_host1(&*tor) == Some(SessionState::Established)
    })
    .unwrap();
    // bgpd keeps its kernel routes across the restart and reconciles after End-of-RIB;
    // traffic runs on for another second afterwards.
    let back = stream.sent();
    wait_until(CONVERGE, "traffic after the restart", || {
        stream.sent() >= back + DOWN_FOR
    })
    .unwrap();
    assert!(
        lab.routes("host1")
            .unwrap()
            .iter()
            .any(|r| r.dst == "10.65.2.0/26" && r.protocol.as_deref() == Some("89")),
        "host1's route to host2's block after the restart"
    );
    let stats = stream.stop().unwrap();
    eprintln!(
        "measured {kind:?} ToR: {} requests every {INTERVAL:?}, {} lost, longest gap {}",
        stats.sent,
        stats.lost(),
        stats.longest_gap
    );
    assert!(stats.sent >= 2 * DOWN_FOR + 10, "{stats:?}");
    assert!(
        stats.longest_gap <= MAX_GAP && stats.lost() <= MAX_LOST,
        "{kind:?} ToR: traffic interrupted while bgpd restarted: {stats:?}"
    );
}

#[test]
fn containers_keep_talking_through_an_frr_tor_while_bgpd_is_killed_and_restarted() {
    traffic_survives_a_killed_bgpd(RouterKind::Frr);
}

#[test]
fn containers_keep_talking_through_a_bird_tor_while_bgpd_is_killed_and_restarted() {
    traffic_survives_a_killed_bgpd(RouterKind::Bird);
}
