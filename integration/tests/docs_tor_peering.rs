//! docs/tor-peering.md is run, not just read: its Terrace resources are
//! applied with netctl, its BIRD and FRR configurations run on the ToR, and
//! containers on two hosts reach each other over the routes they carry.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::stack::{assign, lab_store, netctl_apply, start_host_stack, two_hosts_behind_tor};
use common::{CONVERGE, PROBE, ip, new_lab};
use integration::routers::{self, NeighborConfig, RouterConfig, RouterKind};
use integration::{ProbeOutcome, wait_until};

const DOC: &str = include_str!("../../docs/tor-peering.md");
const POOL: &str =
    "apiVersion: terrace.io/v1\nkind: IPPool\nmetadata: {name: pods}\nspec: {cidr: 10.65.0.0/16}\n";

/// The body of the fenced block whose first line carries `tested: <name>`.
fn doc_block(name: &str) -> String {
    let mut blocks = DOC.split("```").skip(1).step_by(2);
    blocks
        .find_map(|block| {
            let body = block.split_once('\n')?.1;
            let first = body.lines().next()?;
            first
                .ends_with(&format!("tested: {name}"))
                .then(|| body.to_owned())
        })
        .unwrap_or_else(|| panic!("docs/tor-peering.md has no block marked `tested: {name}`"))
}

async fn run_documented_tor(kind: RouterKind, tor_config: &str) {
    let mut lab = new_lab();
    let (url, client) = lab_store(&lab).await;
    netctl_apply(&lab, &url, "pool.yaml", POOL);
    netctl_apply(
        &lab,
        &url,
        "tor-peering.yaml",
        &doc_block("tor-peering.yaml"),
    );
    let c1 = assign(&client, "10.65.0.0/16", "host1", "c1.eth0").await;
    let c2 = assign(&client, "10.65.0.0/16", "host2", "c2.eth0").await;
    lab.build(&two_hosts_behind_tor(&c1.to_string(), &c2.to_string()))
        .unwrap();

    // The neighbors only tell the lab which sessions to read; the text is the doc's.
    let mut tor_cfg = RouterConfig::new("10.0.1.1".parse().unwrap(), 65000)
        .neighbor(NeighborConfig::new(ip("10.0.1.2"), 64601))
        .neighbor(NeighborConfig::new(ip("10.0.2.2"), 64602));
    tor_cfg.config_text = Some(doc_block(tor_config));
    let tor = routers::start(kind, &lab, "tor", &tor_cfg).unwrap();
    let host1 = start_host_stack(&lab, "host1", "10.0.1.0/30", &url, 64601);
    let host2 = start_host_stack(&lab, "host2", "10.0.2.0/30", &url, 64602);

    for block in ["10.65.0.0/26", "10.65.0.64/26"] {
        tor.wait_route(block.parse().unwrap(), CONVERGE).unwrap();
    }
    wait_until(CONVERGE, "c1 -> c2 ping through the documented ToR", || {
        lab.ping("c1", c2, PROBE) == ProbeOutcome::Connected
    })
    .unwrap();
    assert_eq!(lab.ping("c2", c1, PROBE), ProbeOutcome::Connected);
    drop((host1, host2, tor));
    lab.teardown().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_documented_bird_tor_carries_container_routes() {
    run_documented_tor(RouterKind::Bird, "bird.conf").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_documented_frr_tor_carries_container_routes() {
    run_documented_tor(RouterKind::Frr, "frr-bgpd.conf").await;
}
