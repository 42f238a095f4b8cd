//! Kernel tests: felix as a real process in a network namespace, real
//! nftables, real routes and real packets between Calico-style workloads.
//!
//! ```text
//!   c1 10.65.0.2 (client)  c2 10.65.0.3 (server)  c3 10.65.0.4 (other)  c4 10.65.0.5 (no record)
//!        | tra1                 | tra2                 | tra3                 | tra4
//!   +----+----------------------+----------------------+----------------------+----+
//!   |  host  (felix, SQLite datastore)                         eth0 10.0.9.1/30    |
//!   +-----------------------------------------------------------+------------------+
//!                                                               | eth0 10.0.9.2/30
//!                                                              ext (no route back to 10.65/16)
//! ```
//! Needs root; run with `cargo test -p felix --test dataplane`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeSet;
use std::time::Duration;

use integration::{Lab, Topology, wait_until};
use resources::Kind;
use serde_json::json;
use support::*;

fn topology() -> Topology {
    one_host(&[
        ("c1", "tra1", "10.65.0.2"),
        ("c2", "tra2", "10.65.0.3"),
        ("c3", "tra3", "10.65.0.4"),
        ("c4", "tra4", "10.65.0.5"),
    ])
}

fn wep(iface: &str, ip: &str) -> serde_json::Value {
    json!({"node": "host", "interfaceName": iface, "ipNetworks": [format!("{ip}/32")],
           "ports": [{"name": "http", "protocol": "TCP", "port": 8080}]})
}

/// Writes the endpoints, policies, pool and block of the scenario.
fn populate(rt: &tokio::runtime::Runtime, store: &std::sync::Arc<dyn datastore::Store>) {
    let w = Kind::WorkloadEndpoint;
    put(
        rt,
        store,
        w,
        Some("default"),
        "c1",
        &[("app", "client")],
        wep("tra1", "10.65.0.2"),
    );
    put(
        rt,
        store,
        w,
        Some("default"),
        "c2",
        &[("app", "server")],
        wep("tra2", "10.65.0.3"),
    );
    put(
        rt,
        store,
        w,
        Some("default"),
        "c3",
        &[("app", "other")],
        wep("tra3", "10.65.0.4"),
    );
    put(
        rt,
        store,
        Kind::Tier,
        None,
        "security",
        &[],
        json!({"order": 10}),
    );
    put(
        rt,
        store,
        Kind::GlobalNetworkPolicy,
        None,
        "security.guard",
        &[],
        json!({
        "tier": "security", "selector": "app == 'server'", "types": ["Ingress"],
        "ingress": [
            {"action": "Deny", "protocol": "UDP", "source": {"selector": "app == 'other'"}},
            {"action": "Pass"}
        ]}),
    );
    put(
        rt,
        store,
        Kind::GlobalNetworkPolicy,
        None,
        "allow-egress",
        &[],
        json!({
        "selector": "all()", "types": ["Egress"], "egress": [{"action": "Allow"}]}),
    );
    put(
        rt,
        store,
        Kind::NetworkPolicy,
        Some("default"),
        "server",
        &[],
        json!({
        "selector": "app == 'server'", "types": ["Ingress"],
        "ingress": [
            {"action": "Allow", "protocol": "TCP", "source": {"selector": "app == 'client'"},
             "destination": {"ports": ["http"]}},
            {"action": "Allow", "protocol": "ICMP", "source": {"selector": "app == 'client'"}},
            {"action": "Allow", "protocol": "UDP", "destination": {"ports": [5353]}}
        ]}),
    );
    put(
        rt,
        store,
        Kind::IPPool,
        None,
        "pool",
        &[],
        json!({"cidr": "10.65.0.0/16", "natOutgoing": true}),
    );
    put_block(rt, store, "10.65.0.0/26", "host");
}

/// Rule handles per chain and set elements: what a restart must not change.
fn nft_state(lab: &Lab) -> BTreeSet<String> {
    let out = lab
        .exec("host", &["nft", "-j", "list", "table", "inet", "terrace"])
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let mut state = BTreeSet::new();
    for item in v["nftables"].as_array().unwrap() {
        if let Some(r) = item.get("rule") {
            state.insert(format!("rule {} {}", r["chain"], r["handle"]));
        }
        for k in ["set", "map", "chain"] {
            if let Some(s) = item.get(k) {
                state.insert(format!("{k} {} {} {}", s["name"], s["handle"], s["elem"]));
            }
        }
    }
    state
}

fn felix_routes(lab: &Lab) -> String {
    lab.exec("host", &["ip", "-j", "route", "show", "proto", "86"])
        .unwrap()
}

