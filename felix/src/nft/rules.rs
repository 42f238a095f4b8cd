//! One policy rule → nft rule lines.
//!
//! A rule is a conjunction of conditions, but a few conditions are
//! disjunctions (numeric ports *or* named ports; `not (icmp type and code)`),
//! and nft rules are conjunctions. So a rule compiles to alternatives — one
//! nft rule each, all with the same action; the first that matches acts. Rules
//! that match addresses (sets, nets, named ports) or ICMP are compiled once
//! per IP family, gated by `meta nfproto`.

use ipnet::IpNet;
use policies::model::{Action, EntityRule, IpVersion, PortSpec, Protocol, Rule};

use crate::calc::sets::{Family, SetKey, named_port_set_name, net_set_name};

use super::{MARK_ACCEPT, MARK_PASS};

/// Where a rule list runs: a policy chain (Pass skips the tier) or a profile
/// chain (Pass moves on to the next profile).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleContext {
    /// Inside a tier.
    Policy,
    /// Inside a profile.
    Profile,
}

/// A conjunction of nft match fragments.
type Conj = Vec<String>;

/// nft rule lines for `rule`. `policy_ns` scopes selectors of a NetworkPolicy;
/// `log_prefix` is used by Log rules.
pub fn compile_rule(
    rule: &Rule,
    policy_ns: Option<&str>,
    ctx: RuleContext,
    log_prefix: &str,
) -> Vec<String> {
    let action = action_text(rule.action, ctx, log_prefix);
    let families: Vec<Option<Family>> = if needs_family(rule) {
        Family::BOTH
            .into_iter()
            .filter(|f| rule_allows_family(rule, *f))
            .map(Some)
            .collect()
    } else {
        vec![None]
    };
    let mut out = Vec::new();
    for fam in families {
        for conj in alternatives(rule, policy_ns, fam) {
            let mut line = conj.join(" ");
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(&action);
            out.push(line);
        }
    }
    out
}

fn action_text(action: Action, ctx: RuleContext, log_prefix: &str) -> String {
    match (action, ctx) {
        (Action::Allow, _) => format!("meta mark set meta mark | 0x{MARK_ACCEPT:08x} return"),
        (Action::Deny, _) => "drop".to_string(),
        (Action::Pass, RuleContext::Policy) => {
            format!("meta mark set meta mark | 0x{MARK_PASS:08x} return")
        }
        (Action::Pass, RuleContext::Profile) => "return".to_string(),
        (Action::Log, _) => format!("log prefix \"{log_prefix}\" level info"),
    }
}

fn side_needs_family(er: &EntityRule) -> bool {
    !er.nets.is_empty()
        || !er.not_nets.is_empty()
        || er.selector.is_some()
        || er.not_selector.is_some()
        || er.namespace_selector.is_some()
        || er
            .ports
            .iter()
            .chain(&er.not_ports)
            .any(|p| !p.is_numeric())
}

fn needs_family(rule: &Rule) -> bool {
    rule.ip_version.is_some()
        || rule.icmp.is_some()
        || rule.not_icmp.is_some()
        || side_needs_family(&rule.source)
        || side_needs_family(&rule.destination)
}

fn rule_allows_family(rule: &Rule, fam: Family) -> bool {
    let version_ok = match rule.ip_version {
        Some(IpVersion::V4) => fam == Family::V4,
        Some(IpVersion::V6) => fam == Family::V6,
        None => true,
    };
    let uses_icmp = rule.icmp.is_some() || rule.not_icmp.is_some();
    let icmp_ok = !uses_icmp
        || match rule.protocol {
            Some(Protocol::ICMP) => fam == Family::V4,
            Some(Protocol::ICMPV6) => fam == Family::V6,
            _ => true,
        };
    version_ok && icmp_ok
}

/// Cross product: every alternative of `acc` extended by every one of `alts`.
fn cross(acc: Vec<Conj>, alts: Vec<Conj>) -> Vec<Conj> {
    let mut out = Vec::new();
    for a in &acc {
        for b in &alts {
            let mut c = a.clone();
            c.extend(b.iter().cloned());
            out.push(c);
        }
    }
    out
}

