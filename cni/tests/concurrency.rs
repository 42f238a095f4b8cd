//! Many plugin processes at once, as a busy runtime (or several hosts) would run them: every
//! address is unique, and after DEL of all nothing is left in IPAM or the endpoints.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;

use common::{Call, Netns, Run, Store0, conf, finish};
use serde_json::json;

/// Runs every call with at most `parallel` plugin processes alive at once.
fn run_bounded(calls: &[Call], parallel: usize) -> Vec<Run> {
    let mut results = Vec::with_capacity(calls.len());
    for chunk in calls.chunks(parallel) {
        let children: Vec<_> = chunk.iter().map(Call::spawn).collect();
        results.extend(children.into_iter().map(finish));
    }
    results
}

fn assert_all_ok(runs: &[Run], what: &str) {
    let failed: Vec<&Run> = runs.iter().filter(|r| !r.ok()).collect();
    assert!(
        failed.is_empty(),
        "{} of {} {what} failed, first: {:?}",
        failed.len(),
        runs.len(),
        failed.first()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_hundred_parallel_adds_on_one_host_get_unique_addresses() {
    const CONTAINERS: usize = 500;
    let store = Store0::new();
    store.pool("p", json!({"cidr": "10.76.0.0/22"})).await;
    let host = Netns::new("h");
    let netns: Vec<Netns> = (0..CONTAINERS).map(|_| Netns::new("c")).collect();
    let conf = conf(&store.url, "h1", json!({"log_level": "warn"}));
    let call = |cmd: &str, i: usize| {
        Call::new(cmd, &format!("c{i}"), &netns[i].path(), &conf).in_host(&host)
    };
    let adds: Vec<Call> = (0..CONTAINERS).map(|i| call("ADD", i)).collect();
    let results = run_bounded(&adds, 32);
    assert_all_ok(&results, "ADDs");
    let ips: BTreeSet<String> = results.iter().flat_map(Run::ips).collect();
    assert_eq!(ips.len(), CONTAINERS, "every container has its own address");
    assert_eq!(store.endpoints().await.len(), CONTAINERS);
    let dels: Vec<Call> = (0..CONTAINERS).map(|i| call("DEL", i)).collect();
    assert_all_ok(&run_bounded(&dels, 32), "DELs");
    assert_eq!(store.leftovers().await, (0, 0, 0), "nothing leaked");
    let report = store.ipam_check().await;
    assert!(report.is_ok(), "netctl ipam check: {report:?}");
    assert!(!host.ip(&["link"]).contains(": tr"), "no host veth left");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hosts_racing_for_a_small_pool_never_share_an_address() {
    // 4 blocks of 16: both hosts claim blocks, then borrow from each other's.
    const PER_HOST: usize = 30;
    let store = Store0::new();
    store
        .pool("p", json!({"cidr": "10.77.0.0/26", "blockSize": 28}))
        .await;
    let hosts = [Netns::new("h"), Netns::new("h")];
    let netns: Vec<Netns> = (0..2 * PER_HOST).map(|_| Netns::new("c")).collect();
    let call = |cmd: &str, i: usize| {
        let node = ["h1", "h2"][i % 2];
        let conf = conf(&store.url, node, json!({"log_level": "warn"}));
        Call::new(cmd, &format!("r{i}"), &netns[i].path(), &conf).in_host(&hosts[i % 2])
    };
    let adds: Vec<Call> = (0..2 * PER_HOST).map(|i| call("ADD", i)).collect();
    let results = run_bounded(&adds, 32);
    assert_all_ok(&results, "ADDs");
    let ips: BTreeSet<String> = results.iter().flat_map(Run::ips).collect();
    assert_eq!(ips.len(), 2 * PER_HOST);
    let ipam = datastore::ipam::IpamClient::new(store.open().await);
    let owners: BTreeSet<Option<String>> = ipam
        .blocks()
        .await
        .unwrap()
        .into_iter()
        .map(|b| b.block.affinity)
        .collect();
    assert!(
        owners.contains(&Some("h1".into())) && owners.contains(&Some("h2".into())),
        "{owners:?}"
    );
    let dels: Vec<Call> = (0..2 * PER_HOST).map(|i| call("DEL", i)).collect();
    assert_all_ok(&run_bounded(&dels, 32), "DELs");
    assert_eq!(store.leftovers().await, (0, 0, 0), "nothing leaked");
    let report = store.ipam_check().await;
    assert!(report.is_ok(), "netctl ipam check: {report:?}");
}