#[test]
fn policies_anti_spoofing_nat_and_a_restart_that_changes_nothing() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let lab = Lab::from_topology(&topology()).unwrap();
    let db = lab.dir().join("store.db");
    let store = open_store(&rt, &db);
    populate(&rt, &store);
    let _srv = serve(&lab, "c2", &[8080, 9090, 5353]);
    let _ext = serve(&lab, "ext", &[7000]);
    let felix = start_felix(&lab, "host", "felix", &db, "host");
    wait_reconciled(&felix);

    // Routes of protocol 86: one per endpoint address and the block's blackhole.
    let routes = felix_routes(&lab);
    for want in ["10.65.0.2", "10.65.0.3", "10.65.0.4", "10.65.0.0/26"] {
        assert!(
            routes.contains(&format!("\"{want}\"")),
            "{want} missing: {routes}"
        );
    }
    assert!(
        !routes.contains("10.65.0.5"),
        "c4 has no endpoint record: {routes}"
    );

    // Prometheus metrics on the configured address.
    let metrics = lab
        .exec("host", &["curl", "-s", "http://127.0.0.1:19091/metrics"])
        .unwrap();
    assert!(metrics.contains("felix_endpoints 3\n"), "{metrics}");
    assert!(metrics.contains("felix_policies 3\n"), "{metrics}");
    assert!(metrics.contains("felix_apply_seconds_count"), "{metrics}");

    // Policy, with real packets.
    assert!(probe(&lab, "c1", "tcp", "10.65.0.3", 8080, None).starts_with("connected"));
    assert_eq!(
        probe(&lab, "c1", "tcp", "10.65.0.3", 9090, None),
        "timeout",
        "default deny"
    );
    assert_eq!(
        probe(&lab, "c3", "tcp", "10.65.0.3", 8080, None),
        "timeout",
        "not a client"
    );
    assert!(
        probe(&lab, "c3", "udp", "10.65.0.3", 5353, None).starts_with("timeout"),
        "security tier deny"
    );
    assert!(
        probe(&lab, "c1", "udp", "10.65.0.3", 5353, None).starts_with("connected"),
        "Pass, then Allow"
    );
    assert!(ping(&lab, "c1", "10.65.0.3", None), "client ping allowed");
    assert!(!ping(&lab, "c3", "10.65.0.3", None), "other ping denied");
    assert!(
        !ping(&lab, "c4", "10.65.0.3", None),
        "unknown workload interface dropped"
    );

    // Anti-spoofing: a forged source address gets nothing through.
    lab.exec("c1", &["ip", "addr", "add", "10.65.0.99/32", "dev", "eth0"])
        .unwrap();
    assert_eq!(
        probe(&lab, "c1", "tcp", "10.65.0.3", 8080, Some("10.65.0.99")),
        "timeout"
    );
    assert!(!ping(&lab, "c1", "10.65.0.3", Some("10.65.0.99")));

    // natOutgoing: ext has no route back to the pool, so only a masqueraded
    // connection can succeed, and ext sees the host's address.
    assert_eq!(
        probe(&lab, "c1", "tcp", "10.0.9.2", 7000, None),
        "connected 10.0.9.1"
    );

    // Restart: kill -9 and start again; nothing is removed or re-added.
    let before = (nft_state(&lab), felix_routes(&lab));
    lab.exec("host", &["kill", "-9", &felix.pid().to_string()])
        .unwrap();
    wait_until(Duration::from_secs(30), "felix gone", || {
        !felix.is_running()
    })
    .unwrap();
    let again = start_felix(&lab, "host", "felix-2", &db, "host");
    wait_reconciled(&again);
    let after = (nft_state(&lab), felix_routes(&lab));
    assert_eq!(before, after, "restart changed the dataplane");
    assert!(
        !again.log().contains("nft table updated"),
        "{}",
        again.log()
    );
    assert!(probe(&lab, "c1", "tcp", "10.65.0.3", 8080, None).starts_with("connected"));

    // Drift: an anti-spoofing rule and a workload's source address deleted
    // behind felix's back both come back at the next resync.
    let chain = lab
        .exec(
            "host",
            &[
                "nft",
                "-a",
                "list",
                "chain",
                "inet",
                "terrace",
                "hook-forward",
            ],
        )
        .unwrap();
    let handle = chain
        .lines()
        .find(|l| l.contains("@wl-src-4"))
        .and_then(|l| l.split("# handle ").nth(1))
        .unwrap()
        .trim()
        .to_string();
    lab.exec(
        "host",
        &[
            "nft",
            "delete",
            "rule",
            "inet",
            "terrace",
            "hook-forward",
            "handle",
            &handle,
        ],
    )
    .unwrap();
    let element = r#"{ "tra1" . 10.65.0.2 }"#;
    lab.exec(
        "host",
        &[
            "nft", "delete", "element", "inet", "terrace", "wl-src-4", element,
        ],
    )
    .unwrap();
    wait_until(Duration::from_secs(60), "anti-spoofing restored", || {
        let rule = lab.exec(
            "host",
            &["nft", "list", "chain", "inet", "terrace", "hook-forward"],
        );
        let set = lab.exec(
            "host",
            &["nft", "list", "set", "inet", "terrace", "wl-src-4"],
        );
        rule.is_ok_and(|c| c.contains("@wl-src-4"))
            && set.is_ok_and(|s| s.contains("\"tra1\" . 10.65.0.2"))
    })
    .unwrap();
}
