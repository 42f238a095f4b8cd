//! The engine's named sets: reference counts from the rules that use them,
//! members per entity, and elements recomputed only for sets that changed.

use std::collections::{BTreeMap, BTreeSet};

use policies::model::{Policy, Profile};

use super::{Changes, Engine, RuleOwner, ns_lookup};
use crate::calc::entities::{Entity, EntityRef, Labels};
use crate::calc::label_index::LabelIndex;
use crate::calc::members::{Contribution, Dynamic, Members, elements};
use crate::calc::needs::{SetNeed, SetSource, rules_needs};
use crate::calc::plan::{PolicyPlan, all_pools_set, nat_pools_set};
use crate::sets::{Family, SetDef, SetKind, split};

/// One named set the rules reference.
#[derive(Debug)]
pub(super) struct SetState {
    need: SetNeed,
    dynamic: Option<Dynamic>,
    refs: usize,
    members: Members,
}

/// The sets a used policy's rules reference (only the directions in use).
pub(super) fn policy_needs(pp: &PolicyPlan) -> BTreeMap<String, SetNeed> {
    let p: &Policy = &pp.policy;
    let ingress = p.ingress.iter().filter(|_| pp.ingress);
    let egress = p.egress.iter().filter(|_| pp.egress);
    rules_needs(ingress.chain(egress), p.namespace.as_deref())
}

/// The sets a used profile's rules reference.
pub(super) fn profile_needs(p: &Profile) -> BTreeMap<String, SetNeed> {
    rules_needs(p.ingress.iter().chain(p.egress.iter()), None)
}

impl SetState {
    fn new(need: SetNeed) -> Self {
        Self {
            dynamic: Dynamic::of(&need.source),
            need,
            refs: 0,
            members: Members::new(),
        }
    }

    /// Recomputes `r`'s contribution; true when it changed.
    fn update_member(
        &mut self,
        r: &EntityRef,
        e: Option<&Entity>,
        ns: &dyn Fn(&str) -> Labels,
    ) -> bool {
        let Some(dynamic) = &self.dynamic else {
            return false;
        };
        let new = e
            .map(|e| dynamic.contribution(r, e, ns))
            .filter(|c| !c.is_empty());
        let old = self.members.get(r);
        if old == new.as_ref() {
            return false;
        }
        match new {
            Some(c) => self.members.insert(r.clone(), c),
            None => self.members.remove(r),
        };
        true
    }

    /// The set as the plan holds it.
    fn def(&self) -> SetDef {
        let elements = match &self.need.source {
            SetSource::Nets(elems) => elems.clone(),
            _ => elements(self.members.values()),
        };
        SetDef::new(self.need.kind, elements)
    }
}

impl Engine {
    /// Replaces the sets `owner` references; sets nobody references any
    /// more leave the plan, new ones enter it with their members computed.
    pub(super) fn set_owner_needs(
        &mut self,
        owner: RuleOwner,
        needs: BTreeMap<String, SetNeed>,
        ch: &mut Changes,
    ) {
        let old = self.owner_sets.remove(&owner).unwrap_or_default();
        let names: BTreeSet<String> = needs.keys().cloned().collect();
        for (name, need) in needs {
            if old.contains(&name) {
                continue;
            }
            let state = self
                .sets
                .entry(name.clone())
                .or_insert_with(|| SetState::new(need));
            state.refs += 1;
            if state.refs == 1 {
                let ns = ns_lookup(&self.namespaces);
                for (r, e) in &self.entities {
                    state.update_member(r, Some(e), &ns);
                }
                self.plan.sets.insert(name.clone(), state.def());
                ch.sets.insert(name);
            }
        }
        for name in old.difference(&names) {
            let gone = self.sets.get_mut(name).is_some_and(|s| {
                s.refs = s.refs.saturating_sub(1);
                s.refs == 0
            });
            if gone {
                self.sets.remove(name);
                self.plan.sets.remove(name);
                ch.sets.insert(name.clone());
            }
        }
        if !names.is_empty() {
            self.owner_sets.insert(owner, names);
        }
    }

