//! The Kubernetes network-policy matrix with real packets across two hosts:
//! the pods of `policies/tests/k8s_e2e.rs` (namespaces x, y, z labelled
//! `ns: <name>`, pods a, b, c labelled `pod: <name>`, same addresses, named
//! ports `serve-<port>-<proto>`, namespace profiles `kns.<ns>` that allow
//! everything) spread over two hosts, each with its own felix. For each
//! representative scenario every ordered pair of distinct pods is probed and
//! the verdict must match both the reference evaluator (fed from the same
//! datastore) and the scenario's expectation from the upstream e2e suite.
//!
//! ```text
//!   x/a x/c y/b z/a z/c               x/b y/a y/c z/b
//!     | | | | |  (tra<ns><pod>)         | | | |
//!   +-+-+-+-+-+--------+          +-----+-+-+-+-----+
//!   | h1 (felix)  eth0 +----------+ eth0  h2 (felix)|
//!   +------ 172.31.9.1/30        172.31.9.2/30 -----+
//! ```
//! Pod routes between the hosts are static (/32 via the peer, and a
//! default route so that proxy ARP answers): policy is what is under test.
//! A pod reaching itself goes over its own loopback and never meets felix,
//! so self pairs are not probed. Needs root; run with
//! `cargo test -p felix --test k8s_matrix`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use felix::calc::compute;
use felix::daemon::ingest::Ingest;
use felix::nft::{compile, full_delta};
use felix::reconcile::nft::NftRunner;
use integration::{Lab, Topology, wait_until};
use policies::eval::{Decision, EndpointKey, Flow, FlowEnd};
use policies::model::Protocol;
use resources::Kind;
use resources::load::load_document;
use resources::stream::split_documents;
use serde_json::json;
use support::*;

const NAMESPACES: [&str; 3] = ["x", "y", "z"];
const PODS: [&str; 3] = ["a", "b", "c"];
const HOSTS: [(&str, &str); 2] = [("h1", "172.31.9.1"), ("h2", "172.31.9.2")];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Pod {
    ns: &'static str,
    name: &'static str,
    ni: usize,
    pi: usize,
}

impl Pod {
    fn is(&self, full: &str) -> bool {
        full == format!("{}/{}", self.ns, self.name)
    }
    /// The address k8s_e2e gives the pod, so its ipBlock scenarios apply as is.
    fn ip(&self) -> String {
        format!("10.0.{}.{}", self.ni + 1, self.pi + 1)
    }
    /// Alternating placement: every namespace has pods on both hosts.
    fn host(&self) -> usize {
        (self.ni * 3 + self.pi) % 2
    }
    fn role(&self) -> String {
        format!("{}{}", self.ns, self.name)
    }
    fn iface(&self) -> String {
        format!("tra{}{}", self.ns, self.name)
    }
}

fn all_pods() -> Vec<Pod> {
    let mut pods = Vec::new();
    for (ni, ns) in NAMESPACES.iter().enumerate() {
        for (pi, name) in PODS.iter().enumerate() {
            pods.push(Pod { ns, name, ni, pi });
        }
    }
    pods
}

fn topology() -> Topology {
    let mut b = Topology::builder()
        .host(HOSTS[0].0)
        .host(HOSTS[1].0)
        .link(
            (HOSTS[0].0, "eth0", "172.31.9.1/30"),
            (HOSTS[1].0, "eth0", "172.31.9.2/30"),
        )
        // Proxy ARP for the containers' 169.254.1.1 gateway answers only
        // when the host has a route to it, as on a real host.
        .route_via(HOSTS[0].0, "default", HOSTS[1].1)
        .route_via(HOSTS[1].0, "default", HOSTS[0].1);
    for pod in all_pods() {
        let here = HOSTS[pod.host()].0;
        let (there, via) = (HOSTS[1 - pod.host()].0, HOSTS[pod.host()].1);
        b = b
            .container(&pod.role(), here, &pod.ip(), &pod.iface())
            .route_via(there, &format!("{}/32", pod.ip()), via);
    }
    b.build().unwrap()
}

type Stores = Vec<Arc<dyn datastore::Store>>;

/// Writes one YAML document, as `netctl apply` would, to every store.
fn apply(rt: &tokio::runtime::Runtime, stores: &Stores, yaml: &str) -> String {
    let object = load_document(&split_documents("test.yaml", yaml)[0], None).unwrap();
    let key = object.key().unwrap().to_string();
    for s in stores {
        rt.block_on(s.put(&key, object.to_bytes())).unwrap();
    }
    key
}

