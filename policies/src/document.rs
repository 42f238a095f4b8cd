//! Multi-document YAML (or JSON) text → validated policy resources.
//!
//! Two passes over the text with `serde_yaml_ng::Deserializer`: the first
//! reads each document as a generic value to learn its `apiVersion` and
//! `kind`; the second deserialises the same document straight into the
//! kind's typed shape, so shape errors (unknown fields, wrong types) carry
//! the line and column serde_yaml_ng reports. Value errors come from
//! validation and carry a field path plus the document's first line.
//!
//! Kinds that are not policy kinds (IPPool, BGPPeer, ...) are returned with
//! `resource: None` so the caller can hand them to their own parser.

use std::fmt;

use serde::Deserialize;
use serde_yaml_ng::Value;

use crate::k8s::{self, K8S_NETWORKING_API_VERSION, K8sNetworkPolicy};
use crate::model::{Kind, Namespace, NetworkSet, Policy, Profile, Resource, Tier};
use crate::raw::{
    RawNamespaceSpec, RawNetworkSetSpec, RawPolicySpec, RawProfileSpec, RawResource, RawTierSpec,
};
use crate::stream;
use crate::validate::ValidationErrors;

// Defined with the envelope they appear in, so `k8s` can name them without
// importing this module (which imports `k8s`).
pub use crate::raw::{API_VERSION, CALICO_API_VERSION};

/// One document of a stream.
#[derive(Debug, Clone)]
pub struct Document {
    /// 0-based position among the stream's non-empty documents.
    pub index: usize,
    /// 1-based line where the document starts, when it could be located.
    pub line: Option<usize>,
    /// `apiVersion` as written.
    pub api_version: String,
    /// `kind` as written.
    pub kind: String,
    /// `metadata.name` (for Kubernetes policies, the translated name).
    pub name: String,
    /// `metadata.namespace`, defaulted for namespaced policy kinds.
    pub namespace: Option<String>,
    /// The document as written.
    pub value: Value,
    /// The validated resource; `None` for kinds this crate does not own.
    pub resource: Option<Resource>,
    /// What to store for a policy kind: the document with `apiVersion`
    /// `terrace.io/v1` and the defaulted namespace; for a Kubernetes
    /// NetworkPolicy, its Calico-style translation. Equal to `value` for
    /// kinds this crate does not own.
    pub stored: Value,
}

/// What went wrong with one document.
#[derive(Debug, Clone, PartialEq)]
pub enum Problem {
    /// Not valid YAML, or the wrong shape (unknown field, wrong type).
    Yaml(String),
    /// `apiVersion` or `kind` missing or not a string.
    Envelope(String),
    /// A policy kind under an apiVersion that does not serve it.
    ApiVersion(String),
    /// Shape was right but values are not.
    Invalid(ValidationErrors),
}

/// A document that could not be turned into a resource.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct DocumentError {
    /// 0-based document position.
    pub index: usize,
    /// 1-based line of the problem (or of the document start).
    pub line: Option<usize>,
    /// 1-based column of the problem, when known.
    pub column: Option<usize>,
    /// `kind`, when it could be read.
    pub kind: Option<String>,
    /// `metadata.name`, when it could be read.
    pub name: Option<String>,
    /// The problem.
    pub problem: Problem,
}

impl fmt::Display for DocumentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "document {}", self.index + 1)?;
        match (&self.kind, &self.name) {
            (Some(k), Some(n)) => write!(f, " ({k} {n})")?,
            (Some(k), None) => write!(f, " ({k})")?,
            _ => {}
        }
        if let Some(line) = self.line {
            write!(f, " line {line}")?;
        }
        if let Some(col) = self.column {
            write!(f, " column {col}")?;
        }
        match &self.problem {
            Problem::Yaml(m) | Problem::Envelope(m) | Problem::ApiVersion(m) => write!(f, ": {m}"),
            Problem::Invalid(errs) => write!(f, ": {errs}"),
        }
    }
}

/// Parses every document of `text`. The result has one entry per
/// non-empty document, in order; a YAML syntax error ends the stream.
pub fn parse_documents(text: &str) -> Vec<Result<Document, DocumentError>> {
    let starts = stream::document_start_lines(text);
    let mut out = Vec::new();
    let mut typed = serde_yaml_ng::Deserializer::from_str(text);
    for (raw_index, de) in serde_yaml_ng::Deserializer::from_str(text).enumerate() {
        let typed_de = typed.next();
        let value = match Value::deserialize(de) {
            Ok(Value::Null) => continue,
            Ok(v) => v,
            Err(e) => {
                out.push(Err(yaml_error(out.len(), None, None, &e)));
                break;
            }
        };
        let line = starts.get(raw_index).copied();
        let index = out.len();
        out.push(match typed_de {
            Some(de) => build(index, line, value, de),
            None => Err(envelope_error(
                index,
                line,
                "document vanished on the second pass".into(),
            )),
        });
    }
    out
}

/// Validates one document already held as a value (for example read back
/// from the datastore). Shape errors carry no line numbers.
pub fn parse_value(value: &Value) -> Result<Document, DocumentError> {
    build(0, None, value.clone(), value.clone())
}