    /// Updates every set's members for entities that changed.
    pub(super) fn refresh_members(&mut self, changed: &BTreeSet<EntityRef>, ch: &mut Changes) {
        if changed.is_empty() {
            return;
        }
        let ns = ns_lookup(&self.namespaces);
        let mut dirty = Vec::new();
        for (name, state) in &mut self.sets {
            let mut hit = false;
            for r in changed {
                hit |= state.update_member(r, self.entities.get(r), &ns);
            }
            if hit {
                dirty.push(name.clone());
            }
        }
        for name in dirty {
            let Some(def) = self.sets.get(&name).map(SetState::def) else {
                continue;
            };
            if self.plan.sets.get(&name) != Some(&def) {
                self.plan.sets.insert(name.clone(), def);
                ch.sets.insert(name);
            }
        }
    }

    /// The natOutgoing and all-pools sets, and which families masquerade.
    pub(super) fn refresh_pools(&mut self, ch: &mut Changes) {
        let pools = &self.world.pools;
        let nat = split(pools.values().filter(|p| p.nat_outgoing).map(|p| p.cidr));
        let all = split(pools.values().map(|p| p.cidr));
        for fam in Family::BOTH {
            for (name, elems) in [
                (nat_pools_set(fam), nat.get(&fam)),
                (all_pools_set(fam), all.get(&fam)),
            ] {
                let def = SetDef::new(SetKind::Addr(fam), elems.cloned().unwrap_or_default());
                if self.plan.sets.get(&name) != Some(&def) {
                    self.plan.sets.insert(name.clone(), def);
                    ch.sets.insert(name);
                }
            }
        }
        let families: BTreeSet<Family> = Family::BOTH
            .into_iter()
            .filter(|f| nat.get(f).is_some_and(|s| !s.is_empty()))
            .collect();
        if families != self.plan.nat {
            self.plan.nat = families;
            ch.hooks = true;
        }
    }

    /// Fills in every set's members at once (rebuilds): entities with the
    /// same namespace and labels are matched once per set.
    pub(super) fn fill_all_members(&mut self) {
        let mut by_labels: BTreeMap<(&Option<String>, &Labels), Vec<&EntityRef>> = BTreeMap::new();
        for (r, e) in &self.entities {
            by_labels
                .entry((&e.namespace, &e.labels))
                .or_default()
                .push(r);
        }
        let classes: Vec<(&Labels, Vec<&EntityRef>)> =
            by_labels.into_iter().map(|((_, l), m)| (l, m)).collect();
        let index = LabelIndex::new(classes.iter().map(|(l, _)| *l));
        let ns = ns_lookup(&self.namespaces);
        for (name, state) in &mut self.sets {
            let Some(dynamic) = &state.dynamic else {
                self.plan.sets.insert(name.clone(), state.def());
                continue;
            };
            // Named ports depend on each endpoint's ports and addresses,
            // selector sets only on the class (labels, namespace).
            let candidates = match dynamic {
                Dynamic::Selector(m, _) => index.candidates(m.selector()),
                Dynamic::NamedPort(..) => (0..classes.len()).collect(),
            };
            for i in candidates {
                let members = &classes[i].1;
                let Some(e0) = members.first().and_then(|r| self.entities.get(*r)) else {
                    continue;
                };
                if let Dynamic::Selector(m, _) = dynamic
                    && !m.matches(e0, &ns)
                {
                    continue;
                }
                for r in members {
                    if let Some(e) = self.entities.get(*r) {
                        let c: Contribution = dynamic.contribution_if_selected(r, e);
                        if !c.is_empty() {
                            state.members.insert((*r).clone(), c);
                        }
                    }
                }
            }
            self.plan.sets.insert(name.clone(), state.def());
        }
    }

    /// Registers the sets of every used policy and profile without
    /// computing members (rebuilds fill them in at once).
    pub(super) fn register_all_needs(&mut self) {
        let owners: Vec<(RuleOwner, BTreeMap<String, SetNeed>)> = self
            .plan
            .policies
            .iter()
            .map(|(k, pp)| (RuleOwner::Policy(k.clone()), policy_needs(pp)))
            .chain(
                self.plan
                    .profiles
                    .iter()
                    .map(|(n, p)| (RuleOwner::Profile(n.clone()), profile_needs(p))),
            )
            .collect();
        for (owner, needs) in owners {
            let names: BTreeSet<String> = needs.keys().cloned().collect();
            for (name, need) in needs {
                self.sets
                    .entry(name)
                    .or_insert_with(|| SetState::new(need))
                    .refs += 1;
            }
            if !names.is_empty() {
                self.owner_sets.insert(owner, names);
            }
        }
    }
}
