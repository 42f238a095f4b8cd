//! Raw resources → validated policies, tiers, profiles, sets, namespaces.

use super::convert_meta::{check_labels, check_name, namespace_of};
use super::convert_rule::{convert_rules, nets, rule_selector};
use super::policy::{
    DEFAULT_TIER, DEFAULT_TIER_ORDER, Namespace, NetworkSet, Policy, PolicyTypes, Profile, Tier,
    TierDefaultAction,
};
use crate::raw::{
    RawNamespaceSpec, RawNetworkSetSpec, RawPolicySpec, RawProfileSpec, RawResource, RawTierSpec,
};
use crate::selector::Selector;
use crate::validate::{FieldPath, ValidationErrors};

/// Calico's defaulting of `types` when the field is absent: Egress alone
/// only when there are egress rules and no ingress rules; both when both
/// are present; otherwise Ingress.
pub(crate) fn default_types(has_ingress: bool, has_egress: bool) -> PolicyTypes {
    match (has_ingress, has_egress) {
        (false, true) => PolicyTypes {
            ingress: false,
            egress: true,
        },
        (true, true) => PolicyTypes {
            ingress: true,
            egress: true,
        },
        _ => PolicyTypes {
            ingress: true,
            egress: false,
        },
    }
}

fn types(spec: &RawPolicySpec, errs: &mut ValidationErrors) -> PolicyTypes {
    let Some(list) = &spec.types else {
        return default_types(!spec.ingress.is_empty(), !spec.egress.is_empty());
    };
    let path = FieldPath::root("spec").field("types");
    let mut t = PolicyTypes::default();
    for (i, ty) in list.iter().enumerate() {
        let slot = match ty.as_str() {
            "Ingress" => &mut t.ingress,
            "Egress" => &mut t.egress,
            other => {
                errs.push(
                    &path.index(i),
                    format!("unknown type {other:?}: expected Ingress or Egress"),
                );
                continue;
            }
        };
        if *slot {
            errs.push(&path.index(i), format!("{ty} is listed twice"));
        }
        *slot = true;
    }
    if !spec.ingress.is_empty() && !t.ingress {
        errs.push(
            &path,
            "ingress rules are present but types does not include Ingress",
        );
    }
    if !spec.egress.is_empty() && !t.egress {
        errs.push(
            &path,
            "egress rules are present but types does not include Egress",
        );
    }
    t
}

/// Fields Terrace rejects rather than silently ignoring.
fn unsupported(spec: &RawPolicySpec, global: bool, errs: &mut ValidationErrors) {
    let spec_path = FieldPath::root("spec");
    if spec.service_account_selector.is_some() {
        errs.push(
            &spec_path.field("serviceAccountSelector"),
            "service-account selection is not supported by terrace",
        );
    }
    if spec.performance_hints.is_some() {
        errs.push(
            &spec_path.field("performanceHints"),
            "performanceHints is not supported by terrace",
        );
    }
    if spec.pre_dnat == Some(true) {
        errs.push(
            &spec_path.field("preDNAT"),
            "preDNAT policy is not supported by terrace",
        );
    }
    if spec.do_not_track == Some(true) {
        errs.push(
            &spec_path.field("doNotTrack"),
            "doNotTrack policy is not supported by terrace",
        );
    }
    if !global {
        for (set, field) in [
            (spec.namespace_selector.is_some(), "namespaceSelector"),
            (spec.apply_on_forward.is_some(), "applyOnForward"),
            (spec.pre_dnat.is_some(), "preDNAT"),
            (spec.do_not_track.is_some(), "doNotTrack"),
        ] {
            if set {
                errs.push(
                    &spec_path.field(field),
                    "only valid in a GlobalNetworkPolicy",
                );
            }
        }
    }
}

impl TryFrom<RawResource<RawPolicySpec>> for Policy {
    type Error = ValidationErrors;

    /// Validates a NetworkPolicy or GlobalNetworkPolicy (by `kind`).
    fn try_from(raw: RawResource<RawPolicySpec>) -> Result<Self, Self::Error> {
        let mut errs = ValidationErrors::default();
        let global = raw.kind == "GlobalNetworkPolicy";
        let spec = &raw.spec;
        check_name(
            &raw.metadata.name,
            true,
            253,
            &FieldPath::root("metadata").field("name"),
            &mut errs,
        );
        let namespace = namespace_of(&raw.metadata, !global, &mut errs);
        unsupported(spec, global, &mut errs);
        let spec_path = FieldPath::root("spec");
        let tier = spec
            .tier
            .clone()
            .unwrap_or_else(|| DEFAULT_TIER.to_string());
        check_name(&tier, false, 63, &spec_path.field("tier"), &mut errs);
        if spec.order.is_some_and(|o| !o.is_finite()) {
            errs.push(&spec_path.field("order"), "order must be a finite number");
        }
        let selector = rule_selector(
            spec.selector.as_deref(),
            &spec_path.field("selector"),
            &mut errs,
        );
        let namespace_selector = spec
            .namespace_selector
            .as_deref()
            .and_then(|s| rule_selector(Some(s), &spec_path.field("namespaceSelector"), &mut errs));
        let types = types(spec, &mut errs);
        let ingress = convert_rules(&spec.ingress, &spec_path.field("ingress"), &mut errs);
        let egress = convert_rules(&spec.egress, &spec_path.field("egress"), &mut errs);
        errs.into_result(Policy {
            name: raw.metadata.name,
            namespace,
            tier,
            order: spec.order,
            selector: selector.unwrap_or_else(Selector::all),
            namespace_selector,
            types,
            ingress,
            egress,
            apply_on_forward: spec.apply_on_forward.unwrap_or(false),
        })
    }
}

