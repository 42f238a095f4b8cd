//! The plan as an nft [`Table`], compiled whole ([`compile`]) or kept up to
//! date piece by piece ([`Compiler::update`]), which also yields the
//! [`Delta`] between the old and the new table. Pure.
//!
//! Workload endpoints share policy-group chains: an endpoint's ingress
//! (egress) program — its tiers, policies and profiles — is one chain named
//! after its content (`gi-`/`go-<hash>`), so endpoints with the same labels
//! use one chain, and a new replica of an existing workload is only map and
//! set elements: its dispatch entries and its source addresses.

use std::collections::{BTreeMap, BTreeSet};

use ipnet::IpNet;
use policies::model::Rule;
use resources::felixconfig::{EndpointToHostAction, ProtoPort};

use super::delta::{Delta, touched_delta};
use super::mark_rule::{MarkRule, MarkTest};
use super::model::{Chain, Table};
use super::rules::{RuleContext, compile_rule};
use super::{LOG_PREFIX, MARK_ACCEPT, MARK_PASS};
use crate::calc::plan::PolicyKey;
use crate::calc::{Changes, DirPlan, EndpointKind, EndpointPlan, Plan};
use crate::hash;
use crate::sets::{Elem, Family, SetDef, SetKind, Verdict};

const CLEAR_MARKS: u32 = !(MARK_ACCEPT | MARK_PASS);
const CLEAR_PASS: u32 = !MARK_PASS;

/// Workload dispatch: traffic from (`iifname`) and to (`oifname`) a workload.
pub const WL_FROM: &str = "wl-from";
/// See [`WL_FROM`].
pub const WL_TO: &str = "wl-to";
/// Host endpoint dispatch: traffic arriving on and leaving by the interface.
pub const HEP_FROM: &str = "hep-from";
/// See [`HEP_FROM`].
pub const HEP_TO: &str = "hep-to";

/// `iface . addr` pairs a workload may send from.
pub fn src_set(fam: Family) -> String {
    format!("wl-src-{}", fam.digit())
}

/// `iface . prefix` pairs a workload may send from (allowSpoofedSourcePrefixes).
pub fn srcnet_set(fam: Family) -> String {
    format!("wl-srcnet-{}", fam.digit())
}

/// Compiles `plan` into the desired table.
pub fn compile(plan: &Plan) -> Table {
    Compiler::build(plan).table
}

/// The compiled table and what each endpoint and group chain put into it.
#[derive(Debug, Clone, Default)]
pub struct Compiler {
    table: Table,
    groups: BTreeMap<String, usize>,
    footprints: BTreeMap<String, Footprint>,
}

/// What one endpoint added to the table.
#[derive(Debug, Clone, Default)]
struct Footprint {
    elements: Vec<(String, Elem)>,
    chains: Vec<String>,
    groups: Vec<String>,
}

/// A table being changed, with each touched object's previous version.
#[derive(Debug, Default)]
struct Edit {
    table: Table,
    sets_before: BTreeMap<String, Option<SetDef>>,
    chains_before: BTreeMap<String, Option<Chain>>,
}

impl Edit {
    fn touch_set(&mut self, name: &str) {
        if !self.sets_before.contains_key(name) {
            let before = self.table.sets.get(name).cloned();
            self.sets_before.insert(name.to_string(), before);
        }
    }

    fn touch_chain(&mut self, name: &str) {
        if !self.chains_before.contains_key(name) {
            let before = self.table.chains.get(name).cloned();
            self.chains_before.insert(name.to_string(), before);
        }
    }

    fn put_set(&mut self, name: &str, def: SetDef) {
        if self.table.sets.get(name) != Some(&def) {
            self.touch_set(name);
            self.table.sets.insert(name.to_string(), def);
        }
    }

    fn remove_set(&mut self, name: &str) {
        if self.table.sets.contains_key(name) {
            self.touch_set(name);
            self.table.sets.remove(name);
        }
    }

    fn add_elem(&mut self, set: &str, e: Elem) {
        self.touch_set(set);
        if let Some(s) = self.table.sets.get_mut(set) {
            s.elements.insert(e);
        }
    }

    fn remove_elem(&mut self, set: &str, e: &Elem) {
        self.touch_set(set);
        if let Some(s) = self.table.sets.get_mut(set) {
            s.elements.remove(e);
        }
    }

    fn put_chain(&mut self, name: &str, chain: Chain) {
        if self.table.chains.get(name) != Some(&chain) {
            self.touch_chain(name);
            self.table.chains.insert(name.to_string(), chain);
        }
    }

    fn remove_chain(&mut self, name: &str) {
        if self.table.chains.contains_key(name) {
            self.touch_chain(name);
            self.table.chains.remove(name);
        }
    }

