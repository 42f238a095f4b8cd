//! The routing pipeline end to end: resources in the datastore, confd on each
//! host rendering bgpd's file, bgpd peering with a BIRD top-of-rack router
//! and with the other host, containers reaching each other over routes that
//! exist only because BGP carried them.
//!
//! ```text
//!   c1 ── host1 (confd, bgpd) ── 10.0.1.0/30 ── tor (BIRD, AS 65000) ── 10.0.2.0/30 ── host2 (confd, bgpd) ── c2
//!         AS 64601, eBGP to the ToR                                          AS 64602
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::stack::{assign, lab_store, start_host_stack, two_hosts_behind_tor};
use common::{CONVERGE, PROBE, ip, new_lab};
use datastore::resource::client::{ResourceClient, Target, WriteMode};
use integration::routers::{self, NeighborConfig, RouterConfig, RouterKind, SessionState};
use integration::{Lab, ProbeOutcome, wait_until};
use resources::{Kind, Object, load::load_document, stream::split_documents};
use std::path::Path;
use std::time::Instant;

fn objects(yaml: &str) -> Vec<Object> {
    split_documents("pipeline", yaml)
        .iter()
        .map(|d| load_document(d, None).unwrap())
        .collect()
}

const POOL: &str = "\
apiVersion: terrace.io/v1
kind: IPPool
metadata: {name: pods}
spec: {cidr: 10.65.0.0/16}
---
";

/// Each host has its own AS (a shared one would make every host drop the others'
/// routes as AS-path loops) and peers with its ToR only: Calico's design for L3 fabrics.
const HOST1_AS: u32 = 64601;
const HOST2_AS: u32 = 64602;

/// Cluster-wide BGP settings and host1's ToR peering.
const RESOURCES: &str = "\
apiVersion: terrace.io/v1
kind: BGPConfiguration
metadata: {name: default}
spec: {asNumber: 64512, nodeToNodeMeshEnabled: false}
---
apiVersion: terrace.io/v1
kind: BGPPeer
metadata: {name: tor-host1}
spec: {node: host1, peerIP: 10.0.1.1, asNumber: 65000}
";

const TOR_HOST2: &str = "apiVersion: terrace.io/v1\nkind: BGPPeer\nmetadata: {name: tor-host2}\nspec: {node: host2, peerIP: 10.0.2.1, asNumber: 65000}\n";

/// A lab whose store holds the pool and `resources`, with one container
/// address per host assigned by IPAM and the topology built around them.
async fn lab_with_store(resources: &str) -> (Lab, ResourceClient, String, [std::net::IpAddr; 2]) {
    let mut lab = new_lab();
    let (url, client) = lab_store(&lab).await;
    let all = objects(&format!("{POOL}{resources}"));
    client.write_all(&all, WriteMode::Apply).await.unwrap();
    let c1 = assign(&client, "10.65.0.0/16", "host1", "c1.eth0").await;
    let c2 = assign(&client, "10.65.0.0/16", "host2", "c2.eth0").await;
    lab.build(&two_hosts_behind_tor(&c1.to_string(), &c2.to_string()))
        .unwrap();
    (lab, client, url, [c1, c2])
}

