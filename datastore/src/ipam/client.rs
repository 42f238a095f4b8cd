//! Address assignment and release against the datastore. Every change is one
//! transaction guarded by the revisions it read (compare-and-swap), so two
//! hosts can never claim one block and two containers never get one address.

use crate::{
    StoreError,
    model::{Expect, Revision, Txn},
    store::Store,
};
use ipnet::IpNet;
use resources::ipam::{
    block::{Allocation, Block},
    handle::HandleRecord,
    planner::{Plan, PlanInput, PoolView, plan_allocation},
};
use resources::key::{IpamKey, KeyError, ipam_prefix};
use std::{collections::BTreeMap, net::IpAddr, sync::Arc};

/// Under contention every loser re-reads and tries again; this bounds it.
const MAX_ATTEMPTS: u32 = 200;

#[derive(Debug, thiserror::Error)]
pub enum IpamError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error("IPAM record at {key} is corrupt: {source}")]
    Corrupt {
        key: String,
        source: serde_json::Error,
    },
    #[error("no free {family} address: every usable pool is full{hint}")]
    Exhausted {
        family: &'static str,
        hint: &'static str,
    },
    #[error(
        "no usable {family} pool for node {node}: create an IPPool (or check its nodeSelector and disabled flag)"
    )]
    NoPool { family: &'static str, node: String },
    #[error("{ip} is not in any allocated block")]
    NotAllocated { ip: IpAddr },
    #[error(
        "gave up after {MAX_ATTEMPTS} attempts: the IPAM records kept changing under contention"
    )]
    Contended,
}

/// What an attachment asks for.
#[derive(Debug, Clone)]
pub struct AssignRequest {
    pub node: String,
    pub handle: String,
    pub attributes: BTreeMap<String, String>,
    pub ipv4: bool,
    pub ipv6: bool,
    /// Pools filtered for the node (selector, disabled) by the caller.
    pub pools: Vec<PoolView>,
    pub strict_affinity: bool,
}

/// A block as read, with the revision its update must be guarded by.
#[derive(Debug, Clone)]
pub struct StoredBlock {
    pub block: Block,
    pub mod_revision: Revision,
}

#[derive(Debug, Clone)]
pub struct IpamClient {
    store: Arc<dyn Store>,
}

fn decode<T: serde::de::DeserializeOwned>(key: &str, bytes: &[u8]) -> Result<T, IpamError> {
    serde_json::from_slice(bytes).map_err(|source| IpamError::Corrupt {
        key: key.to_string(),
        source,
    })
}

fn encode<T: serde::Serialize>(value: &T) -> Vec<u8> {
    // IPAM records are plain structs of strings, numbers and maps: always serializable.
    serde_json::to_vec(value).expect("IPAM records serialize to JSON")
}

fn block_key(cidr: &IpNet) -> Result<String, KeyError> {
    Ok(IpamKey::block(&cidr.to_string())?.to_string())
}

impl IpamClient {
    pub fn new(store: Arc<dyn Store>) -> Self {
        IpamClient { store }
    }

    /// Every block record.
    pub async fn blocks(&self) -> Result<Vec<StoredBlock>, IpamError> {
        let listing = self.store.list(&ipam_prefix("block")?).await?;
        listing
            .items
            .iter()
            .map(|kv| {
                Ok(StoredBlock {
                    block: decode(&kv.key, &kv.value)?,
                    mod_revision: kv.mod_revision,
                })
            })
            .collect()
    }

    /// Every handle record.
    pub async fn handles(&self) -> Result<Vec<HandleRecord>, IpamError> {
        let listing = self.store.list(&ipam_prefix("handle")?).await?;
        listing
            .items
            .iter()
            .map(|kv| decode(&kv.key, &kv.value))
            .collect()
    }

    async fn handle(&self, handle: &str) -> Result<Option<(HandleRecord, Revision)>, IpamError> {
        let key = IpamKey::handle(handle)?.to_string();
        match self.store.get(&key).await? {
            Some(kv) => Ok(Some((decode(&key, &kv.value)?, kv.mod_revision))),
            None => Ok(None),
        }
    }

    /// Addresses currently held by `handle` (empty if none).
    pub async fn addresses_of(&self, handle: &str) -> Result<Vec<IpAddr>, IpamError> {
        let Some((record, _)) = self.handle(handle).await? else {
            return Ok(Vec::new());
        };
        let mut ips = Vec::new();
        for cidr in &record.blocks {
            if let Some(kv) = self.store.get(&block_key(cidr)?).await? {
                let block: Block = decode(&kv.key, &kv.value)?;
                ips.extend(block.addresses_of(handle));
            }
        }
        Ok(ips)
    }

