//! What rule selectors match: endpoints and network sets, each reduced to
//! its namespace, effective labels and addresses.

use std::collections::BTreeMap;

use ipnet::IpNet;
use policies::eval::{EndpointKey, NamedPort, effective_labels_with, network_set_labels};
use policies::model::NetworkSet;

use super::world::World;

/// (namespace, name) of a policy or network set; namespace `None` for the
/// global kinds.
pub type ScopedName = (Option<String>, String);

/// Effective labels.
pub type Labels = BTreeMap<String, String>;

/// Something a rule selector can match.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EntityRef {
    /// A workload or host endpoint, anywhere in the cluster.
    Endpoint(EndpointKey),
    /// A NetworkSet or GlobalNetworkSet.
    NetworkSet(ScopedName),
}

/// An entity as selectors and sets see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entity {
    /// Namespace (for scoping).
    pub namespace: Option<String>,
    /// Effective labels.
    pub labels: Labels,
    /// Addresses (as host prefixes) or member networks.
    pub nets: Vec<IpNet>,
    /// Named ports (endpoints only).
    pub ports: Vec<NamedPort>,
}

/// The entity of endpoint `key`, if the world has it.
pub fn endpoint_entity(world: &World, key: &EndpointKey) -> Option<Entity> {
    let local = world.endpoints.get(key)?;
    let ep = &local.endpoint;
    Some(Entity {
        namespace: ep.key.namespace.clone(),
        labels: effective_labels_with(ep, |name| world.resources.profiles.get(name)),
        nets: ep.ips.iter().map(|ip| IpNet::from(*ip)).collect(),
        ports: ep.ports.clone(),
    })
}

/// The entity of a network set.
pub fn network_set_entity(set: &NetworkSet) -> Entity {
    Entity {
        namespace: set.namespace.clone(),
        labels: network_set_labels(set),
        nets: set.nets.clone(),
        ports: Vec::new(),
    }
}

/// The entity behind `r`, if the world has it.
pub fn entity(world: &World, r: &EntityRef) -> Option<Entity> {
    match r {
        EntityRef::Endpoint(key) => endpoint_entity(world, key),
        EntityRef::NetworkSet(key) => world
            .resources
            .network_sets
            .get(key)
            .map(network_set_entity),
    }
}

/// Every entity of the world.
pub fn all_entities(world: &World) -> BTreeMap<EntityRef, Entity> {
    let endpoints = world
        .endpoints
        .keys()
        .filter_map(|k| endpoint_entity(world, k).map(|e| (EntityRef::Endpoint(k.clone()), e)));
    let sets = world
        .resources
        .network_sets
        .iter()
        .map(|(k, s)| (EntityRef::NetworkSet(k.clone()), network_set_entity(s)));
    endpoints.chain(sets).collect()
}
