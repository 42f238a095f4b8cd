//! Selector and literal-net sets: their keys, names and how their members
//! are normalised.
//!
//! A rule selector matches endpoints *and* network sets (as the reference
//! evaluator does), restricted by a namespace scope; its set holds the
//! addresses of matching endpoints and the nets of matching network sets.
//! Sets are per IP family and interval-typed, so their members are made
//! non-overlapping here (nft rejects overlapping intervals).

use std::collections::{BTreeMap, BTreeSet};

use ipnet::IpNet;
use policies::model::EntityRule;
use policies::selector::Selector;

use super::elem::Elem;
use super::family::Family;
use crate::hash;

/// Which entities a rule selector may match.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    /// Any entity (global policies and profiles without `namespaceSelector`).
    Everywhere,
    /// Only non-namespaced entities (`namespaceSelector: global()`).
    NonNamespaced,
    /// Entities in one namespace (a NetworkPolicy's own).
    Namespace(String),
    /// Entities in namespaces whose labels match.
    Namespaces(String),
}

/// A selector set: a scope and a selector.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SetKey {
    /// Namespace restriction.
    pub scope: Scope,
    /// Canonical selector text.
    pub selector: String,
}

impl SetKey {
    /// The set a rule's selector side needs, or `None` when the side has no
    /// scoped selector condition (evaluator: `selector`, `namespaceSelector`,
    /// or `notSelector` inside a NetworkPolicy).
    pub fn for_selector(er: &EntityRule, policy_ns: Option<&str>) -> Option<SetKey> {
        let scoped = er.selector.is_some()
            || er.namespace_selector.is_some()
            || (policy_ns.is_some() && er.not_selector.is_some());
        if !scoped {
            return None;
        }
        let scope = match (&er.namespace_selector, policy_ns) {
            (Some(sel), _) if sel.is_global() => Scope::NonNamespaced,
            (Some(sel), _) => Scope::Namespaces(sel.canonical()),
            (None, Some(ns)) => Scope::Namespace(ns.to_string()),
            (None, None) => Scope::Everywhere,
        };
        let selector = er.selector.clone().unwrap_or_else(Selector::all);
        Some(SetKey {
            scope,
            selector: selector.canonical(),
        })
    }

    /// The set a `notSelector` needs: it is never namespace-scoped.
    pub fn for_not_selector(er: &EntityRule) -> Option<SetKey> {
        er.not_selector.as_ref().map(|s| SetKey {
            scope: Scope::Everywhere,
            selector: s.canonical(),
        })
    }

    /// The nft set name for `family`.
    pub fn name(&self, family: Family) -> String {
        let text = format!("{:?}|{}", self.scope, self.selector);
        format!("s-{}-{}", hash::short(&text), family.digit())
    }
}

/// Name of the set holding a rule's literal nets of one family.
pub fn net_set_name(nets: &[IpNet], family: Family) -> String {
    let text: Vec<String> = normalise(nets.iter().copied().filter(|n| Family::of(n) == family))
        .iter()
        .map(ToString::to_string)
        .collect();
    format!("n-{}-{}", hash::short(&text.join(",")), family.digit())
}

/// Name of the `addr . proto . port` set of a named port.
pub fn named_port_set_name(port: &str, family: Family) -> String {
    format!("np-{port}-{}", family.digit())
}

/// Non-overlapping members as elements: nets inside another member are
/// dropped (nft rejects overlapping intervals). Host addresses are checked
/// only against the (few) shorter prefixes, so large sets of endpoint
/// addresses stay linear.
pub fn normalise(nets: impl IntoIterator<Item = IpNet>) -> BTreeSet<Elem> {
    let (hosts, mut prefixes): (Vec<IpNet>, Vec<IpNet>) = nets
        .into_iter()
        .map(|n| n.trunc())
        .partition(|n| n.prefix_len() == n.max_prefix_len());
    prefixes.sort_by_key(|n| (n.prefix_len(), *n));
    prefixes.dedup();
    let mut kept: Vec<IpNet> = Vec::new();
    for n in prefixes {
        if !kept.iter().any(|k| k.contains(&n)) {
            kept.push(n);
        }
    }
    let mut out: BTreeSet<Elem> = kept.iter().copied().map(Elem::Net).collect();
    out.extend(
        hosts
            .into_iter()
            .filter(|h| !kept.iter().any(|k| k.contains(h)))
            .map(Elem::Net),
    );
    out
}

/// Splits nets by family, normalised.
pub fn split(nets: impl IntoIterator<Item = IpNet>) -> BTreeMap<Family, BTreeSet<Elem>> {
    let (v4, v6): (Vec<IpNet>, Vec<IpNet>) =
        nets.into_iter().partition(|n| Family::of(n) == Family::V4);
    BTreeMap::from([(Family::V4, normalise(v4)), (Family::V6, normalise(v6))])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|s| s.parse().unwrap()).collect()
    }

    #[test]
    fn normalising_drops_nets_inside_other_members_and_prints_hosts_bare() {
        let cases: [(&[&str], &[&str]); 4] = [
            (&["10.0.0.1/32"], &["10.0.0.1"]),
            (&["10.0.0.0/8", "10.1.2.3/32"], &["10.0.0.0/8"]),
            (&["10.0.0.5/24", "10.0.0.0/24"], &["10.0.0.0/24"]),
            (
                &["10.0.0.0/25", "10.0.0.128/25"],
                &["10.0.0.0/25", "10.0.0.128/25"],
            ),
        ];
        for (input, want) in cases {
            let got: Vec<String> = normalise(nets(input))
                .iter()
                .map(ToString::to_string)
                .collect();
            assert_eq!(got, want, "{input:?}");
        }
    }

    #[test]
    fn selector_sets_are_scoped_like_the_evaluator() {
        let sel = |t: &str| Some(Selector::parse(t).unwrap());
        let er = EntityRule {
            selector: sel("app == 'db'"),
            ..EntityRule::default()
        };
        let key = SetKey::for_selector(&er, Some("shop")).unwrap();
        assert_eq!(key.scope, Scope::Namespace("shop".into()));
        assert_eq!(
            SetKey::for_selector(&er, None).unwrap().scope,
            Scope::Everywhere
        );
        let global = EntityRule {
            namespace_selector: sel("global()"),
            ..EntityRule::default()
        };
        let key = SetKey::for_selector(&global, Some("shop")).unwrap();
        assert_eq!(
            (key.scope, key.selector.as_str()),
            (Scope::NonNamespaced, "all()")
        );
        let not_only = EntityRule {
            not_selector: sel("app == 'db'"),
            ..EntityRule::default()
        };
        assert!(SetKey::for_selector(&not_only, None).is_none());
        assert_eq!(
            SetKey::for_selector(&not_only, Some("shop"))
                .unwrap()
                .selector,
            "all()"
        );
        assert_eq!(
            SetKey::for_not_selector(&not_only).unwrap().scope,
            Scope::Everywhere
        );
    }
}
