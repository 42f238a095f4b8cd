//! Set membership: which entities a set's source matches and what each
//! contributes. Pure.

use std::collections::BTreeMap;

use ipnet::IpNet;
use policies::selector::Selector;

use super::entities::{Entity, EntityRef, Labels};
use super::needs::SetSource;
use crate::sets::{Elem, Family, Scope, SetKey, normalise};

/// A selector set's key, parsed once.
#[derive(Debug, Clone)]
pub struct Matcher {
    scope: Scope,
    /// `None` only if felix's own canonical text failed to parse: matches nothing.
    selector: Option<Selector>,
    namespace_selector: Option<Selector>,
}

impl Matcher {
    /// Parses `key`. Its texts are canonical selectors felix produced; one
    /// that failed to parse would match nothing.
    pub fn new(key: &SetKey) -> Self {
        let selector = Selector::parse(&key.selector).ok();
        let namespace_selector = match &key.scope {
            Scope::Namespaces(text) => Selector::parse(text).ok(),
            _ => None,
        };
        Self {
            scope: key.scope.clone(),
            selector,
            namespace_selector,
        }
    }

    /// The selector (`None` if it did not parse: it matches nothing).
    pub fn selector(&self) -> Option<&Selector> {
        self.selector.as_ref()
    }

    /// True when the entity is in scope and its labels match;
    /// `namespace_labels` gives a namespace's labels.
    pub fn matches(&self, e: &Entity, namespace_labels: &dyn Fn(&str) -> Labels) -> bool {
        let in_scope = match &self.scope {
            Scope::Everywhere => true,
            Scope::NonNamespaced => e.namespace.is_none(),
            Scope::Namespace(ns) => e.namespace.as_deref() == Some(ns),
            Scope::Namespaces(_) => match (&self.namespace_selector, &e.namespace) {
                (Some(sel), Some(ns)) => sel.matches(&namespace_labels(ns)),
                _ => false,
            },
        };
        in_scope && self.selector.as_ref().is_some_and(|s| s.matches(&e.labels))
    }
}

/// What a dynamic source takes from one entity.
#[derive(Debug, Clone)]
pub enum Dynamic {
    /// A selector set of one family.
    Selector(Matcher, Family),
    /// A named-port set of one family.
    NamedPort(String, Family),
}

impl Dynamic {
    /// The dynamic part of `source`; `None` for literal nets.
    pub fn of(source: &SetSource) -> Option<Self> {
        match source {
            SetSource::Selector(key, fam) => Some(Dynamic::Selector(Matcher::new(key), *fam)),
            SetSource::NamedPort(port, fam) => Some(Dynamic::NamedPort(port.clone(), *fam)),
            SetSource::Nets(_) => None,
        }
    }

    /// What `entity` contributes (empty when it does not match). For a
    /// selector set these are nets, normalised later with the others.
    pub fn contribution(
        &self,
        r: &EntityRef,
        e: &Entity,
        namespace_labels: &dyn Fn(&str) -> Labels,
    ) -> Contribution {
        match self {
            Dynamic::Selector(m, _) if !m.matches(e, namespace_labels) => {
                Contribution::Nets(Vec::new())
            }
            _ => self.contribution_if_selected(r, e),
        }
    }

    /// What `entity` contributes when its selector matched (or for named
    /// ports, which select by port name).
    pub fn contribution_if_selected(&self, r: &EntityRef, e: &Entity) -> Contribution {
        match self {
            Dynamic::Selector(_, fam) => {
                let nets = e.nets.iter().filter(|n| Family::of(n) == *fam);
                Contribution::Nets(nets.copied().collect())
            }
            Dynamic::NamedPort(port, fam) => {
                if !matches!(r, EntityRef::Endpoint(_)) {
                    return Contribution::Elems(Vec::new());
                }
                let mut out = Vec::new();
                for np in e.ports.iter().filter(|p| &p.name == port) {
                    for net in e.nets.iter().filter(|n| Family::of(n) == *fam) {
                        out.push(Elem::AddrProtoPort(net.addr(), np.protocol.0, np.port));
                    }
                }
                Contribution::Elems(out)
            }
        }
    }
}

/// One entity's part of a set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Contribution {
    /// Nets of a selector set (normalised together with the others).
    Nets(Vec<IpNet>),
    /// Finished elements (named ports).
    Elems(Vec<Elem>),
}

impl Contribution {
    /// True when the entity adds nothing.
    pub fn is_empty(&self) -> bool {
        match self {
            Contribution::Nets(v) => v.is_empty(),
            Contribution::Elems(v) => v.is_empty(),
        }
    }
}

/// The elements of a set whose members contributed `parts`.
pub fn elements<'a>(
    parts: impl IntoIterator<Item = &'a Contribution>,
) -> std::collections::BTreeSet<Elem> {
    let mut nets = Vec::new();
    let mut elems = std::collections::BTreeSet::new();
    for p in parts {
        match p {
            Contribution::Nets(v) => nets.extend(v.iter().copied()),
            Contribution::Elems(v) => elems.extend(v.iter().cloned()),
        }
    }
    elems.extend(normalise(nets));
    elems
}

/// Members of a dynamic set: each matching entity's contribution.
pub type Members = BTreeMap<EntityRef, Contribution>;
