//! The cluster lab of issue 8: hosts running felix, confd and bgpd on one
//! datastore (SQLite or etcd), node-to-node mesh on, an FRR ToR peered per a
//! BGPPeer, containers attached with the `terrace` CNI plugin. All nodes share
//! one bridged segment (drawing in `common/cluster.rs`), so mesh routes have
//! on-link next hops.
//!
//! Needs root and the workspace binaries plus bgpd-api's `list_peers` example
//! (`cargo test --workspace` builds them).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/cluster.rs"]
mod cluster;

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use cluster::{
    BGPD_PROTOCOL, Backend, Cluster, ClusterSpec, PeerStatus, SETTLE, TERRACE_PROTOCOLS,
    base_resources, host_ip, tor_peer,
};
use integration::routers::SessionState;
use integration::{ProbeOutcome, wait_until};

const PROBE: Duration = Duration::from_secs(5);
const PORT: u16 = 8080;

/// Containers by name: (host, address).
type Containers = BTreeMap<String, (String, IpAddr)>;

/// Starts hosts 1..=`n` and attaches container `cN` to each `hostN`.
fn start_with_containers(c: &mut Cluster, n: usize) -> Containers {
    let mut containers = Containers::new();
    for i in 1..=n {
        c.start_host(&format!("host{i}"));
    }
    for i in 1..=n {
        let (name, host) = (format!("c{i}"), format!("host{i}"));
        let ip = c.add_container(&name, &host);
        containers.insert(name, (host, ip));
    }
    containers
}

fn tor_established(c: &Cluster, host: &str) -> bool {
    c.tor.as_ref().unwrap().sessions().is_ok_and(|s| {
        s.iter()
            .any(|s| s.peer == host_ip(host) && s.state == SessionState::Established)
    })
}

/// Every host reaches every other host's containers through a bgpd route
/// (protocol 89) whose next hop is the owning host, and no pod route on any
/// host was made by anything but Terrace.
fn assert_routes_only_from_bgp(c: &Cluster, containers: &Containers) {
    for host in c.running() {
        for (name, (owner, ip)) in containers {
            if *owner == host {
                continue;
            }
            let what = format!("{host}'s bgpd route to {name} ({ip}) via {owner}");
            wait_until(SETTLE, &what, || {
                c.route_to(&host, *ip).is_some_and(|r| {
                    r.protocol.as_deref() == Some(BGPD_PROTOCOL)
                        && r.gateway == Some(host_ip(owner))
                })
            })
            .unwrap_or_else(|e| panic!("{e}; routes: {:#?}", c.pod_routes(&host)));
        }
        for r in c.pod_routes(&host) {
            let proto = r.protocol.as_deref().unwrap_or("none");
            assert!(
                TERRACE_PROTOCOLS.contains(&proto),
                "{host} has a pod route not made by felix, the CNI plugin or bgpd: {r:?}"
            );
        }
    }
}

/// Ping and TCP between every pair of containers on different hosts.
fn assert_all_pairs_reach(c: &Cluster, containers: &Containers) {
    let _servers: Vec<_> = containers
        .keys()
        .map(|name| c.lab.serve_probe(name, PORT).unwrap())
        .collect();
    for (from, (from_host, _)) in containers {
        for (to, (to_host, ip)) in containers {
            if from_host == to_host {
                continue;
            }
            // The first packet may race felix's first nft batch for a new veth.
            wait_until(SETTLE, &format!("{from} -> {to} ping"), || {
                c.lab.ping(from, *ip, PROBE) == ProbeOutcome::Connected
            })
            .unwrap();
            assert_eq!(
                c.lab.probe_tcp(from, *ip, PORT, PROBE),
                ProbeOutcome::Connected,
                "{from} -> {to}:{PORT} over TCP"
            );
        }
    }
}

/// Issue 8's full pipeline on `backend`: three hosts, mesh and ToR sessions,
/// containers reaching each other over BGP routes only.
fn three_hosts_reach_each_other(backend: Backend) {
    let spec = ClusterSpec {
        backend,
        hosts: 3,
        tor: true,
        resources: format!("{}---\n{}", base_resources(26), tor_peer("tor", None)),
    };
    let mut c = Cluster::new(&spec);
    let containers = start_with_containers(&mut c, 3);
    c.wait_full_mesh();
    for host in c.running() {
        wait_until(SETTLE, &format!("ToR session with {host}"), || {
            tor_established(&c, &host)
        })
        .unwrap();
    }
    // The ToR learns every host's block (the /26 holding its container).
    for (_, ip) in containers.values() {
        let block = ipnet::IpNet::new(*ip, 26).unwrap().trunc();
        c.tor.as_ref().unwrap().wait_route(block, SETTLE).unwrap();
    }
    assert_routes_only_from_bgp(&c, &containers);
    assert_all_pairs_reach(&c, &containers);
}

#[test]
fn three_hosts_on_sqlite_reach_each_other_over_routes_learned_only_by_bgp() {
    three_hosts_reach_each_other(Backend::Sqlite);
}