fn established(tor: &dyn routers::Router, peer: &str) -> bool {
    tor.sessions()
        .unwrap_or_default()
        .iter()
        .any(|s| s.peer == ip(peer) && s.state == SessionState::Established)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn containers_reach_each_other_over_routes_learned_only_by_bgp() {
    let (lab, client, url, [c1, c2]) = lab_with_store(RESOURCES).await;

    let tor_cfg = RouterConfig::new("10.0.1.1".parse().unwrap(), 65000)
        .neighbor(NeighborConfig::new(ip("10.0.1.2"), HOST1_AS))
        .neighbor(NeighborConfig::new(ip("10.0.2.2"), HOST2_AS));
    let tor = routers::start(RouterKind::Bird, &lab, "tor", &tor_cfg).unwrap();
    let host1 = start_host_stack(&lab, "host1", "10.0.1.0/30", &url, HOST1_AS);
    let host2 = start_host_stack(&lab, "host2", "10.0.2.0/30", &url, HOST2_AS);
    let (host1_config, host2_config) = (host1.bgpd_config.clone(), host2.bgpd_config.clone());

    // host1's block reaches the ToR; host2 has no ToR peering yet.
    tor.wait_established(ip("10.0.1.2"), CONVERGE).unwrap();
    tor.wait_route("10.65.0.0/26".parse().unwrap(), CONVERGE)
        .unwrap();
    assert!(
        !established(tor.as_ref(), "10.0.2.2"),
        "host2 has no ToR peering yet"
    );

    // A BGPPeer applied while everything runs becomes a session.
    let applied = Instant::now();
    client
        .write_all(&objects(TOR_HOST2), WriteMode::Apply)
        .await
        .unwrap();
    wait_until(CONVERGE, "host2's ToR session", || {
        established(tor.as_ref(), "10.0.2.2")
    })
    .unwrap();
    let took = applied.elapsed();
    eprintln!("BGPPeer applied -> session Established at the ToR in {took:?}");
    assert!(read(&host2_config).contains("name = \"node.tor-host2\""));
    tor.wait_route("10.65.0.64/26".parse().unwrap(), CONVERGE)
        .unwrap();
    let from_bgpd = |r: &integration::reads::KernelRoute| {
        r.gateway.is_some() && r.protocol.as_deref() != Some("boot")
    };
    lab.wait_kernel_route("host1", "10.65.0.64/26", CONVERGE, from_bgpd)
        .unwrap();
    lab.wait_kernel_route("host2", "10.65.0.0/26", CONVERGE, from_bgpd)
        .unwrap();

    // Real packets, over routes nobody configured by hand.
    wait_until(CONVERGE, "c1 -> c2 ping", || {
        lab.ping("c1", c2, PROBE) == ProbeOutcome::Connected
    })
    .unwrap();
    assert_eq!(lab.ping("c2", c1, PROBE), ProbeOutcome::Connected);

    // Deleting the BGPPeer takes that session down and leaves host1's untouched.
    let target = Target {
        kind: Kind::BGPPeer,
        namespace: None,
        name: "tor-host2".into(),
    };
    client.delete_all(&[target], false).await.unwrap();
    wait_until(CONVERGE, "host2's ToR session to go", || {
        !established(tor.as_ref(), "10.0.2.2")
    })
    .unwrap();
    assert!(
        established(tor.as_ref(), "10.0.1.2"),
        "host1's session stays up"
    );
    assert!(!read(&host2_config).contains("tor-host2"));
    assert!(read(&host1_config).contains("node.tor-host1"));
    drop((host1, host2, tor));
    lab.teardown().unwrap();
}

/// iBGP mesh routes carry the other host's address as next hop; here that
/// address is behind the ToR, so the route must be installed via the ToR
/// (recursive next-hop resolution).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mesh_routes_with_a_next_hop_behind_the_tor_are_installed() {
    let mesh = "apiVersion: terrace.io/v1\nkind: BGPPeer\nmetadata: {name: tor-host1}\nspec: {node: host1, peerIP: 10.0.1.1, asNumber: 65000}\n";
    let (lab, _client, url, _) = lab_with_store(mesh).await;
    let tor_cfg = RouterConfig::new("10.0.1.1".parse().unwrap(), 65000)
        .neighbor(NeighborConfig::new(ip("10.0.1.2"), 64512));
    let tor = routers::start(RouterKind::Bird, &lab, "tor", &tor_cfg).unwrap();
    let host1 = start_host_stack(&lab, "host1", "10.0.1.0/30", &url, 64512);
    let host2 = start_host_stack(&lab, "host2", "10.0.2.0/30", &url, 64512);
    // Each host reaches the other's block through its own ToR address, the gateway of
    // the default route that resolves the other host's (not on-link) address.
    let via = |gw: &'static str| {
        move |r: &integration::reads::KernelRoute| {
            r.gateway == Some(ip(gw)) && r.protocol.as_deref() == Some("89")
        }
    };
    lab.wait_kernel_route("host2", "10.65.0.0/26", CONVERGE, via("10.0.2.1"))
        .unwrap();
    lab.wait_kernel_route("host1", "10.65.0.64/26", CONVERGE, via("10.0.1.1"))
        .unwrap();
    drop((host1, host2, tor));
    lab.teardown().unwrap();
}
