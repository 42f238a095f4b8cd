#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The confd loop against a real SQLite store, with a sink that records what
//! it is given.

use confd::daemon::{Coalesce, Sink, Status, run};
use confd::model::SpeakerConfig;
use datastore::resource::client::{ResourceClient, WriteMode};
use datastore::resource::{Object, load::load_document, stream::split_documents};
use datastore::url::DatastoreUrl;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::watch;

#[derive(Clone, Default)]
struct Recorder {
    seen: Arc<Mutex<Vec<SpeakerConfig>>>,
    fail: Arc<Mutex<bool>>,
}

impl Sink for Recorder {
    async fn apply(&mut self, config: &SpeakerConfig) -> Result<(), String> {
        if *self.fail.lock().unwrap() {
            return Err("bgpd rejected it".into());
        }
        self.seen.lock().unwrap().push(config.clone());
        Ok(())
    }
}

fn objects(yaml: &str) -> Vec<Object> {
    split_documents("t", yaml)
        .iter()
        .map(|d| load_document(d, None).unwrap())
        .collect()
}

async fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

const NODES: &str = "apiVersion: terrace.io/v1\nkind: Node\nmetadata: {name: a}\nspec: {bgp: {ipv4Address: 10.0.0.1/24}}\n---\napiVersion: terrace.io/v1\nkind: Node\nmetadata: {name: b}\nspec: {bgp: {ipv4Address: 10.0.0.2/24}}\n";

fn peer(name: &str, ip: &str) -> Vec<Object> {
    objects(&format!(
        "apiVersion: terrace.io/v1\nkind: BGPPeer\nmetadata: {{name: {name}}}\nspec: {{peerIP: {ip}, asNumber: 65000}}\n"
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follows_the_datastore_coalesces_bursts_and_keeps_the_last_good_config() {
    let dir = tempfile::tempdir().unwrap();
    let url =
        DatastoreUrl::parse(&format!("sqlite://{}", dir.path().join("s.db").display())).unwrap();
    let store = datastore::open(&url).await.unwrap();
    let client = ResourceClient::new(store.clone());
    client
        .write_all(&objects(NODES), WriteMode::Apply)
        .await
        .unwrap();

    let recorder = Recorder::default();
    let (status_tx, status_rx) = watch::channel(Status::default());
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let daemon = tokio::spawn(run(
        store.clone(),
        "a".into(),
        recorder.clone(),
        Coalesce::default(),
        status_tx,
        async {
            let _ = stop_rx.await;
        },
    ));

    let seen = recorder.seen.clone();
    wait_for("the first configuration", || {
        seen.lock().unwrap().len() == 1
    })
    .await;
    assert_eq!(seen.lock().unwrap()[0].peers.len(), 1, "mesh to b");
    assert!(status_rx.borrow().ready);

    // A new BGPPeer becomes a session.
    client
        .write_all(&peer("tor", "10.0.0.254"), WriteMode::Apply)
        .await
        .unwrap();
    wait_for("the ToR session", || {
        seen.lock()
            .unwrap()
            .last()
            .is_some_and(|c| c.peers.len() == 2)
    })
    .await;

    // A burst of unrelated writes renders nothing new: the configuration did not change.
    let before = seen.lock().unwrap().len();
    for i in 0..100 {
        let wep = objects(&format!(
            "apiVersion: terrace.io/v1\nkind: WorkloadEndpoint\nmetadata: {{name: w{i}, namespace: ns}}\nspec: {{node: a, interfaceName: tr{i}}}\n"
        ));
        client.write_all(&wep, WriteMode::Apply).await.unwrap();
    }
    client
        .write_all(&peer("tor2", "10.0.0.253"), WriteMode::Apply)
        .await
        .unwrap();
    wait_for("the second ToR", || {
        seen.lock()
            .unwrap()
            .last()
            .is_some_and(|c| c.peers.len() == 3)
    })
    .await;
    assert_eq!(
        seen.lock().unwrap().len(),
        before + 1,
        "101 writes, one new configuration"
    );

    // bgpd refuses the next one: the previous stays, and the failure is reported.
    *recorder.fail.lock().unwrap() = true;
    client
        .write_all(&peer("tor3", "10.0.0.252"), WriteMode::Apply)
        .await
        .unwrap();
    let mut rx = status_rx.clone();
    wait_for("the failure report", || {
        rx.borrow_and_update().last_error.is_some()
    })
    .await;
    assert_eq!(seen.lock().unwrap().last().unwrap().peers.len(), 3);

    // Once bgpd accepts again, the pending change goes through on the next change.
    *recorder.fail.lock().unwrap() = false;
    client
        .write_all(&peer("tor4", "10.0.0.251"), WriteMode::Apply)
        .await
        .unwrap();
    wait_for("recovery", || {
        seen.lock()
            .unwrap()
            .last()
            .is_some_and(|c| c.peers.len() == 5)
    })
    .await;

    stop_tx.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(10), daemon)
        .await
        .unwrap()
        .unwrap();
}
