//! The policy-kind resources, filed the way the datastore keys them: what
//! the evaluator judges with, and what felix's calculation keeps (its
//! `World` holds one), so both file a resource the same way.

use std::collections::BTreeMap;

use crate::model::{Namespace, NetworkSet, Policy, Profile, Resource, Tier};

/// Policies, tiers, profiles, network sets and namespaces, each by key.
#[derive(Debug, Clone, Default)]
pub struct Resources {
    /// Policies by (namespace, name).
    pub policies: BTreeMap<(Option<String>, String), Policy>,
    /// Tiers by name.
    pub tiers: BTreeMap<String, Tier>,
    /// Profiles by name.
    pub profiles: BTreeMap<String, Profile>,
    /// Network sets by (namespace, name).
    pub network_sets: BTreeMap<(Option<String>, String), NetworkSet>,
    /// Namespaces by name.
    pub namespaces: BTreeMap<String, Namespace>,
}

impl Resources {
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
}
