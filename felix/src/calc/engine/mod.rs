//! The incremental calculation: the world's records go in one change at a
//! time, [`Engine::commit`] brings the [`Plan`] up to date and says which of
//! its parts changed, so only those are recompiled and written.
//!
//! What is incremental, and what is not:
//! - an endpoint (local or remote) or a network set changing touches the
//!   sets whose selectors match it (old or new) and, for a local endpoint,
//!   its own plan: one selector evaluation per set and per policy;
//! - a policy changing is evaluated against the local endpoints; only those
//!   it applies to (before or after) get a new plan;
//! - tiers, profiles, namespaces and settings change rarely and reach far
//!   (order of everything, inherited labels, namespace selectors): they
//!   rebuild the whole plan, as a fresh start does.
//!
//! Pure: no I/O, no clock.

mod order;
mod rebuild;
mod sets;

use std::collections::{BTreeMap, BTreeSet};

use ipnet::IpNet;
use policies::eval::{Direction, EndpointKey, namespace_labels_of, policy_applies};
use policies::model::{Policy, Resource};
use resources::endpoint::is_interface_name;

use super::entities::{Entity, EntityRef, Labels, ScopedName, entity};
use super::plan::{EndpointPlan, Plan, PolicyKey, PolicyPlan, RouteSpec};
use super::settings::Settings;
use super::world::{LocalEndpoint, Pool, World};
use order::{PolicyOrder, dir_plan};
use sets::SetState;

/// Changed records above which a commit rebuilds the plan instead.
const BURST: usize = 256;

/// Which parts of the plan a commit changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    /// Everything may have changed (first plan, or a far-reaching change).
    pub full: bool,
    /// Interfaces whose endpoint plan appeared, changed or went away.
    pub endpoints: BTreeSet<String>,
    /// Policies that entered, changed in or left `plan.policies`.
    pub policies: BTreeSet<PolicyKey>,
    /// Profiles that entered, changed in or left `plan.profiles`.
    pub profiles: BTreeSet<String>,
    /// Sets that appeared, changed elements or went away.
    pub sets: BTreeSet<String>,
    /// `plan.routes` changed.
    pub routes: bool,
    /// `plan.sysctls` changed.
    pub sysctls: bool,
    /// The hook chains (settings, NAT) changed.
    pub hooks: bool,
}

impl Changes {
    /// True when nothing changed.
    pub fn is_empty(&self) -> bool {
        *self == Changes::default()
    }
}

/// Records changed since the last commit.
#[derive(Debug, Default)]
struct Pending {
    full: bool,
    endpoints: BTreeSet<EndpointKey>,
    policies: BTreeSet<PolicyKey>,
    network_sets: BTreeSet<ScopedName>,
    pools: bool,
    blocks: bool,
}

/// The policies that apply to one local endpoint, per direction.
#[derive(Debug, Clone, Default)]
struct Applicable {
    ingress: BTreeSet<PolicyKey>,
    egress: BTreeSet<PolicyKey>,
}

/// The world, the plan derived from it, and the indexes that keep the plan
/// current without recomputing it.
#[derive(Debug)]
pub struct Engine {
    world: World,
    entities: BTreeMap<EntityRef, Entity>,
    namespaces: BTreeMap<String, Labels>,
    order: PolicyOrder,
    locals: BTreeMap<EndpointKey, Applicable>,
    policy_users: BTreeMap<PolicyKey, [usize; 2]>,
    profile_users: BTreeMap<String, usize>,
    owner_sets: BTreeMap<RuleOwner, BTreeSet<String>>,
    sets: BTreeMap<String, SetState>,
    plan: Plan,
    pending: Pending,
}

/// Whose rules reference a set.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum RuleOwner {
    Policy(PolicyKey),
    Profile(String),
}

impl Engine {
    /// An engine for `node` with an empty world.
    pub fn new(node: &str) -> Self {
        Self::from_world(World::new(node))
    }

