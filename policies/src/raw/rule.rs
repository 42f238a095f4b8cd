//! Rule and entity-rule shapes.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A YAML scalar that may be a number or a string (protocols, ports).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum NumOrString {
    /// `6`, `8080`.
    Num(i64),
    /// `TCP`, `"80:90"`, `http`.
    Str(String),
}

/// One policy or profile rule.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RawRule {
    /// `Allow`, `Deny`, `Log` or `Pass`.
    #[serde(default)]
    pub action: String,
    /// Free-form annotations on the rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<RawRuleMetadata>,
    /// IP protocol to match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<NumOrString>,
    /// IP protocol that must not match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_protocol: Option<NumOrString>,
    /// ICMP type/code to match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icmp: Option<RawIcmp>,
    /// ICMP type/code that must not match.
    #[serde(default, rename = "notICMP", skip_serializing_if = "Option::is_none")]
    pub not_icmp: Option<RawIcmp>,
    /// 4 or 6.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_version: Option<i64>,
    /// Source match.
    #[serde(default)]
    pub source: RawEntityRule,
    /// Destination match.
    #[serde(default)]
    pub destination: RawEntityRule,
    /// Calico's application-layer match; parsed only to reject it clearly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http: Option<serde_yaml_ng::Value>,
}

/// `metadata` of a rule.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RawRuleMetadata {
    /// Annotations.
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
}

/// `icmp` / `notICMP`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RawIcmp {
    /// ICMP type.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub icmp_type: Option<i64>,
    /// ICMP code (needs a type).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<i64>,
}

/// `source` / `destination`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RawEntityRule {
    /// CIDRs (or bare IPs) the peer address must be in.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nets: Vec<String>,
    /// CIDRs the peer address must not be in.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_nets: Vec<String>,
    /// Endpoints/network sets the peer must be.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<String>,
    /// Endpoints/network sets the peer must not be.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_selector: Option<String>,
    /// Namespaces (by their labels) the peer must be in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace_selector: Option<String>,
    /// Ports: numbers, `"min:max"` ranges or named ports.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<NumOrString>,
    /// Ports that must not match.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_ports: Vec<NumOrString>,
    /// Calico service-account match; parsed only to reject it clearly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_accounts: Option<serde_yaml_ng::Value>,
    /// Calico Kubernetes-service match; parsed only to reject it clearly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub services: Option<serde_yaml_ng::Value>,
}
