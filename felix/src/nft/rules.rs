//! One policy rule → compiled rules ([`NftRule`]).
//!
//! A rule is a conjunction of conditions, but a few conditions are
//! disjunctions (numeric ports *or* named ports; `not (icmp type and code)`),
//! and nft rules are conjunctions. So a rule compiles to alternatives — one
//! nft rule each, all with the same action; the first that matches acts. Rules
//! that match addresses (sets, nets, named ports) or ICMP are compiled once
//! per IP family, gated by `meta nfproto`.

use ipnet::IpNet;
use policies::model::{self, EntityRule, IpVersion, PortSpec, Protocol, Rule};

use super::matches::{Action, IcmpField, Match, NftRule, Side};
use crate::sets::{Family, SetKey, named_port_set_name, net_set_name};

/// Where a rule list runs: a policy chain (Pass skips the tier) or a profile
/// chain (Pass moves on to the next profile).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleContext {
    /// Inside a tier.
    Policy,
    /// Inside a profile.
    Profile,
}

/// A conjunction of matches.
type Conj = Vec<Match>;

/// The compiled rules for `rule`. `policy_ns` scopes selectors of a
/// NetworkPolicy; `log_prefix` is used by Log rules.
pub fn compile_rule(
    rule: &Rule,
    policy_ns: Option<&str>,
    ctx: RuleContext,
    log_prefix: &str,
) -> Vec<NftRule> {
    let action = action(rule.action, ctx, log_prefix);
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
        for matches in alternatives(rule, policy_ns, fam) {
            out.push(NftRule {
                matches,
                action: action.clone(),
            });
        }
    }
    out
}

fn action(action: model::Action, ctx: RuleContext, log_prefix: &str) -> Action {
    match (action, ctx) {
        (model::Action::Allow, _) => Action::Allow,
        (model::Action::Deny, _) => Action::Deny,
        (model::Action::Pass, RuleContext::Policy) => Action::PassTier,
        (model::Action::Pass, RuleContext::Profile) => Action::Return,
        (model::Action::Log, _) => Action::Log(log_prefix.to_string()),
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

fn icmp(v6: bool, field: IcmpField, value: u8, negate: bool) -> Match {
    Match::Icmp {
        v6,
        field,
        value,
        negate,
    }
}

fn alternatives(rule: &Rule, ns: Option<&str>, fam: Option<Family>) -> Vec<Conj> {
    let mut acc: Vec<Conj> = vec![Vec::new()];
    let all = |m: Match, acc: &mut Vec<Conj>| {
        acc.iter_mut().for_each(|c| c.push(m.clone()));
    };
    if let Some(f) = fam {
        all(Match::NfProto(f), &mut acc);
    }
    if let Some(p) = rule.protocol {
        let m = Match::L4Proto {
            proto: p.0,
            negate: false,
        };
        all(m, &mut acc);
    }
    if let Some(p) = rule.not_protocol {
        let m = Match::L4Proto {
            proto: p.0,
            negate: true,
        };
        all(m, &mut acc);
    }
    let v6 = icmp_is_v6(rule, fam);
    if let Some(m) = &rule.icmp {
        all(icmp(v6, IcmpField::Type, m.icmp_type, false), &mut acc);
        if let Some(c) = m.code {
            all(icmp(v6, IcmpField::Code, c, false), &mut acc);
        }
    }
    if let Some(m) = &rule.not_icmp {
        let proto = if v6 { 58 } else { 1 };
        let mut alts = vec![
            vec![Match::L4Proto {
                proto,
                negate: true,
            }],
            vec![icmp(v6, IcmpField::Type, m.icmp_type, true)],
        ];
        if let Some(c) = m.code {
            alts.push(vec![
                icmp(v6, IcmpField::Type, m.icmp_type, false),
                icmp(v6, IcmpField::Code, c, true),
            ]);
        }
        acc = cross(acc, alts);
    }
    for (er, side_of) in [(&rule.source, Side::Src), (&rule.destination, Side::Dst)] {
        match side(rule, er, ns, fam, side_of) {
            Some(alts) => acc = cross(acc, alts),
            None => return Vec::new(),
        }
    }
    acc
}

fn icmp_is_v6(rule: &Rule, fam: Option<Family>) -> bool {
    matches!(
        (rule.protocol, fam),
        (Some(Protocol::ICMPV6), _) | (None, Some(Family::V6))
    )
}

fn nets_of(nets: &[IpNet], fam: Family) -> bool {
    nets.iter().any(|n| Family::of(n) == fam)
}

/// Numeric ports and ranges.
fn numeric(specs: &[PortSpec]) -> Vec<(u16, u16)> {
    specs
        .iter()
        .filter_map(|p| match p {
            PortSpec::Range { min, max } => Some((*min, *max)),
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

fn addr(side: Side, family: Family, set: String, negate: bool) -> Match {
    Match::Addr {
        side,
        family,
        set,
        negate,
    }
}

/// Address conditions of one side in `fam`; `None` when it can never match.
fn address_conds(er: &EntityRule, ns: Option<&str>, f: Family, side: Side) -> Option<Conj> {
    let mut conj = Conj::new();
    if !er.nets.is_empty() {
        if !nets_of(&er.nets, f) {
            return None;
        }
        conj.push(addr(side, f, net_set_name(&er.nets, f), false));
    }
    if nets_of(&er.not_nets, f) {
        conj.push(addr(side, f, net_set_name(&er.not_nets, f), true));
    }
    if let Some(key) = SetKey::for_selector(er, ns) {
        conj.push(addr(side, f, key.name(f), false));
    }
    if let Some(key) = SetKey::for_not_selector(er) {
        conj.push(addr(side, f, key.name(f), true));
    }
    Some(conj)
}

/// Alternatives for one side; `None` when the side can never match in `fam`.
fn side(
    rule: &Rule,
    er: &EntityRule,
    ns: Option<&str>,
    fam: Option<Family>,
    side: Side,
) -> Option<Vec<Conj>> {
    let mut conj = match fam {
        Some(f) => address_conds(er, ns, f, side)?,
        None => Conj::new(),
    };
    if (!er.ports.is_empty() || !er.not_ports.is_empty()) && rule.protocol.is_none() {
        conj.push(Match::L4WithPorts);
    }
    let not_numeric = numeric(&er.not_ports);
    if !not_numeric.is_empty() {
        conj.push(Match::Ports {
            side,
            ranges: not_numeric,
            negate: true,
        });
    }
    // A named port is a lookup of (address, protocol, port) in its set.
    let lookup = |family: Family, n: &str, negate: bool| Match::NamedPort {
        side,
        family,
        set: named_port_set_name(n, family),
        negate,
    };
    if let Some(f) = fam {
        conj.extend(named(&er.not_ports).into_iter().map(|n| lookup(f, n, true)));
    }
    if er.ports.is_empty() {
        return Some(vec![conj]);
    }
    let mut alts = Vec::new();
    let pos_numeric = numeric(&er.ports);
    if !pos_numeric.is_empty() {
        alts.push(vec![Match::Ports {
            side,
            ranges: pos_numeric,
            negate: false,
        }]);
    }
    if let Some(f) = fam {
        alts.extend(
            named(&er.ports)
                .into_iter()
                .map(|n| vec![lookup(f, n, false)]),
        );
    }
    Some(cross(vec![conj], alts))
}