    /// An engine holding `world`, its plan computed.
    pub fn from_world(world: World) -> Self {
        let mut e = Self {
            world,
            entities: BTreeMap::new(),
            namespaces: BTreeMap::new(),
            order: PolicyOrder::default(),
            locals: BTreeMap::new(),
            policy_users: BTreeMap::new(),
            profile_users: BTreeMap::new(),
            owner_sets: BTreeMap::new(),
            sets: BTreeMap::new(),
            plan: Plan::default(),
            pending: Pending::default(),
        };
        e.rebuild();
        e
    }

    /// The world as last changed.
    pub fn world(&self) -> &World {
        &self.world
    }

    /// The plan as of the last commit.
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// Forgets the world (before a fresh snapshot); the next commit is full.
    pub fn reset(&mut self) {
        self.world = World::new(&self.world.node.clone());
        self.pending.full = true;
    }

    /// Adds or replaces an endpoint.
    pub fn upsert_endpoint(&mut self, ep: LocalEndpoint) {
        self.pending.endpoints.insert(ep.endpoint.key.clone());
        self.world.upsert_endpoint(ep);
    }

    /// Removes an endpoint.
    pub fn remove_endpoint(&mut self, key: &EndpointKey) {
        if self.world.endpoints.remove(key).is_some() {
            self.pending.endpoints.insert(key.clone());
        }
    }

    /// Adds or replaces a policy-kind resource.
    pub fn upsert(&mut self, r: Resource) {
        match &r {
            Resource::Policy(p) => {
                self.pending
                    .policies
                    .insert((p.namespace.clone(), p.name.clone()));
            }
            Resource::NetworkSet(s) => {
                self.pending
                    .network_sets
                    .insert((s.namespace.clone(), s.name.clone()));
            }
            Resource::Tier(_) | Resource::Profile(_) | Resource::Namespace(_) => {
                self.pending.full = true;
            }
        }
        self.world.upsert(r);
    }

    /// Removes a policy.
    pub fn remove_policy(&mut self, key: &PolicyKey) {
        if self.world.resources.policies.remove(key).is_some() {
            self.pending.policies.insert(key.clone());
        }
    }

    /// Removes a network set.
    pub fn remove_network_set(&mut self, key: &ScopedName) {
        if self.world.resources.network_sets.remove(key).is_some() {
            self.pending.network_sets.insert(key.clone());
        }
    }

    /// Removes a tier.
    pub fn remove_tier(&mut self, name: &str) {
        self.pending.full |= self.world.resources.tiers.remove(name).is_some();
    }

    /// Removes a profile.
    pub fn remove_profile(&mut self, name: &str) {
        self.pending.full |= self.world.resources.profiles.remove(name).is_some();
    }

    /// Removes a namespace.
    pub fn remove_namespace(&mut self, name: &str) {
        self.pending.full |= self.world.resources.namespaces.remove(name).is_some();
    }

    /// Adds, replaces (`Some`) or removes (`None`) an IP pool.
    pub fn set_pool(&mut self, name: &str, pool: Option<Pool>) {
        match pool {
            Some(p) => self.world.pools.insert(name.to_string(), p),
            None => self.world.pools.remove(name),
        };
        self.pending.pools = true;
    }

    /// Records (`Some`) or forgets (`None`) an IPAM block this node owns.
    pub fn set_block(&mut self, key: &str, cidr: Option<IpNet>) {
        let before = match cidr {
            Some(c) => self.world.blocks.insert(key.to_string(), c),
            None => self.world.blocks.remove(key),
        };
        self.pending.blocks |= before != cidr;
    }

    /// Replaces the effective settings.
    pub fn set_settings(&mut self, settings: Settings) {
        if self.world.settings != settings {
            self.world.settings = settings;
            self.pending.full = true;
        }
    }

