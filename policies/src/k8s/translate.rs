//! Kubernetes NetworkPolicy → Calico-shaped NetworkPolicy, the way Calico
//! translates it.
//!
//! - name `knp.default.<name>`, same namespace, tier `default`, order 1000;
//! - `podSelector` → `selector`; a peer's `podSelector` → rule `selector`,
//!   its `namespaceSelector` → rule `namespaceSelector` (empty → `all()`);
//! - a peer with only a `namespaceSelector` selects every endpoint of those
//!   namespaces (`selector: all()`), so a bare IP never matches a pod peer;
//! - `ipBlock.cidr` → `nets`, `except` → `notNets`;
//! - ports are grouped by protocol (missing protocol → TCP), one rule per
//!   protocol × peer, `endPort` → `"port:endPort"`, named ports kept;
//! - absent or empty `from`/`to` matches every peer, absent or empty
//!   `ports` every port (and protocol);
//! - `policyTypes` absent → what the API server would default: Ingress, plus
//!   Egress when there are egress rules.
//!
//! Deviation: Calico also adds `projectcalico.org/orchestrator == 'k8s'` to
//! pod selectors; Terrace endpoints need not come from Kubernetes, so the
//! namespace scoping alone restricts the policy.

use std::collections::BTreeMap;

use ipnet::IpNet;

use super::raw::{K8sNetworkPolicy, K8sPeer, K8sPort, LabelSelector};
use crate::model::Policy;
use crate::raw::{NumOrString, RawEntityRule, RawMetadata, RawPolicySpec, RawResource, RawRule};
use crate::selector::{Expr, Selector};
use crate::validate::{FieldPath, ValidationErrors};

/// Prefix Calico gives translated Kubernetes policies.
pub const K8S_POLICY_PREFIX: &str = "knp.default.";
/// Order Calico gives translated Kubernetes policies.
pub const K8S_POLICY_ORDER: f64 = 1000.0;

/// Translates and validates a Kubernetes NetworkPolicy.
pub fn translate(k8s: &K8sNetworkPolicy) -> Result<Policy, ValidationErrors> {
    let calico = to_calico(k8s)?;
    Policy::try_from(calico)
}

/// The Calico-shaped document Terrace stores for a Kubernetes policy.
pub fn to_calico(k8s: &K8sNetworkPolicy) -> Result<RawResource<RawPolicySpec>, ValidationErrors> {
    let mut errs = ValidationErrors::default();
    let spec_path = FieldPath::root("spec");
    let selector = label_selector(
        &k8s.spec.pod_selector,
        &spec_path.field("podSelector"),
        &mut errs,
    );
    let mut ingress = Vec::new();
    for (i, r) in k8s.spec.ingress.iter().enumerate() {
        let p = spec_path.field("ingress").index(i);
        ingress.extend(rules(&r.from, &r.ports, true, &p, "from", &mut errs));
    }
    let mut egress = Vec::new();
    for (i, r) in k8s.spec.egress.iter().enumerate() {
        let p = spec_path.field("egress").index(i);
        egress.extend(rules(&r.to, &r.ports, false, &p, "to", &mut errs));
    }
    let types = match &k8s.spec.policy_types {
        Some(list) => list.clone(),
        None if k8s.spec.egress.is_empty() => vec!["Ingress".to_string()],
        None => vec!["Ingress".to_string(), "Egress".to_string()],
    };
    let metadata = RawMetadata {
        name: format!("{K8S_POLICY_PREFIX}{}", k8s.metadata.name),
        namespace: Some(
            k8s.metadata
                .namespace
                .clone()
                .unwrap_or_else(|| "default".into()),
        ),
        labels: k8s.metadata.labels.clone(),
        annotations: k8s.metadata.annotations.clone(),
        ..RawMetadata::default()
    };
    let spec = RawPolicySpec {
        order: Some(K8S_POLICY_ORDER),
        selector: Some(selector.to_string()),
        types: Some(types),
        ingress,
        egress,
        ..RawPolicySpec::default()
    };
    let raw = RawResource {
        api_version: crate::raw::API_VERSION.into(),
        kind: "NetworkPolicy".into(),
        metadata,
        spec,
    };
    errs.into_result(raw)
}

