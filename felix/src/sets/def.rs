//! A named set or verdict map as data: its kind (which decides the nft
//! declaration and the element encoding) and its elements.

use std::collections::BTreeSet;

use super::elem::Elem;
use super::family::Family;

/// What a named set or map holds; decides its declaration and how its
/// elements are encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SetKind {
    /// Addresses and prefixes (interval set).
    Addr(Family),
    /// `addr . proto . port` of named ports.
    NamedPort(Family),
    /// `iface . addr`: workload source addresses (anti-spoofing).
    IfaceAddr(Family),
    /// `iface . prefix`: extra prefixes a workload may send from (interval).
    IfaceNet(Family),
    /// `iface : verdict`: endpoint dispatch.
    IfaceVerdictMap,
}

impl SetKind {
    /// `map` for verdict maps, else `set`.
    pub fn keyword(self) -> &'static str {
        match self {
            SetKind::IfaceVerdictMap => "map",
            _ => "set",
        }
    }

    /// The body of the declaration, e.g. `type ipv4_addr; flags interval;`.
    pub fn decl(self) -> &'static str {
        use Family::{V4, V6};
        match self {
            SetKind::Addr(V4) => "type ipv4_addr; flags interval;",
            SetKind::Addr(V6) => "type ipv6_addr; flags interval;",
            SetKind::NamedPort(V4) => "type ipv4_addr . inet_proto . inet_service;",
            SetKind::NamedPort(V6) => "type ipv6_addr . inet_proto . inet_service;",
            SetKind::IfaceAddr(V4) => "type ifname . ipv4_addr;",
            SetKind::IfaceAddr(V6) => "type ifname . ipv6_addr;",
            SetKind::IfaceNet(V4) => "type ifname . ipv4_addr; flags interval;",
            SetKind::IfaceNet(V6) => "type ifname . ipv6_addr; flags interval;",
            SetKind::IfaceVerdictMap => "type ifname : verdict;",
        }
    }
}

/// A named set or verdict map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetDef {
    /// What it holds.
    pub kind: SetKind,
    /// Its elements.
    pub elements: BTreeSet<Elem>,
}

impl SetDef {
    /// A set of `kind` holding `elements`.
    pub fn new(kind: SetKind, elements: BTreeSet<Elem>) -> Self {
        Self { kind, elements }
    }
}
