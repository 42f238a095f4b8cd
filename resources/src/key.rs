//! The key layout. Every Terrace key lives under one versioned root:
//!
//! ```text
//! /terrace/v1/<kind>/<name>                  cluster-scoped resources (ippool, node, ...)
//! /terrace/v1/<kind>/<namespace>/<name>      namespaced resources (networkpolicy, ...)
//! /terrace/v1/ipam/<record>/<id>             IPAM records (block, affinity, handle)
//! /terrace/v1/ipam/<record>/<scope>/<id>     IPAM records scoped to e.g. a node
//! ```
//!
//! `<kind>` and `<record>` are lower-case ASCII identifiers (`[a-z][a-z0-9]*`); `ipam` is reserved
//! as a kind. Names, namespaces, scopes and ids are 1 to 253 characters of ASCII letters, digits
//! and `-._:@`, and are never `.` or `..`; a `/` is never allowed inside a segment, so a prefix
//! such as `/terrace/v1/networkpolicy/prod/` selects exactly one namespace. IPAM ids that are
//! CIDRs use [`IpamKey::block`], which writes `10.65.0.0/26` as `10.65.0.0-26`.

use std::fmt;

/// The root of every Terrace key.
pub const ROOT: &str = "/terrace/v1/";
/// The root of IPAM records.
pub const IPAM_ROOT: &str = "/terrace/v1/ipam/";
const MAX_SEGMENT: usize = 253;

/// Why a key or key part was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The key does not start with [`ROOT`].
    #[error("key {key:?} is not under {ROOT}")]
    NotTerrace {
        /// The key.
        key: String,
    },
    /// The key has the wrong number of segments.
    #[error("key {key:?} has {segments} segments after the root; expected 2 or 3")]
    SegmentCount {
        /// The key.
        key: String,
        /// How many segments it has.
        segments: usize,
    },
    /// A kind or record name is not a lower-case identifier, or is reserved.
    #[error("invalid kind {kind:?}: {reason}")]
    InvalidKind {
        /// The kind.
        kind: String,
        /// Why.
        reason: &'static str,
    },
    /// A name, namespace, scope or id is malformed.
    #[error("invalid {what} {value:?}: {reason}")]
    InvalidSegment {
        /// Which part (name, namespace, ...).
        what: &'static str,
        /// The value.
        value: String,
        /// Why.
        reason: &'static str,
    },
}

/// A resource key: `/terrace/v1/<kind>/[<namespace>/]<name>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResourceKey {
    kind: String,
    namespace: Option<String>,
    name: String,
}

impl ResourceKey {
    /// A cluster-scoped resource key.
    pub fn cluster(kind: &str, name: &str) -> Result<Self, KeyError> {
        check_kind(kind)?;
        check_segment("name", name)?;
        Ok(Self {
            kind: kind.to_owned(),
            namespace: None,
            name: name.to_owned(),
        })
    }

    /// A namespaced resource key.
    pub fn namespaced(kind: &str, namespace: &str, name: &str) -> Result<Self, KeyError> {
        let mut key = Self::cluster(kind, name)?;
        check_segment("namespace", namespace)?;
        key.namespace = Some(namespace.to_owned());
        Ok(key)
    }

    /// The kind segment.
    pub fn kind(&self) -> &str {
        &self.kind
    }

    /// The namespace, for namespaced resources.
    pub fn namespace(&self) -> Option<&str> {
        self.namespace.as_deref()
    }

    /// The name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl fmt::Display for ResourceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{ROOT}{}/{ns}/{}", self.kind, self.name),
            None => write!(f, "{ROOT}{}/{}", self.kind, self.name),
        }
    }
}

/// An IPAM key: `/terrace/v1/ipam/<record>/[<scope>/]<id>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IpamKey {
    record: String,
    scope: Option<String>,
    id: String,
}

impl IpamKey {
    /// An IPAM key of any record type, optionally scoped (e.g. by node).
    pub fn new(record: &str, scope: Option<&str>, id: &str) -> Result<Self, KeyError> {
        check_identifier(record)?;
        check_segment("id", id)?;
        if let Some(scope) = scope {
            check_segment("scope", scope)?;
        }
        Ok(Self {
            record: record.to_owned(),
            scope: scope.map(str::to_owned),
            id: id.to_owned(),
        })
    }

    /// The key of an allocation block, by CIDR (`/` becomes `-`).
    pub fn block(cidr: &str) -> Result<Self, KeyError> {
        Self::new("block", None, &cidr.replace('/', "-"))
    }

