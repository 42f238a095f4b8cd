//! The reference evaluator: "would this packet from A to B be allowed, and
//! by which rule?"
//!
//! Semantics (Calico's):
//! - tiers in `order` (unset last, ties by name); inside a tier, policies
//!   by `order` then name (unset last);
//! - a policy applies to an endpoint when its `types` include the
//!   direction, its selector matches the endpoint's labels and, for a
//!   NetworkPolicy, the endpoint is in the policy's namespace (for a
//!   GlobalNetworkPolicy with `namespaceSelector`, the endpoint's namespace
//!   labels must match it);
//! - rules in order: Allow/Deny are final, Log carries on, Pass skips to
//!   the next tier; a tier with applicable policies that no rule decided
//!   applies its `defaultAction` (Deny, or Pass to the next tier);
//! - after the last tier the endpoint's profiles decide in order; nothing
//!   allows → deny.
//! - Rule selectors match endpoints *and* network sets: an address inside a
//!   network set's nets carries that set's labels (as Calico's IP sets do).
//!   In a NetworkPolicy, `selector` without `namespaceSelector` matches only
//!   in the policy's namespace; `notSelector` is not namespace-scoped.
//! - Endpoint labels are the endpoint's own over its profiles'
//!   `labelsToApply` (earlier profiles win), plus
//!   `projectcalico.org/namespace` for workloads. Namespace labels (for
//!   `namespaceSelector`) are the Namespace resource's labels plus
//!   `projectcalico.org/name` and `kubernetes.io/metadata.name`.
//!
//! Not modelled: host-endpoint failsafe ports, `applyOnForward`
//! distinctions, connection tracking (every packet is judged on its own).

mod endpoint;
mod flow;
mod judge;
mod labels;
mod matching;
mod ordering;
mod resources;
mod store;
mod trace;
mod walk;

pub use endpoint::{Endpoint, EndpointKey, NamedPort};
pub use flow::{Flow, FlowEnd, IcmpInfo};
pub use judge::EvalError;
pub use labels::{
    K8S_NAMESPACE_NAME_LABEL, NAMESPACE_NAME_LABEL, Selected, effective_labels_with,
    namespace_labels_of, network_set_labels,
};
pub use ordering::{order_key, order_tiers, policy_applies, policy_order};
pub use resources::Resources;
pub use store::Evaluator;
pub use trace::{DecidedBy, Decision, Direction, PolicyRef, Trace, Verdict};

#[cfg(test)]
mod tests;
