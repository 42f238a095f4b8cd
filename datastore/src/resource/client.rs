//! Typed resource operations over a [`Store`]: get, list, and writes of many
//! resources in one all-or-nothing transaction.

use crate::{
    StoreError,
    model::{Expect, Revision, Txn},
    store::Store,
};
use resources::{
    key::{KeyError, kind_prefix, namespace_prefix},
    kind::Kind,
    object::{Object, ObjectError, object_key},
};
use std::sync::Arc;

/// How a write treats resources that already exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteMode {
    /// Create or update.
    Apply,
    /// Fail if any exists.
    Create,
    /// Fail if any is missing; honours `metadata.resourceVersion` when set.
    Replace,
}

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error(transparent)]
    Object(#[from] ObjectError),
    #[error("{kind} {name:?} not found")]
    NotFound { kind: Kind, name: String },
    #[error("{kind} {name:?} already exists")]
    AlreadyExists { kind: Kind, name: String },
    #[error(
        "{kind} {name:?} was modified since resourceVersion {expected}; get it again and retry"
    )]
    Stale {
        kind: Kind,
        name: String,
        expected: String,
    },
    #[error("gave up after {attempts} attempts: other writers kept changing the same resources")]
    Contended { attempts: u32 },
}

/// Concurrent appliers race only on the same keys; a few retries settle it.
const MAX_ATTEMPTS: u32 = 16;

/// Typed access to resources in a store.
#[derive(Debug, Clone)]
pub struct ResourceClient {
    store: Arc<dyn Store>,
}

/// A resource's identity for reads and deletes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub kind: Kind,
    pub namespace: Option<String>,
    pub name: String,
}

impl Target {
    fn display_name(&self) -> String {
        match &self.namespace {
            Some(ns) if self.kind.is_namespaced() => format!("{ns}/{}", self.name),
            _ => self.name.clone(),
        }
    }
}

impl ResourceClient {
    pub fn new(store: Arc<dyn Store>) -> Self {
        ResourceClient { store }
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    pub async fn get(&self, target: &Target) -> Result<Option<Object>, ClientError> {
        let key = object_key(target.kind, target.namespace.as_deref(), &target.name)?.to_string();
        match self.store.get(&key).await? {
            Some(kv) => Ok(Some(Object::from_bytes(&key, &kv.value, kv.mod_revision)?)),
            None => Ok(None),
        }
    }

    /// Every resource of `kind`; for namespaced kinds only `namespace` when given.
    pub async fn list(
        &self,
        kind: Kind,
        namespace: Option<&str>,
    ) -> Result<Vec<Object>, ClientError> {
        let prefix = match namespace {
            Some(ns) if kind.is_namespaced() => namespace_prefix(kind.plural(), ns)?,
            _ => kind_prefix(kind.plural())?,
        };
        let listing = self.store.list(&prefix).await?;
        listing
            .items
            .iter()
            .map(|kv| {
                Object::from_bytes(&kv.key, &kv.value, kv.mod_revision).map_err(ClientError::from)
            })
            .collect()
    }

    /// Writes every object in one transaction: all are written or none.
    pub async fn write_all(
        &self,
        objects: &[Object],
        mode: WriteMode,
    ) -> Result<Revision, ClientError> {
        for _ in 0..MAX_ATTEMPTS {
            let mut txn = Txn::new();
            for object in objects {
                let key = object.key()?.to_string();
                let current = self.store.get(&key).await?.map(|kv| kv.mod_revision);
                let expect = guard(object, current, mode)?;
                txn = txn.when(key.clone(), expect).put(key, object.to_bytes());
            }
            match self.store.txn(txn).await {
                Ok(revision) => return Ok(revision),
                // A concurrent writer touched one of the keys between our reads and the
                // write: read again, so the guards (and their errors) reflect what is there.
                Err(StoreError::Conflict { .. }) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(ClientError::Contended {
            attempts: MAX_ATTEMPTS,
        })
    }

    /// Deletes every target in one transaction; missing ones fail it unless ignored.
    pub async fn delete_all(
        &self,
        targets: &[Target],
        ignore_not_found: bool,
    ) -> Result<Vec<Target>, ClientError> {
        for _ in 0..MAX_ATTEMPTS {
            let mut txn = Txn::new();
            let mut deleted = Vec::new();
            for target in targets {
                let key =
                    object_key(target.kind, target.namespace.as_deref(), &target.name)?.to_string();
                match self.store.get(&key).await? {
                    Some(kv) => {
                        txn = txn
                            .when(key.clone(), Expect::ModRevision(kv.mod_revision))
                            .delete(key);
                        deleted.push(target.clone());
                    }
                    None if ignore_not_found => {}
                    None => {
                        return Err(ClientError::NotFound {
                            kind: target.kind,
                            name: target.display_name(),
                        });
                    }
                }
            }
            if deleted.is_empty() {
                return Ok(deleted);
            }
            match self.store.txn(txn).await {
                Ok(_) => return Ok(deleted),
                Err(StoreError::Conflict { .. }) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(ClientError::Contended {
            attempts: MAX_ATTEMPTS,
        })
    }
}

/// The guard one object's write needs, given the key's current mod revision.
fn guard(
    object: &Object,
    current: Option<Revision>,
    mode: WriteMode,
) -> Result<Expect, ClientError> {
    let name = || match &object.metadata.namespace {
        Some(ns) => format!("{ns}/{}", object.metadata.name),
        None => object.metadata.name.clone(),
    };
    match (mode, current) {
        (WriteMode::Create, Some(_)) => Err(ClientError::AlreadyExists {
            kind: object.kind,
            name: name(),
        }),
        (WriteMode::Replace, None) => Err(ClientError::NotFound {
            kind: object.kind,
            name: name(),
        }),
        (WriteMode::Replace, Some(rev)) => match &object.metadata.resource_version {
            Some(expected) if expected != &rev.to_string() => Err(ClientError::Stale {
                kind: object.kind,
                name: name(),
                expected: expected.clone(),
            }),
            _ => Ok(Expect::ModRevision(rev)),
        },
        (_, Some(rev)) => Ok(Expect::ModRevision(rev)),
        (_, None) => Ok(Expect::Absent),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use resources::meta::ObjectMeta;

    fn pool(rv: Option<&str>) -> Object {
        let meta = ObjectMeta {
            name: "p".into(),
            resource_version: rv.map(str::to_string),
            ..Default::default()
        };
        Object::new(
            Kind::IPPool,
            meta,
            serde_json::json!({"cidr": "10.0.0.0/8"}),
        )
    }

    #[test]
    fn guards_per_mode() {
        let cases = [
            (WriteMode::Apply, None, None, Some(Expect::Absent)),
            (
                WriteMode::Apply,
                None,
                Some(5),
                Some(Expect::ModRevision(5)),
            ),
            (WriteMode::Create, None, None, Some(Expect::Absent)),
            (WriteMode::Create, None, Some(5), None),
            (WriteMode::Replace, None, None, None),
            (
                WriteMode::Replace,
                None,
                Some(5),
                Some(Expect::ModRevision(5)),
            ),
            (
                WriteMode::Replace,
                Some("5"),
                Some(5),
                Some(Expect::ModRevision(5)),
            ),
            (WriteMode::Replace, Some("4"), Some(5), None),
        ];
        for (mode, rv, current, want) in cases {
            assert_eq!(
                guard(&pool(rv), current, mode).ok(),
                want,
                "{mode:?} {rv:?} {current:?}"
            );
        }
    }
}
