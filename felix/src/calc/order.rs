//! Per endpoint and direction: which tiers and policies apply, in order
//! (Calico's rules, as the reference evaluator applies them).

use std::collections::BTreeMap;

use policies::eval::{Direction, Endpoint, Evaluator};
use policies::model::{Policy, Tier, TierDefaultAction};

/// Unset orders sort after every number.
fn order_key(order: Option<f64>) -> f64 {
    order.unwrap_or(f64::INFINITY)
}

/// True when `policy` applies to `ep` (with effective labels `labels`) in `dir`.
pub fn applies(
    ev: &Evaluator,
    policy: &Policy,
    ep: &Endpoint,
    labels: &BTreeMap<String, String>,
    dir: Direction,
) -> bool {
    let wants = match dir {
        Direction::Ingress => policy.types.ingress,
        Direction::Egress => policy.types.egress,
    };
    if !wants {
        return false;
    }
    if let Some(ns) = &policy.namespace
        && ep.key.namespace.as_ref() != Some(ns)
    {
        return false;
    }
    if let Some(ns_sel) = &policy.namespace_selector {
        let ok = ep
            .key
            .namespace
            .as_ref()
            .is_some_and(|ns| ns_sel.matches(&ev.namespace_labels(ns)));
        if !ok {
            return false;
        }
    }
    policy.selector.matches(labels)
}

/// Policies grouped by tier, each group sorted by order then qualified name,
/// tiers in evaluation order. Policies of tiers that do not exist are left
/// out (the evaluator ignores them too).
pub fn tiers_with_policies(ev: &Evaluator) -> Vec<(Tier, Vec<&Policy>)> {
    let tiers = ev.ordered_tiers();
    tiers
        .into_iter()
        .map(|tier| {
            let mut pols: Vec<&Policy> = ev.policies().filter(|p| p.tier == tier.name).collect();
            pols.sort_by(|a, b| {
                order_key(a.order)
                    .total_cmp(&order_key(b.order))
                    .then_with(|| a.qualified_name().cmp(&b.qualified_name()))
            });
            (tier, pols)
        })
        .collect()
}

/// One tier as one endpoint/direction sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedTier {
    /// Tier name.
    pub name: String,
    /// Drop at the end of the tier when no policy decided.
    pub default_deny: bool,
    /// Applicable policies, by (namespace, name), in order.
    pub policies: Vec<(Option<String>, String)>,
}

/// The tiers with at least one policy applying to `ep` in `dir`.
pub fn applied_tiers(
    ev: &Evaluator,
    ordered: &[(Tier, Vec<&Policy>)],
    ep: &Endpoint,
    labels: &BTreeMap<String, String>,
    dir: Direction,
) -> Vec<AppliedTier> {
    ordered
        .iter()
        .filter_map(|(tier, pols)| {
            let policies: Vec<(Option<String>, String)> = pols
                .iter()
                .filter(|p| applies(ev, p, ep, labels, dir))
                .map(|p| (p.namespace.clone(), p.name.clone()))
                .collect();
            (!policies.is_empty()).then(|| AppliedTier {
                name: tier.name.clone(),
                default_deny: tier.default_action == TierDefaultAction::Deny,
                policies,
            })
        })
        .collect()
}
