//! Plain data shared by every backend: revisions, key-values, transactions and watch events.
//!
//! The model is etcd v3's: one store-wide revision counter, bumped once per committed write
//! (a transaction is one write); every key remembers the revision that created it and the one
//! that last modified it.

use std::fmt;

/// A store-wide revision. Revisions start at 1 for an empty store and grow by one per write.
pub type Revision = i64;

/// A stored key with its value and revisions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyValue {
    /// The full key, e.g. `/terrace/v1/ippool/default-ipv4`.
    pub key: String,
    /// The opaque value.
    pub value: Vec<u8>,
    /// Revision of the write that created this key (since its last deletion).
    pub create_revision: Revision,
    /// Revision of the write that last modified this key.
    pub mod_revision: Revision,
    /// Number of writes to this key since it was created (1 after creation).
    pub version: i64,
}

/// The result of listing a prefix: every key under it, sorted by key, at one revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    /// The keys, sorted by key bytes.
    pub items: Vec<KeyValue>,
    /// The store revision the listing was read at; watch from `revision + 1` to follow it.
    pub revision: Revision,
}

/// What a transaction guard expects of a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// The key does not exist.
    Absent,
    /// The key exists, whatever its revision.
    Present,
    /// The key exists and was last modified at exactly this revision.
    ModRevision(Revision),
}

impl Expect {
    /// Whether a key whose current mod revision is `actual` (0 when absent) satisfies this guard.
    pub fn holds(self, actual: Revision) -> bool {
        match self {
            Expect::Absent => actual == 0,
            Expect::Present => actual != 0,
            Expect::ModRevision(rev) => actual == rev,
        }
    }
}

impl fmt::Display for Expect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expect::Absent => f.write_str("absent"),
            Expect::Present => f.write_str("present"),
            Expect::ModRevision(rev) => write!(f, "mod revision {rev}"),
        }
    }
}

/// One guard of a transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compare {
    /// The guarded key.
    pub key: String,
    /// What the key must look like for the transaction to apply.
    pub expect: Expect,
}

/// One write of a transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// Create or replace a key.
    Put {
        /// The key.
        key: String,
        /// The new value.
        value: Vec<u8>,
    },
    /// Delete a key; deleting an absent key inside a transaction is a no-op (as in etcd).
    Delete {
        /// The key.
        key: String,
    },
}

impl Op {
    /// The key this operation writes.
    pub fn key(&self) -> &str {
        match self {
            Op::Put { key, .. } | Op::Delete { key } => key,
        }
    }
}

/// A transaction: if every guard holds, all operations apply at one new revision; otherwise
/// nothing applies and the first failing guard is reported as a conflict.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Txn {
    /// Guards, all of which must hold.
    pub compares: Vec<Compare>,
    /// Writes applied, in order, when the guards hold.
    pub ops: Vec<Op>,
}

impl Txn {
    /// An empty transaction.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a guard.
    pub fn when(mut self, key: impl Into<String>, expect: Expect) -> Self {
        self.compares.push(Compare {
            key: key.into(),
            expect,
        });
        self
    }

    /// Adds a put.
    pub fn put(mut self, key: impl Into<String>, value: impl Into<Vec<u8>>) -> Self {
        self.ops.push(Op::Put {
            key: key.into(),
            value: value.into(),
        });
        self
    }

    /// Adds a delete.
    pub fn delete(mut self, key: impl Into<String>) -> Self {
        self.ops.push(Op::Delete { key: key.into() });
        self
    }

    /// Checks the rules both backends enforce: at least one operation, and no key written twice
    /// (etcd rejects duplicate keys in one transaction, so SQLite does too).
    pub fn validate(&self) -> Result<(), TxnError> {
        if self.ops.is_empty() {
            return Err(TxnError::Empty);
        }
        let mut keys: Vec<&str> = self.ops.iter().map(Op::key).collect();
        keys.sort_unstable();
        if let Some(pair) = keys.windows(2).find(|w| w[0] == w[1]) {
            return Err(TxnError::KeyWrittenTwice(pair[0].to_owned()));
        }
        Ok(())
    }
}

/// Why a transaction is malformed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TxnError {
    /// Nothing to do.
    #[error("transaction has no operations")]
    Empty,
    /// Two operations on one key (etcd refuses it).
    #[error("key {0} is written twice")]
    KeyWrittenTwice(String),
}

/// What a watch event did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// The key was created or replaced.
    Put,
    /// The key was deleted.
    Delete,
}

/// One change seen by a watcher. Events arrive in revision order; the events of one
/// transaction share its revision and keep the transaction's operation order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Put or delete.
    pub kind: EventKind,
    /// The changed key.
    pub key: String,
    /// The revision of the write that made this change.
    pub revision: Revision,
    /// The key after the change (`None` for a delete).
    pub new: Option<KeyValue>,
    /// The key before the change, when it existed and its revision is not compacted.
    pub prev: Option<KeyValue>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guards_hold_exactly_when_expected() {
        let table = [
            (Expect::Absent, 0, true),
            (Expect::Absent, 3, false),
            (Expect::Present, 0, false),
            (Expect::Present, 3, true),
            (Expect::ModRevision(3), 3, true),
            (Expect::ModRevision(3), 4, false),
            (Expect::ModRevision(3), 0, false),
        ];
        for (expect, actual, holds) in table {
            assert_eq!(expect.holds(actual), holds, "{expect} vs {actual}");
        }
    }

    #[test]
    fn transactions_writing_a_key_twice_or_nothing_are_invalid() {
        assert!(Txn::new().validate().is_err());
        assert!(Txn::new().put("/a", "1").delete("/a").validate().is_err());
        assert!(Txn::new().put("/a", "1").delete("/b").validate().is_ok());
    }
}
