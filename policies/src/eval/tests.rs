//! Calico's tier, Pass, order, Deny, notNets, notPorts, named-port,
//! network-set and profile behaviour, one scenario per test.

use std::net::IpAddr;

use super::*;
use crate::document::parse_documents;
use crate::model::{Action, Protocol};

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

/// Two namespaces, web (n1/web, app=web) and db (n2/db, app=db), a host
/// endpoint, all without profiles unless a test adds some.
fn world(yaml: &str) -> Evaluator {
    let eps = [
        Endpoint::workload("n1", "web")
            .label("app", "web")
            .ip(ip("10.0.0.1"))
            .ip(ip("fd00::1")),
        Endpoint::workload("n2", "db")
            .label("app", "db")
            .ip(ip("10.0.0.2"))
            .ip(ip("fd00::2"))
            .named_port("pg", Protocol::TCP, 5432),
        Endpoint::host("node1-eth0")
            .label("host", "node1")
            .ip(ip("192.168.1.1")),
    ];
    let resources = parse_documents(yaml)
        .into_iter()
        .map(|d| d.unwrap().resource.unwrap());
    Evaluator::from_parts(resources, eps)
}

fn web() -> FlowEnd {
    FlowEnd::Endpoint(EndpointKey::workload("n1", "web"))
}

fn db() -> FlowEnd {
    FlowEnd::Endpoint(EndpointKey::workload("n2", "db"))
}

fn tcp(src: FlowEnd, dst: FlowEnd, port: u16) -> Flow {
    Flow::new(src, dst, Protocol::TCP, port)
}

fn gnp(name: &str, body: &str) -> String {
    let body: String = body.lines().map(|l| format!("  {l}\n")).collect();
    format!(
        "---\napiVersion: terrace.io/v1\nkind: GlobalNetworkPolicy\nmetadata:\n  name: {name}\nspec:\n{body}"
    )
}

fn ingress(ev: &Evaluator, flow: &Flow) -> Verdict {
    ev.evaluate(flow).unwrap().ingress.unwrap()
}

#[test]
fn no_policy_and_no_profile_is_default_deny() {
    let ev = world("");
    let v = ingress(&ev, &tcp(web(), db(), 5432));
    assert_eq!(v.decision, Decision::Deny);
    assert_eq!(v.decided_by, DecidedBy::DefaultDeny);
    assert_eq!(v.decided_by.to_string(), "no policy allowed: default deny");
    assert!(v.considered.is_empty());
}

#[test]
fn first_matching_rule_by_policy_order_decides() {
    let yaml = gnp(
        "allow",
        "order: 20\nselector: app == 'db'\ningress:\n- action: Allow",
    ) + &gnp(
        "deny",
        "order: 10\nselector: app == 'db'\ningress:\n- action: Deny",
    );
    let v = ingress(&world(&yaml), &tcp(web(), db(), 5432));
    assert_eq!(v.decision, Decision::Deny);
    assert_eq!(
        v.decided_by,
        DecidedBy::Rule {
            tier: "default".into(),
            policy: "deny".into(),
            rule: 0,
            action: Action::Deny
        }
    );
    assert_eq!(
        v.considered.len(),
        1,
        "the walk stops at the deciding policy"
    );
}

#[test]
fn unset_order_sorts_last_and_equal_orders_sort_by_name() {
    let yaml = gnp("a-unordered", "selector: all()\ningress:\n- action: Deny")
        + &gnp(
            "z-ordered",
            "order: 5\nselector: all()\ningress:\n- action: Log",
        )
        + &gnp(
            "b-same",
            "order: 5\nselector: all()\ningress:\n- action: Log",
        );
    let v = ingress(&world(&yaml), &tcp(web(), db(), 1));
    let names: Vec<&str> = v.considered.iter().map(|p| p.policy.as_str()).collect();
    assert_eq!(names, ["b-same", "z-ordered", "a-unordered"]);
    assert_eq!(
        v.logged,
        ["default/b-same rule 0", "default/z-ordered rule 0"]
    );
}

