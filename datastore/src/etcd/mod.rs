//! The etcd v3 backend (etcd-client over gRPC). Works with etcd 3.4 and later.
//!
//! - `connect`: URL to connection options (TLS, user/password);
//! - `convert`: etcd types to the store model, error mapping;
//! - `watch`: watches that resume from the last seen revision after a reconnect.
//!
//! Transactions map one to one onto etcd transactions; a failed transaction reads the guarded
//! keys in its failure branch (atomically with the check) to name the conflicting key and its
//! revision. Lists are paged at one pinned revision so a large prefix is still one snapshot.

mod connect;
mod convert;
mod watch;

use std::fmt;

use async_trait::async_trait;
use etcd_client::{
    Client, CompactionOptions, Compare, CompareOp, GetOptions, KvClient, TxnOp, TxnOpResponse,
};

use crate::error::StoreError;
use crate::model::{Expect, KeyValue, Listing, Op, Revision, Txn};
use crate::store::{Store, WatchStream};
use crate::url::EtcdUrl;
use convert::{etcd_error, key_value, prefix_end, status_message};

/// Largest gRPC message accepted from etcd (pages of large values, big transactions' events).
pub(crate) const MAX_MESSAGE: usize = 256 * 1024 * 1024;
/// Keys per page when listing.
const PAGE: i64 = 500;

/// A store in an etcd v3 cluster.
#[derive(Clone)]
pub struct EtcdStore {
    client: Client,
    endpoints: Vec<String>,
}

impl fmt::Debug for EtcdStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EtcdStore")
            .field("endpoints", &self.endpoints)
            .finish_non_exhaustive()
    }
}

impl EtcdStore {
    /// Connects to the cluster (the connection itself is re-established as needed).
    pub async fn connect(url: &EtcdUrl) -> Result<Self, StoreError> {
        let endpoints = url.endpoint_urls();
        let options = connect::options(url)?;
        let client = Client::connect(&endpoints, Some(options))
            .await
            .map_err(|e| etcd_error(format!("connecting to {}", endpoints.join(",")), e))?;
        tracing::debug!(endpoints = ?endpoints, "connected to etcd");
        Ok(Self { client, endpoints })
    }

    fn kv(&self) -> KvClient {
        self.client
            .kv_client()
            .max_decoding_message_size(MAX_MESSAGE)
            .max_encoding_message_size(MAX_MESSAGE)
    }

    /// One listing attempt; `Ok(None)` when the pinned revision was compacted mid-way.
    async fn list_once(&self, prefix: &str) -> Result<Option<Listing>, StoreError> {
        let end = prefix_end(prefix);
        // etcd rejects an empty key; "\0" is the first key there is.
        let mut start = if prefix.is_empty() {
            vec![0]
        } else {
            prefix.as_bytes().to_vec()
        };
        let mut revision = 0;
        let mut items = Vec::new();
        loop {
            let mut options = GetOptions::new().with_range(end.clone()).with_limit(PAGE);
            if revision > 0 {
                options = options.with_revision(revision);
            }
            let response = match self.kv().get(start, Some(options)).await {
                Ok(response) => response,
                Err(err) if status_message(&err).contains("compacted") => return Ok(None),
                Err(err) => return Err(etcd_error(format!("listing {prefix}"), err)),
            };
            if revision == 0 {
                revision = response.header().map_or(0, |h| h.revision());
            }
            for kv in response.kvs() {
                items.push(key_value(kv)?);
            }
            match response.kvs().last() {
                Some(last) if response.more() => {
                    start = last.key().to_vec();
                    start.push(0);
                }
                _ => break,
            }
        }
        Ok(Some(Listing { items, revision }))
    }
}

fn compare(compare: &crate::model::Compare) -> Compare {
    let key = compare.key.as_str();
    match compare.expect {
        Expect::Absent => Compare::create_revision(key, CompareOp::Equal, 0),
        Expect::Present => Compare::create_revision(key, CompareOp::Greater, 0),
        Expect::ModRevision(rev) => Compare::mod_revision(key, CompareOp::Equal, rev),
    }
}

