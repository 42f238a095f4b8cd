//! [`compile`]: the plan as an nft [`Table`]. Pure.

use std::collections::{BTreeMap, BTreeSet};

use datastore::resource::felixconfig::{EndpointToHostAction, ProtoPort};
use ipnet::IpNet;
use policies::model::Rule;

use super::model::{Chain, SetDef, Table};
use super::rules::{RuleContext, compile_rule};
use super::{LOG_PREFIX, MARK_ACCEPT, MARK_PASS};
use crate::calc::plan::SetType;
use crate::calc::sets::Family;
use crate::calc::{DirPlan, EndpointKind, EndpointPlan, Plan};
use crate::hash;

const CLEAR_MARKS: u32 = !(MARK_ACCEPT | MARK_PASS);
const CLEAR_PASS: u32 = !MARK_PASS;

/// Compiles `plan` into the desired table.
pub fn compile(plan: &Plan) -> Table {
    let mut t = Table::default();
    for (name, (ty, members)) in &plan.sets {
        t.sets.insert(name.clone(), set_def(*ty, members.clone()));
    }
    for fam in Family::BOTH {
        let get = |m: &BTreeMap<Family, BTreeSet<String>>| m.get(&fam).cloned().unwrap_or_default();
        let ty = SetType::Addr(fam);
        t.sets.insert(
            format!("nat-pools-{}", fam.digit()),
            set_def(ty, get(&plan.nat_pools)),
        );
        t.sets.insert(
            format!("all-pools-{}", fam.digit()),
            set_def(ty, get(&plan.all_pools)),
        );
    }
    for map in ["wl-from", "wl-to", "hep-from", "hep-to"] {
        t.sets.insert(map.to_string(), vmap(BTreeSet::new()));
    }
    for pp in plan.policies.values() {
        let p = &pp.policy;
        let id = policy_id(&p.namespace, &p.name);
        let prefix = log_prefix(&format!("{}/{}", p.tier, p.qualified_name()));
        let ns = p.namespace.as_deref();
        if pp.ingress {
            let rules = rule_lines(&p.ingress, ns, RuleContext::Policy, &prefix);
            t.chains.insert(format!("pi-{id}"), Chain::regular(rules));
        }
        if pp.egress {
            let rules = rule_lines(&p.egress, ns, RuleContext::Policy, &prefix);
            t.chains.insert(format!("po-{id}"), Chain::regular(rules));
        }
    }
    for (name, profile) in &plan.profiles {
        let id = hash::short(name);
        let prefix = log_prefix(&format!("profile/{name}"));
        let ctx = RuleContext::Profile;
        let ingress = rule_lines(&profile.ingress, None, ctx, &prefix);
        let egress = rule_lines(&profile.egress, None, ctx, &prefix);
        t.chains.insert(format!("ri-{id}"), Chain::regular(ingress));
        t.chains.insert(format!("ro-{id}"), Chain::regular(egress));
    }
    for ep in &plan.endpoints {
        add_endpoint(&mut t, plan, ep);
    }
    add_hooks(&mut t, plan);
    t
}

fn set_def(ty: SetType, elements: BTreeSet<String>) -> SetDef {
    let decl = match ty {
        SetType::Addr(Family::V4) => "type ipv4_addr; flags interval;",
        SetType::Addr(Family::V6) => "type ipv6_addr; flags interval;",
        SetType::NamedPort(Family::V4) => "type ipv4_addr . inet_proto . inet_service;",
        SetType::NamedPort(Family::V6) => "type ipv6_addr . inet_proto . inet_service;",
    };
    SetDef {
        is_map: false,
        decl: decl.to_string(),
        elements,
    }
}

fn vmap(elements: BTreeSet<String>) -> SetDef {
    SetDef {
        is_map: true,
        decl: "type ifname : verdict;".to_string(),
        elements,
    }
}

/// Stable id of a policy: hash of its namespace and name.
pub fn policy_id(namespace: &Option<String>, name: &str) -> String {
    hash::short(&format!("{}/{name}", namespace.as_deref().unwrap_or("")))
}