    /// The key of a node's affinity to a block.
    pub fn affinity(node: &str, cidr: &str) -> Result<Self, KeyError> {
        Self::new("affinity", Some(node), &cidr.replace('/', "-"))
    }

    /// The key of an allocation handle (one per container attachment).
    pub fn handle(handle: &str) -> Result<Self, KeyError> {
        Self::new("handle", None, handle)
    }

    /// The record type.
    pub fn record(&self) -> &str {
        &self.record
    }

    /// The scope, if any.
    pub fn scope(&self) -> Option<&str> {
        self.scope.as_deref()
    }

    /// The id.
    pub fn id(&self) -> &str {
        &self.id
    }
}

impl fmt::Display for IpamKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.scope {
            Some(scope) => write!(f, "{IPAM_ROOT}{}/{scope}/{}", self.record, self.id),
            None => write!(f, "{IPAM_ROOT}{}/{}", self.record, self.id),
        }
    }
}

/// Any Terrace key, parsed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Key {
    /// A resource.
    Resource(ResourceKey),
    /// An IPAM record.
    Ipam(IpamKey),
}

impl Key {
    /// Parses and validates a full key.
    pub fn parse(key: &str) -> Result<Self, KeyError> {
        let rest = key.strip_prefix(ROOT).ok_or_else(|| KeyError::NotTerrace {
            key: key.to_owned(),
        })?;
        let segments: Vec<&str> = rest.split('/').collect();
        let count_error = || KeyError::SegmentCount {
            key: key.to_owned(),
            segments: segments.len(),
        };
        match segments.as_slice() {
            ["ipam", record, id] => Ok(Key::Ipam(IpamKey::new(record, None, id)?)),
            ["ipam", record, scope, id] => Ok(Key::Ipam(IpamKey::new(record, Some(scope), id)?)),
            ["ipam", ..] => Err(count_error()),
            [kind, name] => Ok(Key::Resource(ResourceKey::cluster(kind, name)?)),
            [kind, ns, name] => Ok(Key::Resource(ResourceKey::namespaced(kind, ns, name)?)),
            _ => Err(count_error()),
        }
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Key::Resource(key) => key.fmt(f),
            Key::Ipam(key) => key.fmt(f),
        }
    }
}

/// The prefix of every resource of a kind (all namespaces): `/terrace/v1/<kind>/`.
pub fn kind_prefix(kind: &str) -> Result<String, KeyError> {
    check_kind(kind)?;
    Ok(format!("{ROOT}{kind}/"))
}

/// The prefix of one namespace of a kind: `/terrace/v1/<kind>/<namespace>/`.
pub fn namespace_prefix(kind: &str, namespace: &str) -> Result<String, KeyError> {
    check_segment("namespace", namespace)?;
    Ok(format!("{}{namespace}/", kind_prefix(kind)?))
}

/// The prefix of one IPAM record type: `/terrace/v1/ipam/<record>/`.
pub fn ipam_prefix(record: &str) -> Result<String, KeyError> {
    check_identifier(record)?;
    Ok(format!("{IPAM_ROOT}{record}/"))
}

fn check_kind(kind: &str) -> Result<(), KeyError> {
    check_identifier(kind)?;
    if kind == "ipam" {
        return Err(KeyError::InvalidKind {
            kind: kind.to_owned(),
            reason: "ipam is reserved for IPAM records",
        });
    }
    Ok(())
}

fn check_identifier(kind: &str) -> Result<(), KeyError> {
    let invalid = |reason| KeyError::InvalidKind {
        kind: kind.to_owned(),
        reason,
    };
    let mut chars = kind.chars();
    match chars.next() {
        None => Err(invalid("empty")),
        Some(c) if !c.is_ascii_lowercase() => Err(invalid("must start with a-z")),
        _ if !chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()) => {
            Err(invalid("only a-z and 0-9 are allowed"))
        }
        _ if kind.len() > 63 => Err(invalid("longer than 63 characters")),
        _ => Ok(()),
    }
}

/// Checks one name-like segment (name, namespace, scope, id).
pub fn check_segment(what: &'static str, value: &str) -> Result<(), KeyError> {
    let invalid = |reason| KeyError::InvalidSegment {
        what,
        value: value.to_owned(),
        reason,
    };
    if value.is_empty() {
        return Err(invalid("empty"));
    }
    if value.len() > MAX_SEGMENT {
        return Err(invalid("longer than 253 characters"));
    }
    if value == "." || value == ".." {
        return Err(invalid("must not be . or .."));
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || "-._:@".contains(c);
    if !value.chars().all(allowed) {
        return Err(invalid("only ASCII letters, digits and -._:@ are allowed"));
    }
    Ok(())
}
