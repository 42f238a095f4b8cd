//! Everything the calculation needs, keyed so that an upsert or a delete of
//! one datastore record is one map operation.

use std::collections::BTreeMap;

use ipnet::IpNet;
use policies::eval::{Endpoint, EndpointKey, Evaluator};
use policies::model::{Namespace, NetworkSet, Policy, Profile, Resource, Tier};

use super::settings::Settings;

/// Workload or host endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndpointKind {
    /// A container's interface; host side is a veth named `<prefix>...`.
    Workload,
    /// One of the host's own interfaces.
    Host,
}

/// An endpoint anywhere in the cluster: its policy view plus where it lives.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalEndpoint {
    /// Labels, profiles, addresses and named ports, as the evaluator sees them.
    pub endpoint: Endpoint,
    /// Workload or host endpoint.
    pub kind: EndpointKind,
    /// The node it runs on.
    pub node: String,
    /// Host-side interface (workloads) or the host interface (host endpoints);
    /// empty for `*` host endpoints.
    pub iface: String,
    /// Source prefixes the workload may send from besides its own addresses.
    pub allowed_sources: Vec<IpNet>,
}

/// An IP pool as the dataplane needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pool {
    /// The pool's range.
    pub cidr: IpNet,
    /// Masquerade traffic from the pool to destinations outside every pool.
    pub nat_outgoing: bool,
}

/// Everything felix knows, from the datastore.
#[derive(Debug, Clone, Default)]
pub struct World {
    /// This node's name.
    pub node: String,
    /// Effective settings.
    pub settings: Settings,
    /// Every endpoint of the cluster (sets need remote ones too).
    pub endpoints: BTreeMap<EndpointKey, LocalEndpoint>,
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
    /// IP pools by name.
    pub pools: BTreeMap<String, Pool>,
    /// IPAM blocks this node owns.
    pub blocks: BTreeMap<String, IpNet>,
}

impl World {
    /// An empty world for `node`.
    pub fn new(node: &str) -> Self {
        Self {
            node: node.to_string(),
            ..Self::default()
        }
    }

    /// Adds or replaces a policy-kind resource.
    pub fn upsert(&mut self, r: Resource) {
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
    pub fn upsert_endpoint(&mut self, ep: LocalEndpoint) {
        self.endpoints.insert(ep.endpoint.key.clone(), ep);
    }

    /// Endpoints on this node, by key.
    pub fn local_endpoints(&self) -> impl Iterator<Item = &LocalEndpoint> {
        self.endpoints.values().filter(|e| e.node == self.node)
    }

    /// The reference evaluator over the same world: felix reuses its label
    /// and tier rules so the dataplane cannot drift from them.
    pub fn evaluator(&self) -> Evaluator {
        let resources = self
            .policies
            .values()
            .cloned()
            .map(Resource::Policy)
            .chain(self.tiers.values().cloned().map(Resource::Tier))
            .chain(self.profiles.values().cloned().map(Resource::Profile))
            .chain(
                self.network_sets
                    .values()
                    .cloned()
                    .map(Resource::NetworkSet),
            )
            .chain(self.namespaces.values().cloned().map(Resource::Namespace));
        let endpoints = self.endpoints.values().map(|e| e.endpoint.clone());
        Evaluator::from_parts(resources, endpoints)
    }
}