/// One Calico rule per protocol × peer, as Calico does.
fn rules(
    peers: &[K8sPeer],
    ports: &[K8sPort],
    ingress: bool,
    path: &FieldPath,
    peers_field: &str,
    errs: &mut ValidationErrors,
) -> Vec<RawRule> {
    let by_proto = group_ports(ports, &path.field("ports"), errs);
    let peer_fields: Vec<RawEntityRule> = if peers.is_empty() {
        vec![RawEntityRule::default()]
    } else {
        let pp = path.field(peers_field);
        peers
            .iter()
            .enumerate()
            .map(|(i, p)| peer(p, &pp.index(i), errs))
            .collect()
    };
    let mut out = Vec::new();
    for (proto, port_list) in by_proto {
        for peer_rule in &peer_fields {
            let ports_only = RawEntityRule {
                ports: port_list.clone(),
                ..RawEntityRule::default()
            };
            let (source, destination) = if ingress {
                (peer_rule.clone(), ports_only)
            } else {
                (
                    RawEntityRule::default(),
                    RawEntityRule {
                        ports: port_list.clone(),
                        ..peer_rule.clone()
                    },
                )
            };
            out.push(RawRule {
                action: "Allow".into(),
                protocol: proto.clone().map(NumOrString::Str),
                source,
                destination,
                ..RawRule::default()
            });
        }
    }
    out
}

/// Groups ports by protocol; `None` protocol means "no port restriction at
/// all" and swallows everything else. An empty port list for a protocol
/// means every port of it.
fn group_ports(
    ports: &[K8sPort],
    path: &FieldPath,
    errs: &mut ValidationErrors,
) -> BTreeMap<Option<String>, Vec<NumOrString>> {
    let mut out: BTreeMap<Option<String>, Vec<NumOrString>> = BTreeMap::new();
    if ports.is_empty() {
        out.insert(None, Vec::new());
        return out;
    }
    let mut all_ports: Vec<String> = Vec::new();
    for (i, p) in ports.iter().enumerate() {
        let pp = path.index(i);
        let proto = p.protocol.clone().unwrap_or_else(|| "TCP".to_string());
        if !matches!(proto.as_str(), "TCP" | "UDP" | "SCTP") {
            errs.push(
                &pp.field("protocol"),
                format!("unsupported protocol {proto:?}: expected TCP, UDP or SCTP"),
            );
        }
        match port_value(p, &pp, errs) {
            None => {
                all_ports.push(proto.clone());
                out.insert(Some(proto), Vec::new());
            }
            Some(v) if !all_ports.contains(&proto) => {
                let list = out.entry(Some(proto)).or_default();
                if !list.contains(&v) {
                    list.push(v);
                }
            }
            Some(_) => {}
        }
    }
    out
}

/// The Calico port value for one Kubernetes port entry, or `None` for
/// "every port".
fn port_value(p: &K8sPort, path: &FieldPath, errs: &mut ValidationErrors) -> Option<NumOrString> {
    let port = p.port.as_ref()?;
    match (port, p.end_port) {
        (NumOrString::Num(n), None) if (1..=65535).contains(n) => Some(NumOrString::Num(*n)),
        (NumOrString::Num(n), Some(end))
            if (1..=65535).contains(n) && (*n..=65535).contains(&end) =>
        {
            Some(NumOrString::Str(format!("{n}:{end}")))
        }
        (NumOrString::Num(n), Some(end)) if (1..=65535).contains(n) => {
            errs.push(
                &path.field("endPort"),
                format!("endPort {end} must be between port {n} and 65535"),
            );
            None
        }
        (NumOrString::Num(n), _) => {
            errs.push(&path.field("port"), format!("port {n} must be 1-65535"));
            None
        }
        (NumOrString::Str(name), None) => Some(NumOrString::Str(name.clone())),
        (NumOrString::Str(_), Some(_)) => {
            errs.push(&path.field("endPort"), "endPort needs a numeric port");
            None
        }
    }
}

