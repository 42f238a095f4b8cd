//! Turns source documents into validated [`Object`]s: header check, typed parse
//! (with the stream position of any syntax or unknown-field error), the kind's
//! validation (with field paths), namespace defaulting.

use super::{
    BGPConfigurationSpec, BGPPeerSpec, FelixConfigurationSpec, HostEndpointSpec, IPPoolSpec,
    NodeSpec, WorkloadEndpointSpec,
    document::{Header, Typed, read_header},
    field_error::FieldError,
    kind::Kind,
    locate::locate,
    meta::check_name,
    object::Object,
    stream::{DocError, SourceDoc},
};
use serde::{Serialize, de::DeserializeOwned};

/// Namespace used for namespaced documents that name none and get no default.
pub const DEFAULT_NAMESPACE: &str = "default";

/// Parses and validates one document; every problem found is returned.
pub fn load_document(
    doc: &SourceDoc,
    default_namespace: Option<&str>,
) -> Result<Object, Vec<DocError>> {
    let header = read_header(doc).map_err(|e| vec![e])?;
    let mut object = match header.kind {
        Kind::IPPool => typed::<IPPoolSpec>(doc, &header, IPPoolSpec::validate),
        Kind::BGPPeer => typed::<BGPPeerSpec>(doc, &header, BGPPeerSpec::validate),
        Kind::BGPConfiguration => {
            typed::<BGPConfigurationSpec>(doc, &header, BGPConfigurationSpec::validate)
        }
        Kind::Node => typed::<NodeSpec>(doc, &header, NodeSpec::validate),
        Kind::FelixConfiguration => {
            typed::<FelixConfigurationSpec>(doc, &header, FelixConfigurationSpec::validate)
        }
        Kind::WorkloadEndpoint => {
            typed::<WorkloadEndpointSpec>(doc, &header, WorkloadEndpointSpec::validate)
        }
        Kind::HostEndpoint => typed::<HostEndpointSpec>(doc, &header, HostEndpointSpec::validate),
        policy_kind => super::policy_kinds::load(doc, &header, policy_kind),
    }?;
    scope(doc, &mut object, default_namespace)?;
    Ok(object)
}

/// Parses the document as `Typed<S>`, validates the spec and builds the object.
pub(super) fn typed<S: DeserializeOwned + Serialize>(
    doc: &SourceDoc,
    header: &Header,
    validate: impl Fn(&S) -> Result<(), Vec<FieldError>>,
) -> Result<Object, Vec<DocError>> {
    let parsed: Typed<S> = doc.parse().map_err(|e| vec![e])?;
    validate(&parsed.spec).map_err(|errors| field_errors(doc, errors))?;
    let spec =
        serde_json::to_value(&parsed.spec).map_err(|e| vec![doc.error(format!("spec: {e}"))])?;
    Ok(Object::new(header.kind, parsed.metadata, spec))
}

/// Field errors located at their field's line in the stream when it can be found.
pub(super) fn field_errors(doc: &SourceDoc, errors: Vec<FieldError>) -> Vec<DocError> {
    errors
        .into_iter()
        .map(|e| {
            let mut located = doc.error(e.to_string());
            if let Some((line, column)) = locate(&doc.text, &e.path) {
                located.line = doc.first_line + line - 1;
                located.column = Some(column);
            }
            located
        })
        .collect()
}

fn scope(
    doc: &SourceDoc,
    object: &mut Object,
    default_namespace: Option<&str>,
) -> Result<(), Vec<DocError>> {
    let kind = object.kind;
    let meta = &mut object.metadata;
    let mut errors = Vec::new();
    if let Err(e) = check_name(&meta.name) {
        errors.push(doc.error(format!("metadata.name: {e}")));
    }
    if kind.is_namespaced() {
        let ns = meta
            .namespace
            .clone()
            .or(default_namespace.map(str::to_string))
            .unwrap_or(DEFAULT_NAMESPACE.into());
        if let Err(e) = check_name(&ns) {
            errors.push(doc.error(format!("metadata.namespace: {e}")));
        }
        meta.namespace = Some(ns);
    } else if meta.namespace.is_some() {
        errors.push(doc.error(format!(
            "metadata.namespace: {kind} is not namespaced; remove the namespace"
        )));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stream::split_documents;

    fn load(text: &str) -> Result<Object, Vec<DocError>> {
        load_document(&split_documents("t.yaml", text)[0], None)
    }

    #[test]
    fn a_valid_calico_pool_loads_as_a_terrace_object() {
        let obj = load("apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: pool-a}\nspec: {cidr: 10.65.0.0/16, natOutgoing: true}\n").unwrap();
        assert_eq!(obj.api_version, "terrace.io/v1");
        assert_eq!(obj.spec["natOutgoing"], serde_json::json!(true));
    }

    #[test]
    fn validation_errors_name_the_file_line_and_field() {
        let err = load("apiVersion: terrace.io/v1\nkind: IPPool\nmetadata: {name: p}\nspec: {cidr: 10.65.0.1/16}\n").unwrap_err();
        assert_eq!(
            err[0].to_string(),
            "t.yaml:4:8: spec.cidr: 10.65.0.1/16 has host bits set; did you mean 10.65.0.0/16?"
        );
    }

    #[test]
    fn namespaces_are_defaulted_and_checked() {
        let text = "apiVersion: terrace.io/v1\nkind: WorkloadEndpoint\nmetadata: {name: w}\nspec: {node: h1, interfaceName: tr1}\n";
        let doc = &split_documents("t", text)[0];
        assert_eq!(
            load_document(doc, Some("shop"))
                .unwrap()
                .metadata
                .namespace
                .as_deref(),
            Some("shop")
        );
        assert_eq!(
            load_document(doc, None)
                .unwrap()
                .metadata
                .namespace
                .as_deref(),
            Some("default")
        );
        let cluster = load(
            "apiVersion: terrace.io/v1\nkind: IPPool\nmetadata: {name: p, namespace: x}\nspec: {cidr: 10.0.0.0/8}\n",
        );
        assert!(cluster.unwrap_err()[0].message.contains("not namespaced"));
    }

    #[test]
    fn bad_names_are_rejected() {
        let err = load("apiVersion: terrace.io/v1\nkind: IPPool\nmetadata: {name: Bad_Name}\nspec: {cidr: 10.0.0.0/8}\n").unwrap_err();
        assert!(err[0].message.starts_with("metadata.name"), "{:?}", err);
    }
}