    /// Assigns one address per requested family. Idempotent per handle: a retried
    /// request returns what the first one assigned.
    pub async fn assign(&self, req: &AssignRequest) -> Result<Vec<IpAddr>, IpamError> {
        for _ in 0..MAX_ATTEMPTS {
            if self.handle(&req.handle).await?.is_some() {
                return self.addresses_of(&req.handle).await;
            }
            let stored = self.blocks().await?;
            let txn = plan_assign(req, &stored)?;
            match self.store.txn(txn).await {
                Ok(_) => return self.addresses_of(&req.handle).await,
                Err(StoreError::Conflict { .. }) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(IpamError::Contended)
    }

    /// Frees everything `handle` holds; releasing an unknown handle succeeds.
    pub async fn release(&self, handle: &str) -> Result<Vec<IpAddr>, IpamError> {
        for _ in 0..MAX_ATTEMPTS {
            let Some((record, handle_rev)) = self.handle(handle).await? else {
                return Ok(Vec::new());
            };
            let handle_key = IpamKey::handle(handle)?.to_string();
            let mut txn = Txn::new()
                .when(handle_key.clone(), Expect::ModRevision(handle_rev))
                .delete(handle_key);
            let mut freed = Vec::new();
            for cidr in &record.blocks {
                let key = block_key(cidr)?;
                let Some(kv) = self.store.get(&key).await? else {
                    continue;
                };
                let mut block: Block = decode(&key, &kv.value)?;
                freed.extend(block.release_handle(handle));
                txn = txn
                    .when(key.clone(), Expect::ModRevision(kv.mod_revision))
                    .put(key, encode(&block));
            }
            match self.store.txn(txn).await {
                Ok(_) => return Ok(freed),
                Err(StoreError::Conflict { .. }) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(IpamError::Contended)
    }

    /// Frees one address whoever holds it (operator clean-up of a leak).
    pub async fn release_ip(&self, ip: IpAddr) -> Result<Option<String>, IpamError> {
        for _ in 0..MAX_ATTEMPTS {
            let stored = self.blocks().await?;
            let Some(found) = stored.into_iter().find(|s| s.block.cidr.contains(&ip)) else {
                return Err(IpamError::NotAllocated { ip });
            };
            let mut block = found.block;
            let key = block_key(&block.cidr)?;
            let holder = block.release_ip(ip);
            let mut txn = Txn::new()
                .when(key.clone(), Expect::ModRevision(found.mod_revision))
                .put(key, encode(&block));
            if let Some(handle) = &holder
                && let Some((mut record, rev)) = self.handle(handle).await?
            {
                let handle_key = IpamKey::handle(handle)?.to_string();
                if block.addresses_of(handle).is_empty() {
                    record.blocks.retain(|c| *c != block.cidr);
                }
                txn = txn.when(handle_key.clone(), Expect::ModRevision(rev));
                txn = if record.blocks.is_empty() {
                    txn.delete(handle_key)
                } else {
                    txn.put(handle_key, encode(&record))
                };
            }
            match self.store.txn(txn).await {
                Ok(_) => return Ok(holder),
                Err(StoreError::Conflict { .. }) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(IpamError::Contended)
    }

    /// Gives back the node's empty blocks so other hosts can claim them.
    pub async fn release_empty_blocks(&self, node: &str) -> Result<Vec<IpNet>, IpamError> {
        let mut released = Vec::new();
        for stored in self.blocks().await? {
            if stored.block.affinity.as_deref() == Some(node) && stored.block.is_empty() {
                let key = block_key(&stored.block.cidr)?;
                match self.store.delete(&key, Some(stored.mod_revision)).await {
                    Ok(_) => released.push(stored.block.cidr),
                    // Someone allocated in it meanwhile, or released it first: leave it.
                    Err(StoreError::Conflict { .. } | StoreError::NotFound { .. }) => {}
                    Err(e) => return Err(e.into()),
                }
            }
        }
        Ok(released)
    }
}

/// Builds the guarded transaction for one assignment from a snapshot of the blocks.
fn plan_assign(req: &AssignRequest, stored: &[StoredBlock]) -> Result<Txn, IpamError> {
    let mut blocks: Vec<Block> = stored.iter().map(|s| s.block.clone()).collect();
    let revision_of = |cidr: &IpNet| {
        stored
            .iter()
            .find(|s| s.block.cidr == *cidr)
            .map(|s| s.mod_revision)
    };
    let allocation = Allocation {
        handle: req.handle.clone(),
        attributes: req.attributes.clone(),
    };
    let mut touched: Vec<IpNet> = Vec::new();
    let families = [(req.ipv4, false, "IPv4"), (req.ipv6, true, "IPv6")];
    for (_, ipv6, family) in families.into_iter().filter(|(wanted, _, _)| *wanted) {
        if !req
            .pools
            .iter()
            .any(|p| p.usable && matches!(p.cidr, IpNet::V6(_)) == ipv6)
        {
            return Err(IpamError::NoPool {
                family,
                node: req.node.clone(),
            });
        }
        let input = PlanInput {
            node: &req.node,
            pools: &req.pools,
            blocks: &blocks,
            ipv6,
            strict_affinity: req.strict_affinity,
        };
        let cidr = match plan_allocation(&input) {
            Plan::UseAffine(c) | Plan::Borrow(c) => c,
            Plan::Claim(c) => {
                blocks.push(Block::new(c, Some(req.node.clone())));
                c
            }
            Plan::Exhausted => {
                let hint = if req.strict_affinity {
                    " (strict affinity forbids borrowing)"
                } else {
                    ""
                };
                return Err(IpamError::Exhausted { family, hint });
            }
        };
        if let Some(block) = blocks.iter_mut().find(|b| b.cidr == cidr) {
            block.allocate(1, &allocation);
        }
        touched.push(cidr);
    }
    let handle_key = IpamKey::handle(&req.handle)?.to_string();
    let record = HandleRecord {
        handle: req.handle.clone(),
        node: req.node.clone(),
        blocks: touched.clone(),
    };
    let mut txn = Txn::new()
        .when(handle_key.clone(), Expect::Absent)
        .put(handle_key, encode(&record));
    for cidr in &touched {
        let key = block_key(cidr)?;
        let expect = revision_of(cidr).map_or(Expect::Absent, Expect::ModRevision);
        if let Some(block) = blocks.iter().find(|b| b.cidr == *cidr) {
            txn = txn.when(key.clone(), expect).put(key, encode(block));
        }
    }
    Ok(txn)
}
