//! The Kubernetes network-policy e2e scenarios (test/e2e/network/netpol),
//! replayed against the reference evaluator.
//!
//! World: namespaces x, y, z (labelled `ns: <name>`), pods a, b, c in each
//! (labelled `pod: <name>`), every pod serving 80 and 81 over TCP, UDP and
//! SCTP with named ports `serve-<port>-<proto>`. As in Calico's Kubernetes
//! mode, each pod has the namespace profile `kns.<ns>`, which allows
//! everything, so pods no policy selects are open. Expectations are written
//! as predicates from each scenario's description and checked over the
//! full 9×9 matrix.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::{IpAddr, Ipv4Addr};

use policies::document::parse_documents;
use policies::eval::{Endpoint, EndpointKey, Evaluator, Flow, FlowEnd};
use policies::model::{Protocol, Resource};

const NAMESPACES: [&str; 3] = ["x", "y", "z"];
const PODS: [&str; 3] = ["a", "b", "c"];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Pod {
    ns: &'static str,
    name: &'static str,
}

impl Pod {
    fn is(&self, full: &str) -> bool {
        full == format!("{}/{}", self.ns, self.name)
    }
}

fn pod_ip(ns: usize, pod: usize) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(10, 0, ns as u8 + 1, pod as u8 + 1))
}

fn parse(yaml: &str) -> Vec<Resource> {
    parse_documents(yaml)
        .into_iter()
        .map(|d| d.unwrap().resource.unwrap())
        .collect()
}

fn world() -> Evaluator {
    let mut ev = Evaluator::new();
    for (ni, ns) in NAMESPACES.iter().enumerate() {
        let doc = format!(
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n  labels:\n    ns: {ns}\n---\n\
             apiVersion: terrace.io/v1\nkind: Profile\nmetadata:\n  name: kns.{ns}\nspec:\n  \
             ingress:\n  - action: Allow\n  egress:\n  - action: Allow\n"
        );
        parse(&doc).into_iter().for_each(|r| ev.insert(r));
        for (pi, pod) in PODS.iter().enumerate() {
            let mut ep = Endpoint::workload(ns, pod)
                .label("pod", pod)
                .ip(pod_ip(ni, pi))
                .profile(&format!("kns.{ns}"));
            for (proto, p) in [
                ("tcp", Protocol::TCP),
                ("udp", Protocol::UDP),
                ("sctp", Protocol::SCTP),
            ] {
                for port in [80, 81] {
                    ep = ep.named_port(&format!("serve-{port}-{proto}"), p, port);
                }
            }
            ev.insert_endpoint(ep);
        }
    }
    ev
}

fn with(policies: &str) -> Evaluator {
    let mut ev = world();
    parse(policies).into_iter().for_each(|r| ev.insert(r));
    ev
}

fn all_pods() -> Vec<Pod> {
    NAMESPACES
        .iter()
        .flat_map(|ns| PODS.iter().map(move |name| Pod { ns, name }))
        .collect()
}

