//! Loading of the policy kinds, whose shapes, validation and Kubernetes
//! translation live in the `policies` crate; this maps its results onto
//! [`Object`]s and its positions onto the stream.

use super::{
    document::Header,
    kind::Kind,
    locate::locate,
    meta::ObjectMeta,
    object::Object,
    stream::{DocError, SourceDoc},
};
use policies::document::{DocumentError, Problem, parse_documents};

/// Validates a policy-kind document with the `policies` crate.
pub(super) fn load(doc: &SourceDoc, header: &Header, kind: Kind) -> Result<Object, Vec<DocError>> {
    let parsed = parse_documents(&doc.text).into_iter().next();
    let document = match parsed {
        Some(Ok(document)) => document,
        Some(Err(error)) => return Err(problem_errors(doc, &error)),
        None => return Err(vec![doc.error("empty document")]),
    };
    let stored: serde_json::Value = serde_json::to_value(&document.stored)
        .map_err(|e| vec![doc.error(format!("cannot convert {kind} to JSON: {e}"))])?;
    let metadata: ObjectMeta =
        serde_json::from_value(stored.get("metadata").cloned().unwrap_or_default())
            .map_err(|e| vec![doc.error(format!("metadata: {e}"))])?;
    // A translated Kubernetes policy is stored as the Calico NetworkPolicy it became.
    let stored_kind = stored
        .get("kind")
        .and_then(|k| k.as_str())
        .and_then(|k| k.parse().ok())
        .unwrap_or(header.kind);
    let spec = stored
        .get("spec")
        .cloned()
        .unwrap_or(serde_json::Value::Object(Default::default()));
    Ok(Object::new(stored_kind, metadata, spec))
}

/// One located error per problem; validation problems each at their field's line.
fn problem_errors(doc: &SourceDoc, error: &DocumentError) -> Vec<DocError> {
    let at = |line: Option<usize>, column: Option<usize>, message: String| DocError {
        source: doc.source.clone(),
        line: doc.first_line + line.unwrap_or(1).saturating_sub(1),
        column,
        message,
    };
    match &error.problem {
        Problem::Invalid(errors) => errors
            .errors()
            .iter()
            .map(|e| {
                let (line, column) = locate(&doc.text, e.path.as_str())
                    .map_or((None, None), |(l, c)| (Some(l), Some(c)));
                at(line, column, e.to_string())
            })
            .collect(),
        Problem::Yaml(m) | Problem::Envelope(m) | Problem::ApiVersion(m) => {
            vec![at(error.line, error.column, m.clone())]
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{Kind, load::load_document, stream::split_documents};

    fn load(text: &str) -> Result<crate::Object, Vec<super::DocError>> {
        load_document(&split_documents("p.yaml", text)[0], None)
    }

    #[test]
    fn a_calico_network_policy_loads_with_its_namespace_defaulted() {
        let text = "apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata:\n  name: allow-web\nspec:\n  selector: app == 'web'\n  ingress:\n    - action: Allow\n      protocol: TCP\n      destination:\n        ports: [80]\n";
        let object = load(text).unwrap();
        assert_eq!(object.kind, Kind::NetworkPolicy);
        assert_eq!(object.api_version, "terrace.io/v1");
        assert_eq!(object.metadata.namespace.as_deref(), Some("default"));
        assert!(object.spec.get("ingress").is_some());
    }

    #[test]
    fn invalid_rules_point_at_their_field() {
        let text = "apiVersion: terrace.io/v1\nkind: GlobalNetworkPolicy\nmetadata:\n  name: bad\nspec:\n  ingress:\n    - action: Allow\n      destination:\n        ports: [80]\n";
        let errors = load(text).unwrap_err();
        assert!(errors[0].message.contains("spec.ingress[0]"), "{errors:?}");
        assert!(errors[0].line >= 7, "{errors:?}");
    }

    #[test]
    fn a_kubernetes_network_policy_is_stored_translated() {
        let text = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: deny-all\n  namespace: shop\nspec:\n  podSelector: {}\n  policyTypes: [Ingress]\n";
        let object = load(text).unwrap();
        assert_eq!(object.kind, Kind::NetworkPolicy);
        assert_eq!(object.metadata.namespace.as_deref(), Some("shop"));
        assert_ne!(object.metadata.name, "", "translated name");
    }

    #[test]
    fn unknown_policy_fields_are_rejected() {
        let text = "apiVersion: terrace.io/v1\nkind: GlobalNetworkPolicy\nmetadata:\n  name: x\nspec:\n  selectr: all()\n";
        let errors = load(text).unwrap_err();
        assert!(errors[0].to_string().contains("selectr"), "{errors:?}");
    }
}
