//! [`compute`]: the desired dataplane for this node.

use std::collections::{BTreeMap, BTreeSet};

use ipnet::IpNet;
use policies::eval::Direction;
use policies::model::{EntityRule, Policy, PortSpec, Profile, Rule};

use super::order::{AppliedTier, applied_tiers, tiers_with_policies};
use super::sets::{Family, SetIndex, SetKey, named_port_set_name, net_set_name, split};
use super::settings::Settings;
use super::world::{EndpointKind, World};

/// One tier as an endpoint/direction sees it.
pub type TierPlan = AppliedTier;

/// A route felix owns: `dst dev iface`, or a blackhole when `iface` is `None`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RouteSpec {
    /// Destination prefix.
    pub dst: IpNet,
    /// Output interface; `None` for a blackhole route.
    pub iface: Option<String>,
}

/// Tiers then profiles for one direction of one endpoint.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
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
    /// Interface the chains are dispatched on.
    pub iface: String,
    /// Workload or host endpoint.
    pub kind: EndpointKind,
    /// Addresses (anti-spoofing for workloads).
    pub sources: Vec<IpNet>,
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

/// Kind of a named set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SetType {
    /// Addresses and nets (interval set).
    Addr(Family),
    /// `addr . proto . port` of named ports.
    NamedPort(Family),
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
    pub endpoints: Vec<EndpointPlan>,
    /// Policies in use, by (namespace, name).
    pub policies: BTreeMap<(Option<String>, String), PolicyPlan>,
    /// Profiles in use, by name.
    pub profiles: BTreeMap<String, Profile>,
    /// Named sets: name → (type, members).
    pub sets: BTreeMap<String, (SetType, BTreeSet<String>)>,
    /// Pools with natOutgoing, per family (normalised).
    pub nat_pools: BTreeMap<Family, BTreeSet<String>>,
    /// Every pool, per family (normalised).
    pub all_pools: BTreeMap<Family, BTreeSet<String>>,
}

/// Computes the desired dataplane of `world.node`.
pub fn compute(world: &World) -> Plan {
    let ev = world.evaluator();
    let index = SetIndex::new(&ev);
    let ordered = tiers_with_policies(&ev);
    let mut plan = Plan {
        settings: world.settings.clone(),
        ..Plan::default()
    };
    for local in world.local_endpoints() {
        if local.iface.is_empty() || local.iface == "*" {
            continue;
        }
        let ep = &local.endpoint;
        let labels = ev.effective_labels(ep);
        let dir_plan = |dir| DirPlan {
            tiers: applied_tiers(&ev, &ordered, ep, &labels, dir),
            profiles: ep
                .profiles
                .iter()
                .filter(|p| world.profiles.contains_key(*p))
                .cloned()
                .collect(),
        };
        let (ingress, egress) = (dir_plan(Direction::Ingress), dir_plan(Direction::Egress));
        mark_used(&mut plan, world, &ingress, Direction::Ingress);
        mark_used(&mut plan, world, &egress, Direction::Egress);
        let mut sources: Vec<IpNet> = ep.ips.iter().map(|ip| IpNet::from(*ip)).collect();
        sources.extend(local.allowed_sources.iter().copied());
        if local.kind == EndpointKind::Workload {
            add_workload_kernel_state(&mut plan, &local.iface, &sources[..ep.ips.len()]);
        }
        plan.endpoints.push(EndpointPlan {
            iface: local.iface.clone(),
            kind: local.kind,
            sources,
            ingress,
            egress,
        });
    }
    plan.endpoints.sort_by(|a, b| a.iface.cmp(&b.iface));
    for block in world.blocks.values() {
        plan.routes.insert(RouteSpec {
            dst: block.trunc(),
            iface: None,
        });
    }
    plan.nat_pools = split(
        world
            .pools
            .values()
            .filter(|p| p.nat_outgoing)
            .map(|p| p.cidr),
    );
    plan.all_pools = split(world.pools.values().map(|p| p.cidr));
    collect_sets(&mut plan, &index);
    plan
}

