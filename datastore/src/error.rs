//! The error type of the store boundary, shared by both backends so callers match on meaning
//! (conflict, absent, compacted, unavailable) and never on backend details.

use crate::model::{Expect, Revision};
use resources::key::KeyError;

/// A boxed source error from a backend library.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything a store operation can fail with.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A guard did not hold: the key changed since the caller read it.
    #[error("conflict on {key}: expected {expected}, found mod revision {actual} (0 = absent)")]
    Conflict {
        /// The guarded key.
        key: String,
        /// What the caller expected.
        expected: Expect,
        /// The key's current mod revision, 0 when absent.
        actual: Revision,
    },
    /// `create` found the key already present.
    #[error("{key} already exists (mod revision {revision})")]
    AlreadyExists {
        /// The key.
        key: String,
        /// Its current mod revision.
        revision: Revision,
    },
    /// `update` or `delete` found no such key.
    #[error("{key} not found")]
    NotFound {
        /// The key.
        key: String,
    },
    /// The requested revision is older than the oldest one the store still keeps: re-list.
    #[error(
        "revision {requested} is compacted (oldest kept: {compacted}); re-list and watch again"
    )]
    Compacted {
        /// The revision the caller asked for.
        requested: Revision,
        /// The compaction revision: history older than this is gone.
        compacted: Revision,
    },
    /// A revision in the future was asked for (e.g. compacting beyond the current revision).
    #[error("revision {requested} is in the future (current: {current})")]
    FutureRevision {
        /// The revision the caller asked for.
        requested: Revision,
        /// The store's current revision.
        current: Revision,
    },
    /// The transaction is malformed (no operations, a key written twice).
    #[error("invalid transaction: {reason}")]
    InvalidTxn {
        /// Why.
        reason: crate::model::TxnError,
    },
    /// A key does not follow the layout.
    #[error(transparent)]
    InvalidKey(#[from] KeyError),
    /// The backend could not be reached or did not answer in time (a retry may succeed).
    #[error("datastore unavailable while {context}")]
    Unavailable {
        /// What was being done.
        context: String,
        /// The backend's error.
        #[source]
        source: BoxError,
    },
    /// The backend failed in a way a retry will not fix.
    #[error("datastore backend failed while {context}")]
    Backend {
        /// What was being done.
        context: String,
        /// The backend's error.
        #[source]
        source: BoxError,
    },
    /// A watch stream ended (its store was closed).
    #[error("watch on {prefix} ended")]
    WatchClosed {
        /// The watched prefix.
        prefix: String,
    },
}

impl StoreError {
    /// Whether retrying the same operation later may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(self, StoreError::Unavailable { .. })
    }

    /// Wraps a backend error as [`StoreError::Backend`].
    pub fn backend(context: impl Into<String>, source: impl Into<BoxError>) -> Self {
        StoreError::Backend {
            context: context.into(),
            source: source.into(),
        }
    }

    /// Wraps a backend error as [`StoreError::Unavailable`].
    pub fn unavailable(context: impl Into<String>, source: impl Into<BoxError>) -> Self {
        StoreError::Unavailable {
            context: context.into(),
            source: source.into(),
        }
    }
}
