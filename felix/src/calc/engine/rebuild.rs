//! The whole plan from the world: the first plan, and after changes that
//! reach too far to follow incrementally.

use std::collections::{BTreeMap, BTreeSet};

use ipnet::IpNet;
use policies::eval::{Direction, EndpointKey, namespace_labels_of, policy_applies};

use super::order::PolicyOrder;
use super::{Applicable, Changes, Engine, is_programmed, ns_lookup};
use crate::calc::entities::{EntityRef, Labels, all_entities};
use crate::calc::label_index::LabelIndex;
use crate::calc::plan::{EndpointPlan, Plan, PolicyPlan, RouteSpec};
use crate::calc::world::{EndpointKind, World};
use crate::sets::Family;

/// Endpoints that policies see alike: namespace and effective labels.
type Class<'a> = (&'a Option<String>, &'a Labels);

impl Engine {
    /// Recomputes every index and the plan from the world.
    pub(super) fn rebuild(&mut self) {
        self.entities = all_entities(&self.world);
        self.namespaces = self
            .world
            .resources
            .namespaces
            .iter()
            .map(|(name, ns)| (name.clone(), namespace_labels_of(name, Some(ns))))
            .collect();
        self.order = PolicyOrder::of(&self.world);
        self.locals = self.all_applicable();
        self.plan = Plan {
            settings: self.world.settings.clone(),
            ..Plan::default()
        };
        self.policy_users.clear();
        self.profile_users.clear();
        self.owner_sets.clear();
        self.sets.clear();
        let (mut policies, mut profiles) = (BTreeSet::new(), BTreeSet::new());
        let keys: Vec<EndpointKey> = self.locals.keys().cloned().collect();
        for key in keys {
            if let Some(p) = self.endpoint_plan(&key) {
                self.count_uses(&p, 1, &mut policies, &mut profiles);
                if let Some(displaced) = self.plan.endpoints.insert(p.iface.clone(), p) {
                    self.count_uses(&displaced, -1, &mut policies, &mut profiles);
                }
            }
        }
        for (key, [i, e]) in &self.policy_users {
            if let Some(p) = self
                .world
                .resources
                .policies
                .get(key)
                .filter(|_| *i > 0 || *e > 0)
            {
                let pp = PolicyPlan {
                    policy: p.clone(),
                    ingress: *i > 0,
                    egress: *e > 0,
                };
                self.plan.policies.insert(key.clone(), pp);
            }
        }
        for (name, users) in &self.profile_users {
            if let Some(p) = self
                .world
                .resources
                .profiles
                .get(name)
                .filter(|_| *users > 0)
            {
                self.plan.profiles.insert(name.clone(), p.clone());
            }
        }
        self.register_all_needs();
        self.fill_all_members();
        let mut ignored = Changes::default();
        self.refresh_pools(&mut ignored);
        let plans: Vec<EndpointPlan> = self.plan.endpoints.values().cloned().collect();
        for p in &plans {
            self.add_kernel_state(p, &mut ignored);
        }
        self.refresh_blocks(&mut ignored);
    }

    /// Applicable policies of every local endpoint; endpoints with the same
    /// namespace and labels are evaluated once.
    fn all_applicable(&self) -> BTreeMap<EndpointKey, Applicable> {
        let mut classes: BTreeMap<(&Option<String>, &Labels), Vec<&EndpointKey>> = BTreeMap::new();
        for (key, local) in &self.world.endpoints {
            if !is_programmed(&self.world, local) {
                continue;
            }
            if let Some(e) = self.entities.get(&EntityRef::Endpoint(key.clone())) {
                classes
                    .entry((&e.namespace, &e.labels))
                    .or_default()
                    .push(key);
            }
        }
        let classes: Vec<(Class<'_>, Vec<&EndpointKey>)> = classes.into_iter().collect();
        let index = LabelIndex::new(classes.iter().map(|((_, l), _)| *l));
        let ns_labels = ns_lookup(&self.namespaces);
        let mut apps = vec![Applicable::default(); classes.len()];
        for (pk, policy) in &self.world.resources.policies {
            for i in index.candidates(Some(&policy.selector)) {
                let ((ns, labels), _) = &classes[i];
                let applies = |dir| policy_applies(policy, ns.as_deref(), labels, &ns_labels, dir);
                if applies(Direction::Ingress) {
                    apps[i].ingress.insert(pk.clone());
                }
                if applies(Direction::Egress) {
                    apps[i].egress.insert(pk.clone());
                }
            }
        }
        let mut out = BTreeMap::new();
        for ((_, keys), app) in classes.iter().zip(apps) {
            for key in keys {
                out.insert((*key).clone(), app.clone());
            }
        }
        out
    }
}

/// An endpoint's routes and sysctls: for a workload a /32 (/128) per
/// address on its interface and Calico's interface settings; none for host
/// endpoints.
pub(super) fn endpoint_kernel_state(ep: &EndpointPlan) -> (Vec<RouteSpec>, Vec<(String, String)>) {
    if ep.kind != EndpointKind::Workload {
        return (Vec::new(), Vec::new());
    }
    let iface = &ep.iface;
    let routes = ep
        .addresses
        .iter()
        .map(|net| RouteSpec {
            dst: IpNet::from(net.addr()),
            iface: Some(iface.clone()),
        })
        .collect();
    let mut sysctls = vec![
        (format!("net/ipv4/conf/{iface}/proxy_arp"), "1".to_string()),
        (
            format!("net/ipv4/neigh/{iface}/proxy_delay"),
            "0".to_string(),
        ),
        (format!("net/ipv4/conf/{iface}/forwarding"), "1".to_string()),
    ];
    if ep.addresses.iter().any(|n| Family::of(n) == Family::V6) {
        sysctls.push((format!("net/ipv6/conf/{iface}/proxy_ndp"), "1".to_string()));
        sysctls.push((format!("net/ipv6/conf/{iface}/forwarding"), "1".to_string()));
    }
    (routes, sysctls)
}

/// A blackhole route per owned block.
pub(super) fn block_routes(world: &World) -> BTreeSet<RouteSpec> {
    world
        .blocks
        .values()
        .map(|b| RouteSpec {
            dst: b.trunc(),
            iface: None,
        })
        .collect()
}
