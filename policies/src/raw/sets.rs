//! NetworkSet, GlobalNetworkSet and Namespace specs.

use serde::{Deserialize, Serialize};

/// Spec of NetworkSet and GlobalNetworkSet.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RawNetworkSetSpec {
    /// CIDRs (or bare IPs) in the set.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nets: Vec<String>,
    /// Not supported: rejected when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_egress_domains: Option<Vec<String>>,
}

/// Spec of a Namespace: Kubernetes' `finalizers`, accepted so exported
/// namespaces apply; only the namespace's labels matter for policy.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RawNamespaceSpec {
    /// Kubernetes finalizers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub finalizers: Vec<String>,
}
