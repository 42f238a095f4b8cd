//! An endpoint whose record arrives before its veth exists (a runtime may
//! write it first, or felix may see the record first): once the interface
//! appears, felix installs its route and settings and lets its traffic
//! through at once, without waiting for a resync (set to an hour here).
//! Needs root.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use integration::{Lab, wait_until};
use support::*;

#[test]
fn a_veth_that_appears_after_its_endpoint_is_programmed_without_a_resync() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut lab = Lab::from_topology(&one_host(&[("c1", "tra1", "10.65.0.2")])).unwrap();
    let db = lab.dir().join("store.db");
    let store = open_store(&rt, &db);
    put_open_profile(&rt, &store);
    put_open_workload(&rt, &store, ("c1", "tra1"), &["10.65.0.2/32".into()], &[]);
    put_open_workload(
        &rt,
        &store,
        ("late", "tralate"),
        &["10.65.0.9/32".into()],
        &[],
    );
    let felix = start_felix_resyncing(&lab, ("host", "felix"), &db, "host", 3600);
    wait_reconciled(&felix);
    let before = lab
        .exec("host", &["ip", "route", "show", "10.65.0.9"])
        .unwrap();
    assert!(before.is_empty(), "no interface yet, so no route: {before}");

    // What a CNI plugin does: a veth with its container end in a namespace.
    let late = lab.add_node("late").unwrap();
    let route = || {
        lab.exec("host", &["ip", "route", "show", "10.65.0.9"])
            .unwrap()
    };
    lab.exec(
        "host",
        &[
            "ip", "link", "add", "tralate", "type", "veth", "peer", "name", "eth0", "netns", &late,
        ],
    )
    .unwrap();
    for args in [
        &["ip", "addr", "add", "10.65.0.9/32", "dev", "eth0"][..],
        &["ip", "link", "set", "eth0", "up"],
        &["ip", "link", "set", "lo", "up"],
        &[
            "ip",
            "route",
            "add",
            "169.254.1.1",
            "dev",
            "eth0",
            "scope",
            "link",
        ],
        &[
            "ip",
            "route",
            "add",
            "default",
            "via",
            "169.254.1.1",
            "dev",
            "eth0",
        ],
    ] {
        lab.exec("late", args).unwrap();
    }
    lab.exec("host", &["ip", "link", "set", "tralate", "up"])
        .unwrap();

    wait_until(
        Duration::from_secs(20),
        "route to the late endpoint",
        || route().contains("dev tralate proto 86"),
    )
    .unwrap();
    let proxy_arp = lab
        .exec(
            "host",
            &["cat", "/proc/sys/net/ipv4/conf/tralate/proxy_arp"],
        )
        .unwrap();
    assert_eq!(proxy_arp.trim(), "1");
    assert!(
        ping(&lab, "late", "10.65.0.2", None),
        "late endpoint reaches c1"
    );
    assert!(felix.is_running(), "{}", felix.log());
}
