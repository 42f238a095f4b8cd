//! Restart under load: `kill -9` felix while an iperf3 TCP stream runs
//! between two workloads, start it again: the stream finishes without a
//! reset and no rule or route was removed and re-added. Needs root, iperf3.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use integration::{Lab, wait_until};
use support::*;

#[test]
fn kill_9_during_an_iperf3_stream_keeps_the_stream_and_the_dataplane() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let lab = Lab::from_topology(&one_host(&[
        ("c1", "tra1", "10.65.0.2"),
        ("c2", "tra2", "10.65.0.3"),
    ]))
    .unwrap();
    let db = lab.dir().join("store.db");
    let store = open_store(&rt, &db);
    put_open_profile(&rt, &store);
    for (name, iface, ip) in [("c1", "tra1", "10.65.0.2"), ("c2", "tra2", "10.65.0.3")] {
        put_open_workload(&rt, &store, (name, iface), &[format!("{ip}/32")], &[]);
    }
    let felix = start_felix(&lab, "host", "felix", &db, "host");
    wait_reconciled(&felix);
    let rules = || {
        lab.exec("host", &["nft", "-a", "list", "table", "inet", "terrace"])
            .unwrap()
    };
    let routes = || {
        lab.exec("host", &["ip", "route", "show", "proto", "86"])
            .unwrap()
    };
    let before = (rules(), routes());

    let server = lab
        .spawn(
            "c2",
            "iperf3-server",
            &["iperf3", "-s", "-1", "--forceflush"],
        )
        .unwrap();
    wait_until(Duration::from_secs(30), "iperf3 listening", || {
        server.log().contains("Server listening")
    })
    .unwrap();
    let client = lab
        .spawn(
            "c1",
            "iperf3-client",
            &[
                "iperf3",
                "-c",
                "10.65.0.3",
                "-t",
                "6",
                "-i",
                "1",
                "--forceflush",
            ],
        )
        .unwrap();
    wait_until(Duration::from_secs(30), "stream running", || {
        client.log().contains("sec")
    })
    .unwrap();
    lab.exec("host", &["kill", "-9", &felix.pid().to_string()])
        .unwrap();
    wait_until(Duration::from_secs(30), "felix gone", || {
        !felix.is_running()
    })
    .unwrap();
    let again = start_felix(&lab, "host", "felix-2", &db, "host");
    wait_reconciled(&again);
    wait_until(Duration::from_secs(60), "iperf3 finished", || {
        !client.is_running()
    })
    .unwrap();
    let log = client.log();
    assert!(log.contains("iperf Done."), "{log}");
    assert!(!log.contains("error"), "{log}");
    assert_eq!(
        before,
        (rules(), routes()),
        "restart changed handles or routes"
    );
}