fn build<'de, D>(
    index: usize,
    line: Option<usize>,
    value: Value,
    de: D,
) -> Result<Document, DocumentError>
where
    D: serde::Deserializer<'de, Error = serde_yaml_ng::Error>,
{
    let field = |k: &str| value.get(k).and_then(Value::as_str).map(str::to_string);
    let meta = |k: &str| {
        value
            .get("metadata")
            .and_then(|m| m.get(k))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let (Some(api_version), Some(kind)) = (field("apiVersion"), field("kind")) else {
        return Err(envelope_error(
            index,
            line,
            "apiVersion and kind must be present and be strings".into(),
        ));
    };
    let name = meta("name");
    let resource = decode(&api_version, &kind, de).map_err(|(problem, loc)| DocumentError {
        index,
        line: loc.map(|l| l.0).or(line),
        column: loc.map(|l| l.1),
        kind: Some(kind.clone()),
        name: name.clone(),
        problem,
    })?;
    let (resource, translated) = match resource {
        Some((r, t)) => (Some(r), t),
        None => (None, None),
    };
    let (name, namespace) = match &resource {
        Some(r) => (r.name().to_string(), r.namespace().map(str::to_string)),
        None => (name.unwrap_or_default(), meta("namespace")),
    };
    let stored = match (translated, &resource) {
        (Some(t), _) => t,
        (None, Some(r)) => normalised(&value, r),
        (None, None) => value.clone(),
    };
    Ok(Document {
        index,
        line,
        api_version,
        kind,
        name,
        namespace,
        value,
        resource,
        stored,
    })
}

type Located = Option<(usize, usize)>;

/// A decoded resource and, for translated kinds, the document to store.
type Decoded = Option<(Resource, Option<Value>)>;

/// `value` with Terrace's apiVersion and the defaulted namespace.
fn normalised(value: &Value, r: &Resource) -> Value {
    let mut v = value.clone();
    if let Some(map) = v.as_mapping_mut() {
        map.insert("apiVersion".into(), API_VERSION.into());
        if let (Some(ns), Some(meta)) = (
            r.namespace(),
            map.get_mut("metadata").and_then(Value::as_mapping_mut),
        ) {
            meta.insert("namespace".into(), ns.into());
        }
    }
    v
}

/// Deserialises and validates one document of a known kind.
fn decode<'de, D>(api_version: &str, kind: &str, de: D) -> Result<Decoded, (Problem, Located)>
where
    D: serde::Deserializer<'de, Error = serde_yaml_ng::Error>,
{
    let calico = api_version == API_VERSION || api_version == CALICO_API_VERSION;
    if api_version == K8S_NETWORKING_API_VERSION && kind == "NetworkPolicy" {
        let raw = K8sNetworkPolicy::deserialize(de).map_err(shape)?;
        let calico = k8s::to_calico(&raw).map_err(invalid)?;
        let stored = serde_yaml_ng::to_value(&calico).map_err(shape)?;
        let policy = Policy::try_from(calico).map_err(invalid)?;
        return Ok(Some((Resource::Policy(policy), Some(stored))));
    }
    if api_version == "v1" && kind == "Namespace" {
        return typed::<_, RawNamespaceSpec, Namespace>(de)
            .map(|n| Some((Resource::Namespace(n), None)));
    }
    let Some(k) = Kind::from_name(kind) else {
        return Ok(None);
    };
    if !calico {
        if api_version == K8S_NETWORKING_API_VERSION
            || api_version.ends_with("k8s.io/v1")
            || api_version == "v1"
        {
            // Another Kubernetes kind: not ours.
            return Ok(None);
        }
        let msg = format!(
            "unsupported apiVersion {api_version:?} for {kind}: expected {API_VERSION} or {CALICO_API_VERSION}"
        );
        return Err((Problem::ApiVersion(msg), None));
    }
    let r = match k {
        Kind::NetworkPolicy | Kind::GlobalNetworkPolicy => {
            Resource::Policy(typed::<_, RawPolicySpec, Policy>(de)?)
        }
        Kind::Tier => Resource::Tier(typed::<_, RawTierSpec, Tier>(de)?),
        Kind::Profile => Resource::Profile(typed::<_, RawProfileSpec, Profile>(de)?),
        Kind::NetworkSet | Kind::GlobalNetworkSet => {
            Resource::NetworkSet(typed::<_, RawNetworkSetSpec, NetworkSet>(de)?)
        }
        Kind::Namespace => Resource::Namespace(typed::<_, RawNamespaceSpec, Namespace>(de)?),
    };
    Ok(Some((r, None)))
}

fn typed<'de, D, S, T>(de: D) -> Result<T, (Problem, Located)>
where
    D: serde::Deserializer<'de, Error = serde_yaml_ng::Error>,
    S: Deserialize<'de> + Default,
    T: TryFrom<RawResource<S>, Error = ValidationErrors>,
{
    let raw = RawResource::<S>::deserialize(de).map_err(shape)?;
    T::try_from(raw).map_err(invalid)
}

fn shape(e: serde_yaml_ng::Error) -> (Problem, Located) {
    let loc = e.location().map(|l| (l.line(), l.column()));
    (Problem::Yaml(e.to_string()), loc)
}

fn invalid(e: ValidationErrors) -> (Problem, Located) {
    (Problem::Invalid(e), None)
}

fn yaml_error(
    index: usize,
    kind: Option<String>,
    name: Option<String>,
    e: &serde_yaml_ng::Error,
) -> DocumentError {
    let loc = e.location();
    DocumentError {
        index,
        line: loc.as_ref().map(|l| l.line()),
        column: loc.as_ref().map(|l| l.column()),
        kind,
        name,
        problem: Problem::Yaml(e.to_string()),
    }
}

fn envelope_error(index: usize, line: Option<usize>, msg: String) -> DocumentError {
    DocumentError {
        index,
        line,
        column: None,
        kind: None,
        name: None,
        problem: Problem::Envelope(msg),
    }
}