/// `terrace-log <what>: `, short enough for the kernel's 127-byte limit and
/// free of characters that need escaping.
fn log_prefix(what: &str) -> String {
    let clean: String = what
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '-' | '.' | '_'))
        .take(80)
        .collect();
    format!("{LOG_PREFIX} {clean}: ")
}

fn rule_lines(rules: &[Rule], ns: Option<&str>, ctx: RuleContext, prefix: &str) -> Vec<String> {
    rules
        .iter()
        .flat_map(|r| compile_rule(r, ns, ctx, prefix))
        .collect()
}

/// Chain-name-safe form of an interface name.
pub fn iface_id(iface: &str) -> String {
    if iface
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        iface.to_string()
    } else {
        format!("x{}", hash::short(iface))
    }
}

fn add_endpoint(t: &mut Table, plan: &Plan, ep: &EndpointPlan) {
    let id = iface_id(&ep.iface);
    let (in_chain, out_chain, from_map, to_map) = match ep.kind {
        EndpointKind::Workload => (format!("wi-{id}"), format!("wo-{id}"), "wl-from", "wl-to"),
        EndpointKind::Host => (format!("hi-{id}"), format!("ho-{id}"), "hep-from", "hep-to"),
    };
    let mut ingress = Vec::new();
    let mut egress = Vec::new();
    match ep.kind {
        EndpointKind::Workload => egress.extend(anti_spoof(&ep.sources)),
        EndpointKind::Host => {
            ingress.extend(failsafe(&plan.settings.failsafe_inbound, "s"));
            egress.extend(failsafe(&plan.settings.failsafe_outbound, "d"));
        }
    }
    ingress.extend(dir_rules(&ep.ingress, "pi", "ri"));
    egress.extend(dir_rules(&ep.egress, "po", "ro"));
    // Ingress is traffic towards the endpoint: for a workload that leaves the
    // host through its veth (oifname); for a host endpoint it arrives through
    // the interface (iifname).
    let (from_chain, to_chain) = match ep.kind {
        EndpointKind::Workload => (&out_chain, &in_chain),
        EndpointKind::Host => (&in_chain, &out_chain),
    };
    let q = &ep.iface;
    for (map, chain) in [(from_map, from_chain), (to_map, to_chain)] {
        if let Some(m) = t.sets.get_mut(map) {
            m.elements.insert(format!("\"{q}\" : jump {chain}"));
        }
    }
    t.chains.insert(in_chain, Chain::regular(ingress));
    t.chains.insert(out_chain, Chain::regular(egress));
}

/// A workload may only send from its own addresses (and allowed prefixes).
fn anti_spoof(sources: &[IpNet]) -> Vec<String> {
    Family::BOTH
        .into_iter()
        .map(|fam| {
            let own: Vec<String> = sources
                .iter()
                .filter(|n| Family::of(n) == fam)
                .map(crate::calc::sets::element)
                .collect();
            let (nfproto, addr) = match fam {
                Family::V4 => ("ipv4", "ip saddr"),
                Family::V6 => ("ipv6", "ip6 saddr"),
            };
            if own.is_empty() {
                format!("meta nfproto {nfproto} drop")
            } else {
                format!("{addr} != {{ {} }} drop", own.join(", "))
            }
        })
        .collect()
}

/// Failsafe accepts; `dir` is the side the port is on (`s` inbound source
/// net, `d` outbound destination).
fn failsafe(ports: &[ProtoPort], dir: &str) -> Vec<String> {
    ports
        .iter()
        .map(|p| {
            let proto = p.protocol.to_ascii_lowercase();
            let net = match &p.net {
                Some(n @ IpNet::V4(_)) => format!("ip {dir}addr {} ", n.trunc()),
                Some(n @ IpNet::V6(_)) => format!("ip6 {dir}addr {} ", n.trunc()),
                None => String::new(),
            };
            format!("{net}meta l4proto {proto} th dport {} accept", p.port)
        })
        .collect()
}

