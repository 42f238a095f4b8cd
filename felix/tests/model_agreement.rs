//! The compiled dataplane against the reference evaluator on the compiled
//! model: random worlds (two nodes, two namespaces, workloads with named
//! ports and profiles, a network set over some of their addresses, a tier
//! with a Deny or Pass default, policies with random rules) are compiled per
//! node, and every TCP, UDP and ICMP flow between the workloads is run
//! through the tables by `felix::nft::sim` — source node's forward hook,
//! then the destination node's — and must get the evaluator's verdict.
//! `agreement.rs` checks the simulator itself against real packets. No root.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::IpAddr;

use felix::calc::{EndpointKind, LocalEndpoint, World, compute};
use felix::nft::compile;
use felix::nft::sim::{Packet, forward_allows};
use policies::document::parse_documents;
use policies::eval::{Decision, Endpoint, EndpointKey, Flow, FlowEnd, IcmpInfo};
use policies::model::{Protocol, Resource};
use proptest::prelude::*;

const NODES: [&str; 2] = ["n1", "n2"];
const SELECTORS: [&str; 6] = [
    "all()",
    "app == 'a'",
    "app == 'b'",
    "role == 'x'",
    "has(app) && role != 'y'",
    "app in {'a', 'c'}",
];

#[derive(Debug, Clone)]
struct Workload {
    name: String,
    ns: &'static str,
    node: usize,
    ip: String,
    app: &'static str,
    role: &'static str,
    http: Option<u16>,
    profile: &'static str,
}

impl Workload {
    fn iface(&self) -> String {
        format!("tr{}", self.name)
    }
}

fn workload(i: usize) -> impl Strategy<Value = Workload> {
    (
        0..2usize,
        0..2usize,
        prop::sample::select(vec!["a", "b", "c"]),
        prop::sample::select(vec!["x", "y"]),
        prop::option::of(prop::sample::select(vec![80u16, 8080])),
        prop::sample::select(vec!["open", "open", "open", "closed", ""]),
    )
        .prop_map(move |(ns, node, app, role, http, profile)| Workload {
            name: format!("w{i}"),
            ns: ["ns1", "ns2"][ns],
            node,
            ip: format!("10.65.{node}.{}", 2 + i),
            app,
            role,
            http,
            profile,
        })
}

/// One side of a rule, as YAML flow-map entries.
fn side(with_ports: bool) -> impl Strategy<Value = String> {
    let some = |p: f64, v: Vec<&'static str>| prop::option::weighted(p, prop::sample::select(v));
    let sel = some(0.5, SELECTORS.to_vec());
    let not_sel = some(0.2, SELECTORS.to_vec());
    let nets = some(0.2, vec!["10.65.1.0/24", "10.65.0.0/30"]);
    let ports = some(0.4, vec!["80", "http", "'8000:8100'", "80, http"]);
    let not_ports = some(0.15, vec!["8080", "http"]);
    let ns_sel = some(0.15, vec!["env == 'prod'", "global()"]);
    (sel, not_sel, nets, any::<bool>(), ports, not_ports, ns_sel).prop_map(
        move |(sel, not_sel, nets, negate_nets, ports, not_ports, ns_sel)| {
            let mut parts = Vec::new();
            if let Some(s) = sel {
                parts.push(format!("selector: \"{s}\""));
            }
            if let Some(s) = not_sel {
                parts.push(format!("notSelector: \"{s}\""));
            }
            if let Some(n) = nets {
                let key = if negate_nets { "notNets" } else { "nets" };
                parts.push(format!("{key}: [{n}]"));
            }
            if with_ports {
                if let Some(p) = ports {
                    parts.push(format!("ports: [{p}]"));
                }
                if let Some(p) = not_ports {
                    parts.push(format!("notPorts: [{p}]"));
                }
            }
            if let Some(s) = ns_sel {
                parts.push(format!("namespaceSelector: \"{s}\""));
            }
            format!("{{{}}}", parts.join(", "))
        },
    )
}

