//! Label sets the evaluator matches selectors against.

use std::collections::BTreeMap;
use std::net::IpAddr;

use super::endpoint::{Endpoint, EndpointKey};
use super::store::Evaluator;
use crate::model::{Namespace, NetworkSet, Profile};
use crate::selector::{NAMESPACE_LABEL, Selector};

/// Something a selector picked out.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Selected {
    /// A workload or host endpoint.
    Endpoint(EndpointKey),
    /// A NetworkSet (namespace set) or GlobalNetworkSet.
    NetworkSet {
        /// Namespace of a NetworkSet; `None` for a GlobalNetworkSet.
        namespace: Option<String>,
        /// Set name.
        name: String,
    },
}

/// Label Calico gives every namespace's profile: the namespace name.
pub const NAMESPACE_NAME_LABEL: &str = "projectcalico.org/name";
/// Label the Kubernetes API server gives every namespace.
pub const K8S_NAMESPACE_NAME_LABEL: &str = "kubernetes.io/metadata.name";

/// Something with labels that a rule selector can match: an endpoint or a
/// network set.
#[derive(Debug, Clone)]
pub(crate) struct Entity<'a> {
    /// Namespace, for namespace scoping and `namespaceSelector`.
    pub namespace: Option<&'a str>,
    /// Effective labels.
    pub labels: BTreeMap<String, String>,
}

impl Evaluator {
    /// An endpoint's effective labels: its profiles' `labelsToApply`
    /// (earlier profiles win), overridden by its own labels, plus
    /// `projectcalico.org/namespace` for workloads.
    pub fn effective_labels(&self, ep: &Endpoint) -> BTreeMap<String, String> {
        effective_labels_with(ep, |name| self.profile(name))
    }

    /// A namespace's labels as `namespaceSelector` sees them.
    pub fn namespace_labels(&self, ns: &str) -> BTreeMap<String, String> {
        namespace_labels_of(ns, self.namespace(ns))
    }

    /// Endpoints and network sets whose labels `selector` matches (what
    /// `netctl selector match` lists), endpoints first, each in key order.
    pub fn select(&self, selector: &Selector) -> Vec<Selected> {
        let eps = self
            .endpoints()
            .filter(|ep| selector.matches(&self.effective_labels(ep)))
            .map(|ep| Selected::Endpoint(ep.key.clone()));
        let sets = self
            .network_sets()
            .filter(|s| selector.matches(&self.network_set_labels(s)))
            .map(|s| Selected::NetworkSet {
                namespace: s.namespace.clone(),
                name: s.name.clone(),
            });
        eps.chain(sets).collect()
    }

    /// A network set's labels as rule selectors see them (its own, plus
    /// `projectcalico.org/namespace` for a namespaced set).
    pub fn network_set_labels(&self, set: &NetworkSet) -> BTreeMap<String, String> {
        network_set_labels(set)
    }

    /// The endpoint (if any) and the network sets that carry `addr`.
    pub(crate) fn entities_at<'a>(
        &'a self,
        endpoint: Option<&'a Endpoint>,
        addr: IpAddr,
    ) -> Vec<Entity<'a>> {
        let mut out = Vec::new();
        if let Some(ep) = endpoint {
            out.push(Entity {
                namespace: ep.key.namespace.as_deref(),
                labels: self.effective_labels(ep),
            });
        }
        for set in self
            .network_sets()
            .filter(|s| s.nets.iter().any(|n| n.contains(&addr)))
        {
            out.push(Entity {
                namespace: set.namespace.as_deref(),
                labels: network_set_labels(set),
            });
        }
        out
    }
}

/// An endpoint's effective labels, with `profile` looking profiles up by
/// name: their `labelsToApply` (earlier profiles win), overridden by the
/// endpoint's own labels, plus `projectcalico.org/namespace` for workloads.
pub fn effective_labels_with<'a>(
    ep: &Endpoint,
    profile: impl Fn(&str) -> Option<&'a Profile>,
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for name in ep.profiles.iter().rev() {
        if let Some(p) = profile(name) {
            out.extend(
                p.labels_to_apply
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone())),
            );
        }
    }
    out.extend(ep.labels.iter().map(|(k, v)| (k.clone(), v.clone())));
    if let Some(ns) = &ep.key.namespace {
        out.insert(NAMESPACE_LABEL.to_string(), ns.clone());
    }
    out
}

/// Namespace `name`'s labels as `namespaceSelector` sees them: those of its
/// resource (if any) plus the two name labels every namespace carries.
pub fn namespace_labels_of(name: &str, ns: Option<&Namespace>) -> BTreeMap<String, String> {
    let mut out = ns.map(|n| n.labels.clone()).unwrap_or_default();
    out.insert(NAMESPACE_NAME_LABEL.to_string(), name.to_string());
    out.insert(K8S_NAMESPACE_NAME_LABEL.to_string(), name.to_string());
    out
}

/// A network set's labels as rule selectors see them (its own, plus
/// `projectcalico.org/namespace` for a namespaced set).
pub fn network_set_labels(set: &NetworkSet) -> BTreeMap<String, String> {
    let mut labels = set.labels.clone();
    if let Some(ns) = &set.namespace {
        labels.insert(NAMESPACE_LABEL.to_string(), ns.clone());
    }
    labels
}
