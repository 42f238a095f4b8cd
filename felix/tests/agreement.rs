//! Agreement with the reference evaluator, with real packets: seeded random
//! worlds (labels, tiers with Deny or Pass defaults, policies with
//! Allow/Deny/Pass/Log rules, ports and selectors) are written to the
//! datastore one after another while one felix runs; after each, every TCP
//! flow between the workloads is judged by `policies::eval`, probed in the
//! namespaces, and run through the compiled table by `felix::nft::sim`; all
//! three must agree (the last keeps the simulator behind
//! `model_agreement.rs` honest about the kernel). Needs root.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use felix::calc::compute;
use felix::daemon::ingest::Ingest;
use felix::nft::sim::{Packet, forward_allows};
use felix::nft::{compile, full_delta};
use felix::reconcile::nft::NftRunner;
use integration::{Lab, wait_until};
use policies::eval::{Decision, EndpointKey, Flow, FlowEnd};
use policies::model::Protocol;
use resources::Kind;
use serde_json::{Value, json};
use support::*;

const WORKLOADS: [(&str, &str, &str); 3] = [
    ("w1", "tra1", "10.65.0.2"),
    ("w2", "tra2", "10.65.0.3"),
    ("w3", "tra3", "10.65.0.4"),
];
const PORTS: [u16; 2] = [8080, 9090];

/// A small deterministic generator (64-bit LCG), so failures reproduce.
struct Gen(u64);

impl Gen {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.next(items.len())]
    }
}

const SELECTORS: [&str; 4] = ["all()", "app == 'a'", "app == 'b'", "has(x)"];

fn rule(g: &mut Gen) -> Value {
    let action = g.pick(&["Allow", "Allow", "Deny", "Pass", "Log"]);
    let mut r = json!({"action": action, "protocol": "TCP"});
    match g.next(4) {
        0 => r["destination"] = json!({"ports": [PORTS[g.next(2)]]}),
        1 => r["destination"] = json!({"notPorts": [PORTS[g.next(2)]]}),
        2 => r["source"] = json!({"selector": g.pick(&SELECTORS)}),
        _ => {}
    }
    if g.next(3) == 0 {
        r["destination"]["notSelector"] = json!(g.pick(&SELECTORS));
    }
    r
}

fn write_world(rt: &tokio::runtime::Runtime, store: &Arc<dyn datastore::Store>, seed: u64) {
    let mut g = Gen(seed);
    for (name, iface, ip) in WORKLOADS {
        let mut labels = vec![("app", g.pick(&["a", "b"]))];
        if g.next(2) == 0 {
            labels.push(("x", "1"));
        }
        let spec = json!({"node": "host", "interfaceName": iface, "ipNetworks": [format!("{ip}/32")],
                          "profiles": ["kns.default"]});
        put(
            rt,
            store,
            Kind::WorkloadEndpoint,
            Some("default"),
            name,
            &labels,
            spec,
        );
    }
    // Calico's per-namespace profile: allows whatever no tier decided.
    let allow = json!([{"action": "Allow"}]);
    let profile = json!({"ingress": allow, "egress": allow});
    put(rt, store, Kind::Profile, None, "kns.default", &[], profile);
    let default_action = g.pick(&["Deny", "Pass"]);
    put(
        rt,
        store,
        Kind::Tier,
        None,
        "t1",
        &[],
        json!({"order": 10, "defaultAction": default_action}),
    );
    for i in 0..3 {
        let tier = g.pick(&["t1", "default"]);
        let name = if tier == "default" {
            format!("p{i}")
        } else {
            format!("t1.p{i}")
        };
        let types = g.pick(&["Ingress", "Egress", "both"]);
        let types: Vec<&str> = if types == "both" {
            vec!["Ingress", "Egress"]
        } else {
            vec![types]
        };
        let rules = |g: &mut Gen| -> Vec<Value> { (0..1 + g.next(3)).map(|_| rule(g)).collect() };
        let mut spec =
            json!({"tier": tier, "order": i, "selector": g.pick(&SELECTORS), "types": types});
        for (ty, field) in [("Ingress", "ingress"), ("Egress", "egress")] {
            if types.contains(&ty) {
                spec[field] = json!(rules(&mut g));
            }
        }
        put(rt, store, Kind::GlobalNetworkPolicy, None, &name, &[], spec);
    }
}