fn peer(p: &K8sPeer, path: &FieldPath, errs: &mut ValidationErrors) -> RawEntityRule {
    if let Some(block) = &p.ip_block {
        if p.pod_selector.is_some() || p.namespace_selector.is_some() {
            errs.push(
                path,
                "ipBlock cannot be combined with podSelector or namespaceSelector",
            );
        }
        let bp = path.field("ipBlock");
        let cidr = block.cidr.parse::<IpNet>();
        if cidr.is_err() {
            errs.push(
                &bp.field("cidr"),
                format!("{:?} is not a valid CIDR", block.cidr),
            );
        }
        for (i, e) in block.except.iter().enumerate() {
            match (e.parse::<IpNet>(), &cidr) {
                (Ok(ex), Ok(c)) if !c.contains(&ex) || ex == c.trunc() => errs.push(
                    &bp.field("except").index(i),
                    format!("{e} must be strictly within {}", block.cidr),
                ),
                (Err(_), _) => errs.push(
                    &bp.field("except").index(i),
                    format!("{e:?} is not a valid CIDR"),
                ),
                _ => {}
            }
        }
        return RawEntityRule {
            nets: vec![block.cidr.clone()],
            not_nets: block.except.clone(),
            ..RawEntityRule::default()
        };
    }
    let selector = match &p.pod_selector {
        Some(s) => label_selector(s, &path.field("podSelector"), errs),
        None => Selector::all(),
    };
    let namespace_selector = p
        .namespace_selector
        .as_ref()
        .map(|s| label_selector(s, &path.field("namespaceSelector"), errs).to_string());
    if p.pod_selector.is_none() && p.namespace_selector.is_none() {
        errs.push(
            path,
            "a peer needs podSelector, namespaceSelector or ipBlock",
        );
    }
    RawEntityRule {
        selector: Some(selector.to_string()),
        namespace_selector,
        ..RawEntityRule::default()
    }
}

/// Kubernetes label selector → selector (empty → `all()`).
pub fn label_selector(
    s: &LabelSelector,
    path: &FieldPath,
    errs: &mut ValidationErrors,
) -> Selector {
    let mut terms: Vec<Expr> = s
        .match_labels
        .iter()
        .map(|(k, v)| Expr::Eq(k.clone(), v.clone()))
        .collect();
    for (i, req) in s.match_expressions.iter().enumerate() {
        let p = path.field("matchExpressions").index(i);
        let values = req.values.iter().cloned().collect();
        let key = req.key.clone();
        let needs_values = matches!(req.operator.as_str(), "In" | "NotIn");
        if needs_values == req.values.is_empty() {
            let msg = if needs_values {
                "values must be non-empty for In and NotIn"
            } else {
                "values must be empty for Exists and DoesNotExist"
            };
            errs.push(&p.field("values"), msg);
        }
        terms.push(match req.operator.as_str() {
            "In" => Expr::In(key, values),
            "NotIn" => Expr::NotIn(key, values),
            "Exists" => Expr::Has(key),
            "DoesNotExist" => Expr::Not(Box::new(Expr::Has(key))),
            other => {
                errs.push(
                    &p.field("operator"),
                    format!(
                        "unknown operator {other:?}: expected In, NotIn, Exists or DoesNotExist"
                    ),
                );
                continue;
            }
        });
    }
    match terms.len() {
        0 => Selector::all(),
        1 => Selector::from_expr(terms.remove(0)),
        _ => Selector::from_expr(Expr::And(terms)),
    }
}