    fn finish(self) -> (Table, Delta) {
        let delta = touched_delta(&self.sets_before, &self.chains_before, &self.table);
        (self.table, delta)
    }
}

impl Compiler {
    /// The table as last compiled.
    pub fn table(&self) -> &Table {
        &self.table
    }

    /// Compiles the whole plan.
    pub fn build(plan: &Plan) -> Self {
        let mut c = Compiler::default();
        let mut edit = Edit::default();
        for kind_name in static_sets() {
            edit.put_set(&kind_name.0, SetDef::new(kind_name.1, BTreeSet::new()));
        }
        for (name, def) in &plan.sets {
            edit.put_set(name, def.clone());
        }
        for key in plan.policies.keys() {
            put_policy(&mut edit, plan, key);
        }
        for name in plan.profiles.keys() {
            put_profile(&mut edit, plan, name);
        }
        for (iface, ep) in &plan.endpoints {
            c.put_endpoint(&mut edit, plan, iface, Some(ep));
        }
        put_hooks(&mut edit, plan);
        c.table = edit.table;
        c
    }

    /// Brings the table in line with `plan` after `changes`; returns the
    /// delta between the previous table and the new one.
    pub fn update(&mut self, plan: &Plan, changes: &Changes) -> Delta {
        if changes.full {
            let new = Compiler::build(plan);
            let delta = diff_tables(&self.table, &new.table);
            *self = new;
            return delta;
        }
        let mut edit = Edit {
            table: std::mem::take(&mut self.table),
            ..Edit::default()
        };
        for name in &changes.sets {
            match plan.sets.get(name) {
                Some(def) => edit.put_set(name, def.clone()),
                None => edit.remove_set(name),
            }
        }
        for key in &changes.policies {
            put_policy(&mut edit, plan, key);
        }
        for name in &changes.profiles {
            put_profile(&mut edit, plan, name);
        }
        for iface in &changes.endpoints {
            self.put_endpoint(&mut edit, plan, iface, plan.endpoints.get(iface));
        }
        if changes.hooks {
            put_hooks(&mut edit, plan);
        }
        let (table, delta) = edit.finish();
        self.table = table;
        delta
    }

    /// Replaces what endpoint `iface` put in the table with `ep`'s program.
    fn put_endpoint(
        &mut self,
        edit: &mut Edit,
        plan: &Plan,
        iface: &str,
        ep: Option<&EndpointPlan>,
    ) {
        if let Some(old) = self.footprints.remove(iface) {
            for (set, e) in &old.elements {
                edit.remove_elem(set, e);
            }
            for chain in &old.chains {
                edit.remove_chain(chain);
            }
            for group in &old.groups {
                self.unref_group(edit, group);
            }
        }
        let Some(ep) = ep else { return };
        let fp = match ep.kind {
            EndpointKind::Workload => self.workload(edit, ep),
            EndpointKind::Host => host(edit, plan, ep),
        };
        for (set, e) in &fp.elements {
            edit.add_elem(set, e.clone());
        }
        self.footprints.insert(iface.to_string(), fp);
    }

    fn workload(&mut self, edit: &mut Edit, ep: &EndpointPlan) -> Footprint {
        let iface = &ep.iface;
        let gi = self.ref_group(edit, "gi", mark_rules(&ep.ingress, "pi", "ri"));
        let go = self.ref_group(edit, "go", mark_rules(&ep.egress, "po", "ro"));
        let verdict = |chain: &str| Elem::IfaceVerdict(iface.clone(), Verdict::Jump(chain.into()));
        let mut elements = vec![
            (WL_TO.to_string(), verdict(&gi)),
            (WL_FROM.to_string(), verdict(&go)),
        ];
        for net in ep.addresses.iter().chain(&ep.allowed_sources) {
            let fam = Family::of(net);
            if net.prefix_len() == net.max_prefix_len() {
                elements.push((src_set(fam), Elem::IfaceAddr(iface.clone(), net.addr())));
            } else {
                elements.push((srcnet_set(fam), Elem::IfaceNet(iface.clone(), net.trunc())));
            }
        }
        Footprint {
            elements,
            chains: Vec::new(),
            groups: vec![gi, go],
        }
    }

    /// The group chain holding `rules`, created on first use.
    fn ref_group(&mut self, edit: &mut Edit, prefix: &str, rules: Vec<MarkRule>) -> String {
        let text: Vec<String> = rules.iter().map(ToString::to_string).collect();
        let name = format!("{prefix}-{}", hash::short(&text.join("\n")));
        let users = self.groups.entry(name.clone()).or_default();
        *users += 1;
        if *users == 1 {
            edit.put_chain(&name, Chain::of_marks(rules));
        }
        name
    }

