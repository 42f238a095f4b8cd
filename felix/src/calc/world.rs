//! Everything the calculation needs, keyed so that an upsert or a delete of
//! one datastore record is one map operation.

use std::collections::BTreeMap;

use ipnet::IpNet;
use policies::eval::{Endpoint, EndpointKey, Evaluator, Resources};
use policies::model::Resource;

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
    /// Policies, tiers, profiles, network sets and namespaces, filed as the
    /// evaluator files them (its own type).
    pub resources: Resources,
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
        self.resources.insert(r);
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
        let endpoints = self.endpoints.values().map(|e| e.endpoint.clone());
        Evaluator::from_resources(self.resources.clone(), endpoints)
    }
}