fn rule() -> impl Strategy<Value = String> {
    let action = prop::sample::select(vec!["Allow", "Allow", "Allow", "Deny", "Pass", "Log"]);
    let proto = prop::sample::select(vec!["", "TCP", "UDP", "ICMP"]);
    (action, proto, side(false), side(true), side(true), 0..4u8).prop_map(
        |(action, proto, plain, src, dst, icmp)| {
            let mut lines = vec![format!("action: {action}")];
            let (src, dst) = match proto {
                "TCP" | "UDP" => (src, dst),
                _ => (plain.clone(), plain),
            };
            if !proto.is_empty() {
                lines.push(format!("protocol: {proto}"));
            }
            if proto == "ICMP" {
                match icmp {
                    0 => lines.push("icmp: {type: 8}".into()),
                    1 => lines.push("notICMP: {type: 8, code: 0}".into()),
                    2 => lines.push("icmp: {type: 0, code: 0}".into()),
                    _ => {}
                }
            }
            lines.push(format!("source: {src}"));
            lines.push(format!("destination: {dst}"));
            format!("    - {{{}}}\n", lines.join(", "))
        },
    )
}

fn policy(i: usize) -> impl Strategy<Value = String> {
    (
        any::<bool>(),
        any::<bool>(),
        prop::sample::select(SELECTORS.to_vec()),
        prop::sample::select(vec!["[Ingress]", "[Egress]", "[Ingress, Egress]"]),
        prop::collection::vec(rule(), 1..3),
        prop::collection::vec(rule(), 1..3),
    )
        .prop_map(move |(global, tiered, sel, types, ingress, egress)| {
            let (kind, meta) = if global {
                ("GlobalNetworkPolicy", format!("{{name: p{i}}}"))
            } else {
                ("NetworkPolicy", format!("{{name: p{i}, namespace: ns1}}"))
            };
            let tier = if tiered { "  tier: sec\n" } else { "" };
            let mut text = format!(
                "---\napiVersion: terrace.io/v1\nkind: {kind}\nmetadata: {meta}\nspec:\n{tier}  order: {i}\n  selector: \"{sel}\"\n  types: {types}\n"
            );
            if types.contains("Ingress") {
                text.push_str(&format!("  ingress:\n{}", ingress.concat()));
            }
            if types.contains("Egress") {
                text.push_str(&format!("  egress:\n{}", egress.concat()));
            }
            text
        })
}

#[derive(Debug, Clone)]
struct Case {
    workloads: Vec<Workload>,
    policies: Vec<String>,
    tier_deny: bool,
}

fn case() -> impl Strategy<Value = Case> {
    let workloads: Vec<_> = (0..6).map(workload).collect();
    let policies: Vec<_> = (0..4).map(policy).collect();
    (workloads, policies, any::<bool>()).prop_map(|(workloads, policies, tier_deny)| Case {
        workloads,
        policies,
        tier_deny,
    })
}

const FIXED: &str = r#"
apiVersion: terrace.io/v1
kind: Namespace
metadata: {name: ns1, labels: {env: prod}}
---
apiVersion: terrace.io/v1
kind: Namespace
metadata: {name: ns2, labels: {env: dev}}
---
apiVersion: terrace.io/v1
kind: Profile
metadata: {name: open}
spec: {ingress: [{action: Allow}], egress: [{action: Allow}]}
---
apiVersion: terrace.io/v1
kind: Profile
metadata: {name: closed}
spec: {}
---
apiVersion: terrace.io/v1
kind: GlobalNetworkSet
metadata: {name: half, labels: {role: x}}
spec: {nets: [10.65.1.0/29]}
"#;

/// The world of `case` as node `node` sees it. Generated policies that do
/// not validate are left out (validation is not what is under test).
fn world(case: &Case, node: &str) -> Option<World> {
    let mut w = World::new(node);
    let tier = format!(
        "---\napiVersion: terrace.io/v1\nkind: Tier\nmetadata: {{name: sec}}\nspec: {{order: 10, defaultAction: {}}}\n",
        if case.tier_deny { "Deny" } else { "Pass" }
    );
    let yaml = format!("{FIXED}{tier}{}", case.policies.concat());
    for doc in parse_documents(&yaml) {
        if let Some(r) = doc.ok().and_then(|d| d.resource) {
            let r: Resource = r;
            w.upsert(r);
        }
    }
    for wl in &case.workloads {
        let mut ep = Endpoint::workload(wl.ns, &wl.name)
            .ip(wl.ip.parse().ok()?)
            .label("app", wl.app)
            .label("role", wl.role);
        if let Some(port) = wl.http {
            ep = ep.named_port("http", Protocol::TCP, port);
        }
        if !wl.profile.is_empty() {
            ep = ep.profile(wl.profile);
        }
        w.upsert_endpoint(LocalEndpoint {
            endpoint: ep,
            kind: EndpointKind::Workload,
            node: NODES[wl.node].to_string(),
            iface: wl.iface(),
            allowed_sources: Vec::new(),
        });
    }
    Some(w)
}

