//! The policy kinds as one enum, for callers that handle mixed documents.

use std::fmt;

use super::policy::{Namespace, NetworkSet, Policy, Profile, Tier};

/// The resource kinds this crate understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// Namespaced policy (also the result of translating a Kubernetes one).
    NetworkPolicy,
    /// Cluster-wide policy.
    GlobalNetworkPolicy,
    /// Policy tier.
    Tier,
    /// Profile.
    Profile,
    /// Namespaced set of networks.
    NetworkSet,
    /// Cluster-wide set of networks.
    GlobalNetworkSet,
    /// Namespace labels.
    Namespace,
}

impl Kind {
    /// Every kind, in a stable order.
    pub const ALL: [Kind; 7] = [
        Kind::NetworkPolicy,
        Kind::GlobalNetworkPolicy,
        Kind::Tier,
        Kind::Profile,
        Kind::NetworkSet,
        Kind::GlobalNetworkSet,
        Kind::Namespace,
    ];

    /// The `kind:` spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::NetworkPolicy => "NetworkPolicy",
            Kind::GlobalNetworkPolicy => "GlobalNetworkPolicy",
            Kind::Tier => "Tier",
            Kind::Profile => "Profile",
            Kind::NetworkSet => "NetworkSet",
            Kind::GlobalNetworkSet => "GlobalNetworkSet",
            Kind::Namespace => "Namespace",
        }
    }

    /// Parses the `kind:` spelling.
    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// True for kinds that live in a namespace.
    pub fn is_namespaced(self) -> bool {
        matches!(self, Kind::NetworkPolicy | Kind::NetworkSet)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One validated resource of any policy kind.
#[derive(Debug, Clone, PartialEq)]
pub enum Resource {
    /// NetworkPolicy or GlobalNetworkPolicy (see [`Policy::namespace`]).
    Policy(Policy),
    /// Tier.
    Tier(Tier),
    /// Profile.
    Profile(Profile),
    /// NetworkSet or GlobalNetworkSet (see [`NetworkSet::namespace`]).
    NetworkSet(NetworkSet),
    /// Namespace.
    Namespace(Namespace),
}

impl Resource {
    /// The resource's kind.
    pub fn kind(&self) -> Kind {
        match self {
            Resource::Policy(p) if p.namespace.is_some() => Kind::NetworkPolicy,
            Resource::Policy(_) => Kind::GlobalNetworkPolicy,
            Resource::Tier(_) => Kind::Tier,
            Resource::Profile(_) => Kind::Profile,
            Resource::NetworkSet(s) if s.namespace.is_some() => Kind::NetworkSet,
            Resource::NetworkSet(_) => Kind::GlobalNetworkSet,
            Resource::Namespace(_) => Kind::Namespace,
        }
    }

    /// The resource's name.
    pub fn name(&self) -> &str {
        match self {
            Resource::Policy(p) => &p.name,
            Resource::Tier(t) => &t.name,
            Resource::Profile(p) => &p.name,
            Resource::NetworkSet(s) => &s.name,
            Resource::Namespace(n) => &n.name,
        }
    }

    /// The namespace of a namespaced resource.
    pub fn namespace(&self) -> Option<&str> {
        match self {
            Resource::Policy(p) => p.namespace.as_deref(),
            Resource::NetworkSet(s) => s.namespace.as_deref(),
            _ => None,
        }
    }
}
