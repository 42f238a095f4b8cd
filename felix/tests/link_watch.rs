//! The link subscription in a network namespace (needs root): a burst of interfaces
//! created while nobody reads — a node starting hundreds of containers at once — is
//! reported in full, not cut off where the socket's default buffer would overflow.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::time::Duration;

use felix::reconcile::link_watch::{LinkEvent, LinkWatch};
use integration::{Lab, Topology, cmd, netns};

const PAIRS: usize = 400;

#[test]
fn a_burst_of_new_interfaces_is_reported_in_full() {
    let lab = Lab::from_topology(&Topology::builder().host("h").build().unwrap()).unwrap();
    let ns = lab.ns("h").unwrap().to_string();
    let batch = lab.dir().join("veths");
    let commands: String = (0..PAIRS)
        .map(|i| format!("link add lwa{i} type veth peer name lwb{i}\n"))
        .collect();
    std::fs::write(&batch, commands).unwrap();
    let seen = netns::run_in(&ns, move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let mut watch = LinkWatch::start().unwrap();
            // The runtime does not read while this thread waits for ip, so every
            // message queues in the socket.
            cmd::run(&["ip", "-batch", batch.to_str().unwrap()]).unwrap();
            let mut seen = BTreeSet::new();
            while let Ok(Some(event)) =
                tokio::time::timeout(Duration::from_millis(500), watch.next()).await
            {
                match event {
                    LinkEvent::Changed(name) => seen.insert(name),
                    LinkEvent::Lost => panic!("the subscription overflowed"),
                };
            }
            seen
        })
    })
    .unwrap();
    let missing: Vec<String> = (0..PAIRS)
        .flat_map(|i| [format!("lwa{i}"), format!("lwb{i}")])
        .filter(|n| !seen.contains(n))
        .collect();
    assert!(
        missing.is_empty(),
        "{} of {} interfaces never reported, first {:?}",
        missing.len(),
        2 * PAIRS,
        &missing[..missing.len().min(5)]
    );
    lab.teardown().unwrap();
}