#[test]
fn tier_end_applies_deny_only_when_the_tier_had_applicable_policies() {
    let tiers = "apiVersion: terrace.io/v1\nkind: Tier\nmetadata: {name: sec}\nspec: {order: 1}\n";
    // The sec policy selects only app=web, so for db the sec tier is skipped.
    let yaml = format!(
        "{tiers}{}{}",
        gnp(
            "sec-web",
            "tier: sec\nselector: app == 'web'\ningress:\n- action: Log"
        ),
        gnp("allow-all", "selector: all()\ningress:\n- action: Allow")
    );
    let ev = world(&yaml);
    assert_eq!(ingress(&ev, &tcp(web(), db(), 1)).decision, Decision::Allow);
    let v = ingress(&ev, &tcp(db(), web(), 1));
    assert_eq!(v.decided_by, DecidedBy::TierDefault { tier: "sec".into() });
    assert_eq!(
        v.considered,
        [PolicyRef {
            tier: "sec".into(),
            policy: "sec-web".into()
        }]
    );
}

#[test]
fn pass_skips_to_the_next_tier_and_tier_order_is_respected() {
    let tiers = "apiVersion: terrace.io/v1\nkind: Tier\nmetadata: {name: first}\nspec: {order: 100}\n---\n\
                 apiVersion: terrace.io/v1\nkind: Tier\nmetadata: {name: second}\nspec: {order: 200}\n";
    let yaml = format!(
        "{tiers}{}{}{}",
        gnp(
            "pass",
            "tier: first\nselector: all()\ningress:\n- action: Pass\n- action: Deny"
        ),
        gnp(
            "second-deny-80",
            "tier: second\nselector: all()\ningress:\n- action: Deny\n  protocol: TCP\n  destination: {ports: [80]}\n- action: Allow"
        ),
        gnp(
            "default-allow",
            "selector: all()\ningress:\n- action: Allow"
        ),
    );
    let ev = world(&yaml);
    let v = ingress(&ev, &tcp(web(), db(), 80));
    assert_eq!(
        v.decided_by,
        DecidedBy::Rule {
            tier: "second".into(),
            policy: "second-deny-80".into(),
            rule: 0,
            action: Action::Deny
        }
    );
    let v = ingress(&ev, &tcp(web(), db(), 81));
    assert_eq!(
        v.decided_by.to_string(),
        "tier second policy second-deny-80 rule 1 (Allow)"
    );
    let tiers: Vec<String> = v.considered.iter().map(|p| p.tier.clone()).collect();
    assert_eq!(tiers, ["first", "second"]);
}

#[test]
fn tier_default_action_pass_falls_through_to_profiles() {
    let yaml = "apiVersion: terrace.io/v1\nkind: Tier\nmetadata: {name: t}\nspec: {order: 1, defaultAction: Pass}\n---\n\
                apiVersion: terrace.io/v1\nkind: Profile\nmetadata: {name: open}\nspec:\n  ingress: [{action: Allow}]\n"
        .to_string()
        + &gnp("noop", "tier: t\nselector: all()\ningress:\n- action: Deny\n  protocol: UDP");
    let mut ev = world(&yaml);
    let db_ep = ev
        .endpoint(&EndpointKey::workload("n2", "db"))
        .unwrap()
        .clone()
        .profile("missing")
        .profile("open");
    ev.insert_endpoint(db_ep);
    let trace = ev.evaluate(&tcp(web(), db(), 5432)).unwrap();
    let v = trace.ingress.unwrap();
    assert_eq!(
        v.decided_by,
        DecidedBy::Profile {
            profile: "open".into(),
            rule: 0,
            action: Action::Allow
        }
    );
    assert_eq!(v.decided_by.to_string(), "profile open rule 0 (Allow)");
    assert_eq!(
        trace.warnings,
        ["endpoint n2/db uses profile missing which does not exist"]
    );
}

#[test]
fn not_nets_and_not_ports_exclude_matches() {
    let yaml = gnp(
        "p",
        "selector: all()\ningress:\n- action: Allow\n  protocol: TCP\n  source: {notNets: [10.0.0.0/31]}\n  destination: {notPorts: ['1000:2000']}\n",
    );
    let ev = world(&yaml);
    let host = FlowEnd::Endpoint(EndpointKey::host("node1-eth0"));
    // (name, source, port, allowed)
    let table = [
        ("source_in_not_nets_is_excluded", web(), 80, false),
        ("source_outside_not_nets_is_allowed", host.clone(), 80, true),
        ("port_in_not_ports_is_excluded", host.clone(), 1500, false),
        ("port_past_not_ports_range_is_allowed", host, 2001, true),
    ];
    for (name, src, port, want) in table {
        assert_eq!(
            ingress(&ev, &tcp(src, db(), port)).decision == Decision::Allow,
            want,
            "{name}"
        );
    }
}

