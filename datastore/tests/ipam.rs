//! The IPAM client against real stores: every scenario runs on SQLite and on a real etcd.
//! Pools use tiny blocks (/30: four addresses) so "block full" and "pool out of blocks" are
//! reached in a few assignments.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::sync::Arc;

use datastore::Store;
use datastore::ipam::{AssignRequest, IpamClient, IpamError};
use resources::ipam::PoolView;

use common::Backend;

fn pool(cidr: &str, block: u8) -> PoolView {
    PoolView {
        cidr: cidr.parse().unwrap(),
        block_prefix_len: block,
        usable: true,
    }
}

fn request(node: &str, handle: &str, pools: &[PoolView], strict: bool) -> AssignRequest {
    AssignRequest {
        node: node.into(),
        handle: handle.into(),
        attributes: BTreeMap::from([("pod".to_string(), handle.to_string())]),
        ipv4: true,
        ipv6: false,
        pools: pools.to_vec(),
        strict_affinity: strict,
    }
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

async fn assign(c: &IpamClient, node: &str, handle: &str, pools: &[PoolView]) -> Vec<IpAddr> {
    c.assign(&request(node, handle, pools, false))
        .await
        .unwrap()
}

/// Each owned block's CIDR with its affinity and allocation count.
async fn block_table(c: &IpamClient) -> Vec<(String, Option<String>, usize)> {
    c.blocks()
        .await
        .unwrap()
        .into_iter()
        .map(|s| {
            (
                s.block.cidr.to_string(),
                s.block.affinity,
                s.block.allocations.len(),
            )
        })
        .collect()
}

async fn first_assignment_claims_the_first_block(store: Arc<dyn Store>) {
    let c = IpamClient::new(store);
    let pools = [pool("10.70.0.0/28", 30)];
    assert_eq!(assign(&c, "h1", "a.eth0", &pools).await, [ip("10.70.0.0")]);
    assert_eq!(
        block_table(&c).await,
        [("10.70.0.0/30".to_string(), Some("h1".to_string()), 1)]
    );
    let handles = c.handles().await.unwrap();
    assert_eq!(handles.len(), 1);
    assert_eq!(handles[0].node, "h1");
}

async fn a_full_block_leads_to_a_second_claim(store: Arc<dyn Store>) {
    let c = IpamClient::new(store);
    let pools = [pool("10.70.0.0/28", 30)];
    let mut got = Vec::new();
    for i in 0..5 {
        got.extend(assign(&c, "h1", &format!("c{i}.eth0"), &pools).await);
    }
    assert_eq!(got[3], ip("10.70.0.3"));
    assert_eq!(
        got[4],
        ip("10.70.0.4"),
        "fifth address comes from the second block"
    );
    let table = block_table(&c).await;
    assert_eq!(table.len(), 2);
    assert!(
        table
            .iter()
            .all(|(_, node, _)| node.as_deref() == Some("h1"))
    );
}

async fn an_exhausted_pool_borrows_from_another_host(store: Arc<dyn Store>) {
    let c = IpamClient::new(store);
    let pools = [pool("10.70.0.0/29", 30)];
    for i in 0..4 {
        assign(&c, "h1", &format!("a{i}.eth0"), &pools).await;
    }
    assert_eq!(assign(&c, "h2", "b0.eth0", &pools).await, [ip("10.70.0.4")]);
    let borrowed = assign(&c, "h1", "a4.eth0", &pools).await;
    assert_eq!(
        borrowed,
        [ip("10.70.0.5")],
        "h1 borrows one address from h2's block"
    );
    let table = block_table(&c).await;
    assert_eq!(
        table[1],
        ("10.70.0.4/30".to_string(), Some("h2".to_string()), 2),
        "the block stays h2's"
    );
}

async fn strict_affinity_never_borrows(store: Arc<dyn Store>) {
    let c = IpamClient::new(store);
    let pools = [pool("10.70.0.0/29", 30)];
    for i in 0..4 {
        assign(&c, "h1", &format!("a{i}.eth0"), &pools).await;
    }
    assign(&c, "h2", "b0.eth0", &pools).await;
    let err = c
        .assign(&request("h1", "a4.eth0", &pools, true))
        .await
        .unwrap_err();
    assert!(matches!(err, IpamError::Exhausted { .. }), "{err}");
    assert!(err.to_string().contains("strict affinity"), "{err}");
    assert!(
        c.handles()
            .await
            .unwrap()
            .iter()
            .all(|h| h.handle != "a4.eth0"),
        "a failed assignment leaves no handle"
    );
}

async fn assign_and_release_are_idempotent(store: Arc<dyn Store>) {
    let c = IpamClient::new(store);
    let pools = [pool("10.70.0.0/28", 30)];
    let first = assign(&c, "h1", "a.eth0", &pools).await;
    assert_eq!(
        assign(&c, "h1", "a.eth0", &pools).await,
        first,
        "retried ADD"
    );
    assert_eq!(block_table(&c).await[0].2, 1, "one allocation, not two");
    assert_eq!(c.release("a.eth0").await.unwrap(), first);
    assert!(c.release("a.eth0").await.unwrap().is_empty(), "second DEL");
    assert!(
        c.release("never.eth0").await.unwrap().is_empty(),
        "unknown handle"
    );
    assert!(c.handles().await.unwrap().is_empty());
    assert_eq!(block_table(&c).await[0].2, 0);
    assert_eq!(
        assign(&c, "h1", "b.eth0", &pools).await,
        first,
        "freed address reused"
    );
}

async fn release_ip_and_empty_blocks(store: Arc<dyn Store>) {
    let c = IpamClient::new(store);
    let pools = [pool("10.70.0.0/28", 30)];
    let a = assign(&c, "h1", "a.eth0", &pools).await;
    assert_eq!(c.release_ip(a[0]).await.unwrap().as_deref(), Some("a.eth0"));
    assert!(
        c.handles().await.unwrap().is_empty(),
        "handle record goes with its last address"
    );
    assert!(matches!(
        c.release_ip(ip("10.99.0.1")).await,
        Err(IpamError::NotAllocated { .. })
    ));
    assign(&c, "h2", "b.eth0", &pools).await;
    let released = c.release_empty_blocks("h1").await.unwrap();
    assert_eq!(released.len(), 1);
    assert_eq!(
        block_table(&c).await,
        [("10.70.0.4/30".to_string(), Some("h2".to_string()), 1)],
        "h2's non-empty block is untouched"
    );
}

/// Two hosts, each with several connections assigning at once, race for a pool of 4 blocks.
async fn two_hosts_racing_get_unique_addresses(backend: &Backend) {
    let pools = [pool("10.70.0.0/28", 30)];
    let mut tasks = Vec::new();
    for worker in 0..8 {
        let store = backend.open().await;
        let node = ["h1", "h2"][worker % 2];
        let pools = pools.clone();
        tasks.push(tokio::spawn(async move {
            let c = IpamClient::new(store);
            let mut mine = Vec::new();
            for i in 0..2 {
                let handle = format!("w{worker}-{i}.eth0");
                mine.extend(
                    c.assign(&request(node, &handle, &pools, false))
                        .await
                        .unwrap(),
                );
            }
            mine
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let unique: BTreeSet<IpAddr> = all.iter().copied().collect();
    assert_eq!(
        unique.len(),
        16,
        "16 assignments, 16 distinct addresses: {all:?}"
    );
    let c = IpamClient::new(backend.open().await);
    let blocks = c.blocks().await.unwrap();
    let cidrs: BTreeSet<String> = blocks.iter().map(|b| b.block.cidr.to_string()).collect();
    assert_eq!(cidrs.len(), blocks.len(), "no block recorded twice");
    for handle in c.handles().await.unwrap() {
        c.release(&handle.handle).await.unwrap();
    }
    assert!(c.blocks().await.unwrap().iter().all(|b| b.block.is_empty()));
}

macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let backend = Backend::sqlite();
                    super::$name(backend.open().await).await;
                }
            )*
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn two_hosts_racing_get_unique_addresses() {
                super::two_hosts_racing_get_unique_addresses(&Backend::sqlite()).await;
            }
        }
        mod etcd {
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let backend = Backend::etcd();
                    super::$name(backend.open().await).await;
                }
            )*
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn two_hosts_racing_get_unique_addresses() {
                super::two_hosts_racing_get_unique_addresses(&Backend::etcd()).await;
            }
        }
    };
}

on_both_backends!(
    first_assignment_claims_the_first_block,
    a_full_block_leads_to_a_second_claim,
    an_exhausted_pool_borrows_from_another_host,
    strict_affinity_never_borrows,
    assign_and_release_are_idempotent,
    release_ip_and_empty_blocks,
);
