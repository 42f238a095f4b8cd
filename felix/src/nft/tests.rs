//! Table tests of rule compilation, table compilation and the delta.

use policies::document::parse_documents;
use policies::model::{Resource, Rule};

use super::delta::{Actual, ActualChain};
use super::rules::{RuleContext, compile_rule};
use super::*;
use crate::calc::compute;
use crate::calc::tests::{wep, world};
use crate::sets::{Elem, Verdict};

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
        let got: Vec<String> = compile_rule(&rules[0], None, RuleContext::Policy, "x")
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(got.len(), want.len(), "{name}: {got:#?}");
        for (g, w) in got.iter().zip(want) {
            assert!(g.starts_with(w), "{name}: {g} should start with {w}");
        }
    }
}

#[test]
fn pass_in_a_profile_moves_on_but_in_a_tier_marks_the_packet() {
    let rules = ingress_rules("    - action: Pass\n");
    let text = |r: &Rule, ctx, prefix| -> Vec<String> {
        compile_rule(r, None, ctx, prefix)
            .iter()
            .map(ToString::to_string)
            .collect()
    };
    assert_eq!(text(&rules[0], RuleContext::Profile, "x"), ["return"]);
    assert_eq!(
        text(&rules[0], RuleContext::Policy, "x"),
        ["meta mark set meta mark | 0x00020000 return"]
    );
    let log = ingress_rules("    - action: Log\n");
    let line = &text(&log[0], RuleContext::Policy, "terrace-log p: ")[0];
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

fn jump(iface: &str, chain: &str) -> Elem {
    Elem::IfaceVerdict(iface.into(), Verdict::Jump(chain.into()))
}

/// The chain a workload's dispatch entry in `map` jumps to.
fn target(t: &Table, map: &str, iface: &str) -> String {
    t.sets[map]
        .elements
        .iter()
        .find_map(|e| match e {
            Elem::IfaceVerdict(i, Verdict::Jump(c)) if i == iface => Some(c.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("{iface} not in {map}"))
}

#[test]
fn workloads_are_dispatched_to_group_chains_and_anti_spoofed_by_set() {
    let t = table();
    let go = target(&t, "wl-from", "trweb");
    assert!(go.starts_with("go-"), "{go}");
    let gi = target(&t, "wl-to", "trweb");
    assert!(gi.starts_with("gi-"), "{gi}");
    let ingress = &t.chains[&gi].rules;
    assert!(
        ingress.iter().any(|r| r.contains("jump pi-")),
        "{ingress:?}"
    );
    assert_eq!(
        ingress.last().map(String::as_str),
        Some("drop"),
        "default deny"
    );
    assert!(t.chains[&gi].marks.is_some(), "group chains are mark rules");
    let src = &t.sets["wl-src-4"].elements;
    assert!(src.contains(&Elem::IfaceAddr(
        "trweb".into(),
        "10.65.0.2".parse().unwrap()
    )));
    assert!(t.sets["wl-src-6"].elements.is_empty());
    let fwd = &t.chains["hook-forward"].rules;
    assert!(fwd.contains(&"iifname \"tr*\" meta mark & 0x00010000 == 0x00000000 drop".to_string()));
    assert!(
        fwd.iter()
            .any(|r| r.contains("iifname . ip saddr != @wl-src-4")),
        "{fwd:?}"
    );
}

#[test]
fn endpoints_with_the_same_program_share_one_group_chain() {
    let eps = vec![
        wep("n1", "web1", "trweb1", "10.65.0.2", &[("app", "web")]),
        wep("n1", "web2", "trweb2", "10.65.0.4", &[("app", "web")]),
        wep("n1", "db", "trdb", "10.65.0.3", &[("app", "db")]),
    ];
    let t = compile(&compute(&world(POLICY, eps)));
    assert_eq!(target(&t, "wl-to", "trweb1"), target(&t, "wl-to", "trweb2"));
    assert_ne!(target(&t, "wl-to", "trweb1"), target(&t, "wl-to", "trdb"));
    let groups = t.chains.keys().filter(|c| c.starts_with("gi-")).count();
    assert_eq!(groups, 2);
}

fn actual_of(t: &Table) -> Actual {
    Actual::from_table(t)
}

#[test]
fn delta_table() {
    let desired = table();
    // Nothing exists: everything is created, in one transaction.
    let d = full_delta(&desired, &Actual::default());
    let text = d.render();
    assert!(text.starts_with("add table inet terrace\n"), "{text}");
    assert_eq!(d.summary().chains_written.len(), desired.chains.len());
    // Everything current: nothing to do.
    let d = full_delta(&desired, &actual_of(&desired));
    assert!(d.is_empty(), "{}", d.render());
    // One element missing, one extra: only those two change.
    let mut drift = actual_of(&desired);
    let gi = target(&desired, "wl-to", "trweb");
    let set = drift.sets.get_mut("wl-to").unwrap();
    set.remove(&jump("trweb", &gi));
    set.insert(jump("trgone", "wi-trgone"));
    let sum = full_delta(&desired, &drift).summary();
    assert_eq!((sum.elements_added, sum.elements_deleted), (1, 1));
    assert!(sum.chains_written.is_empty());
    // A chain with a rule deleted behind felix's back is rewritten, alone.
    let mut drift = actual_of(&desired);
    drift.chains.get_mut(&gi).unwrap().rules -= 1;
    let d = full_delta(&desired, &drift);
    assert_eq!(d.summary().chains_written, std::slice::from_ref(&gi));
    assert!(
        d.render()
            .starts_with(&format!("flush chain inet terrace {gi}\n")),
        "{}",
        d.render()
    );
    // Stale chains and sets of ours are removed after everything else.
    let mut stale = actual_of(&desired);
    stale.chains.insert("po-old".into(), ActualChain::default());
    stale.sets.insert("s-old-4".into(), Default::default());
    let d = full_delta(&desired, &stale);
    assert_eq!(d.summary().chains_deleted, ["po-old"]);
    let text = d.render();
    assert!(
        text.ends_with("delete chain inet terrace po-old\ndelete set inet terrace s-old-4\n"),
        "{text}"
    );
}

const SECOND_POLICY: &str = "---\napiVersion: terrace.io/v1\nkind: GlobalNetworkPolicy\nmetadata: {name: allow-x}\nspec:\n  selector: role == 'x'\n  ingress:\n    - action: Allow\n      protocol: UDP\n";

#[test]
fn an_added_replica_is_only_elements_and_a_new_label_set_one_group_chain() {
    let eps = vec![
        wep("n1", "web", "trweb", "10.65.0.2", &[("app", "web")]),
        wep("n1", "db", "trdb", "10.65.0.3", &[("app", "db")]),
        wep("n1", "x", "trx", "10.65.0.4", &[("role", "x")]),
    ];
    let yaml = format!("{POLICY}{SECOND_POLICY}");
    let mut engine = crate::calc::Engine::from_world(world(&yaml, eps));
    let mut compiler = Compiler::build(engine.plan());
    let encodes = |t: &Table, d: &Delta| {
        let kind = |s: &str| t.sets.get(s).map(|def| def.kind);
        netlink::encode(d, &kind, 1).is_some()
    };
    engine.upsert_endpoint(wep("n1", "web2", "trweb2", "10.65.0.9", &[("app", "web")]));
    let ch = engine.commit();
    let d = compiler.update(engine.plan(), &ch);
    assert!(
        d.chains_written.is_empty() && d.sets_created.is_empty(),
        "{d:?}"
    );
    let added: Vec<&str> = d.elements_added.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(added, ["wl-from", "wl-src-4", "wl-to"]);
    assert_eq!(
        compiler.table(),
        &compile(engine.plan()),
        "incremental equals whole"
    );
    assert!(encodes(compiler.table(), &d), "goes over netlink");
    let both = [("app", "web"), ("role", "x")];
    engine.upsert_endpoint(wep("n1", "webx", "trwebx", "10.65.0.10", &both));
    let ch = engine.commit();
    let d = compiler.update(engine.plan(), &ch);
    assert_eq!(d.chains_created.len(), 1, "one new group chain: {d:?}");
    assert!(
        encodes(compiler.table(), &d),
        "group chains go over netlink too"
    );
    engine.remove_endpoint(&policies::eval::EndpointKey::workload("default", "webx"));
    let ch = engine.commit();
    let d = compiler.update(engine.plan(), &ch);
    assert_eq!(
        d.chains_deleted.len(),
        1,
        "its group chain goes with it: {d:?}"
    );
    assert_eq!(compiler.table(), &compile(engine.plan()));
}

#[test]
fn a_first_programming_hooks_the_table_in_last() {
    let desired = table();
    let whole = full_delta(&desired, &Actual::default());
    let [structure, elements, hooks] = delta::staged_creation(&whole).expect("table is created");
    assert!(structure.create_table && structure.elements_added.is_empty());
    assert!(
        structure
            .chains_created
            .iter()
            .all(|(_, base)| base.is_none())
    );
    assert_eq!(elements.elements_added, whole.elements_added);
    assert!(!hooks.chains_created.is_empty());
    assert!(hooks.chains_created.iter().all(|(_, base)| base.is_some()));
    let written = structure.chains_written.len() + hooks.chains_written.len();
    assert_eq!(written, whole.chains_written.len());
    // A table that exists already changes in one transaction.
    assert!(delta::staged_creation(&full_delta(&desired, &actual_of(&desired))).is_none());
}