#[test]
fn named_ports_resolve_against_the_destination_endpoint_and_protocol() {
    let yaml = gnp(
        "p",
        "selector: all()\ningress:\n- action: Allow\n  destination: {ports: [pg]}\n",
    );
    let ev = world(&yaml);
    assert_eq!(
        ingress(&ev, &tcp(web(), db(), 5432)).decision,
        Decision::Allow
    );
    assert_eq!(
        ingress(&ev, &tcp(web(), db(), 5433)).decision,
        Decision::Deny
    );
    let udp = Flow::new(web(), db(), Protocol::UDP, 5432);
    assert_eq!(
        ingress(&ev, &udp).decision,
        Decision::Deny,
        "pg is declared for TCP only"
    );
    // web declares no "pg" port at all.
    assert_eq!(
        ingress(&ev, &tcp(db(), web(), 5432)).decision,
        Decision::Deny
    );
}

#[test]
fn network_set_labels_apply_to_bare_ips_inside_their_nets() {
    let yaml = "apiVersion: terrace.io/v1\nkind: GlobalNetworkSet\nmetadata:\n  name: partners\n  labels: {role: partner}\nspec:\n  nets: [203.0.113.0/24]\n".to_string()
        + &gnp("p", "selector: all()\ningress:\n- action: Allow\n  source: {selector: role == 'partner'}\n");
    let ev = world(&yaml);
    let inside = FlowEnd::Ip(ip("203.0.113.9"));
    let outside = FlowEnd::Ip(ip("198.51.100.9"));
    assert!(ev.evaluate(&tcp(inside, db(), 1)).unwrap().allowed());
    assert!(!ev.evaluate(&tcp(outside, db(), 1)).unwrap().allowed());
}

#[test]
fn namespaced_network_sets_only_match_in_their_namespace() {
    let yaml = "apiVersion: terrace.io/v1\nkind: NetworkSet\nmetadata:\n  name: partners\n  namespace: n1\n  labels: {role: partner}\nspec:\n  nets: [203.0.113.0/24]\n---\n\
        apiVersion: terrace.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: n2}\nspec:\n  ingress:\n  - action: Allow\n    source: {selector: role == 'partner'}\n";
    let ev = world(yaml);
    let inside = FlowEnd::Ip(ip("203.0.113.9"));
    assert!(
        !ev.evaluate(&tcp(inside.clone(), db(), 1))
            .unwrap()
            .allowed(),
        "set is in n1, policy in n2"
    );
    let global_view = gnp(
        "g",
        "selector: all()\ningress:\n- action: Allow\n  source: {selector: role == 'partner'}\n",
    );
    let ev = world(&format!(
        "{}\n{global_view}",
        yaml.split("---").next().unwrap()
    ));
    assert!(
        ev.evaluate(&tcp(inside, db(), 1)).unwrap().allowed(),
        "a global policy sees every namespace"
    );
}

#[test]
fn namespace_selector_global_matches_only_non_namespaced_peers() {
    let yaml = gnp(
        "p",
        "selector: all()\ningress:\n- action: Allow\n  source: {namespaceSelector: global()}\n",
    );
    let ev = world(&yaml);
    let host = FlowEnd::Endpoint(EndpointKey::host("node1-eth0"));
    assert!(
        ev.evaluate(&tcp(host, db(), 1))
            .unwrap()
            .ingress
            .unwrap()
            .decision
            == Decision::Allow
    );
    assert_eq!(ingress(&ev, &tcp(web(), db(), 1)).decision, Decision::Deny);
}

