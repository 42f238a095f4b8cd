//! Validated policies, tiers, profiles, network sets and namespaces.

use std::collections::BTreeMap;

use ipnet::IpNet;

use super::rule::Rule;
use crate::selector::Selector;

/// The tier that policies without a `tier` field belong to.
pub const DEFAULT_TIER: &str = "default";
/// Calico's order for the `default` tier when no Tier resource sets one.
pub const DEFAULT_TIER_ORDER: f64 = 1_000_000.0;

/// Which directions a policy applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct PolicyTypes {
    /// Applies to traffic arriving at the endpoint.
    pub ingress: bool,
    /// Applies to traffic leaving the endpoint.
    pub egress: bool,
}

/// A NetworkPolicy (namespace set) or GlobalNetworkPolicy (namespace unset).
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// Resource name (for translated Kubernetes policies, `knp.default.<name>`).
    pub name: String,
    /// Namespace of a NetworkPolicy; `None` for a GlobalNetworkPolicy.
    pub namespace: Option<String>,
    /// Tier the policy belongs to.
    pub tier: String,
    /// Position within the tier; `None` sorts after every number.
    pub order: Option<f64>,
    /// Endpoints the policy applies to.
    pub selector: Selector,
    /// GlobalNetworkPolicy only: namespaces whose endpoints it applies to.
    pub namespace_selector: Option<Selector>,
    /// Directions, after Calico's defaulting.
    pub types: PolicyTypes,
    /// Ingress rules, in order.
    pub ingress: Vec<Rule>,
    /// Egress rules, in order.
    pub egress: Vec<Rule>,
    /// GlobalNetworkPolicy only: apply to forwarded host-endpoint traffic.
    pub apply_on_forward: bool,
}

impl Policy {
    /// `namespace/name` for namespaced policies, `name` for global ones.
    pub fn qualified_name(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{ns}/{}", self.name),
            None => self.name.clone(),
        }
    }
}

/// What a tier does with traffic that no policy in it decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum TierDefaultAction {
    /// Drop it (Calico's default).
    #[default]
    Deny,
    /// Hand it to the next tier.
    Pass,
}

/// A Tier.
#[derive(Debug, Clone, PartialEq)]
pub struct Tier {
    /// Tier name.
    pub name: String,
    /// Position among tiers; `None` sorts after every number.
    pub order: Option<f64>,
    /// Applied when the tier had applicable policies and none decided.
    pub default_action: TierDefaultAction,
}

impl Tier {
    /// The implicit `default` tier (order 1 000 000, default action Deny).
    pub fn default_tier() -> Tier {
        Tier {
            name: DEFAULT_TIER.to_string(),
            order: Some(DEFAULT_TIER_ORDER),
            default_action: TierDefaultAction::Deny,
        }
    }
}

/// A Profile: rules applied after all tiers, plus labels for its endpoints.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    /// Profile name.
    pub name: String,
    /// Ingress rules.
    pub ingress: Vec<Rule>,
    /// Egress rules.
    pub egress: Vec<Rule>,
    /// Labels inherited by endpoints that use the profile.
    pub labels_to_apply: BTreeMap<String, String>,
}

/// A NetworkSet (namespace set) or GlobalNetworkSet (namespace unset).
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkSet {
    /// Resource name.
    pub name: String,
    /// Namespace of a NetworkSet; `None` for a GlobalNetworkSet.
    pub namespace: Option<String>,
    /// Labels that rule selectors match.
    pub labels: BTreeMap<String, String>,
    /// Member networks.
    pub nets: Vec<IpNet>,
}

/// A Namespace, which carries the labels `namespaceSelector` matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Namespace {
    /// Namespace name.
    pub name: String,
    /// Labels as written.
    pub labels: BTreeMap<String, String>,
}
