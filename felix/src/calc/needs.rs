//! Which named sets a policy's or profile's rules reference, and where each
//! set's elements come from. Set names are derived from what the set holds,
//! so two rules that need the same set share it. Pure.

use std::collections::{BTreeMap, BTreeSet};

use ipnet::IpNet;
use policies::model::{EntityRule, PortSpec, Rule};

use crate::sets::{Elem, Family, SetKey, SetKind, named_port_set_name, net_set_name, normalise};

/// Where a named set's elements come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetSource {
    /// Addresses of the entities a scoped selector matches, in one family.
    Selector(SetKey, Family),
    /// A rule's literal nets of one family, normalised.
    Nets(BTreeSet<Elem>),
    /// `addr . proto . port` of every endpoint declaring a port of this name.
    NamedPort(String, Family),
}

/// A set some rule references.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetNeed {
    /// Its nft name.
    pub name: String,
    /// What it holds.
    pub kind: SetKind,
    /// Where its elements come from.
    pub source: SetSource,
}

/// Every set the rules reference, by name. `policy_ns` scopes the selectors
/// of a NetworkPolicy.
pub fn rules_needs<'a>(
    rules: impl IntoIterator<Item = &'a Rule>,
    policy_ns: Option<&str>,
) -> BTreeMap<String, SetNeed> {
    let mut out = BTreeMap::new();
    for rule in rules {
        for er in [&rule.source, &rule.destination] {
            for need in side_needs(er, policy_ns) {
                out.entry(need.name.clone()).or_insert(need);
            }
        }
    }
    out
}

fn side_needs(er: &EntityRule, ns: Option<&str>) -> Vec<SetNeed> {
    let mut out = Vec::new();
    let keys = SetKey::for_selector(er, ns)
        .into_iter()
        .chain(SetKey::for_not_selector(er));
    for key in keys {
        for fam in Family::BOTH {
            out.push(SetNeed {
                name: key.name(fam),
                kind: SetKind::Addr(fam),
                source: SetSource::Selector(key.clone(), fam),
            });
        }
    }
    for list in [&er.nets, &er.not_nets] {
        if list.is_empty() {
            continue;
        }
        for fam in Family::BOTH {
            out.push(SetNeed {
                name: net_set_name(list, fam),
                kind: SetKind::Addr(fam),
                source: SetSource::Nets(family_nets(list, fam)),
            });
        }
    }
    for spec in er.ports.iter().chain(er.not_ports.iter()) {
        if let PortSpec::Named(port) = spec {
            for fam in Family::BOTH {
                out.push(SetNeed {
                    name: named_port_set_name(port, fam),
                    kind: SetKind::NamedPort(fam),
                    source: SetSource::NamedPort(port.clone(), fam),
                });
            }
        }
    }
    out
}

/// The normalised nets of `list` in family `fam`, as elements.
pub fn family_nets(list: &[IpNet], fam: Family) -> BTreeSet<Elem> {
    normalise(list.iter().copied().filter(|n| Family::of(n) == fam))
}