fn op(op: &Op) -> TxnOp {
    match op {
        Op::Put { key, value } => TxnOp::put(key.as_str(), value.clone(), None),
        Op::Delete { key } => TxnOp::delete(key.as_str(), None),
    }
}

/// Finds the guard that failed from the failure branch's reads of every guarded key.
fn conflict(txn: &Txn, responses: Vec<TxnOpResponse>) -> StoreError {
    for (compare, response) in txn.compares.iter().zip(responses) {
        let actual = match response {
            TxnOpResponse::Get(get) => get.kvs().first().map_or(0, |kv| kv.mod_revision()),
            _ => continue,
        };
        if !compare.expect.holds(actual) {
            return StoreError::Conflict {
                key: compare.key.clone(),
                expected: compare.expect,
                actual,
            };
        }
    }
    StoreError::backend(
        "applying a transaction",
        "etcd rejected a transaction whose guards hold",
    )
}

#[async_trait]
impl Store for EtcdStore {
    async fn get(&self, key: &str) -> Result<Option<KeyValue>, StoreError> {
        let response = self
            .kv()
            .get(key, None)
            .await
            .map_err(|e| etcd_error(format!("reading {key}"), e))?;
        response.kvs().first().map(key_value).transpose()
    }

    async fn list(&self, prefix: &str) -> Result<Listing, StoreError> {
        // Compaction can overtake a long paged list; start over at the new revision.
        for _ in 0..5 {
            if let Some(listing) = self.list_once(prefix).await? {
                return Ok(listing);
            }
        }
        Err(StoreError::unavailable(
            format!("listing {prefix}"),
            "compaction overtook the listing five times",
        ))
    }

    async fn txn(&self, txn: Txn) -> Result<Revision, StoreError> {
        txn.validate()
            .map_err(|reason| StoreError::InvalidTxn { reason })?;
        let reads: Vec<TxnOp> = txn
            .compares
            .iter()
            .map(|c| TxnOp::get(c.key.as_str(), Some(GetOptions::new().with_keys_only())))
            .collect();
        let request = etcd_client::Txn::new()
            .when(txn.compares.iter().map(compare).collect::<Vec<_>>())
            .and_then(txn.ops.iter().map(op).collect::<Vec<_>>())
            .or_else(reads);
        let context = || format!("writing {}", txn.ops[0].key());
        let response = self
            .kv()
            .txn(request)
            .await
            .map_err(|e| etcd_error(context(), e))?;
        if !response.succeeded() {
            return Err(conflict(&txn, response.op_responses()));
        }
        Ok(response.header().map_or(0, |h| h.revision()))
    }

    async fn watch(&self, prefix: &str, from: Revision) -> Result<WatchStream, StoreError> {
        // "Now" is pinned to a concrete revision so that a reconnect resumes, not restarts.
        let from = if from <= 0 {
            self.current_revision().await? + 1
        } else {
            from
        };
        watch::start(self.client.clone(), prefix, from).await
    }

    async fn compact(&self, revision: Revision) -> Result<(), StoreError> {
        let options = CompactionOptions::new().with_physical();
        match self.kv().compact(revision, Some(options)).await {
            Ok(_) => Ok(()),
            Err(err) if status_message(&err).contains("has been compacted") => Ok(()),
            Err(err) if status_message(&err).contains("future revision") => {
                Err(StoreError::FutureRevision {
                    requested: revision,
                    current: self.current_revision().await?,
                })
            }
            Err(err) => Err(etcd_error(format!("compacting to {revision}"), err)),
        }
    }

    async fn current_revision(&self) -> Result<Revision, StoreError> {
        let response = self
            .kv()
            .get("/", Some(GetOptions::new().with_count_only()))
            .await
            .map_err(|e| etcd_error("reading the revision", e))?;
        Ok(response.header().map_or(0, |h| h.revision()))
    }
}
