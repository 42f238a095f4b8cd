//! Which policies apply to an endpoint, and in what order tiers and
//! policies are walked. Free functions over plain data, so a dataplane that
//! keeps its own indexes (felix) applies exactly the evaluator's rules.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use super::trace::Direction;
use crate::model::{DEFAULT_TIER, Policy, Tier};

/// Unset orders sort after every number.
pub fn order_key(order: Option<f64>) -> f64 {
    order.unwrap_or(f64::INFINITY)
}

/// Policy order inside a tier: by order (unset last), then qualified name.
pub fn policy_order(a: &Policy, b: &Policy) -> Ordering {
    order_key(a.order)
        .total_cmp(&order_key(b.order))
        .then_with(|| a.qualified_name().cmp(&b.qualified_name()))
}

/// Tiers in evaluation order: by order (unset last), then name; `default`
/// is included even when no Tier resource defines it.
pub fn order_tiers<'a>(tiers: impl IntoIterator<Item = &'a Tier>) -> Vec<Tier> {
    let mut out: Vec<Tier> = tiers.into_iter().cloned().collect();
    if !out.iter().any(|t| t.name == DEFAULT_TIER) {
        out.push(Tier::default_tier());
    }
    out.sort_by(|a, b| {
        order_key(a.order)
            .total_cmp(&order_key(b.order))
            .then_with(|| a.name.cmp(&b.name))
    });
    out
}

/// True when `policy` applies in `dir` to an endpoint of namespace
/// `namespace` whose effective labels are `labels`; `namespace_labels`
/// gives a namespace's labels as `namespaceSelector` sees them.
pub fn policy_applies(
    policy: &Policy,
    namespace: Option<&str>,
    labels: &BTreeMap<String, String>,
    namespace_labels: impl Fn(&str) -> BTreeMap<String, String>,
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
        && namespace != Some(ns.as_str())
    {
        return false;
    }
    if let Some(ns_sel) = &policy.namespace_selector {
        let ok = namespace.is_some_and(|ns| ns_sel.matches(&namespace_labels(ns)));
        if !ok {
            return false;
        }
    }
    policy.selector.matches(labels)
}