fn write_world(rt: &tokio::runtime::Runtime, stores: &Stores) {
    for ns in NAMESPACES {
        let allow = json!([{"action": "Allow"}]);
        for s in stores {
            put(rt, s, Kind::Namespace, None, ns, &[("ns", ns)], json!({}));
            let spec = json!({"ingress": allow, "egress": allow});
            put(rt, s, Kind::Profile, None, &format!("kns.{ns}"), &[], spec);
        }
    }
    for pod in all_pods() {
        let mut ports = Vec::new();
        for proto in ["TCP", "UDP"] {
            for port in [80, 81] {
                let name = format!("serve-{port}-{}", proto.to_lowercase());
                ports.push(json!({"name": name, "protocol": proto, "port": port}));
            }
        }
        let spec = json!({"node": HOSTS[pod.host()].0, "interfaceName": pod.iface(),
                          "ipNetworks": [format!("{}/32", pod.ip())],
                          "profiles": [format!("kns.{}", pod.ns)], "ports": ports});
        for s in stores {
            let labels = [("pod", pod.name)];
            put(
                rt,
                s,
                Kind::WorkloadEndpoint,
                Some(pod.ns),
                pod.name,
                &labels,
                spec.clone(),
            );
        }
    }
}

fn knp(name: &str, ns: &str, spec: &str) -> String {
    format!(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n{spec}"
    )
}

type Expect = fn(Pod, Pod) -> bool;

/// One scenario: a policy, then (protocol, port, expectation) checks.
struct Scenario {
    name: &'static str,
    ns: &'static str,
    spec: &'static str,
    checks: &'static [(&'static str, u16, Expect)],
}

const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "deny-ingress",
        ns: "x",
        spec: "  podSelector: {}\n  policyTypes: [Ingress]\n",
        checks: &[("tcp", 80, |_, to| to.ns != "x")],
    },
    Scenario {
        name: "same-ns",
        ns: "x",
        spec: "  podSelector: {}\n  ingress:\n  - from:\n    - podSelector: {}\n",
        checks: &[("tcp", 80, |from, to| to.ns != "x" || from.ns == "x")],
    },
    Scenario {
        name: "allow-ns-y",
        ns: "x",
        spec: "  podSelector:\n    matchLabels: {pod: a}\n  ingress:\n  - from:\n    - namespaceSelector:\n        matchLabels: {ns: y}\n",
        checks: &[("tcp", 80, |from, to| !to.is("x/a") || from.ns == "y")],
    },
    // Egress denied from x except a DNS-like UDP port (81 stands in for 53).
    Scenario {
        name: "deny-egress-but-dns",
        ns: "x",
        spec: "  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - ports: [{protocol: UDP, port: 81}]\n",
        checks: &[
            ("tcp", 80, |from, _| from.ns != "x"),
            ("udp", 81, |_, _| true),
            ("udp", 80, |from, _| from.ns != "x"),
        ],
    },
    // 10.0.2.0/24 is namespace y; except y/b.
    Scenario {
        name: "except",
        ns: "x",
        spec: "  podSelector: {matchLabels: {pod: a}}\n  policyTypes: [Egress]\n  egress:\n  - to: [{ipBlock: {cidr: 10.0.2.0/24, except: [10.0.2.2/32]}}]\n",
        checks: &[("tcp", 80, |from, to| {
            !from.is("x/a") || (to.ns == "y" && to.name != "b")
        })],
    },
    Scenario {
        name: "named",
        ns: "x",
        spec: "  podSelector: {matchLabels: {pod: a}}\n  ingress:\n  - ports:\n    - port: serve-81-tcp\n",
        checks: &[("tcp", 81, |_, _| true), ("tcp", 80, |_, to| !to.is("x/a"))],
    },
];

/// The world as felix on `node` sees it.
fn ingest(rt: &tokio::runtime::Runtime, store: &Arc<dyn datastore::Store>, node: &str) -> Ingest {
    let listing = rt.block_on(store.list(resources::key::ROOT)).unwrap();
    let mut state = Ingest::new(node);
    for kv in &listing.items {
        state.apply(&kv.key, Some(&kv.value)).unwrap();
    }
    state
}

/// Waits until each host's nft table is what its felix should program.
fn wait_programmed(rt: &tokio::runtime::Runtime, lab: &Lab, stores: &Stores) {
    for (i, (host, _)) in HOSTS.iter().enumerate() {
        let desired = compile(&compute(ingest(rt, &stores[i], host).engine.world()));
        let nft = NftRunner::in_netns(lab.ns(host).unwrap());
        wait_until(Duration::from_secs(60), "felix programmed", || {
            rt.block_on(nft.dump())
                .is_ok_and(|a| full_delta(&desired, &a).is_empty())
        })
        .unwrap();
    }
}

/// Probes each address in its own thread; prints "<addr> connected" or
/// "<addr> timeout" (2 s: policy drops, it does not reject).
const FAN_OUT: &str = r#"
import socket, sys, threading
proto, port = sys.argv[1], int(sys.argv[2])
def one(dst):
    kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
    s = socket.socket(socket.AF_INET, kind); s.settimeout(2)
    try:
        if proto == "tcp":
            s.connect((dst, port)); s.recv(100)
        else:
            s.sendto(b"ping", (dst, port)); s.recvfrom(100)
        r = "connected"
    except OSError:
        r = "timeout"
    with lock:  # print() writes in pieces; threads would interleave them
        sys.stdout.write(dst + " " + r + "\n"); sys.stdout.flush()