/// The world felix should be seeing, from the datastore.
fn ingest(rt: &tokio::runtime::Runtime, store: &Arc<dyn datastore::Store>) -> Ingest {
    let listing = rt.block_on(store.list(resources::key::ROOT)).unwrap();
    let mut state = Ingest::new("host");
    for kv in &listing.items {
        state.apply(&kv.key, Some(&kv.value)).unwrap();
    }
    state
}

#[test]
fn compiled_dataplane_agrees_with_the_reference_evaluator_on_real_packets() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let lab = Lab::from_topology(&one_host(&WORKLOADS)).unwrap();
    let db = lab.dir().join("store.db");
    let store = open_store(&rt, &db);
    let servers: Vec<_> = WORKLOADS
        .iter()
        .map(|(n, _, _)| serve(&lab, n, &PORTS))
        .collect();
    let felix = start_felix(&lab, "host", "felix", &db, "host");
    let nft = NftRunner::in_netns(lab.ns("host").unwrap());
    let mut checked = 0;
    let mut allowed = 0;
    for seed in [1_u64, 7, 42] {
        write_world(&rt, &store, seed);
        let state = ingest(&rt, &store);
        let desired = compile(&compute(state.engine.world()));
        wait_until(
            Duration::from_secs(60),
            "felix programmed the world",
            || {
                rt.block_on(nft.dump())
                    .is_ok_and(|a| full_delta(&desired, &a).is_empty())
            },
        )
        .unwrap();
        let ev = state.engine.world().evaluator();
        let flows: Vec<(&str, &str, u16)> = WORKLOADS
            .iter()
            .flat_map(|s| WORKLOADS.iter().map(move |d| (s, d)))
            .filter(|(s, d)| s.0 != d.0)
            .flat_map(|(s, d)| PORTS.iter().map(move |p| (s.0, d.0, *p)))
            .collect();
        let ip_of = |w: &str| -> std::net::IpAddr {
            WORKLOADS
                .iter()
                .find(|x| x.0 == w)
                .unwrap()
                .2
                .parse()
                .unwrap()
        };
        let iface_of = |w: &str| WORKLOADS.iter().find(|x| x.0 == w).unwrap().1;
        let results: Vec<(String, Decision, bool)> = std::thread::scope(|scope| {
            let handles: Vec<_> = flows
                .iter()
                .map(|(s, d, port)| {
                    let (lab, ev, desired) = (&lab, &ev, &desired);
                    scope.spawn(move || {
                        let dst_ip = WORKLOADS.iter().find(|w| w.0 == *d).unwrap().2;
                        let got = probe(lab, s, "tcp", dst_ip, *port, None);
                        let flow = Flow::new(
                            FlowEnd::Endpoint(EndpointKey::workload("default", s)),
                            FlowEnd::Endpoint(EndpointKey::workload("default", d)),
                            Protocol::TCP,
                            *port,
                        );
                        let want = ev.evaluate(&flow).unwrap().verdict;
                        let pkt = Packet {
                            src: ip_of(s),
                            dst: ip_of(d),
                            proto: 6,
                            sport: 40000,
                            dport: *port,
                            icmp: None,
                        };
                        let sim = forward_allows(desired, "tr", &pkt, iface_of(s), iface_of(d));
                        let text = format!("seed {seed}: {s} -> {d}:{port} probe {got}");
                        (text, want, sim.unwrap())
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        for (what, want, sim) in results {
            let connected = what.ends_with("connected 10.65.0.2")
                || what.ends_with("connected 10.65.0.3")
                || what.ends_with("connected 10.65.0.4");
            assert_eq!(
                connected,
                want == Decision::Allow,
                "{what}, evaluator says {want:?}"
            );
            assert_eq!(connected, sim, "{what}, the simulator says allowed={sim}");
            checked += 1;
            allowed += usize::from(connected);
        }
    }
    assert_eq!(checked, 3 * 12);
    // The seeds give both outcomes, so agreement is not "everything dropped".
    assert!(
        allowed > 0 && allowed < checked,
        "{allowed} of {checked} allowed"
    );
    drop(servers);
    assert!(felix.is_running(), "{}", felix.log());
}
