//! A stored resource: the validated document as the datastore keeps it, with
//! the spec as JSON so every component decodes only the kinds it needs.

use super::{
    field_error::FieldError,
    kind::{API_VERSION, Kind},
    meta::ObjectMeta,
};
use crate::key::{KeyError, ResourceKey};
use serde::{Deserialize, Serialize, de::DeserializeOwned};

/// A resource in canonical form: `apiVersion` is always Terrace's, the spec has
/// passed its kind's validation and holds only known fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Object {
    pub api_version: String,
    pub kind: Kind,
    pub metadata: ObjectMeta,
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub spec: serde_json::Value,
}

#[derive(Debug, thiserror::Error)]
pub enum ObjectError {
    #[error("stored value at {key} is not a resource: {source}")]
    Decode {
        key: String,
        source: serde_json::Error,
    },
    #[error("spec of {kind} {name} does not decode: {source}")]
    Spec {
        kind: Kind,
        name: String,
        source: serde_json::Error,
    },
}

impl Object {
    pub fn new(kind: Kind, metadata: ObjectMeta, spec: serde_json::Value) -> Self {
        Object {
            api_version: API_VERSION.to_string(),
            kind,
            metadata,
            spec,
        }
    }

    /// Where the object lives in the datastore.
    pub fn key(&self) -> Result<ResourceKey, KeyError> {
        object_key(
            self.kind,
            self.metadata.namespace.as_deref(),
            &self.metadata.name,
        )
    }

    /// The spec decoded as `T`.
    pub fn spec_as<T: DeserializeOwned>(&self) -> Result<T, ObjectError> {
        serde_json::from_value(self.spec.clone()).map_err(|source| ObjectError::Spec {
            kind: self.kind,
            name: self.metadata.name.clone(),
            source,
        })
    }

    /// The spec decoded as `T` and checked with `validate`, the check `netctl apply`
    /// runs: for readers that cannot trust whoever wrote the record (anyone with
    /// write access to the datastore can skip netctl). The error says every problem.
    pub fn valid_spec<T: DeserializeOwned>(
        &self,
        validate: impl Fn(&T) -> Result<(), Vec<FieldError>>,
    ) -> Result<T, String> {
        let spec: T = self.spec_as().map_err(|e| e.to_string())?;
        validate(&spec).map_err(|errors| {
            let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
            text.join("; ")
        })?;
        Ok(spec)
    }

    /// The stored bytes; server-managed metadata is not part of them.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut stored = self.clone();
        stored.metadata.resource_version = None;
        // Serializing a tree of strings, string maps and JSON values cannot fail.
        serde_json::to_vec(&stored).expect("an Object always serializes to JSON")
    }

    /// Decodes stored bytes, attaching the key's mod revision as `resourceVersion`.
    pub fn from_bytes(key: &str, bytes: &[u8], mod_revision: i64) -> Result<Object, ObjectError> {
        let mut object: Object =
            serde_json::from_slice(bytes).map_err(|source| ObjectError::Decode {
                key: key.to_string(),
                source,
            })?;
        object.metadata.resource_version = Some(mod_revision.to_string());
        Ok(object)
    }
}

/// The key of a resource of `kind`; namespaced kinds need a namespace.
pub fn object_key(
    kind: Kind,
    namespace: Option<&str>,
    name: &str,
) -> Result<ResourceKey, KeyError> {
    match (kind.is_namespaced(), namespace) {
        (true, Some(ns)) => ResourceKey::namespaced(kind.plural(), ns, name),
        (true, None) => ResourceKey::namespaced(kind.plural(), "default", name),
        (false, _) => ResourceKey::cluster(kind.plural(), name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_follow_the_layout() {
        let meta = ObjectMeta {
            name: "allow-web".into(),
            namespace: Some("shop".into()),
            ..Default::default()
        };
        let np = Object::new(Kind::NetworkPolicy, meta, serde_json::json!({}));
        assert_eq!(
            np.key().unwrap().to_string(),
            "/terrace/v1/networkpolicies/shop/allow-web"
        );
        let pool = Object::new(
            Kind::IPPool,
            ObjectMeta {
                name: "p".into(),
                ..Default::default()
            },
            serde_json::json!({}),
        );
        assert_eq!(pool.key().unwrap().to_string(), "/terrace/v1/ippools/p");
    }

    #[test]
    fn bytes_round_trip_and_carry_the_revision() {
        let meta = ObjectMeta {
            name: "p".into(),
            resource_version: Some("7".into()),
            ..Default::default()
        };
        let pool = Object::new(
            Kind::IPPool,
            meta,
            serde_json::json!({"cidr": "10.0.0.0/16"}),
        );
        let bytes = pool.to_bytes();
        assert!(!String::from_utf8_lossy(&bytes).contains("resourceVersion"));
        let back = Object::from_bytes("/k", &bytes, 42).unwrap();
        assert_eq!(back.metadata.resource_version.as_deref(), Some("42"));
        assert_eq!(back.spec, pool.spec);
    }

    #[test]
    fn garbage_in_the_store_is_an_error_not_a_panic() {
        assert!(Object::from_bytes("/k", b"\xff\x00", 1).is_err());
        assert!(Object::from_bytes("/k", b"{\"kind\":\"Pod\"}", 1).is_err());
    }
}
