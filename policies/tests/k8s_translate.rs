//! The shape of the Calico policy a Kubernetes NetworkPolicy becomes, and
//! Calico-documentation-style files applying unchanged.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use policies::document::parse_documents;
use policies::k8s::{K8sNetworkPolicy, to_calico, translate};
use policies::model::{PortSpec, Protocol, Resource};
use policies::raw::NumOrString;

fn example() -> K8sNetworkPolicy {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/k8s-networkpolicy.yaml"
    ))
    .unwrap();
    serde_yaml_ng::from_str(&text).unwrap()
}

#[test]
fn translation_uses_calico_name_order_and_namespace() {
    let raw = to_calico(&example()).unwrap();
    assert_eq!(raw.kind, "NetworkPolicy");
    assert_eq!(raw.metadata.name, "knp.default.allow-web");
    assert_eq!(raw.metadata.namespace.as_deref(), Some("shop"));
    assert_eq!(raw.spec.order, Some(1000.0));
    assert_eq!(raw.spec.selector.as_deref(), Some(r#"app == "frontend""#));
    assert_eq!(
        raw.spec.types.as_deref(),
        Some(&["Ingress".to_string()][..])
    );
}

#[test]
fn one_rule_per_protocol_and_peer_with_ports_grouped() {
    let raw = to_calico(&example()).unwrap();
    // Ports are all TCP (80, 8000-8100, http) and there are two peers.
    assert_eq!(raw.spec.ingress.len(), 2);
    for rule in &raw.spec.ingress {
        assert_eq!(rule.action, "Allow");
        assert_eq!(rule.protocol, Some(NumOrString::Str("TCP".into())));
        assert_eq!(
            rule.destination.ports,
            [
                NumOrString::Num(80),
                NumOrString::Str("8000:8100".into()),
                NumOrString::Str("http".into())
            ]
        );
    }
    let pods = &raw.spec.ingress[0].source;
    assert_eq!(
        pods.selector.as_deref(),
        Some(r#"role in {"client", "monitor"}"#)
    );
    assert_eq!(
        pods.namespace_selector.as_deref(),
        Some(r#"team == "retail""#)
    );
    let block = &raw.spec.ingress[1].source;
    assert_eq!(block.nets, ["10.0.0.0/8"]);
    assert_eq!(block.not_nets, ["10.1.0.0/16"]);
    assert_eq!(block.selector, None);
}

#[test]
fn empty_rule_translates_to_allow_everything_and_default_types_follow_the_api_server() {
    let k8s: K8sNetworkPolicy = serde_yaml_ng::from_str(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: open, namespace: x}\nspec:\n  podSelector: {}\n  ingress: [{}]\n  egress: [{ports: [{protocol: UDP, port: 53}, {protocol: UDP}]}]\n",
    )
    .unwrap();
    let p = translate(&k8s).unwrap();
    assert!(p.types.ingress && p.types.egress);
    assert!(p.selector.is_all());
    let r = &p.ingress[0];
    assert_eq!(
        (
            r.protocol,
            r.source.selector.is_none(),
            r.destination.ports.len()
        ),
        (None, true, 0)
    );
    // "UDP, any port" swallows "UDP 53".
    assert_eq!(p.egress.len(), 1);
    assert_eq!(p.egress[0].protocol, Some(Protocol::UDP));
    assert!(p.egress[0].destination.ports.is_empty());
}

#[test]
fn kubernetes_field_errors_use_kubernetes_paths() {
    let k8s: K8sNetworkPolicy = serde_yaml_ng::from_str(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: bad, namespace: x}\nspec:\n  ingress:\n  - from:\n    - ipBlock: {cidr: 10.0.0.0/8, except: [192.168.0.0/16]}\n    ports:\n    - {port: 90, endPort: 80}\n    - {protocol: ICMP}\n    - {port: 0}\n",
    )
    .unwrap();
    let errs = to_calico(&k8s).unwrap_err();
    let paths: Vec<&str> = errs.errors().iter().map(|e| e.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "spec.ingress[0].ports[0].endPort",
            "spec.ingress[0].ports[1].protocol",
            "spec.ingress[0].ports[2].port",
            "spec.ingress[0].from[0].ipBlock.except[0]",
        ]
    );
}

#[test]
fn calico_docs_style_policy_applies_unchanged() {
    let text = r#"
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: allow-tcp-6379
spec:
  selector: role == 'database'
  types:
  - Ingress
  - Egress
  ingress:
  - action: Allow
    metadata:
      annotations:
        from: frontend
        to: database
    protocol: TCP
    source:
      selector: role == 'frontend'
    destination:
      ports:
      - 6379
  egress:
  - action: Allow
"#;
    let doc = parse_documents(text).remove(0).unwrap();
    let Some(Resource::Policy(p)) = doc.resource else {
        panic!("not a policy")
    };
    assert_eq!(
        p.ingress[0].destination.ports,
        [PortSpec::Range {
            min: 6379,
            max: 6379
        }]
    );
    assert!(p.types.ingress && p.types.egress);
}
