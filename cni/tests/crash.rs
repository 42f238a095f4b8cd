//! kill -9 in the middle of ADD (and DEL), at every named step: what is left is visible to
//! `netctl ipam check` (a handle without an endpoint), a retried ADD succeeds with the same
//! address, and DEL then leaves nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Call, Netns, Store0, conf};
use serde_json::json;
use std::os::unix::process::ExitStatusExt;

/// The `fail` crate's configuration variable (cni/src/abort.rs).
const FAILPOINTS: &str = "FAILPOINTS";

/// Makes the plugin kill itself at `step`.
fn crash_at(step: &str) -> String {
    format!("{step}=return")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_add_is_repaired_by_a_retry_and_removed_by_del() {
    let store = Store0::new();
    store.pool("p", json!({"cidr": "10.78.0.0/24"})).await;
    let host = Netns::new("h");
    let conf = conf(&store.url, "h1", json!({}));
    for step in [
        "ipam-assigned",
        "veth-created",
        "container-configured",
        "endpoint-written",
    ] {
        let ctr = Netns::new("c");
        let id = format!("crash-{step}");
        let add = Call::new("ADD", &id, &ctr.path(), &conf).in_host(&host);
        let out = add
            .clone()
            .with(FAILPOINTS, &crash_at(step))
            .spawn()
            .wait_with_output()
            .unwrap();
        assert_eq!(
            out.status.signal(),
            Some(9),
            "{step}: the plugin died by SIGKILL"
        );
        assert!(
            out.stdout.is_empty(),
            "{step}: a killed plugin printed nothing"
        );
        let (allocated, handles, weps) = store.leftovers().await;
        assert_eq!(
            (allocated, handles),
            (1, 1),
            "{step}: the assignment is recorded"
        );
        if step != "endpoint-written" {
            assert_eq!(weps, 0, "{step}: a handle without an endpoint");
            let report = store.ipam_check().await.unwrap_err();
            assert!(
                report.contains(&format!("handle {id}.eth0"))
                    && report.contains("no WorkloadEndpoint"),
                "{step}: netctl ipam check reports the leftover: {report}"
            );
        }
        let retry = add.run();
        assert!(retry.ok(), "{step}: retried ADD: {}", retry.stdout);
        assert_eq!(
            store.leftovers().await,
            (1, 1, 1),
            "{step}: one attachment, not two"
        );
        let check_conf = {
            let mut c = conf.clone();
            c["prevResult"] = retry.json.clone();
            c
        };
        let check = Call::new("CHECK", &id, &ctr.path(), &check_conf)
            .in_host(&host)
            .run();
        assert!(
            check.ok(),
            "{step}: CHECK after the retry: {}",
            check.stdout
        );
        let del = Call::new("DEL", &id, &ctr.path(), &check_conf)
            .in_host(&host)
            .run();
        assert!(del.ok(), "{step}: {}", del.stdout);
        assert_eq!(
            store.leftovers().await,
            (0, 0, 0),
            "{step}: DEL left nothing"
        );
        let report = store.ipam_check().await;
        assert!(report.is_ok(), "{step}: ipam check after DEL: {report:?}");
    }
    assert!(!host.ip(&["link"]).contains(": tr"), "no host veth left");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_del_is_finished_by_the_next_del() {
    let store = Store0::new();
    store.pool("p", json!({"cidr": "10.79.0.0/24"})).await;
    let host = Netns::new("h");
    let conf = conf(&store.url, "h1", json!({}));
    for step in ["veth-deleted", "endpoint-deleted"] {
        let ctr = Netns::new("c");
        let id = format!("crash-{step}");
        assert!(
            Call::new("ADD", &id, &ctr.path(), &conf)
                .in_host(&host)
                .run()
                .ok()
        );
        let del = Call::new("DEL", &id, &ctr.path(), &conf).in_host(&host);
        let out = del
            .clone()
            .with(FAILPOINTS, &crash_at(step))
            .spawn()
            .wait_with_output()
            .unwrap();
        assert_eq!(out.status.signal(), Some(9), "{step}");
        let (allocated, handles, _) = store.leftovers().await;
        assert_eq!(
            (allocated, handles),
            (1, 1),
            "{step}: addresses are released last"
        );
        assert!(del.run().ok(), "{step}: second DEL");
        assert_eq!(store.leftovers().await, (0, 0, 0), "{step}");
    }
}