    /// Brings the plan up to date with every change since the last commit.
    pub fn commit(&mut self) -> Changes {
        let pending = std::mem::take(&mut self.pending);
        // Following a burst record by record costs more than starting over.
        let burst = pending.endpoints.len() + pending.policies.len() + pending.network_sets.len();
        if pending.full || burst > BURST {
            self.rebuild();
            return Changes {
                full: true,
                ..Changes::default()
            };
        }
        let mut ch = Changes::default();
        let mut touched: BTreeSet<EndpointKey> = BTreeSet::new();
        let mut changed: BTreeSet<EntityRef> = BTreeSet::new();
        for key in &pending.endpoints {
            let r = EntityRef::Endpoint(key.clone());
            if self.refresh_entity(&r) {
                changed.insert(r);
            }
            if self.refresh_local(key) {
                touched.insert(key.clone());
            }
        }
        for key in &pending.network_sets {
            let r = EntityRef::NetworkSet(key.clone());
            if self.refresh_entity(&r) {
                changed.insert(r);
            }
        }
        if !pending.policies.is_empty() {
            self.order = PolicyOrder::of(&self.world);
            for key in &pending.policies {
                touched.extend(self.reapply_policy(key));
            }
        }
        let mut policies = pending.policies.clone();
        let mut profiles = BTreeSet::new();
        for key in &touched {
            self.replan_endpoint(key, &mut ch, &mut policies, &mut profiles);
        }
        for key in &policies {
            self.refresh_policy_plan(key, &mut ch);
        }
        for name in &profiles {
            self.refresh_profile_plan(name, &mut ch);
        }
        self.refresh_members(&changed, &mut ch);
        if pending.pools {
            self.refresh_pools(&mut ch);
        }
        if pending.blocks {
            self.refresh_blocks(&mut ch);
        }
        ch
    }

    /// Re-reads one entity; true when it changed.
    fn refresh_entity(&mut self, r: &EntityRef) -> bool {
        let new = entity(&self.world, r);
        let old = self.entities.get(r);
        if old == new.as_ref() {
            return false;
        }
        match new {
            Some(e) => self.entities.insert(r.clone(), e),
            None => self.entities.remove(r),
        };
        true
    }

    /// Re-evaluates which policies apply to endpoint `key` if it is local;
    /// true when its plan must be rebuilt.
    fn refresh_local(&mut self, key: &EndpointKey) -> bool {
        let local = self
            .world
            .endpoints
            .get(key)
            .filter(|e| is_programmed(&self.world, e));
        match local {
            None => self.locals.remove(key).is_some() || self.plan_of(key).is_some(),
            Some(_) => {
                let app = self.applicable(key);
                self.locals.insert(key.clone(), app);
                true
            }
        }
    }

    /// The policies that apply to local endpoint `key`.
    fn applicable(&self, key: &EndpointKey) -> Applicable {
        let mut app = Applicable::default();
        let Some(e) = self.entities.get(&EntityRef::Endpoint(key.clone())) else {
            return app;
        };
        let ns_labels = ns_lookup(&self.namespaces);
        for (pk, policy) in &self.world.resources.policies {
            let applies =
                |dir| policy_applies(policy, e.namespace.as_deref(), &e.labels, &ns_labels, dir);
            if applies(Direction::Ingress) {
                app.ingress.insert(pk.clone());
            }
            if applies(Direction::Egress) {
                app.egress.insert(pk.clone());
            }
        }
        app
    }

    /// Re-evaluates policy `key` against every local endpoint; returns the
    /// endpoints it applies to, before or after.
    fn reapply_policy(&mut self, key: &PolicyKey) -> Vec<EndpointKey> {
        let policy: Option<Policy> = self.world.resources.policies.get(key).cloned();
        let mut touched = Vec::new();
        let ns_labels = ns_lookup(&self.namespaces);
        for (ek, app) in self.locals.iter_mut() {
            let e = self.entities.get(&EntityRef::Endpoint(ek.clone()));
            let applies = |dir| match (&policy, e) {
                (Some(p), Some(e)) => {
                    policy_applies(p, e.namespace.as_deref(), &e.labels, &ns_labels, dir)
                }
                _ => false,
            };
            let mut hit = false;
            for (set, dir) in [
                (&mut app.ingress, Direction::Ingress),
                (&mut app.egress, Direction::Egress),
            ] {
                let was = set.remove(key);
                let now = applies(dir);
                if now {
                    set.insert(key.clone());
                }
                hit |= was || now;
            }
            if hit {
                touched.push(ek.clone());
            }
        }
        touched
    }