#[test]
fn namespaced_policy_applies_only_in_its_namespace_and_not_selector_is_not_scoped() {
    let yaml = "apiVersion: terrace.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: n2}\nspec:\n  ingress:\n  - action: Allow\n    source: {notSelector: app == 'nothing'}\n";
    let ev = world(yaml);
    // notSelector in a NetworkPolicy implies "from this namespace": web (n1) is excluded.
    assert_eq!(ingress(&ev, &tcp(web(), db(), 1)).decision, Decision::Deny);
    // The policy does not apply to web at all (other namespace): default deny, nothing considered.
    let v = ingress(&ev, &tcp(db(), web(), 1));
    assert!(v.considered.is_empty());
}

#[test]
fn icmp_and_not_icmp_match_type_and_code() {
    let yaml = gnp(
        "p",
        "selector: all()\ningress:\n- action: Deny\n  protocol: ICMP\n  notICMP: {type: 8, code: 0}\n- action: Allow\n  protocol: ICMP\n",
    );
    let ev = world(&yaml);
    let ping = |t, c| {
        Flow::icmp(
            web(),
            db(),
            Protocol::ICMP,
            IcmpInfo {
                icmp_type: t,
                code: Some(c),
            },
        )
    };
    assert_eq!(
        ingress(&ev, &ping(8, 0)).decision,
        Decision::Allow,
        "echo request is not(8,0)-excluded"
    );
    assert_eq!(
        ingress(&ev, &ping(8, 1)).decision,
        Decision::Deny,
        "not(type and code) holds for code 1"
    );
    assert_eq!(ingress(&ev, &ping(3, 0)).decision, Decision::Deny);
}

#[test]
fn ip_version_and_families_are_respected() {
    let yaml = gnp(
        "p",
        "selector: all()\ningress:\n- action: Allow\n  ipVersion: 6\n",
    );
    let ev = world(&yaml);
    let v6 = tcp(FlowEnd::Ip(ip("fd00::9")), db(), 1);
    let v4 = tcp(FlowEnd::Ip(ip("10.9.9.9")), db(), 1);
    assert!(ev.evaluate(&v6).unwrap().allowed());
    assert!(!ev.evaluate(&v4).unwrap().allowed());
    let mixed = tcp(FlowEnd::Ip(ip("fd00::9")), FlowEnd::Ip(ip("10.0.0.1")), 1);
    assert!(matches!(
        ev.evaluate(&mixed),
        Err(EvalError::MixedFamilies { .. })
    ));
    let host_v6 = tcp(
        FlowEnd::Ip(ip("fd00::9")),
        FlowEnd::Endpoint(EndpointKey::host("node1-eth0")),
        1,
    );
    assert!(matches!(
        ev.evaluate(&host_v6),
        Err(EvalError::NoAddress { .. })
    ));
}

#[test]
fn profile_labels_are_inherited_but_endpoint_labels_win() {
    let yaml = "apiVersion: terrace.io/v1\nkind: Profile\nmetadata: {name: prof}\nspec:\n  labelsToApply: {tier: gold, app: override-me}\n".to_string()
        + &gnp("p", "selector: tier == 'gold' && app == 'db'\ningress:\n- action: Allow");
    let mut ev = world(&yaml);
    let db_ep = ev
        .endpoint(&EndpointKey::workload("n2", "db"))
        .unwrap()
        .clone()
        .profile("prof");
    ev.insert_endpoint(db_ep);
    assert!(
        ev.evaluate(&tcp(FlowEnd::Ip(ip("10.9.9.9")), db(), 1))
            .unwrap()
            .allowed()
    );
}

#[test]
fn egress_and_ingress_are_both_reported_and_combined() {
    let yaml = gnp(
        "eg",
        "selector: app == 'web'\ntypes: [Egress]\negress:\n- action: Allow",
    ) + &gnp("in", "selector: app == 'db'\ningress:\n- action: Deny");
    let trace = world(&yaml).evaluate(&tcp(web(), db(), 1)).unwrap();
    assert_eq!(trace.egress.as_ref().unwrap().decision, Decision::Allow);
    assert_eq!(trace.ingress.as_ref().unwrap().decision, Decision::Deny);
    assert_eq!(trace.verdict, Decision::Deny);
    let json = serde_json::to_value(&trace).unwrap();
    assert_eq!(json["verdict"], "deny");
    assert_eq!(json["ingress"]["decidedBy"]["type"], "rule");
    assert_eq!(json["ingress"]["decidedBy"]["action"], "Deny");
}

