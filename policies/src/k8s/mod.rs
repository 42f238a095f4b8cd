//! Kubernetes `networking.k8s.io/v1` NetworkPolicy: its shapes and the
//! Calico-compatible translation into a Terrace [`Policy`](crate::model::Policy).

mod raw;
mod translate;

pub use raw::{
    IpBlock, K8sEgressRule, K8sIngressRule, K8sNetworkPolicy, K8sNetworkPolicySpec, K8sPeer,
    K8sPort, LabelSelector, LabelSelectorRequirement,
};
pub use translate::{K8S_POLICY_ORDER, K8S_POLICY_PREFIX, label_selector, to_calico, translate};

/// The Kubernetes API group/version of NetworkPolicy.
pub const K8S_NETWORKING_API_VERSION: &str = "networking.k8s.io/v1";