/// Records the policies and profiles a direction uses.
fn mark_used(plan: &mut Plan, world: &World, dp: &DirPlan, dir: Direction) {
    for key in dp.tiers.iter().flat_map(|t| t.policies.iter()) {
        let Some(policy) = world.policies.get(key) else {
            continue;
        };
        let entry = plan
            .policies
            .entry(key.clone())
            .or_insert_with(|| PolicyPlan {
                policy: policy.clone(),
                ingress: false,
                egress: false,
            });
        match dir {
            Direction::Ingress => entry.ingress = true,
            Direction::Egress => entry.egress = true,
        }
    }
    for name in &dp.profiles {
        if let Some(p) = world.profiles.get(name) {
            plan.profiles.insert(name.clone(), p.clone());
        }
    }
}

/// /32 and /128 routes and the Calico-style interface settings.
fn add_workload_kernel_state(plan: &mut Plan, iface: &str, own: &[IpNet]) {
    for net in own {
        plan.routes.insert(RouteSpec {
            dst: IpNet::from(net.addr()),
            iface: Some(iface.to_string()),
        });
    }
    let mut set = |path: String, value: &str| {
        plan.sysctls.insert(path, value.to_string());
    };
    set(format!("net/ipv4/conf/{iface}/proxy_arp"), "1");
    set(format!("net/ipv4/neigh/{iface}/proxy_delay"), "0");
    set(format!("net/ipv4/conf/{iface}/forwarding"), "1");
    if own.iter().any(|n| Family::of(n) == Family::V6) {
        set(format!("net/ipv6/conf/{iface}/proxy_ndp"), "1");
        set(format!("net/ipv6/conf/{iface}/forwarding"), "1");
    }
}

/// Every rule of the used policies and profiles, with its policy namespace.
fn used_rules(plan: &Plan) -> Vec<(&Rule, Option<&str>)> {
    let mut out = Vec::new();
    for pp in plan.policies.values() {
        let ns = pp.policy.namespace.as_deref();
        if pp.ingress {
            out.extend(pp.policy.ingress.iter().map(|r| (r, ns)));
        }
        if pp.egress {
            out.extend(pp.policy.egress.iter().map(|r| (r, ns)));
        }
    }
    for p in plan.profiles.values() {
        out.extend(p.ingress.iter().chain(p.egress.iter()).map(|r| (r, None)));
    }
    out
}

/// Fills `plan.sets` with every set the used rules reference.
fn collect_sets(plan: &mut Plan, index: &SetIndex<'_>) {
    let mut keys = BTreeSet::new();
    let mut nets: Vec<Vec<IpNet>> = Vec::new();
    let mut ports = BTreeSet::new();
    for (rule, ns) in used_rules(plan) {
        for er in [&rule.source, &rule.destination] {
            side_needs(er, ns, &mut keys, &mut nets, &mut ports);
        }
    }
    let mut sets = BTreeMap::new();
    for key in keys {
        for (fam, members) in index.members(&key) {
            sets.insert(key.name(fam), (SetType::Addr(fam), members));
        }
    }
    for list in nets {
        for (fam, members) in split(list.iter().copied()) {
            sets.insert(net_set_name(&list, fam), (SetType::Addr(fam), members));
        }
    }
    for port in ports {
        let mut members = index.named_port(&port);
        for fam in Family::BOTH {
            let m = members.remove(&fam).unwrap_or_default();
            sets.insert(
                named_port_set_name(&port, fam),
                (SetType::NamedPort(fam), m),
            );
        }
    }
    plan.sets = sets;
}

fn side_needs(
    er: &EntityRule,
    ns: Option<&str>,
    keys: &mut BTreeSet<SetKey>,
    nets: &mut Vec<Vec<IpNet>>,
    ports: &mut BTreeSet<String>,
) {
    keys.extend(SetKey::for_selector(er, ns));
    keys.extend(SetKey::for_not_selector(er));
    for list in [&er.nets, &er.not_nets] {
        if !list.is_empty() {
            nets.push(list.clone());
        }
    }
    for spec in er.ports.iter().chain(er.not_ports.iter()) {
        if let PortSpec::Named(name) = spec {
            ports.insert(name.clone());
        }
    }
}
