//! Multi-document parsing: locations, pass-through of foreign kinds, errors.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use policies::document::{Problem, parse_documents, parse_value};
use policies::model::{Kind, Resource};

const STREAM: &str = "\
apiVersion: terrace.io/v1
kind: Tier
metadata:
  name: security
spec:
  order: 10
---
apiVersion: terrace.io/v1
kind: GlobalNetworkPolicy
metadata:
  name: bad
spec:
  ingress:
    - action: Allow
      destination:
        portz: [80]
---
apiVersion: terrace.io/v1
kind: IPPool
metadata:
  name: pool-a
spec:
  cidr: 10.65.0.0/16
---
apiVersion: terrace.io/v1
kind: GlobalNetworkPolicy
metadata:
  name: worse
spec:
  ingress:
    - action: Allow
      protocol: TCP
      destination:
        ports: [80, 'x:y']
";

#[test]
fn each_document_gets_its_own_result_in_order() {
    let docs = parse_documents(STREAM);
    assert_eq!(docs.len(), 4);
    let tier = docs[0].as_ref().unwrap();
    assert_eq!(tier.line, Some(1));
    assert!(matches!(tier.resource, Some(Resource::Tier(_))));
    assert!(docs[1].is_err());
    let pool = docs[2].as_ref().unwrap();
    assert_eq!(
        (pool.kind.as_str(), pool.name.as_str(), pool.line),
        ("IPPool", "pool-a", Some(18))
    );
    assert!(pool.resource.is_none(), "foreign kinds are passed through");
    assert!(docs[3].is_err());
}

#[test]
fn unknown_field_error_names_the_field_path_line_and_column() {
    let err = parse_documents(STREAM).remove(1).unwrap_err();
    assert_eq!(err.index, 1);
    assert_eq!((err.line, err.column), (Some(16), Some(9)), "{err}");
    assert_eq!(err.kind.as_deref(), Some("GlobalNetworkPolicy"));
    assert_eq!(err.name.as_deref(), Some("bad"));
    let Problem::Yaml(msg) = &err.problem else {
        panic!("{err}")
    };
    assert!(msg.contains("unknown field `portz`"), "{msg}");
    assert!(msg.contains("spec.ingress[0].destination"), "{msg}");
    let shown = err.to_string();
    assert!(
        shown.starts_with("document 2 (GlobalNetworkPolicy bad) line 16 column 9: "),
        "{shown}"
    );
}

#[test]
fn validation_error_points_at_the_document_start_and_field_path() {
    let err = parse_documents(STREAM).remove(3).unwrap_err();
    assert_eq!(err.line, Some(25));
    let Problem::Invalid(errs) = &err.problem else {
        panic!("{err}")
    };
    assert_eq!(
        errs.errors()[0].path.as_str(),
        "spec.ingress[0].destination.ports[1]"
    );
}

#[test]
fn yaml_syntax_error_stops_the_stream_with_a_location() {
    let text = "apiVersion: terrace.io/v1\nkind: Tier\nmetadata: {name: a}\n---\nkind: [unclosed\n";
    let docs = parse_documents(text);
    let err = docs.last().unwrap().as_ref().unwrap_err();
    assert!(matches!(err.problem, Problem::Yaml(_)), "{err}");
    assert!(err.line.is_some_and(|l| l >= 5), "{err}");
}

#[test]
fn missing_kind_is_an_envelope_error() {
    let err = parse_documents("apiVersion: terrace.io/v1\nmetadata: {name: a}\n")
        .remove(0)
        .unwrap_err();
    assert!(matches!(err.problem, Problem::Envelope(_)), "{err}");
}

#[test]
fn policy_kind_under_a_foreign_api_version_is_rejected() {
    let err = parse_documents("apiVersion: example.com/v9\nkind: Tier\nmetadata: {name: a}\n")
        .remove(0)
        .unwrap_err();
    assert!(matches!(err.problem, Problem::ApiVersion(_)), "{err}");
}

#[test]
fn calico_alias_and_json_documents_are_accepted() {
    let json = r#"{"apiVersion": "projectcalico.org/v3", "kind": "NetworkSet",
        "metadata": {"name": "n", "namespace": "x", "labels": {"a": "b"}},
        "spec": {"nets": ["10.0.0.0/8"]}}"#;
    let doc = parse_documents(json).remove(0).unwrap();
    assert_eq!(doc.resource.unwrap().kind(), Kind::NetworkSet);
}

#[test]
fn empty_documents_and_comments_are_skipped() {
    let text =
        "# leading comment\n---\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: x\n---\n";
    let docs = parse_documents(text);
    assert_eq!(docs.len(), 1);
    let doc = docs[0].as_ref().unwrap();
    assert_eq!(doc.line, Some(4));
    assert_eq!(doc.resource.as_ref().unwrap().kind(), Kind::Namespace);
}

#[test]
fn stored_values_validate_without_locations() {
    let value: serde_yaml_ng::Value =
        serde_yaml_ng::from_str("apiVersion: terrace.io/v1\nkind: Tier\nmetadata: {name: t}\nspec: {defaultAction: Maybe}\n").unwrap();
    let err = parse_value(&value).unwrap_err();
    let Problem::Invalid(errs) = &err.problem else {
        panic!("{err}")
    };
    assert_eq!(errs.errors()[0].path.as_str(), "spec.defaultAction");
    assert_eq!(err.column, None);
}

#[test]
fn stored_form_normalises_api_version_and_namespace_and_translates_kubernetes() {
    let text = "apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: p}\n---\n\
                apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: k, namespace: x}\nspec:\n  podSelector: {}\n";
    let docs: Vec<_> = parse_documents(text)
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(docs[0].stored["apiVersion"], "terrace.io/v1");
    assert_eq!(docs[0].stored["metadata"]["namespace"], "default");
    assert_eq!(
        docs[0].value["apiVersion"], "projectcalico.org/v3",
        "value stays as written"
    );
    let k = &docs[1].stored;
    assert_eq!(k["apiVersion"], "terrace.io/v1");
    assert_eq!(k["metadata"]["name"], "knp.default.k");
    assert_eq!(k["spec"]["order"], 1000.0);
    // The stored form is itself a valid document that yields the same policy.
    let again = parse_value(k).unwrap();
    assert_eq!(again.resource, docs[1].resource);
}