fn dir_rules(dp: &DirPlan, policy_prefix: &str, profile_prefix: &str) -> Vec<String> {
    let mut out = Vec::new();
    let accepted = format!("meta mark & 0x{MARK_ACCEPT:08x} == 0x{MARK_ACCEPT:08x} return");
    let no_pass = format!("meta mark & 0x{MARK_PASS:08x} == 0x00000000");
    for tier in &dp.tiers {
        out.push(format!("meta mark set meta mark & 0x{CLEAR_PASS:08x}"));
        for (ns, name) in &tier.policies {
            let id = policy_id(ns, name);
            out.push(format!("{no_pass} jump {policy_prefix}-{id}"));
            out.push(accepted.clone());
        }
        if tier.default_deny {
            out.push(format!("{no_pass} drop"));
        }
    }
    for profile in &dp.profiles {
        out.push(format!("jump {profile_prefix}-{}", hash::short(profile)));
        out.push(accepted.clone());
    }
    out.push("drop".to_string());
    out
}

/// Marks cleared before each endpoint chain is consulted.
fn clear_marks() -> String {
    format!("meta mark set meta mark & 0x{CLEAR_MARKS:08x}")
}

fn not_accepted() -> String {
    format!("meta mark & 0x{MARK_ACCEPT:08x} == 0x00000000 drop")
}

/// Forwarded traffic: source workload egress, then destination ingress.
fn forward_rules(wl: &str) -> Vec<String> {
    vec![
        "ct state established,related accept".to_string(),
        format!("iifname {wl} ct state invalid drop"),
        format!("oifname {wl} ct state invalid drop"),
        clear_marks(),
        "iifname vmap @wl-from".to_string(),
        format!("iifname {wl} {}", not_accepted()),
        clear_marks(),
        "oifname vmap @wl-to".to_string(),
        format!("oifname {wl} {}", not_accepted()),
    ]
}

/// Traffic to the host: workload egress then DefaultEndpointToHostAction;
/// host endpoint ingress.
fn input_rules(wl: &str, to_host: EndpointToHostAction) -> Vec<String> {
    let mut input = vec![
        "ct state established,related accept".to_string(),
        format!("iifname {wl} ct state invalid drop"),
        format!(
            "iifname {wl} meta l4proto ipv6-icmp icmpv6 type {{ nd-router-solicit, \
             nd-neighbor-solicit, nd-neighbor-advert }} accept"
        ),
        clear_marks(),
        "iifname vmap @wl-from".to_string(),
        format!("iifname {wl} {}", not_accepted()),
    ];
    match to_host {
        EndpointToHostAction::Drop => input.push(format!("iifname {wl} drop")),
        EndpointToHostAction::Accept => input.push(format!("iifname {wl} accept")),
        EndpointToHostAction::Return => {}
    }
    input.extend([clear_marks(), "iifname vmap @hep-from".to_string()]);
    input
}

/// Traffic from the host: to local workloads allowed (as in Calico); host
/// endpoint egress.
fn output_rules(wl: &str) -> Vec<String> {
    vec![
        "ct state established,related accept".to_string(),
        format!("oifname {wl} accept"),
        clear_marks(),
        "oifname vmap @hep-to".to_string(),
    ]
}

/// Masquerade from natOutgoing pools to destinations outside every pool.
fn nat_rules(plan: &Plan) -> Vec<String> {
    let mut nat = Vec::new();
    for (fam, word) in [(Family::V4, "ip"), (Family::V6, "ip6")] {
        if plan.nat_pools.get(&fam).is_some_and(|s| !s.is_empty()) {
            let d = fam.digit();
            nat.push(format!(
                "{word} saddr @nat-pools-{d} {word} daddr != @all-pools-{d} masquerade"
            ));
        }
    }
    nat
}

fn add_hooks(t: &mut Table, plan: &Plan) {
    let wl = format!("\"{}*\"", plan.settings.interface_prefix);
    let base = |hook: &str| {
        Some(format!(
            "type filter hook {hook} priority filter; policy accept;"
        ))
    };
    let nat_base = Some("type nat hook postrouting priority srcnat; policy accept;".to_string());
    let chains = [
        ("hook-forward", base("forward"), forward_rules(&wl)),
        (
            "hook-input",
            base("input"),
            input_rules(&wl, plan.settings.endpoint_to_host),
        ),
        ("hook-output", base("output"), output_rules(&wl)),
        ("hook-nat", nat_base, nat_rules(plan)),
    ];
    for (name, base, rules) in chains {
        t.chains.insert(name.to_string(), Chain { base, rules });
    }
}