#[test]
fn policies_in_missing_tiers_are_ignored_with_a_warning() {
    let yaml = gnp(
        "orphan",
        "tier: nowhere\nselector: all()\ningress:\n- action: Allow",
    );
    let trace = world(&yaml).evaluate(&tcp(web(), db(), 1)).unwrap();
    assert!(!trace.allowed());
    assert_eq!(
        trace.warnings,
        ["policy orphan is in tier nowhere which does not exist; ignored"]
    );
}

#[test]
fn unknown_endpoint_is_an_error() {
    let flow = tcp(
        FlowEnd::Endpoint(EndpointKey::workload("n9", "ghost")),
        db(),
        1,
    );
    assert_eq!(
        world("").evaluate(&flow),
        Err(EvalError::UnknownEndpoint(EndpointKey::workload(
            "n9", "ghost"
        )))
    );
}

#[test]
fn traffic_to_itself_is_loopback_and_not_policed() {
    let yaml = gnp(
        "deny",
        "selector: all()\ntypes: [Ingress, Egress]\ningress:\n- action: Deny\negress:\n- action: Deny",
    );
    let ev = world(&yaml);
    let trace = ev.evaluate(&tcp(db(), db(), 5432)).unwrap();
    assert!(trace.loopback && trace.allowed());
    assert!(trace.egress.is_none() && trace.ingress.is_none());
    assert!(!ev.evaluate(&tcp(web(), db(), 5432)).unwrap().allowed());
}

#[test]
fn flow_ends_parse_from_command_line_spellings() {
    assert_eq!(FlowEnd::parse("10.0.0.1"), FlowEnd::Ip(ip("10.0.0.1")));
    assert_eq!(FlowEnd::parse("fd00::1"), FlowEnd::Ip(ip("fd00::1")));
    assert_eq!(FlowEnd::parse("shop/web"), web_in("shop"));
    assert_eq!(
        FlowEnd::parse("node1-eth0"),
        FlowEnd::Endpoint(EndpointKey::host("node1-eth0"))
    );
}

fn web_in(ns: &str) -> FlowEnd {
    FlowEnd::Endpoint(EndpointKey::workload(ns, "web"))
}

#[test]
fn trace_text_names_verdicts_deciders_and_considered_policies() {
    let yaml = gnp(
        "in",
        "selector: app == 'db'\ningress:\n- action: Log\n- action: Deny",
    );
    let mut ev = world(&yaml);
    let web_ep = ev
        .endpoint(&EndpointKey::workload("n1", "web"))
        .unwrap()
        .clone()
        .profile("nope");
    ev.insert_endpoint(web_ep);
    let text = ev.evaluate(&tcp(web(), db(), 1)).unwrap().to_string();
    let want = "verdict: deny\n\
                egress at n1/web: deny by no policy allowed: default deny\n\
                ingress at n2/db: deny by tier default policy in rule 1 (Deny)\n  \
                considered: tier default policy in\n  \
                logged: default/in rule 0\n\
                warning: endpoint n1/web uses profile nope which does not exist\n";
    assert_eq!(text, want);
}

#[test]
fn select_lists_matching_endpoints_and_network_sets() {
    let yaml = "apiVersion: terrace.io/v1\nkind: NetworkSet\nmetadata:\n  name: ext\n  namespace: n2\n  labels: {app: db}\nspec:\n  nets: [192.0.2.0/24]\n";
    let ev = world(yaml);
    let sel = crate::selector::Selector::parse("app == 'db'").unwrap();
    assert_eq!(
        ev.select(&sel),
        [
            Selected::Endpoint(EndpointKey::workload("n2", "db")),
            Selected::NetworkSet {
                namespace: Some("n2".into()),
                name: "ext".into()
            },
        ]
    );
    let ns = crate::selector::Selector::parse("projectcalico.org/namespace == 'n1'").unwrap();
    assert_eq!(
        ev.select(&ns),
        [Selected::Endpoint(EndpointKey::workload("n1", "web"))]
    );
    let global = crate::selector::Selector::parse("global()").unwrap();
    assert_eq!(
        ev.select(&global),
        [Selected::Endpoint(EndpointKey::host("node1-eth0"))]
    );
}
