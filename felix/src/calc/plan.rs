//! The desired dataplane of this node ([`Plan`]): what [`super::compute`]
//! builds from scratch and [`super::Engine`] keeps up to date incrementally.

use std::collections::{BTreeMap, BTreeSet};

use ipnet::IpNet;
use policies::eval::EndpointKey;
use policies::model::{Policy, Profile};

use super::settings::Settings;
use super::world::EndpointKind;
use crate::sets::{Family, SetDef};

/// (namespace, name) of a policy; namespace `None` for global policies.
pub type PolicyKey = (Option<String>, String);

/// A route felix owns: `dst dev iface`, or a blackhole when `iface` is `None`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RouteSpec {
    /// Destination prefix.
    pub dst: IpNet,
    /// Output interface; `None` for a blackhole route.
    pub iface: Option<String>,
}

/// One tier as an endpoint/direction sees it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TierPlan {
    /// Tier name.
    pub name: String,
    /// Drop at the end of the tier when no policy decided.
    pub default_deny: bool,
    /// Applicable policies, in order.
    pub policies: Vec<PolicyKey>,
}

/// Tiers then profiles for one direction of one endpoint.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct DirPlan {
    /// Tiers with applicable policies, in order.
    pub tiers: Vec<TierPlan>,
    /// Profiles that exist, in the endpoint's order (a missing one is skipped:
    /// it can allow nothing, and the final drop denies).
    pub profiles: Vec<String>,
}

/// One local endpoint's policy program.
#[derive(Debug, Clone, PartialEq)]
pub struct EndpointPlan {
    /// The endpoint.
    pub key: EndpointKey,
    /// Interface the chains are dispatched on.
    pub iface: String,
    /// Workload or host endpoint.
    pub kind: EndpointKind,
    /// Its own addresses.
    pub addresses: Vec<IpNet>,
    /// Further prefixes a workload may send from (allowSpoofedSourcePrefixes).
    pub allowed_sources: Vec<IpNet>,
    /// Traffic towards the endpoint.
    pub ingress: DirPlan,
    /// Traffic from the endpoint.
    pub egress: DirPlan,
}

/// A policy some local endpoint uses, and in which directions.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyPlan {
    /// The policy.
    pub policy: Policy,
    /// Used by some endpoint's ingress.
    pub ingress: bool,
    /// Used by some endpoint's egress.
    pub egress: bool,
}

/// Name of the set of natOutgoing pools of `fam`.
pub fn nat_pools_set(fam: Family) -> String {
    format!("nat-pools-{}", fam.digit())
}

/// Name of the set of all pools of `fam`.
pub fn all_pools_set(fam: Family) -> String {
    format!("all-pools-{}", fam.digit())
}

/// The desired dataplane of this node.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    /// Effective settings.
    pub settings: Settings,
    /// Routes to local workloads and blackholes for owned blocks.
    pub routes: BTreeSet<RouteSpec>,
    /// `/proc/sys` relative paths and their values.
    pub sysctls: BTreeMap<String, String>,
    /// Local endpoints with an interface, by interface.
    pub endpoints: BTreeMap<String, EndpointPlan>,
    /// Policies in use.
    pub policies: BTreeMap<PolicyKey, PolicyPlan>,
    /// Profiles in use, by name.
    pub profiles: BTreeMap<String, Profile>,
    /// Named sets the rules reference, and the pool sets.
    pub sets: BTreeMap<String, SetDef>,
    /// Families with at least one natOutgoing pool.
    pub nat: BTreeSet<Family>,
}
