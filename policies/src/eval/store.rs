//! The evaluator's view of the world: resources and endpoints, and lookups.
//! Judging flows ([`Evaluator::evaluate`]) is in `judge`, which builds on this.

use std::collections::BTreeMap;

use super::endpoint::{Endpoint, EndpointKey};
use super::ordering::order_tiers;
use super::resources::Resources;
use crate::model::{Namespace, NetworkSet, Policy, Profile, Resource, Tier};

/// All resources and endpoints, ready to judge flows.
#[derive(Debug, Clone, Default)]
pub struct Evaluator {
    resources: Resources,
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

    /// Builds a world from resources already filed and endpoints.
    pub fn from_resources(
        resources: Resources,
        endpoints: impl IntoIterator<Item = Endpoint>,
    ) -> Self {
        let mut ev = Self {
            resources,
            endpoints: BTreeMap::new(),
        };
        endpoints.into_iter().for_each(|e| ev.insert_endpoint(e));
        ev
    }

    /// Adds or replaces a resource (same kind, namespace and name).
    pub fn insert(&mut self, r: Resource) {
        self.resources.insert(r);
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
        self.resources.network_sets.values()
    }

    /// Every policy.
    pub fn policies(&self) -> impl Iterator<Item = &Policy> {
        self.resources.policies.values()
    }

    /// A profile by name.
    pub fn profile(&self, name: &str) -> Option<&Profile> {
        self.resources.profiles.get(name)
    }

    /// A namespace by name.
    pub fn namespace(&self, name: &str) -> Option<&Namespace> {
        self.resources.namespaces.get(name)
    }

    /// A tier by name; `default` exists even when no Tier resource does.
    pub fn tier(&self, name: &str) -> Option<Tier> {
        self.resources
            .tiers
            .get(name)
            .cloned()
            .or_else(|| (name == crate::model::DEFAULT_TIER).then(Tier::default_tier))
    }

    /// Tiers in evaluation order: by order (unset last), then name.
    pub fn ordered_tiers(&self) -> Vec<Tier> {
        order_tiers(self.resources.tiers.values())
    }
}