    fn unref_group(&mut self, edit: &mut Edit, name: &str) {
        let gone = self.groups.get_mut(name).is_some_and(|u| {
            *u = u.saturating_sub(1);
            *u == 0
        });
        if gone {
            self.groups.remove(name);
            edit.remove_chain(name);
        }
    }
}

/// The delta turning table `old` into `new`.
pub fn diff_tables(old: &Table, new: &Table) -> Delta {
    let set_names: BTreeSet<&String> = old.sets.keys().chain(new.sets.keys()).collect();
    let chain_names: BTreeSet<&String> = old.chains.keys().chain(new.chains.keys()).collect();
    let sets = set_names
        .into_iter()
        .map(|n| (n.clone(), old.sets.get(n).cloned()))
        .collect();
    let chains = chain_names
        .into_iter()
        .map(|n| (n.clone(), old.chains.get(n).cloned()))
        .collect();
    touched_delta(&sets, &chains, new)
}

/// The sets and maps that always exist.
fn static_sets() -> Vec<(String, SetKind)> {
    let mut out: Vec<(String, SetKind)> = [WL_FROM, WL_TO, HEP_FROM, HEP_TO]
        .into_iter()
        .map(|m| (m.to_string(), SetKind::IfaceVerdictMap))
        .collect();
    for fam in Family::BOTH {
        out.push((src_set(fam), SetKind::IfaceAddr(fam)));
        out.push((srcnet_set(fam), SetKind::IfaceNet(fam)));
    }
    out
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

fn rule_chain(rules: &[Rule], ns: Option<&str>, ctx: RuleContext, prefix: &str) -> Chain {
    let compiled = rules
        .iter()
        .flat_map(|r| compile_rule(r, ns, ctx, prefix))
        .collect();
    Chain::of_rules(compiled)
}

/// The chains of policy `key` as the plan uses it (none when unused).
fn put_policy(edit: &mut Edit, plan: &Plan, key: &PolicyKey) {
    let id = policy_id(&key.0, &key.1);
    let (pi, po) = (format!("pi-{id}"), format!("po-{id}"));
    let Some(pp) = plan.policies.get(key) else {
        edit.remove_chain(&pi);
        edit.remove_chain(&po);
        return;
    };
    let p = &pp.policy;
    let prefix = log_prefix(&format!("{}/{}", p.tier, p.qualified_name()));
    let ns = p.namespace.as_deref();
    for (used, name, rules) in [(pp.ingress, &pi, &p.ingress), (pp.egress, &po, &p.egress)] {
        if used {
            edit.put_chain(name, rule_chain(rules, ns, RuleContext::Policy, &prefix));
        } else {
            edit.remove_chain(name);
        }
    }
}

/// The chains of profile `name` (none when unused).
fn put_profile(edit: &mut Edit, plan: &Plan, name: &str) {
    let id = hash::short(name);
    let (ri, ro) = (format!("ri-{id}"), format!("ro-{id}"));
    let Some(profile) = plan.profiles.get(name) else {
        edit.remove_chain(&ri);
        edit.remove_chain(&ro);
        return;
    };
    let prefix = log_prefix(&format!("profile/{name}"));
    let ctx = RuleContext::Profile;
    edit.put_chain(&ri, rule_chain(&profile.ingress, None, ctx, &prefix));
    edit.put_chain(&ro, rule_chain(&profile.egress, None, ctx, &prefix));
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

/// A host endpoint: its own chains, failsafe ports first.
fn host(edit: &mut Edit, plan: &Plan, ep: &EndpointPlan) -> Footprint {
    let id = iface_id(&ep.iface);
    let (hi, ho) = (format!("hi-{id}"), format!("ho-{id}"));
    let text = |marks: Vec<MarkRule>| marks.iter().map(ToString::to_string).collect::<Vec<_>>();
    let mut ingress = failsafe(&plan.settings.failsafe_inbound, "s");
    ingress.extend(text(mark_rules(&ep.ingress, "pi", "ri")));
    let mut egress = failsafe(&plan.settings.failsafe_outbound, "d");
    egress.extend(text(mark_rules(&ep.egress, "po", "ro")));
    edit.put_chain(&hi, Chain::regular(ingress));
    edit.put_chain(&ho, Chain::regular(egress));
    let verdict = |chain: &str| Elem::IfaceVerdict(ep.iface.clone(), Verdict::Jump(chain.into()));
    Footprint {
        // Ingress arrives through a host interface (iifname), egress leaves by it.
        elements: vec![
            (HEP_FROM.to_string(), verdict(&hi)),
            (HEP_TO.to_string(), verdict(&ho)),
        ],
        chains: vec![hi, ho],
        groups: Vec::new(),
    }
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

/// One direction's program: per tier a jump to each policy chain while no
/// Pass fired, return once a chain allowed, the tier's default drop; then
/// the profiles; then drop.
fn mark_rules(dp: &DirPlan, policy_prefix: &str, profile_prefix: &str) -> Vec<MarkRule> {
    let accepted = MarkTest {
        mask: MARK_ACCEPT,
        value: MARK_ACCEPT,
    };
    let no_pass = MarkTest {
        mask: MARK_PASS,
        value: 0,
    };
    let mut out = Vec::new();
    for tier in &dp.tiers {
        out.push(MarkRule::ClearBits(CLEAR_PASS));
        for (ns, name) in &tier.policies {
            let chain = format!("{policy_prefix}-{}", policy_id(ns, name));
            out.push(MarkRule::Verdict(Some(no_pass), Verdict::Jump(chain)));
            out.push(MarkRule::Verdict(Some(accepted), Verdict::Return));
        }
        if tier.default_deny {
            out.push(MarkRule::Verdict(Some(no_pass), Verdict::Drop));
        }
    }
    for profile in &dp.profiles {
        let chain = format!("{profile_prefix}-{}", hash::short(profile));
        out.push(MarkRule::Verdict(None, Verdict::Jump(chain)));
        out.push(MarkRule::Verdict(Some(accepted), Verdict::Return));
    }
    out.push(MarkRule::Verdict(None, Verdict::Drop));
    out
}

/// Marks cleared before each endpoint chain is consulted.
fn clear_marks() -> String {
    MarkRule::ClearBits(CLEAR_MARKS).to_string()
}

fn not_accepted() -> String {
    format!("meta mark & 0x{MARK_ACCEPT:08x} == 0x00000000 drop")
}

/// A workload may only send from its own addresses (and allowed prefixes);
/// an unknown workload interface has none, so it sends nothing.
fn anti_spoof(wl: &str) -> Vec<String> {
    Family::BOTH
        .into_iter()
        .map(|fam| {
            let (nfproto, saddr) = match fam {
                Family::V4 => ("ipv4", "ip saddr"),
                Family::V6 => ("ipv6", "ip6 saddr"),
            };
            format!(
                "meta nfproto {nfproto} iifname {wl} iifname . {saddr} != @{} iifname . {saddr} != @{} drop",
                src_set(fam),
                srcnet_set(fam)
            )
        })
        .collect()
}

/// Forwarded traffic: source workload egress, then destination ingress.
fn forward_rules(wl: &str) -> Vec<String> {
    let mut rules = vec![
        "ct state established,related accept".to_string(),
        format!("iifname {wl} ct state invalid drop"),
        format!("oifname {wl} ct state invalid drop"),
    ];
    rules.extend(anti_spoof(wl));
    rules.extend([
        clear_marks(),
        format!("iifname vmap @{WL_FROM}"),
        format!("iifname {wl} {}", not_accepted()),
        clear_marks(),
        format!("oifname vmap @{WL_TO}"),
        format!("oifname {wl} {}", not_accepted()),
    ]);
    rules
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
    ];
    input.extend(anti_spoof(wl));
    input.extend([
        clear_marks(),
        format!("iifname vmap @{WL_FROM}"),
        format!("iifname {wl} {}", not_accepted()),
    ]);
    match to_host {
        EndpointToHostAction::Drop => input.push(format!("iifname {wl} drop")),
        EndpointToHostAction::Accept => input.push(format!("iifname {wl} accept")),
        EndpointToHostAction::Return => {}
    }
    input.extend([clear_marks(), format!("iifname vmap @{HEP_FROM}")]);
    input
}

/// Traffic from the host: to local workloads allowed (as in Calico); host
/// endpoint egress.
fn output_rules(wl: &str) -> Vec<String> {
    vec![
        "ct state established,related accept".to_string(),
        format!("oifname {wl} accept"),
        clear_marks(),
        format!("oifname vmap @{HEP_TO}"),
    ]
}

/// Masquerade from natOutgoing pools to destinations outside every pool.
fn nat_rules(plan: &Plan) -> Vec<String> {
    let mut nat = Vec::new();
    for (fam, word) in [(Family::V4, "ip"), (Family::V6, "ip6")] {
        if plan.nat.contains(&fam) {
            let d = fam.digit();
            nat.push(format!(
                "{word} saddr @nat-pools-{d} {word} daddr != @all-pools-{d} masquerade"
            ));
        }
    }
    nat
}

fn put_hooks(edit: &mut Edit, plan: &Plan) {
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
        // An empty NAT chain would still hook NAT into every packet's path.
        if name == "hook-nat" && rules.is_empty() {
            edit.remove_chain(name);
            continue;
        }
        edit.put_chain(
            name,
            Chain {
                base,
                rules,
                ..Chain::default()
            },
        );
    }
}