#[test]
fn three_hosts_on_etcd_reach_each_other_over_routes_learned_only_by_bgp() {
    three_hosts_reach_each_other(Backend::Etcd);
}

/// Every Established mesh session of every running host, by (host, peer).
fn mesh_sessions(c: &Cluster) -> BTreeMap<(String, IpAddr), PeerStatus> {
    let mut out = BTreeMap::new();
    for host in c.running() {
        for p in c.peers(&host).unwrap() {
            if p.kind == "node-to-node mesh" {
                assert!(p.established(), "{host}: mesh session down: {p:?}");
                out.insert((host.clone(), p.address), p);
            }
        }
    }
    out
}

/// No mesh session in `before`, read `elapsed` ago, was reset: each is
/// still Established and its uptime grew by at least the elapsed whole
/// seconds (one second of slack for rounding). A reset would show as an
/// uptime below the earlier one, which is at least 3 s.
fn assert_mesh_not_reset(
    c: &Cluster,
    before: &BTreeMap<(String, IpAddr), PeerStatus>,
    elapsed: Duration,
) {
    let after = mesh_sessions(c);
    for (key, b) in before {
        let a = after
            .get(key)
            .unwrap_or_else(|| panic!("{key:?}: mesh session gone: {after:?}"));
        assert!(
            a.since_seconds + 1 >= b.since_seconds + elapsed.as_secs(),
            "{key:?}: mesh session was reset: uptime {}s, was {}s {elapsed:?} ago",
            a.since_seconds,
            b.since_seconds
        );
    }
}

/// Waits until every mesh session has been up for 3 s and returns them.
fn settled_mesh(c: &Cluster) -> BTreeMap<(String, IpAddr), PeerStatus> {
    c.wait_full_mesh();
    wait_until(SETTLE, "mesh sessions up for 3 s", || {
        mesh_sessions(c).values().all(|p| p.since_seconds >= 3)
    })
    .unwrap();
    mesh_sessions(c)
}

fn host1_tor_session(c: &Cluster) -> Option<PeerStatus> {
    let tor: IpAddr = cluster::TOR_IP.parse().unwrap();
    c.peers("host1")
        .ok()?
        .into_iter()
        .find(|p| p.address == tor)
}

#[test]
fn netctl_apply_and_delete_of_a_bgp_peer_leave_the_mesh_sessions_alone() {
    let spec = ClusterSpec {
        backend: Backend::Sqlite,
        hosts: 3,
        tor: true,
        resources: base_resources(26),
    };
    let mut c = Cluster::new(&spec);
    for i in 1..=3 {
        c.start_host(&format!("host{i}"));
    }
    let before = settled_mesh(&c);
    assert_eq!(before.len(), 6, "three hosts, two mesh peers each");
    assert!(
        host1_tor_session(&c).is_none(),
        "no ToR peer configured yet"
    );
    let read_at = Instant::now();
    let applied = Instant::now();
    c.apply("tor-host1", &tor_peer("tor-host1", Some("host1")));
    wait_until(SETTLE, "host1's ToR session", || {
        host1_tor_session(&c).is_some_and(|p| p.established()) && tor_established(&c, "host1")
    })
    .unwrap();
    eprintln!(
        "netctl apply BGPPeer -> session Established in {:?}",
        applied.elapsed()
    );
    assert!(!tor_established(&c, "host2"), "the peer is host1's only");
    assert_mesh_not_reset(&c, &before, read_at.elapsed());

    let deleted = Instant::now();
    c.netctl(&["delete", "bgppeer", "tor-host1"]).unwrap();
    wait_until(SETTLE, "host1's ToR session to go", || {
        host1_tor_session(&c).is_none() && !tor_established(&c, "host1")
    })
    .unwrap();
    eprintln!(
        "netctl delete BGPPeer -> session gone in {:?}",
        deleted.elapsed()
    );
    assert_mesh_not_reset(&c, &before, read_at.elapsed());
}

#[test]
fn a_fourth_host_joins_every_mesh_and_its_containers_become_reachable() {
    let spec = ClusterSpec {
        backend: Backend::Sqlite,
        hosts: 4,
        tor: false,
        resources: base_resources(26),
    };
    let mut c = Cluster::new(&spec);
    let mut containers = start_with_containers(&mut c, 3);
    let before = settled_mesh(&c);
    let read_at = Instant::now();

    c.start_host("host4");
    let ip = c.add_container("c4", "host4");
    containers.insert("c4".into(), ("host4".into(), ip));
    // Every bgpd lists host4 as an Established peer, and host4 lists them all.
    c.wait_full_mesh();
    for host in ["host1", "host2", "host3"] {
        let peers = c.peers(host).unwrap();
        assert!(
            peers
                .iter()
                .any(|p| p.address == host_ip("host4") && p.established()),
            "{host}: {peers:?}"
        );
    }
    // The join reset none of the existing sessions.
    assert_mesh_not_reset(&c, &before, read_at.elapsed());
    assert_routes_only_from_bgp(&c, &containers);
    assert_all_pairs_reach(&c, &containers);
}
