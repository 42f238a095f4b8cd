//! Table tests of rule compilation, table compilation and the delta.

use policies::document::parse_documents;
use policies::model::{Resource, Rule};

use super::delta::{Actual, ActualChain};
use super::rules::{RuleContext, compile_rule};
use super::*;
use crate::calc::compute;
use crate::calc::tests::{wep, world};

/// The ingress rules of a one-policy YAML document.
fn ingress_rules(rules_yaml: &str) -> Vec<Rule> {
    let doc = format!(
        "apiVersion: terrace.io/v1\nkind: GlobalNetworkPolicy\nmetadata: {{name: p}}\nspec:\n  ingress:\n{rules_yaml}"
    );
    match parse_documents(&doc).remove(0).unwrap().resource {
        Some(Resource::Policy(p)) => p.ingress,
        other => panic!("not a policy: {other:?}"),
    }
}

#[test]
fn rules_compile_to_nft_alternatives() {
    let cases: [(&str, &str, &[&str]); 6] = [
        (
            "allow everything",
            "    - action: Allow\n",
            &["meta mark set meta mark | 0x00010000 return"],
        ),
        (
            "deny tcp to a port range",
            "    - action: Deny\n      protocol: TCP\n      destination: {ports: ['8000:8080']}\n",
            &["meta l4proto 6 th dport { 8000-8080 } drop"],
        ),
        (
            "numeric and named ports are two alternatives",
            "    - action: Deny\n      protocol: TCP\n      destination: {ports: [80, http]}\n",
            &[
                "meta nfproto ipv4 meta l4proto 6 th dport { 80 } drop",
                "meta nfproto ipv4 meta l4proto 6 ip daddr . meta l4proto . th dport @np-http-4 drop",
                "meta nfproto ipv6 meta l4proto 6 th dport { 80 } drop",
                "meta nfproto ipv6 meta l4proto 6 ip6 daddr . meta l4proto . th dport @np-http-6 drop",
            ],
        ),
        (
            "icmp type and code",
            "    - action: Deny\n      protocol: ICMP\n      icmp: {type: 8, code: 0}\n",
            &["meta nfproto ipv4 meta l4proto 1 icmp type 8 icmp code 0 drop"],
        ),
        (
            "not icmp is not (type and code)",
            "    - action: Deny\n      protocol: ICMP\n      notICMP: {type: 8, code: 0}\n",
            &[
                "meta nfproto ipv4 meta l4proto 1 meta l4proto != 1 drop",
                "meta nfproto ipv4 meta l4proto 1 icmp type != 8 drop",
                "meta nfproto ipv4 meta l4proto 1 icmp type 8 icmp code != 0 drop",
            ],
        ),
        (
            "a v4-only net list never matches v6",
            "    - action: Pass\n      source: {nets: [10.0.0.0/8]}\n",
            &["meta nfproto ipv4 ip saddr @n-"],
        ),
    ];
    for (name, yaml, want) in cases {
        let rules = ingress_rules(yaml);
        let got = compile_rule(&rules[0], None, RuleContext::Policy, "x");
        assert_eq!(got.len(), want.len(), "{name}: {got:#?}");
        for (g, w) in got.iter().zip(want) {
            assert!(g.starts_with(w), "{name}: {g} should start with {w}");
        }
    }
}

#[test]
fn pass_in_a_profile_moves_on_but_in_a_tier_marks_the_packet() {
    let rules = ingress_rules("    - action: Pass\n");
    assert_eq!(
        compile_rule(&rules[0], None, RuleContext::Profile, "x"),
        ["return"]
    );
    assert_eq!(
        compile_rule(&rules[0], None, RuleContext::Policy, "x"),
        ["meta mark set meta mark | 0x00020000 return"]
    );
    let log = ingress_rules("    - action: Log\n");
    let line = &compile_rule(&log[0], None, RuleContext::Policy, "terrace-log p: ")[0];
    assert!(line.starts_with("log prefix \"terrace-log p: \""), "{line}");
}

const POLICY: &str = "apiVersion: terrace.io/v1\nkind: GlobalNetworkPolicy\nmetadata: {name: allow-web}\nspec:\n  selector: app == 'web'\n  ingress:\n    - action: Allow\n      protocol: TCP\n      source: {selector: app == 'db'}\n";

fn table() -> Table {
    let eps = vec![
        wep("n1", "web", "trweb", "10.65.0.2", &[("app", "web")]),
        wep("n1", "db", "trdb", "10.65.0.3", &[("app", "db")]),
    ];
    compile(&compute(&world(POLICY, eps)))
}

#[test]
fn endpoints_are_dispatched_by_verdict_maps_and_workloads_are_anti_spoofed() {
    let t = table();
    let from = &t.sets["wl-from"].elements;
    assert!(from.contains("\"trweb\" : jump wo-trweb"), "{from:?}");
    assert!(t.sets["wl-to"].elements.contains("\"trdb\" : jump wi-trdb"));
    let wo = &t.chains["wo-trweb"].rules;
    assert_eq!(wo[0], "ip saddr != { 10.65.0.2 } drop");
    assert_eq!(wo[1], "meta nfproto ipv6 drop");
    assert_eq!(wo.last().map(String::as_str), Some("drop"), "default deny");
    let wi = &t.chains["wi-trweb"].rules;
    assert!(wi.iter().any(|r| r.contains("jump pi-")), "{wi:?}");
    let fwd = &t.chains["hook-forward"].rules;
    assert!(fwd.contains(&"iifname \"tr*\" meta mark & 0x00010000 == 0x00000000 drop".to_string()));
}

fn actual_of(t: &Table) -> Actual {
    Actual::from_table(t)
}

#[test]
fn delta_table() {
    let desired = table();
    // Nothing exists: everything is created, in one transaction.
    let (text, sum) = render_delta(&desired, &Actual::default());
    assert!(text.starts_with("add table inet terrace\n"), "{text}");
    assert_eq!(sum.chains_written.len(), desired.chains.len());
    // Everything current: nothing to do.
    let (text, sum) = render_delta(&desired, &actual_of(&desired));
    assert!(text.is_empty() && sum.is_empty(), "{text}");
    // One element missing, one extra: only those two change.
    let mut drift = actual_of(&desired);
    let set = drift.sets.get_mut("wl-from").unwrap();
    set.remove("\"trweb\" : jump wo-trweb");
    set.insert("\"trgone\" : jump wo-trgone".into());
    let (text, sum) = render_delta(&desired, &drift);
    assert_eq!((sum.elements_added, sum.elements_deleted), (1, 1), "{text}");
    assert!(sum.chains_written.is_empty());
    // A chain with a rule deleted behind felix's back is rewritten, alone.
    let mut drift = actual_of(&desired);
    drift.chains.get_mut("wo-trweb").unwrap().rules -= 1;
    let (text, sum) = render_delta(&desired, &drift);
    assert_eq!(sum.chains_written, ["wo-trweb"]);
    assert!(
        text.starts_with("flush chain inet terrace wo-trweb\n"),
        "{text}"
    );
    // Stale chains and sets of ours are removed after everything else.
    let mut stale = actual_of(&desired);
    stale.chains.insert("po-old".into(), ActualChain::default());
    stale.sets.insert("s-old-4".into(), Default::default());
    let (text, sum) = render_delta(&desired, &stale);
    assert_eq!(sum.chains_deleted, ["po-old"]);
    assert!(
        text.ends_with("delete chain inet terrace po-old\ndelete set inet terrace s-old-4\n"),
        "{text}"
    );
}