fn alternatives(rule: &Rule, ns: Option<&str>, fam: Option<Family>) -> Vec<Conj> {
    let mut acc: Vec<Conj> = vec![Vec::new()];
    let all = |fragment: String, acc: &mut Vec<Conj>| {
        acc.iter_mut().for_each(|c| c.push(fragment.clone()));
    };
    if let Some(f) = fam {
        all(format!("meta nfproto {}", family_word(f)), &mut acc);
    }
    if let Some(p) = rule.protocol {
        all(format!("meta l4proto {}", p.0), &mut acc);
    }
    if let Some(p) = rule.not_protocol {
        all(format!("meta l4proto != {}", p.0), &mut acc);
    }
    let kw = icmp_keyword(rule, fam);
    if let Some(m) = &rule.icmp {
        all(format!("{kw} type {}", m.icmp_type), &mut acc);
        if let Some(c) = m.code {
            all(format!("{kw} code {c}"), &mut acc);
        }
    }
    if let Some(m) = &rule.not_icmp {
        let proto = if kw == "icmpv6" { 58 } else { 1 };
        let mut alts = vec![
            vec![format!("meta l4proto != {proto}")],
            vec![format!("{kw} type != {}", m.icmp_type)],
        ];
        if let Some(c) = m.code {
            alts.push(vec![format!("{kw} type {} {kw} code != {c}", m.icmp_type)]);
        }
        acc = cross(acc, alts);
    }
    for (er, dir) in [(&rule.source, "s"), (&rule.destination, "d")] {
        match side(rule, er, ns, fam, dir) {
            Some(alts) => acc = cross(acc, alts),
            None => return Vec::new(),
        }
    }
    acc
}

fn family_word(f: Family) -> &'static str {
    match f {
        Family::V4 => "ipv4",
        Family::V6 => "ipv6",
    }
}

fn icmp_keyword(rule: &Rule, fam: Option<Family>) -> &'static str {
    match (rule.protocol, fam) {
        (Some(Protocol::ICMPV6), _) | (None, Some(Family::V6)) => "icmpv6",
        _ => "icmp",
    }
}

fn addr_word(fam: Family, dir: &str) -> String {
    let base = match fam {
        Family::V4 => "ip",
        Family::V6 => "ip6",
    };
    format!("{base} {dir}addr")
}

fn nets_of(nets: &[IpNet], fam: Family) -> bool {
    nets.iter().any(|n| Family::of(n) == fam)
}

/// Numeric ports and ranges, in nft's spelling.
fn numeric(specs: &[PortSpec]) -> Vec<String> {
    specs
        .iter()
        .filter_map(|p| match p {
            PortSpec::Range { min, max } if min == max => Some(min.to_string()),
            PortSpec::Range { min, max } => Some(format!("{min}-{max}")),
            PortSpec::Named(_) => None,
        })
        .collect()
}

/// Port names.
fn named(specs: &[PortSpec]) -> Vec<&str> {
    specs
        .iter()
        .filter_map(|p| match p {
            PortSpec::Named(n) => Some(n.as_str()),
            PortSpec::Range { .. } => None,
        })
        .collect()
}

/// Address conditions of one side in `fam`; `None` when it can never match.
fn address_conds(er: &EntityRule, ns: Option<&str>, f: Family, dir: &str) -> Option<Conj> {
    let addr = addr_word(f, dir);
    let mut conj = Conj::new();
    if !er.nets.is_empty() {
        if !nets_of(&er.nets, f) {
            return None;
        }
        conj.push(format!("{addr} @{}", net_set_name(&er.nets, f)));
    }
    if nets_of(&er.not_nets, f) {
        conj.push(format!("{addr} != @{}", net_set_name(&er.not_nets, f)));
    }
    if let Some(key) = SetKey::for_selector(er, ns) {
        conj.push(format!("{addr} @{}", key.name(f)));
    }
    if let Some(key) = SetKey::for_not_selector(er) {
        conj.push(format!("{addr} != @{}", key.name(f)));
    }
    Some(conj)
}

/// Alternatives for one side; `None` when the side can never match in `fam`.
fn side(
    rule: &Rule,
    er: &EntityRule,
    ns: Option<&str>,
    fam: Option<Family>,
    dir: &str,
) -> Option<Vec<Conj>> {
    let mut conj = match fam {
        Some(f) => address_conds(er, ns, f, dir)?,
        None => Conj::new(),
    };
    let port = format!("th {dir}port");
    if (!er.ports.is_empty() || !er.not_ports.is_empty()) && rule.protocol.is_none() {
        conj.push("meta l4proto { tcp, udp, sctp, udplite }".to_string());
    }
    let not_numeric = numeric(&er.not_ports);
    if !not_numeric.is_empty() {
        conj.push(format!("{port} != {{ {} }}", not_numeric.join(", ")));
    }
    // A named port is a lookup of (address, protocol, port) in its set.
    let lookup = |f: Family, n: &str, op: &str| {
        let set = named_port_set_name(n, f);
        format!("{} . meta l4proto . {port} {op}@{set}", addr_word(f, dir))
    };
    if let Some(f) = fam {
        conj.extend(
            named(&er.not_ports)
                .into_iter()
                .map(|n| lookup(f, n, "!= ")),
        );
    }
    if er.ports.is_empty() {
        return Some(vec![conj]);
    }
    let mut alts = Vec::new();
    let pos_numeric = numeric(&er.ports);
    if !pos_numeric.is_empty() {
        alts.push(vec![format!("{port} {{ {} }}", pos_numeric.join(", "))]);
    }
    if let Some(f) = fam {
        alts.extend(named(&er.ports).into_iter().map(|n| vec![lookup(f, n, "")]));
    }
    Some(cross(vec![conj], alts))
}
