//! The evaluator's view of the world: resources and endpoints, and lookups.
//! Judging flows ([`Evaluator::evaluate`]) is in `judge`, which builds on this.

use std::collections::BTreeMap;

use super::endpoint::{Endpoint, EndpointKey};
use super::ordering::order_tiers;
use crate::model::{Namespace, NetworkSet, Policy, Profile, Resource, Tier};

/// All resources and endpoints, ready to judge flows.
#[derive(Debug, Clone, Default)]
pub struct Evaluator {
    tiers: BTreeMap<String, Tier>,
    policies: BTreeMap<(Option<String>, String), Policy>,
    profiles: BTreeMap<String, Profile>,
    network_sets: BTreeMap<(Option<String>, String), NetworkSet>,
    namespaces: BTreeMap<String, Namespace>,
    endpoints: BTreeMap<EndpointKey, Endpoint>,
}

impl Evaluator {
    /// An empty world (only the implicit `default` tier).
    pub fn new() -> Self {
        Self::default()
    }

    /// Builds a world from resources and endpoints.
    pub fn from_parts(
        resources: impl IntoIterator<Item = Resource>,
        endpoints: impl IntoIterator<Item = Endpoint>,
    ) -> Self {
        let mut ev = Self::new();
        resources.into_iter().for_each(|r| ev.insert(r));
        endpoints.into_iter().for_each(|e| ev.insert_endpoint(e));
        ev
    }

    /// Adds or replaces a resource (same kind, namespace and name).
    pub fn insert(&mut self, r: Resource) {
        match r {
            Resource::Policy(p) => {
                self.policies
                    .insert((p.namespace.clone(), p.name.clone()), p);
            }
            Resource::Tier(t) => {
                self.tiers.insert(t.name.clone(), t);
            }
            Resource::Profile(p) => {
                self.profiles.insert(p.name.clone(), p);
            }
            Resource::NetworkSet(s) => {
                self.network_sets
                    .insert((s.namespace.clone(), s.name.clone()), s);
            }
            Resource::Namespace(n) => {
                self.namespaces.insert(n.name.clone(), n);
            }
        }
    }

    /// Adds or replaces an endpoint.
    pub fn insert_endpoint(&mut self, ep: Endpoint) {
        self.endpoints.insert(ep.key.clone(), ep);
    }

    /// Looks up an endpoint.
    pub fn endpoint(&self, key: &EndpointKey) -> Option<&Endpoint> {
        self.endpoints.get(key)
    }

    /// Every endpoint, by key.
    pub fn endpoints(&self) -> impl Iterator<Item = &Endpoint> {
        self.endpoints.values()
    }

    /// Every network set (global and namespaced).
    pub fn network_sets(&self) -> impl Iterator<Item = &NetworkSet> {
        self.network_sets.values()
    }

    /// Every policy.
    pub fn policies(&self) -> impl Iterator<Item = &Policy> {
        self.policies.values()
    }

    /// A profile by name.
    pub fn profile(&self, name: &str) -> Option<&Profile> {
        self.profiles.get(name)
    }

    /// A namespace by name.
    pub fn namespace(&self, name: &str) -> Option<&Namespace> {
        self.namespaces.get(name)
    }

    /// A tier by name; `default` exists even when no Tier resource does.
    pub fn tier(&self, name: &str) -> Option<Tier> {
        self.tiers
            .get(name)
            .cloned()
            .or_else(|| (name == crate::model::DEFAULT_TIER).then(Tier::default_tier))
    }

    /// Tiers in evaluation order: by order (unset last), then name.
    pub fn ordered_tiers(&self) -> Vec<Tier> {
        order_tiers(self.tiers.values())
    }
}