impl TryFrom<RawResource<RawTierSpec>> for Tier {
    type Error = ValidationErrors;

    fn try_from(raw: RawResource<RawTierSpec>) -> Result<Self, Self::Error> {
        let mut errs = ValidationErrors::default();
        check_name(
            &raw.metadata.name,
            false,
            63,
            &FieldPath::root("metadata").field("name"),
            &mut errs,
        );
        namespace_of(&raw.metadata, false, &mut errs);
        let spec_path = FieldPath::root("spec");
        if raw.spec.order.is_some_and(|o| !o.is_finite()) {
            errs.push(&spec_path.field("order"), "order must be a finite number");
        }
        let default_action = match raw.spec.default_action.as_deref() {
            None | Some("Deny") => TierDefaultAction::Deny,
            Some("Pass") => TierDefaultAction::Pass,
            Some(other) => {
                errs.push(
                    &spec_path.field("defaultAction"),
                    format!("unknown defaultAction {other:?}: expected Deny or Pass"),
                );
                TierDefaultAction::Deny
            }
        };
        // Calico pins the default tier: fixed order, and it must Deny.
        if raw.metadata.name == DEFAULT_TIER {
            if raw.spec.order.is_some_and(|o| o != DEFAULT_TIER_ORDER) {
                errs.push(
                    &spec_path.field("order"),
                    "the default tier's order is fixed at 1000000",
                );
            }
            if default_action != TierDefaultAction::Deny {
                errs.push(
                    &spec_path.field("defaultAction"),
                    "the default tier's defaultAction must be Deny",
                );
            }
        }
        errs.into_result(Tier {
            name: raw.metadata.name,
            order: raw.spec.order,
            default_action,
        })
    }
}

impl TryFrom<RawResource<RawProfileSpec>> for Profile {
    type Error = ValidationErrors;

    fn try_from(raw: RawResource<RawProfileSpec>) -> Result<Self, Self::Error> {
        let mut errs = ValidationErrors::default();
        check_name(
            &raw.metadata.name,
            true,
            253,
            &FieldPath::root("metadata").field("name"),
            &mut errs,
        );
        namespace_of(&raw.metadata, false, &mut errs);
        let spec_path = FieldPath::root("spec");
        check_labels(
            &raw.spec.labels_to_apply,
            &spec_path.field("labelsToApply"),
            &mut errs,
        );
        let ingress = convert_rules(&raw.spec.ingress, &spec_path.field("ingress"), &mut errs);
        let egress = convert_rules(&raw.spec.egress, &spec_path.field("egress"), &mut errs);
        errs.into_result(Profile {
            name: raw.metadata.name,
            ingress,
            egress,
            labels_to_apply: raw.spec.labels_to_apply,
        })
    }
}

impl TryFrom<RawResource<RawNetworkSetSpec>> for NetworkSet {
    type Error = ValidationErrors;

    /// Validates a NetworkSet or GlobalNetworkSet (by `kind`).
    fn try_from(raw: RawResource<RawNetworkSetSpec>) -> Result<Self, Self::Error> {
        let mut errs = ValidationErrors::default();
        let global = raw.kind == "GlobalNetworkSet";
        let meta_path = FieldPath::root("metadata");
        check_name(
            &raw.metadata.name,
            true,
            253,
            &meta_path.field("name"),
            &mut errs,
        );
        let namespace = namespace_of(&raw.metadata, !global, &mut errs);
        check_labels(&raw.metadata.labels, &meta_path.field("labels"), &mut errs);
        if raw
            .metadata
            .labels
            .contains_key(crate::selector::NAMESPACE_LABEL)
        {
            errs.push(
                &meta_path
                    .field("labels")
                    .field(crate::selector::NAMESPACE_LABEL),
                "this label is set by terrace from the namespace and may not be written",
            );
        }
        let spec_path = FieldPath::root("spec");
        if raw.spec.allowed_egress_domains.is_some() {
            errs.push(
                &spec_path.field("allowedEgressDomains"),
                "domain-based network sets are not supported by terrace",
            );
        }
        let nets = nets(&raw.spec.nets, &spec_path.field("nets"), &mut errs, false);
        errs.into_result(NetworkSet {
            name: raw.metadata.name,
            namespace,
            labels: raw.metadata.labels,
            nets,
        })
    }
}

impl TryFrom<RawResource<RawNamespaceSpec>> for Namespace {
    type Error = ValidationErrors;

    fn try_from(raw: RawResource<RawNamespaceSpec>) -> Result<Self, Self::Error> {
        let mut errs = ValidationErrors::default();
        let meta_path = FieldPath::root("metadata");
        check_name(
            &raw.metadata.name,
            false,
            63,
            &meta_path.field("name"),
            &mut errs,
        );
        namespace_of(&raw.metadata, false, &mut errs);
        check_labels(&raw.metadata.labels, &meta_path.field("labels"), &mut errs);
        errs.into_result(Namespace {
            name: raw.metadata.name,
            labels: raw.metadata.labels,
        })
    }
}
