//! Tier and policy order, and one endpoint direction's plan from the set of
//! policies that apply to it.

use std::collections::{BTreeMap, BTreeSet};

use policies::eval::{order_tiers, policy_order};
use policies::model::{Policy, TierDefaultAction};

use crate::calc::plan::{DirPlan, PolicyKey, TierPlan};
use crate::calc::world::World;

/// Every policy's place in the walk: (tier index, index in tier). Policies
/// of tiers that do not exist have none (the evaluator ignores them too).
#[derive(Debug, Clone, Default)]
pub struct PolicyOrder {
    tiers: Vec<(String, bool)>,
    pos: BTreeMap<PolicyKey, (usize, usize)>,
}

impl PolicyOrder {
    /// The order of `world`'s tiers and policies.
    pub fn of(world: &World) -> Self {
        let tiers = order_tiers(world.resources.tiers.values());
        let mut pos = BTreeMap::new();
        for (t, tier) in tiers.iter().enumerate() {
            let mut pols: Vec<&Policy> = world
                .resources
                .policies
                .values()
                .filter(|p| p.tier == tier.name)
                .collect();
            pols.sort_by(|a, b| policy_order(a, b));
            for (i, p) in pols.into_iter().enumerate() {
                pos.insert((p.namespace.clone(), p.name.clone()), (t, i));
            }
        }
        let tiers = tiers
            .into_iter()
            .map(|t| (t.name, t.default_action == TierDefaultAction::Deny))
            .collect();
        Self { tiers, pos }
    }

    /// The tiers of `applicable`, in order, each with its policies in order.
    pub fn tiers_of(&self, applicable: &BTreeSet<PolicyKey>) -> Vec<TierPlan> {
        let mut placed: Vec<((usize, usize), &PolicyKey)> = applicable
            .iter()
            .filter_map(|k| self.pos.get(k).map(|p| (*p, k)))
            .collect();
        placed.sort();
        let mut out: Vec<TierPlan> = Vec::new();
        for ((t, _), key) in placed {
            let (name, default_deny) = &self.tiers[t];
            match out.last_mut() {
                Some(last) if &last.name == name => last.policies.push(key.clone()),
                _ => out.push(TierPlan {
                    name: name.clone(),
                    default_deny: *default_deny,
                    policies: vec![key.clone()],
                }),
            }
        }
        out
    }
}

/// The plan of one direction: applicable policies in order, then the
/// endpoint's profiles that exist.
pub fn dir_plan(
    order: &PolicyOrder,
    applicable: &BTreeSet<PolicyKey>,
    profiles: &[String],
    world: &World,
) -> DirPlan {
    DirPlan {
        tiers: order.tiers_of(applicable),
        profiles: profiles
            .iter()
            .filter(|p| world.resources.profiles.contains_key(*p))
            .cloned()
            .collect(),
    }
}
