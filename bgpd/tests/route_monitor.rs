//! The kernel route monitor in a network namespace (needs root): bgpd's own routes
//! (protocol 89) are dropped by the monitor's socket filter in the kernel, IPv4 and
//! IPv6 alike, while other routes and addresses still wake the reconciler; a burst of
//! other routes queued while nobody reads does not overflow the subscription, and one
//! that does overflow it still wakes the reconciler.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use bgpd::fib::{Monitor, ROUTE_PROTOCOL};
use integration::{Lab, Topology, cmd, netns};

/// Runs `commands` with `ip -batch` (from the calling thread's namespace).
fn ip_batch(dir: &Path, commands: &str) {
    let file = dir.join("batch");
    std::fs::write(&file, commands).unwrap();
    cmd::run(&["ip", "-batch", file.to_str().unwrap()]).unwrap();
}

/// Runs `test` on a runtime of its own inside the namespace of a fresh one-host lab,
/// given the lab's directory; the lab is removed afterwards.
fn in_namespace<T: Send + 'static, F: Future<Output = T>>(
    test: impl FnOnce(PathBuf) -> F + Send + 'static,
) -> T {
    let lab = Lab::from_topology(&Topology::builder().host("h").build().unwrap()).unwrap();
    let ns = lab.ns("h").unwrap().to_string();
    let dir = lab.dir().to_path_buf();
    let out = netns::run_in(&ns, move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(test(dir))
    })
    .unwrap();
    lab.teardown().unwrap();
    out
}

/// Waits for the monitor to report a change; the number of messages that reached it.
async fn woken(monitor: &mut Monitor) -> u64 {
    let Ok(changed) = tokio::time::timeout(Duration::from_secs(10), monitor.changed()).await else {
        panic!(
            "no change reported within 10 s ({} messages reached the monitor)",
            monitor.received()
        );
    };
    assert!(changed, "the monitor ended");
    monitor.received()
}

#[test]
fn own_routes_are_filtered_in_the_kernel_and_a_burst_of_others_is_not_lost() {
    let (v4_wake, v6_wake, flood) = in_namespace(|dir| async move {
        let mut monitor = Monitor::start().unwrap();
        // 2,000 routes of ours, then one of another protocol. Without the filter
        // ours would reach the monitor first (and overflow a default-sized
        // buffer, losing the other one).
        let ours: String = (0..2000)
            .map(|i| {
                format!(
                    "route add blackhole 10.77.{}.{}/32 proto {ROUTE_PROTOCOL}\n",
                    i / 256,
                    i % 256
                )
            })
            .collect();
        ip_batch(
            &dir,
            &format!("{ours}route add blackhole 10.78.0.0/24 proto static\n"),
        );
        let v4 = woken(&mut monitor).await;
        let ours: String = (0..500)
            .map(|i| format!("route add blackhole 2001:db8:77::{i:x}/128 proto {ROUTE_PROTOCOL}\n"))
            .collect();
        ip_batch(&dir, &format!("{ours}address add 10.79.0.1/32 dev lo\n"));
        let v6 = woken(&mut monitor).await - v4;
        // 3,000 routes of another protocol, queued while the monitor is not read.
        let theirs: String = (0..3000)
            .map(|i| {
                format!(
                    "route add blackhole 10.80.{}.{}/32 proto static\n",
                    i / 256,
                    i % 256
                )
            })
            .collect();
        ip_batch(&dir, &format!("{theirs}address add 10.79.0.2/32 dev lo\n"));
        let before = monitor.received();
        woken(&mut monitor).await;
        while tokio::time::timeout(Duration::from_millis(200), monitor.changed())
            .await
            .is_ok()
        {}
        let flood = monitor.received() - before;
        (v4, v6, flood)
    });
    // The other route alone, and the address with the local routes it brings.
    assert!(v4_wake <= 5, "{v4_wake} messages reached the monitor");
    assert!(v6_wake <= 10, "{v6_wake} messages reached the monitor");
    assert!(
        flood >= 3001,
        "only {flood} of the 3,000 routes and the address arrived"
    );
}

#[test]
fn an_overflowing_burst_of_changes_it_ignores_still_wakes_it() {
    in_namespace(|dir| async move {
        let mut monitor = Monitor::start().unwrap();
        // Routes outside the main table do not resolve next hops, so none of these
        // wakes the monitor by itself; 40,000 notifications queued unread overflow
        // even the 8 MiB buffer, and what the kernel dropped might have mattered.
        let other_table: String = (0..40_000)
            .map(|i| {
                format!(
                    "route add blackhole 10.{}.{}.{}/32 proto static table 100\n",
                    81 + i / 65536,
                    (i / 256) % 256,
                    i % 256
                )
            })
            .collect();
        ip_batch(&dir, &other_table);
        woken(&mut monitor).await;
        assert!(
            monitor.received() < 40_000,
            "no overflow: {} messages arrived",
            monitor.received()
        );
    });
}