/// Checks every (from, to) pair against `expect`; self-traffic is always
/// allowed, as upstream's `AllowLoopback()` expects.
fn check(ev: &Evaluator, proto: Protocol, port: u16, expect: impl Fn(Pod, Pod) -> bool) {
    let mut wrong = Vec::new();
    for from in all_pods() {
        for to in all_pods() {
            let flow = Flow::new(
                FlowEnd::Endpoint(EndpointKey::workload(from.ns, from.name)),
                FlowEnd::Endpoint(EndpointKey::workload(to.ns, to.name)),
                proto,
                port,
            );
            let got = ev.evaluate(&flow).unwrap().allowed();
            // Upstream's AllowLoopback(): a pod always reaches itself.
            if got != (from == to || expect(from, to)) {
                wrong.push(format!(
                    "{}/{} -> {}/{}: got {got}",
                    from.ns, from.name, to.ns, to.name
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{proto} {port}: {} wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

const PREFIX: &str = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n";

fn knp(name: &str, ns: &str, spec: &str) -> String {
    format!("{PREFIX}  name: {name}\n  namespace: {ns}\nspec:\n{spec}")
}

#[test]
fn no_policy_means_everything_is_reachable() {
    let ev = world();
    for proto in [Protocol::TCP, Protocol::UDP, Protocol::SCTP] {
        check(&ev, proto, 80, |_, _| true);
    }
}

#[test]
fn default_deny_ingress_blocks_all_ingress_to_the_namespace_for_every_protocol() {
    let ev = with(&knp(
        "deny-ingress",
        "x",
        "  podSelector: {}\n  policyTypes: [Ingress]\n",
    ));
    for proto in [Protocol::TCP, Protocol::UDP, Protocol::SCTP] {
        for port in [80, 81] {
            check(&ev, proto, port, |_, to| to.ns != "x");
        }
    }
}

#[test]
fn default_deny_all_blocks_ingress_and_egress_of_the_namespace() {
    let ev = with(&knp(
        "deny-all",
        "x",
        "  podSelector: {}\n  policyTypes: [Ingress, Egress]\n",
    ));
    check(&ev, Protocol::TCP, 80, |from, to| {
        from.ns != "x" && to.ns != "x"
    });
}

#[test]
fn allow_from_pods_within_namespace_by_pod_selector() {
    let spec = "  podSelector:\n    matchLabels: {pod: a}\n  ingress:\n  - from:\n    - podSelector:\n        matchLabels: {pod: b}\n";
    let ev = with(&knp("allow-x-b", "x", spec));
    check(&ev, Protocol::TCP, 80, |from, to| {
        !to.is("x/a") || from.is("x/b")
    });
}

#[test]
fn allow_from_all_namespaces_with_empty_namespace_selector() {
    let spec = "  podSelector:\n    matchLabels: {pod: a}\n  ingress:\n  - from:\n    - namespaceSelector: {}\n";
    let ev = with(&knp("allow-all-ns", "x", spec));
    check(&ev, Protocol::TCP, 80, |_, _| true);
}

#[test]
fn allow_only_from_a_different_namespace_by_namespace_selector() {
    let spec = "  podSelector:\n    matchLabels: {pod: a}\n  ingress:\n  - from:\n    - namespaceSelector:\n        matchLabels: {ns: y}\n";
    let ev = with(&knp("allow-ns-y", "x", spec));
    check(&ev, Protocol::TCP, 80, |from, to| {
        !to.is("x/a") || from.ns == "y"
    });
}

#[test]
fn namespace_selector_matches_the_default_namespace_name_label() {
    let spec = "  podSelector: {}\n  ingress:\n  - from:\n    - namespaceSelector:\n        matchExpressions:\n        - {key: kubernetes.io/metadata.name, operator: NotIn, values: [y]}\n";
    let ev = with(&knp("not-y", "x", spec));
    check(&ev, Protocol::TCP, 80, |from, to| {
        to.ns != "x" || from.ns != "y"
    });
}

#[test]
fn pod_selector_with_match_expressions() {
    let spec = "  podSelector: {matchLabels: {pod: a}}\n  ingress:\n  - from:\n    - podSelector:\n        matchExpressions:\n        - {key: pod, operator: In, values: [b]}\n";
    let ev = with(&knp("expr", "x", spec));
    check(&ev, Protocol::TCP, 80, |from, to| {
        !to.is("x/a") || from.is("x/b")
    });
}

#[test]
fn pod_selector_or_namespace_selector_in_separate_peers() {
    let spec = "  podSelector: {matchLabels: {pod: a}}\n  ingress:\n  - from:\n    - namespaceSelector:\n        matchExpressions: [{key: ns, operator: NotIn, values: [x]}]\n    - podSelector: {matchLabels: {pod: b}}\n";
    let ev = with(&knp("or", "x", spec));
    check(&ev, Protocol::TCP, 80, |from, to| {
        !to.is("x/a") || from.ns != "x" || from.is("x/b")
    });
}

#[test]
fn pod_selector_and_namespace_selector_in_one_peer() {
    let spec = "  podSelector: {matchLabels: {pod: a}}\n  ingress:\n  - from:\n    - namespaceSelector:\n        matchExpressions: [{key: ns, operator: NotIn, values: [x]}]\n      podSelector: {matchLabels: {pod: b}}\n";
    let ev = with(&knp("and", "x", spec));
    check(&ev, Protocol::TCP, 80, |from, to| {
        !to.is("x/a") || (from.ns != "x" && from.name == "b")
    });
}

#[test]
fn multiple_pod_selectors_and_namespace_selectors() {
    let spec = "  podSelector: {matchLabels: {pod: a}}\n  ingress:\n  - from:\n    - namespaceSelector:\n        matchExpressions: [{key: ns, operator: NotIn, values: [x]}]\n      podSelector:\n        matchExpressions: [{key: pod, operator: In, values: [b, c]}]\n";
    let ev = with(&knp("multi", "x", spec));
    check(&ev, Protocol::TCP, 80, |from, to| {
        !to.is("x/a") || (from.ns != "x" && from.name != "a")
    });
}

#[test]
fn empty_pod_selector_peer_denies_other_namespaces() {
    let spec = "  podSelector: {}\n  ingress:\n  - from:\n    - podSelector: {}\n";
    let ev = with(&knp("same-ns", "x", spec));
    check(&ev, Protocol::TCP, 80, |from, to| {
        to.ns != "x" || from.ns == "x"
    });
}

#[test]
fn ingress_on_one_port_only() {
    let spec = "  podSelector: {matchLabels: {pod: a}}\n  ingress:\n  - ports:\n    - port: 81\n";
    let ev = with(&knp("port-81", "x", spec));
    check(&ev, Protocol::TCP, 81, |_, _| true);
    check(&ev, Protocol::TCP, 80, |_, to| !to.is("x/a"));
    // Missing protocol means TCP: UDP 81 is not allowed.
    check(&ev, Protocol::UDP, 81, |_, to| !to.is("x/a"));
}

#[test]
fn stacked_policies_with_overlapping_selectors_are_a_union() {
    let p80 = knp(
        "allow-80",
        "x",
        "  podSelector: {matchLabels: {pod: a}}\n  ingress:\n  - ports: [{port: 80}]\n    from: [{namespaceSelector: {matchLabels: {ns: y}}}]\n",
    );
    let p81 = knp(
        "allow-81",
        "x",
        "  podSelector: {matchLabels: {pod: a}}\n  ingress:\n  - ports: [{port: 81}]\n    from: [{namespaceSelector: {matchLabels: {ns: z}}}]\n",
    );
    let ev = with(&format!("{p80}---\n{p81}"));
    check(&ev, Protocol::TCP, 80, |from, to| {
        !to.is("x/a") || from.ns == "y"
    });
    check(&ev, Protocol::TCP, 81, |from, to| {
        !to.is("x/a") || from.ns == "z"
    });
}

#[test]
fn allow_all_ingress_policy() {
    let ev = with(&knp(
        "allow-all",
        "x",
        "  podSelector: {}\n  ingress:\n  - {}\n",
    ));
    check(&ev, Protocol::TCP, 80, |_, _| true);
    check(&ev, Protocol::SCTP, 81, |_, _| true);
}

#[test]
fn ingress_on_one_named_port() {
    let spec = "  podSelector: {matchLabels: {pod: a}}\n  ingress:\n  - ports:\n    - port: serve-81-tcp\n";
    let ev = with(&knp("named", "x", spec));
    check(&ev, Protocol::TCP, 81, |_, _| true);
    check(&ev, Protocol::TCP, 80, |_, to| !to.is("x/a"));
}

#[test]
fn ingress_from_a_namespace_on_one_named_port() {
    let spec = "  podSelector: {}\n  ingress:\n  - ports: [{port: serve-80-tcp}]\n    from: [{namespaceSelector: {matchLabels: {ns: y}}}]\n";
    let ev = with(&knp("named-ns", "x", spec));
    check(&ev, Protocol::TCP, 80, |from, to| {
        to.ns != "x" || from.ns == "y"
    });
    check(&ev, Protocol::TCP, 81, |_, to| to.ns != "x");
}

#[test]
fn egress_on_one_named_udp_port() {
    let spec = "  podSelector: {matchLabels: {pod: a}}\n  policyTypes: [Egress]\n  egress:\n  - ports: [{protocol: UDP, port: serve-80-udp}]\n";
    let ev = with(&knp("egress-named", "x", spec));
    check(&ev, Protocol::UDP, 80, |_, _| true);
    check(&ev, Protocol::UDP, 81, |from, _| !from.is("x/a"));
    check(&ev, Protocol::TCP, 80, |from, _| !from.is("x/a"));
}

#[test]
fn port_range_with_end_port() {
    let spec = "  podSelector: {matchLabels: {pod: a}}\n  ingress:\n  - ports: [{protocol: TCP, port: 81, endPort: 82}]\n";
    let ev = with(&knp("range", "x", spec));
    check(&ev, Protocol::TCP, 80, |_, to| !to.is("x/a"));
    check(&ev, Protocol::TCP, 81, |_, _| true);
}

#[test]
fn egress_deny_from_pods_by_pod_selector() {
    let spec = "  podSelector: {matchLabels: {pod: a}}\n  policyTypes: [Egress]\n";
    let ev = with(&knp("deny-egress-a", "x", spec));
    check(&ev, Protocol::TCP, 80, |from, _| !from.is("x/a"));
}

#[test]
fn egress_deny_from_all_pods_of_a_namespace() {
    let ev = with(&knp(
        "deny-egress",
        "x",
        "  podSelector: {}\n  policyTypes: [Egress]\n",
    ));
    check(&ev, Protocol::UDP, 81, |from, _| from.ns != "x");
}

#[test]
fn ingress_and_egress_specified_together() {
    let spec = "  podSelector: {matchLabels: {pod: a}}\n  policyTypes: [Ingress, Egress]\n  ingress:\n  - from: [{podSelector: {matchLabels: {pod: b}}}]\n  egress:\n  - to: [{podSelector: {matchLabels: {pod: c}}}]\n";
    let ev = with(&knp("both", "x", spec));
    check(&ev, Protocol::TCP, 80, |from, to| {
        (!to.is("x/a") || from.is("x/b")) && (!from.is("x/a") || to.is("x/c"))
    });
}

#[test]
fn client_side_egress_deny_wins_over_server_allow() {
    let deny = knp(
        "deny-egress-a",
        "x",
        "  podSelector: {matchLabels: {pod: a}}\n  policyTypes: [Egress]\n",
    );
    let allow = knp(
        "allow-from-xa",
        "y",
        "  podSelector: {}\n  ingress:\n  - from: [{namespaceSelector: {matchLabels: {ns: x}}, podSelector: {matchLabels: {pod: a}}}]\n",
    );
    let ev = with(&format!("{deny}---\n{allow}"));
    check(&ev, Protocol::TCP, 80, |from, to| {
        !from.is("x/a") && (to.ns != "y" || from.is("x/a"))
    });
}

#[test]
fn egress_to_a_server_in_another_namespace_by_pod_and_namespace_selector() {
    let spec = "  podSelector: {matchLabels: {pod: a}}\n  policyTypes: [Egress]\n  egress:\n  - to: [{namespaceSelector: {matchLabels: {ns: y}}, podSelector: {matchLabels: {pod: b}}}]\n";
    let ev = with(&knp("egress-yb", "x", spec));
    check(&ev, Protocol::TCP, 80, |from, to| {
        !from.is("x/a") || to.is("y/b")
    });
}

#[test]
fn any_port_on_a_specific_protocol() {
    let spec = "  podSelector: {matchLabels: {pod: a}}\n  ingress:\n  - ports: [{protocol: TCP}]\n";
    let ev = with(&knp("tcp-any", "x", spec));
    check(&ev, Protocol::TCP, 80, |_, _| true);
    check(&ev, Protocol::TCP, 81, |_, _| true);
    check(&ev, Protocol::UDP, 80, |_, to| !to.is("x/a"));
}

#[test]
fn allow_all_ingress_policy_takes_precedence_over_a_narrower_one() {
    let narrow = knp(
        "narrow",
        "x",
        "  podSelector: {matchLabels: {pod: a}}\n  ingress:\n  - ports: [{port: 80}]\n",
    );
    let wide = knp(
        "wide",
        "x",
        "  podSelector: {matchLabels: {pod: a}}\n  ingress:\n  - {}\n",
    );
    let ev = with(&format!("{narrow}---\n{wide}"));
    check(&ev, Protocol::TCP, 81, |_, _| true);
}

#[test]
fn allow_all_egress_policy_takes_precedence_over_a_narrower_one() {
    let narrow = knp(
        "narrow",
        "x",
        "  podSelector: {matchLabels: {pod: a}}\n  policyTypes: [Egress]\n  egress:\n  - ports: [{port: 80}]\n",
    );
    let wide = knp(
        "wide",
        "x",
        "  podSelector: {matchLabels: {pod: a}}\n  policyTypes: [Egress]\n  egress:\n  - {}\n",
    );
    let ev = with(&format!("{narrow}---\n{wide}"));
    check(&ev, Protocol::TCP, 81, |_, _| true);
}

#[test]
fn egress_to_a_cidr_block() {
    // Only x/a may send, and only to y/b's /32 (10.0.2.2).
    let spec = "  podSelector: {matchLabels: {pod: a}}\n  policyTypes: [Egress]\n  egress:\n  - to: [{ipBlock: {cidr: 10.0.2.2/32}}]\n";
    let ev = with(&knp("cidr", "x", spec));
    check(&ev, Protocol::TCP, 80, |from, to| {
        !from.is("x/a") || to.is("y/b")
    });
}

#[test]
fn egress_to_a_cidr_block_with_except() {
    // 10.0.2.0/24 is namespace y; except y/b.
    let spec = "  podSelector: {matchLabels: {pod: a}}\n  policyTypes: [Egress]\n  egress:\n  - to: [{ipBlock: {cidr: 10.0.2.0/24, except: [10.0.2.2/32]}}]\n";
    let ev = with(&knp("except", "x", spec));
    check(&ev, Protocol::TCP, 80, |from, to| {
        !from.is("x/a") || (to.ns == "y" && to.name != "b")
    });
}

#[test]
fn an_ip_in_both_cidr_and_except_of_different_policies_is_allowed() {
    let p1 = knp(
        "except",
        "x",
        "  podSelector: {matchLabels: {pod: a}}\n  policyTypes: [Egress]\n  egress:\n  - to: [{ipBlock: {cidr: 10.0.2.0/24, except: [10.0.2.2/32]}}]\n",
    );
    let p2 = knp(
        "exact",
        "x",
        "  podSelector: {matchLabels: {pod: a}}\n  policyTypes: [Egress]\n  egress:\n  - to: [{ipBlock: {cidr: 10.0.2.2/32}}]\n",
    );
    let ev = with(&format!("{p1}---\n{p2}"));
    check(&ev, Protocol::TCP, 80, |from, to| {
        !from.is("x/a") || to.ns == "y"
    });
}

#[test]
fn ingress_and_egress_controlled_independently() {
    let eg = knp(
        "deny-egress-a",
        "x",
        "  podSelector: {matchLabels: {pod: a}}\n  policyTypes: [Egress]\n",
    );
    let ing = knp(
        "deny-ingress-b",
        "x",
        "  podSelector: {matchLabels: {pod: b}}\n  policyTypes: [Ingress]\n",
    );
    let ev = with(&format!("{eg}---\n{ing}"));
    check(&ev, Protocol::TCP, 80, |from, to| {
        !from.is("x/a") && !to.is("x/b")
    });
}

#[test]
fn udp_only_policy_does_not_allow_tcp_or_sctp() {
    let spec = "  podSelector: {matchLabels: {pod: a}}\n  ingress:\n  - ports: [{protocol: UDP, port: 81}]\n";
    let ev = with(&knp("udp", "x", spec));
    check(&ev, Protocol::UDP, 81, |_, _| true);
    check(&ev, Protocol::TCP, 81, |_, to| !to.is("x/a"));
    check(&ev, Protocol::SCTP, 81, |_, to| !to.is("x/a"));
}

#[test]
fn sctp_only_policy_allows_sctp() {
    let spec = "  podSelector: {}\n  ingress:\n  - ports: [{protocol: SCTP, port: 80}]\n";
    let ev = with(&knp("sctp", "x", spec));
    check(&ev, Protocol::SCTP, 80, |_, _| true);
    check(&ev, Protocol::UDP, 80, |_, to| to.ns != "x");
}

#[test]
fn updated_namespace_labels_take_effect() {
    let spec = "  podSelector: {}\n  ingress:\n  - from: [{namespaceSelector: {matchLabels: {team: blue}}}]\n";
    let mut ev = with(&knp("team", "x", spec));
    check(&ev, Protocol::TCP, 80, |_, to| to.ns != "x");
    parse("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: y\n  labels: {ns: y, team: blue}\n")
        .into_iter()
        .for_each(|r| ev.insert(r));
    check(&ev, Protocol::TCP, 80, |from, to| {
        to.ns != "x" || from.ns == "y"
    });
}

#[test]
fn updated_pod_labels_take_effect() {
    let spec = "  podSelector: {}\n  ingress:\n  - from: [{namespaceSelector: {}, podSelector: {matchLabels: {role: client}}}]\n";
    let mut ev = with(&knp("role", "x", spec));
    check(&ev, Protocol::TCP, 80, |_, to| to.ns != "x");
    let key = EndpointKey::workload("z", "c");
    let updated = ev.endpoint(&key).unwrap().clone().label("role", "client");
    ev.insert_endpoint(updated);
    check(&ev, Protocol::TCP, 80, |from, to| {
        to.ns != "x" || from.is("z/c")
    });
}

#[test]
fn bare_ip_peers_never_match_pod_selectors_but_match_ip_blocks() {
    let pods = knp(
        "pods",
        "x",
        "  podSelector: {}\n  ingress:\n  - from: [{namespaceSelector: {}}]\n",
    );
    let ev = with(&pods);
    let outside = FlowEnd::Ip("192.0.2.1".parse().unwrap());
    let to_xa = FlowEnd::Endpoint(EndpointKey::workload("x", "a"));
    let flow = Flow::new(outside.clone(), to_xa.clone(), Protocol::TCP, 80);
    let trace = ev.evaluate(&flow).unwrap();
    assert!(!trace.allowed());
    assert!(trace.egress.is_none(), "a bare IP gets no verdict");
    let block = knp(
        "block",
        "x",
        "  podSelector: {}\n  ingress:\n  - from: [{ipBlock: {cidr: 192.0.2.0/24}}]\n",
    );
    let ev = with(&block);
    assert!(
        ev.evaluate(&Flow::new(outside, to_xa, Protocol::TCP, 80))
            .unwrap()
            .allowed()
    );
}
