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

use common::{CONVERGE, PROBE, ip, new_lab};
use datastore::ipam::{AssignRequest, IpamClient, PoolView};
use datastore::resource::client::{ResourceClient, Target, WriteMode};
use datastore::resource::{Kind, Object, load::load_document, stream::split_documents};
use datastore::url::DatastoreUrl;
use integration::routers::{self, NeighborConfig, RouterConfig, RouterKind, SessionState};
use integration::{Daemon, Lab, ProbeOutcome, Topology, wait_until};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// A workspace binary next to this test's executable (`cargo test --workspace` builds them).
fn workspace_bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.ancestors()
        .skip(1)
        .take(2)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("{name} is not built: run `cargo build --workspace --bins` (cargo test --workspace does)"))
}

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

async fn assign(store: &ResourceClient, node: &str, handle: &str) -> std::net::IpAddr {
    let pools = vec![PoolView {
        cidr: "10.65.0.0/16".parse().unwrap(),
        block_prefix_len: 26,
        usable: true,
    }];
    let request = AssignRequest {
        node: node.into(),
        handle: handle.into(),
        attributes: [("node".to_string(), node.to_string())].into(),
        ipv4: true,
        ipv6: false,
        pools,
        strict_affinity: false,
    };
    IpamClient::new(store.store().clone())
        .assign(&request)
        .await
        .unwrap()[0]
}

fn topology(c1: &str, c2: &str) -> Topology {
    Topology::builder()
        .description("two hosts behind a BIRD ToR; no static routes to containers")
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
        .route_via("host1", "default", "10.0.1.1")
        .route_via("host2", "default", "10.0.2.1")
        .container("c1", "host1", c1, "trc1")
        .container("c2", "host2", c2, "trc2")
        .build()
        .unwrap()
}

/// A host's daemons (stopped when dropped) and the bgpd file confd writes.
struct HostDaemons {
    _confd: Daemon,
    _bgpd: Daemon,
    config: PathBuf,
}

/// Starts confd, waits for its first file, then starts bgpd on it.
fn start_host(lab: &Lab, host: &str, subnet: &str, url: &str, asn: u32) -> HostDaemons {
    let dir = lab.dir();
    let config = dir.join(format!("{host}-bgpd.toml"));
    let pid_file = dir.join(format!("{host}-bgpd.pid"));
    let (confd, bgpd) = (workspace_bin("confd"), workspace_bin("bgpd"));
    let args = [
        confd.display().to_string(),
        "--datastore".into(),
        url.into(),
        "--node".into(),
        host.into(),
        "--config".into(),
        "/nonexistent/terrace.toml".into(),
        "--ip".into(),
        format!("cidr={subnet}"),
        "--host-id".into(),
        format!("lab-{host}"),
        "--bgpd-config".into(),
        config.display().to_string(),
        "--bgpd".into(),
        bgpd.display().to_string(),
        "--bgpd-pid-file".into(),
        pid_file.display().to_string(),
        "--as".into(),
        asn.to_string(),
    ];
    let confd = lab.spawn(host, &format!("confd-{host}"), &args).unwrap();
    wait_until(CONVERGE, "confd's first bgpd.toml", || config.is_file()).unwrap();
    let bgpd_args = [
        bgpd.display().to_string(),
        "--config".into(),
        config.display().to_string(),
        "--pid-file".into(),
        pid_file.display().to_string(),
    ];
    let bgpd = lab
        .spawn(host, &format!("bgpd-{host}"), &bgpd_args)
        .unwrap();
    // confd reloads bgpd through this file; it appears once bgpd handles SIGHUP.
    wait_until(CONVERGE, "bgpd's pid file", || pid_file.is_file()).unwrap();
    HostDaemons {
        _confd: confd,
        _bgpd: bgpd,
        config,
    }
}

/// A lab whose store holds the pool and `resources`, with one container
/// address per host assigned by IPAM and the topology built around them.
async fn lab_with_store(resources: &str) -> (Lab, ResourceClient, String, [std::net::IpAddr; 2]) {
    let mut lab = new_lab();
    let url = format!("sqlite://{}", lab.dir().join("store.db").display());
    let store = datastore::open(&DatastoreUrl::parse(&url).unwrap())
        .await
        .unwrap();
    let client = ResourceClient::new(store);
    let all = objects(&format!("{POOL}{resources}"));
    client.write_all(&all, WriteMode::Apply).await.unwrap();
    let c1 = assign(&client, "host1", "c1.eth0").await;
    let c2 = assign(&client, "host2", "c2.eth0").await;
    lab.build(&topology(&c1.to_string(), &c2.to_string()))
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
    let host1 = start_host(&lab, "host1", "10.0.1.0/30", &url, HOST1_AS);
    let host2 = start_host(&lab, "host2", "10.0.2.0/30", &url, HOST2_AS);
    let (host1_config, host2_config) = (host1.config.clone(), host2.config.clone());

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
    let host1 = start_host(&lab, "host1", "10.0.1.0/30", &url, 64512);
    let host2 = start_host(&lab, "host2", "10.0.2.0/30", &url, 64512);
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