lock = threading.Lock()
ts = [threading.Thread(target=one, args=(d,)) for d in sys.argv[3:]]
[t.start() for t in ts]; [t.join() for t in ts]
"#;

/// Probes every ordered pair of distinct pods in parallel; returns failures.
fn check_matrix(
    lab: &Lab,
    ev: &policies::eval::Evaluator,
    scenario: &str,
    (proto, port, expect): (&str, u16, Expect),
) -> (Vec<String>, usize) {
    let protocol = if proto == "tcp" {
        Protocol::TCP
    } else {
        Protocol::UDP
    };
    // One client process per source pod, probing its 8 peers in threads:
    // starting 72 processes on a small machine costs more than the probes.
    let results: Vec<(Pod, Pod, String)> = std::thread::scope(|scope| {
        let handles: Vec<_> = all_pods()
            .into_iter()
            .map(|from| {
                scope.spawn(move || {
                    let peers: Vec<Pod> = all_pods().into_iter().filter(|t| *t != from).collect();
                    let port = port.to_string();
                    let mut args = vec!["python3", "-c", FAN_OUT, proto, &port];
                    let ips: Vec<String> = peers.iter().map(Pod::ip).collect();
                    args.extend(ips.iter().map(String::as_str));
                    let out = lab.exec_output(&from.role(), &args).unwrap();
                    let out = String::from_utf8_lossy(&out.stdout).to_string();
                    peers
                        .iter()
                        .map(|to| {
                            let got = out
                                .lines()
                                .find_map(|l| l.strip_prefix(&format!("{} ", to.ip())))
                                .unwrap_or("no answer")
                                .to_string();
                            (from, *to, got)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    let mut wrong = Vec::new();
    let mut allowed = 0;
    for (from, to, got) in results {
        let flow = Flow::new(
            FlowEnd::Endpoint(EndpointKey::workload(from.ns, from.name)),
            FlowEnd::Endpoint(EndpointKey::workload(to.ns, to.name)),
            protocol,
            port,
        );
        let evaluator = ev.evaluate(&flow).unwrap().verdict == Decision::Allow;
        let upstream = expect(from, to);
        let connected = got.starts_with("connected");
        allowed += usize::from(connected);
        // A missing answer (client crashed) must not pass for a drop.
        let answered = connected || got == "timeout";
        if !answered || connected != evaluator || evaluator != upstream {
            wrong.push(format!(
                "{scenario} {proto}/{port} {}/{} -> {}/{}: probe {got:?}, evaluator {evaluator}, upstream {upstream}",
                from.ns, from.name, to.ns, to.name
            ));
        }
    }
    (wrong, allowed)
}

#[test]
fn kubernetes_policy_matrix_across_two_hosts_matches_the_reference_evaluator() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let lab = Lab::from_topology(&topology()).unwrap();
    let dbs: Vec<_> = HOSTS
        .iter()
        .map(|(h, _)| lab.dir().join(format!("{h}.db")))
        .collect();
    let stores: Stores = dbs.iter().map(|db| open_store(&rt, db)).collect();
    write_world(&rt, &stores);
    let _servers: Vec<_> = all_pods()
        .iter()
        .map(|p| serve(&lab, &p.role(), &[80, 81]))
        .collect();
    let felixes: Vec<_> = HOSTS
        .iter()
        .zip(&dbs)
        .map(|((h, _), db)| start_felix(&lab, h, &format!("felix-{h}"), db, h))
        .collect();
    felixes.iter().for_each(wait_reconciled);

    // No policy: the namespace profiles open everything, across hosts too.
    wait_programmed(&rt, &lab, &stores);
    let ev = ingest(&rt, &stores[0], HOSTS[0].0)
        .engine
        .world()
        .evaluator();
    let (wrong, allowed) = check_matrix(&lab, &ev, "none", ("tcp", 80, |_, _| true));
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert_eq!(allowed, 72);

    let mut failures = Vec::new();
    for s in SCENARIOS {
        let started = Instant::now();
        let key = apply(&rt, &stores, &knp(s.name, s.ns, s.spec));
        wait_programmed(&rt, &lab, &stores);
        let ev = ingest(&rt, &stores[0], HOSTS[0].0)
            .engine
            .world()
            .evaluator();
        for check in s.checks {
            let (wrong, allowed) = check_matrix(&lab, &ev, s.name, *check);
            println!(
                "{} {}/{}: {allowed}/72 allowed, {} disagreements",
                s.name,
                check.0,
                check.1,
                wrong.len()
            );
            failures.extend(wrong);
        }
        for st in &stores {
            rt.block_on(st.delete(&key, None)).unwrap();
        }
        println!("{}: {:?}", s.name, started.elapsed());
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    for f in &felixes {
        assert!(f.is_running(), "{}", f.log());
    }
}