    /// The plan entry (if any) that belongs to endpoint `key`.
    fn plan_of(&self, key: &EndpointKey) -> Option<&EndpointPlan> {
        self.plan.endpoints.values().find(|p| &p.key == key)
    }

    /// The plan of local endpoint `key` from its applicable policies.
    fn endpoint_plan(&self, key: &EndpointKey) -> Option<EndpointPlan> {
        let app = self.locals.get(key)?;
        let local = self.world.endpoints.get(key)?;
        let ep = &local.endpoint;
        Some(EndpointPlan {
            key: key.clone(),
            iface: local.iface.clone(),
            kind: local.kind,
            addresses: ep.ips.iter().map(|ip| IpNet::from(*ip)).collect(),
            allowed_sources: local.allowed_sources.clone(),
            ingress: dir_plan(&self.order, &app.ingress, &ep.profiles, &self.world),
            egress: dir_plan(&self.order, &app.egress, &ep.profiles, &self.world),
        })
    }

    /// Rebuilds endpoint `key`'s plan; records what changed and which
    /// policies' and profiles' use may have changed.
    fn replan_endpoint(
        &mut self,
        key: &EndpointKey,
        ch: &mut Changes,
        policies: &mut BTreeSet<PolicyKey>,
        profiles: &mut BTreeSet<String>,
    ) {
        let old = self.plan_of(key).cloned();
        let new = self.endpoint_plan(key);
        if old == new {
            return;
        }
        if let Some(o) = &old {
            self.count_uses(o, -1, policies, profiles);
            self.plan.endpoints.remove(&o.iface);
            self.remove_kernel_state(o, ch);
            ch.endpoints.insert(o.iface.clone());
        }
        if let Some(n) = new {
            self.count_uses(&n, 1, policies, profiles);
            ch.endpoints.insert(n.iface.clone());
            if let Some(displaced) = self.plan.endpoints.remove(&n.iface) {
                // Two endpoints claim one interface: the later record wins.
                self.count_uses(&displaced, -1, policies, profiles);
                self.remove_kernel_state(&displaced, ch);
            }
            self.add_kernel_state(&n, ch);
            self.plan.endpoints.insert(n.iface.clone(), n);
        }
    }

    /// Adds (`delta` 1) or removes (-1) an endpoint plan's uses of policies
    /// and profiles.
    fn count_uses(
        &mut self,
        p: &EndpointPlan,
        delta: isize,
        policies: &mut BTreeSet<PolicyKey>,
        profiles: &mut BTreeSet<String>,
    ) {
        for (dir, dp) in [(0, &p.ingress), (1, &p.egress)] {
            for key in dp.tiers.iter().flat_map(|t| t.policies.iter()) {
                let users = self.policy_users.entry(key.clone()).or_default();
                users[dir] = users[dir].saturating_add_signed(delta);
                policies.insert(key.clone());
            }
        }
        let names: BTreeSet<&String> = p
            .ingress
            .profiles
            .iter()
            .chain(&p.egress.profiles)
            .collect();
        for name in names {
            let users = self.profile_users.entry(name.clone()).or_default();
            *users = users.saturating_add_signed(delta);
            profiles.insert(name.clone());
        }
    }

