//! The resource kinds Terrace stores, their API versions, CLI names and scope.

use std::{fmt, str::FromStr};

/// Terrace's own API version.
pub const API_VERSION: &str = "terrace.io/v1";
/// Calico's API version, accepted as an alias so existing files apply unchanged.
pub const CALICO_API_VERSION: &str = "projectcalico.org/v3";
/// Kubernetes NetworkPolicy, translated on apply.
pub const K8S_NETWORKING_API_VERSION: &str = "networking.k8s.io/v1";
/// Kubernetes core API (Namespace).
pub const K8S_CORE_API_VERSION: &str = "v1";

macro_rules! kinds {
    ($( $variant:ident => $name:literal, $plural:literal, namespaced: $ns:literal, aliases: [$($alias:literal),*] );* $(;)?) => {
        /// A kind of stored resource.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Kind { $($variant),* }

        impl Kind {
            /// Every kind, in the order `netctl apply` writes them (dependencies first).
            pub const ALL: &'static [Kind] = &[$(Kind::$variant),*];

            /// The `kind:` field value.
            pub fn name(self) -> &'static str {
                match self { $(Kind::$variant => $name),* }
            }

            /// Lower-case plural, used in datastore keys.
            pub fn plural(self) -> &'static str {
                match self { $(Kind::$variant => $plural),* }
            }

            /// Whether names are unique per namespace rather than cluster-wide.
            pub fn is_namespaced(self) -> bool {
                match self { $(Kind::$variant => $ns),* }
            }

            /// Short names accepted on the command line besides the kind and plural.
            pub fn aliases(self) -> &'static [&'static str] {
                match self { $(Kind::$variant => &[$($alias),*]),* }
            }
        }
    };
}

kinds! {
    Namespace => "Namespace", "namespaces", namespaced: false, aliases: ["ns"];
    Tier => "Tier", "tiers", namespaced: false, aliases: [];
    IPPool => "IPPool", "ippools", namespaced: false, aliases: ["pool", "pools", "ipp"];
    BGPConfiguration => "BGPConfiguration", "bgpconfigurations", namespaced: false, aliases: ["bgpconfig", "bgpconfigs"];
    BGPPeer => "BGPPeer", "bgppeers", namespaced: false, aliases: ["bgpp", "peer", "peers"];
    Node => "Node", "nodes", namespaced: false, aliases: ["no"];
    FelixConfiguration => "FelixConfiguration", "felixconfigurations", namespaced: false, aliases: ["felixconfig", "felixconfigs"];
    Profile => "Profile", "profiles", namespaced: false, aliases: ["pro"];
    GlobalNetworkSet => "GlobalNetworkSet", "globalnetworksets", namespaced: false, aliases: ["gns"];
    NetworkSet => "NetworkSet", "networksets", namespaced: true, aliases: ["netset", "netsets"];
    GlobalNetworkPolicy => "GlobalNetworkPolicy", "globalnetworkpolicies", namespaced: false, aliases: ["gnp"];
    NetworkPolicy => "NetworkPolicy", "networkpolicies", namespaced: true, aliases: ["np", "policy", "policies"];
    HostEndpoint => "HostEndpoint", "hostendpoints", namespaced: false, aliases: ["hep", "heps"];
    WorkloadEndpoint => "WorkloadEndpoint", "workloadendpoints", namespaced: true, aliases: ["wep", "weps"];
}

impl Kind {
    /// Resolves a CLI word (case-insensitive): kind name, plural or alias.
    pub fn from_cli(word: &str) -> Option<Kind> {
        let w = word.to_ascii_lowercase();
        Kind::ALL.iter().copied().find(|k| {
            k.name().eq_ignore_ascii_case(&w)
                || k.plural() == w
                || k.aliases().contains(&w.as_str())
        })
    }

    /// Whether `api_version` may carry this kind.
    pub fn accepts_api_version(self, api_version: &str) -> bool {
        match api_version {
            API_VERSION | CALICO_API_VERSION => true,
            K8S_NETWORKING_API_VERSION => self == Kind::NetworkPolicy,
            K8S_CORE_API_VERSION => self == Kind::Namespace,
            _ => false,
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Kind {
    type Err = String;

    /// Parses the exact `kind:` value of a document.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Kind::ALL
            .iter()
            .copied()
            .find(|k| k.name() == s)
            .ok_or_else(|| {
                let known: Vec<&str> = Kind::ALL.iter().map(|k| k.name()).collect();
                format!("unknown kind {s:?}; known kinds: {}", known.join(", "))
            })
    }
}

impl serde::Serialize for Kind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> serde::Deserialize<'de> for Kind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_words_resolve_to_kinds() {
        let cases = [
            ("np", Some(Kind::NetworkPolicy)),
            ("policy", Some(Kind::NetworkPolicy)),
            ("NetworkPolicy", Some(Kind::NetworkPolicy)),
            ("networkpolicies", Some(Kind::NetworkPolicy)),
            ("gnp", Some(Kind::GlobalNetworkPolicy)),
            ("pool", Some(Kind::IPPool)),
            ("ippool", Some(Kind::IPPool)),
            ("bgpp", Some(Kind::BGPPeer)),
            ("hep", Some(Kind::HostEndpoint)),
            ("wep", Some(Kind::WorkloadEndpoint)),
            ("GNS", Some(Kind::GlobalNetworkSet)),
            ("nope", None),
        ];
        for (word, want) in cases {
            assert_eq!(Kind::from_cli(word), want, "{word}");
        }
    }

    #[test]
    fn aliases_are_unambiguous() {
        let mut seen = std::collections::HashSet::new();
        for k in Kind::ALL {
            for word in [k.name().to_ascii_lowercase(), k.plural().to_string()]
                .into_iter()
                .chain(k.aliases().iter().map(|a| a.to_string()))
            {
                assert!(seen.insert(word.clone()), "{word} names two kinds");
            }
        }
    }

    #[test]
    fn api_versions_per_kind() {
        assert!(Kind::NetworkPolicy.accepts_api_version("networking.k8s.io/v1"));
        assert!(!Kind::GlobalNetworkPolicy.accepts_api_version("networking.k8s.io/v1"));
        assert!(Kind::IPPool.accepts_api_version("projectcalico.org/v3"));
        assert!(Kind::Namespace.accepts_api_version("v1"));
        assert!(!Kind::IPPool.accepts_api_version("terrace.io/v2"));
    }
}
