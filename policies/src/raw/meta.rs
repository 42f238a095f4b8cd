//! The resource envelope and object metadata.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Terrace's own API group/version.
pub const API_VERSION: &str = "terrace.io/v1";
/// Calico's, accepted as an alias for the same kinds.
pub const CALICO_API_VERSION: &str = "projectcalico.org/v3";

/// `apiVersion`, `kind`, `metadata`, `spec` of one document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RawResource<S> {
    /// `terrace.io/v1`, or the alias `projectcalico.org/v3`.
    pub api_version: String,
    /// The resource kind.
    pub kind: String,
    /// Name, namespace, labels.
    pub metadata: RawMetadata,
    /// Kind-specific body.
    #[serde(default)]
    pub spec: S,
}

/// Object metadata. Server-managed fields are accepted so that exported
/// documents apply unchanged; they carry no policy meaning.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RawMetadata {
    /// Resource name.
    #[serde(default)]
    pub name: String,
    /// Namespace (namespaced kinds only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Labels.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Annotations.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    /// Datastore revision, as exported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_version: Option<String>,
    /// Unique ID, as exported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    /// Creation time, as exported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creation_timestamp: Option<String>,
    /// Generation, as exported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generation: Option<i64>,
}