    /// Brings `plan.policies[key]` in line with its users and content.
    fn refresh_policy_plan(&mut self, key: &PolicyKey, ch: &mut Changes) {
        let users = self.policy_users.get(key).copied().unwrap_or_default();
        if users == [0, 0] {
            self.policy_users.remove(key);
        }
        let new = match (self.world.resources.policies.get(key), users) {
            (Some(p), [i, e]) if i > 0 || e > 0 => Some(PolicyPlan {
                policy: p.clone(),
                ingress: i > 0,
                egress: e > 0,
            }),
            _ => None,
        };
        if self.plan.policies.get(key) == new.as_ref() {
            return;
        }
        ch.policies.insert(key.clone());
        let needs = new.as_ref().map(sets::policy_needs).unwrap_or_default();
        match new {
            Some(p) => self.plan.policies.insert(key.clone(), p),
            None => self.plan.policies.remove(key),
        };
        self.set_owner_needs(RuleOwner::Policy(key.clone()), needs, ch);
    }

    /// Brings `plan.profiles[name]` in line with its users.
    fn refresh_profile_plan(&mut self, name: &str, ch: &mut Changes) {
        let users = self.profile_users.get(name).copied().unwrap_or_default();
        if users == 0 {
            self.profile_users.remove(name);
        }
        let new = self
            .world
            .resources
            .profiles
            .get(name)
            .filter(|_| users > 0)
            .cloned();
        if self.plan.profiles.get(name) == new.as_ref() {
            return;
        }
        ch.profiles.insert(name.to_string());
        let needs = new.as_ref().map(sets::profile_needs).unwrap_or_default();
        match new {
            Some(p) => self.plan.profiles.insert(name.to_string(), p),
            None => self.plan.profiles.remove(name),
        };
        self.set_owner_needs(RuleOwner::Profile(name.to_string()), needs, ch);
    }

    /// Adds an endpoint plan's routes and sysctls to the plan.
    fn add_kernel_state(&mut self, p: &EndpointPlan, ch: &mut Changes) {
        let (routes, sysctls) = rebuild::endpoint_kernel_state(p);
        ch.routes |= !routes.is_empty();
        ch.sysctls |= !sysctls.is_empty();
        self.plan.routes.extend(routes);
        self.plan.sysctls.extend(sysctls);
    }

    /// Takes an endpoint plan's routes and sysctls out of the plan.
    fn remove_kernel_state(&mut self, p: &EndpointPlan, ch: &mut Changes) {
        let (routes, sysctls) = rebuild::endpoint_kernel_state(p);
        for r in &routes {
            ch.routes |= self.plan.routes.remove(r);
        }
        for (k, _) in &sysctls {
            ch.sysctls |= self.plan.sysctls.remove(k).is_some();
        }
    }

    /// The blackholes of owned blocks.
    fn refresh_blocks(&mut self, ch: &mut Changes) {
        let want = rebuild::block_routes(&self.world);
        let have: BTreeSet<RouteSpec> = self
            .plan
            .routes
            .iter()
            .filter(|r| r.iface.is_none())
            .cloned()
            .collect();
        if want != have {
            ch.routes = true;
            self.plan.routes.retain(|r| r.iface.is_some());
            self.plan.routes.extend(want);
        }
    }
}

/// A namespace's labels as `namespaceSelector` sees them (a namespace
/// without a resource has only its name labels).
fn ns_lookup(namespaces: &BTreeMap<String, Labels>) -> impl Fn(&str) -> Labels + '_ {
    |ns| {
        namespaces
            .get(ns)
            .cloned()
            .unwrap_or_else(|| namespace_labels_of(ns, None))
    }
}

/// True when `e` is an endpoint of this node felix programs: it has an
/// interface of its own (not the `*` of an all-interfaces host endpoint) whose
/// name can be written into rules. Any other name gets no dispatch entry, so
/// its traffic meets the drop for unknown interfaces.
fn is_programmed(world: &World, e: &LocalEndpoint) -> bool {
    e.node == world.node && is_interface_name(&e.iface)
}

#[cfg(test)]
mod tests;