/// Protocol, port (or ICMP type and code) of one flow tried between a pair.
type Probe = (u8, u16, Option<(u8, u8)>);

/// The flows tried between each pair.
const PROBES: [Probe; 6] = [
    (6, 80, None),
    (6, 8080, None),
    (6, 8050, None),
    (17, 80, None),
    (1, 0, Some((8, 0))),
    (1, 0, Some((0, 0))),
];

/// Checks every flow of `case`; returns (flows checked, flows allowed).
fn check(case: &Case) -> Result<(usize, usize), TestCaseError> {
    let worlds: Option<Vec<World>> = NODES.iter().map(|n| world(case, n)).collect();
    let worlds = worlds.ok_or_else(|| TestCaseError::fail("fixed world does not parse"))?;
    let tables: Vec<_> = worlds.iter().map(|w| compile(&compute(w))).collect();
    let ev = worlds[0].evaluator();
    let (mut checked, mut allowed_count) = (0, 0);
    for s in &case.workloads {
        for d in case.workloads.iter().filter(|d| d.name != s.name) {
            for (proto, port, icmp) in PROBES {
                let (src, dst): (IpAddr, IpAddr) = (s.ip.parse().unwrap(), d.ip.parse().unwrap());
                let pkt = Packet {
                    src,
                    dst,
                    proto,
                    sport: 40000,
                    dport: port,
                    icmp,
                };
                let (si, di) = (s.iface(), d.iface());
                let sim = |t: usize, i: &str, o: &str| forward_allows(&tables[t], "tr", &pkt, i, o);
                let allowed = if s.node == d.node {
                    sim(s.node, &si, &di).unwrap()
                } else {
                    sim(s.node, &si, "eth0").unwrap() && sim(d.node, "eth0", &di).unwrap()
                };
                let ends = (
                    FlowEnd::Endpoint(EndpointKey::workload(s.ns, &s.name)),
                    FlowEnd::Endpoint(EndpointKey::workload(d.ns, &d.name)),
                );
                let mut flow = match icmp {
                    Some((t, c)) => {
                        let info = IcmpInfo {
                            icmp_type: t,
                            code: Some(c),
                        };
                        Flow::icmp(ends.0, ends.1, Protocol(proto), info)
                    }
                    None => Flow::new(ends.0, ends.1, Protocol(proto), port),
                };
                if icmp.is_none() {
                    flow.src_port = Some(40000);
                }
                let trace = ev.evaluate(&flow).unwrap();
                prop_assert_eq!(
                    allowed,
                    trace.verdict == Decision::Allow,
                    "{} -> {} proto {} port {} icmp {:?}: simulator says {}, evaluator {:?}\n{:#?}",
                    s.name,
                    d.name,
                    proto,
                    port,
                    icmp,
                    allowed,
                    trace,
                    case
                );
                checked += 1;
                allowed_count += usize::from(allowed);
            }
        }
    }
    Ok((checked, allowed_count))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn compiled_tables_agree_with_the_evaluator_on_every_flow(case in case()) {
        check(&case)?;
    }
}

/// The generated worlds are not degenerate: they hold valid policies and
/// give both verdicts, so agreement is not "everything dropped".
#[test]
fn generated_worlds_give_both_verdicts() {
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let (mut checked, mut allowed, mut policies) = (0, 0, 0);
    for _ in 0..50 {
        let case = case().new_tree(&mut runner).unwrap().current();
        policies += world(&case, "n1").unwrap().resources.policies.len();
        let (c, a) = check(&case).unwrap();
        checked += c;
        allowed += a;
    }
    assert!(
        policies > 100,
        "only {policies} of 200 generated policies validate"
    );
    assert!(
        allowed > checked / 10 && allowed < checked * 9 / 10,
        "{allowed} of {checked} allowed"
    );
}
