#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The confd loop against a real SQLite store, with a sink that records what
//! it is given.

use confd::daemon::{Coalesce, Sink, Status, run};
use confd::model::SpeakerConfig;
use datastore::resource::client::{ResourceClient, WriteMode};
use datastore::url::DatastoreUrl;
use resources::{Object, load::load_document, stream::split_documents};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::watch;

#[derive(Clone, Default)]
struct Recorder {
    seen: Arc<Mutex<Vec<SpeakerConfig>>>,
    fail: Arc<Mutex<bool>>,
}

impl Sink for Recorder {
    type Error = String;

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

/// confd's loop for node `a` on a fresh SQLite store holding nodes `a` and `b`, and `extra`.
struct Running {
    _dir: tempfile::TempDir,
    store: Arc<dyn datastore::Store>,
    client: ResourceClient,
    recorder: Recorder,
    status: watch::Receiver<Status>,
    stop: tokio::sync::oneshot::Sender<()>,
    daemon: tokio::task::JoinHandle<()>,
}

async fn start(extra: &[Object]) -> Running {
    let dir = tempfile::tempdir().unwrap();
    let url =
        DatastoreUrl::parse(&format!("sqlite://{}", dir.path().join("s.db").display())).unwrap();
    let store = datastore::open(&url).await.unwrap();
    let client = ResourceClient::new(store.clone());
    let mut initial = objects(NODES);
    initial.extend_from_slice(extra);
    client.write_all(&initial, WriteMode::Apply).await.unwrap();
    let recorder = Recorder::default();
    let (status_tx, status) = watch::channel(Status::default());
    let (stop, stop_rx) = tokio::sync::oneshot::channel::<()>();
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
    Running {
        _dir: dir,
        store,
        client,
        recorder,
        status,
        stop,
        daemon,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follows_the_datastore_coalesces_bursts_and_keeps_the_last_good_config() {
    let Running {
        _dir,
        store: _,
        client,
        recorder,
        status: status_rx,
        stop: stop_tx,
        daemon,
    } = start(&[]).await;

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_written_past_validation_neither_blocks_changes_nor_drops_its_session() {
    let Running {
        _dir,
        store,
        client,
        recorder,
        status: status_rx,
        stop: stop_tx,
        daemon,
    } = start(&peer("tor", "10.0.0.254")).await;
    let seen = recorder.seen.clone();
    let peers = |seen: &Arc<Mutex<Vec<SpeakerConfig>>>| {
        seen.lock().unwrap().last().map(|c| {
            let mut ips: Vec<String> = c.peers.iter().map(|p| p.address.to_string()).collect();
            ips.sort();
            ips
        })
    };
    wait_for("mesh and ToR", || {
        peers(&seen).is_some_and(|p| p.len() == 2)
    })
    .await;

    // Straight into the store, as a hand-written etcd record would be: the ToR's
    // AS number is garbage, and a new peer's address is not an address.
    let tor_key = peer("tor", "10.0.0.254")[0].key().unwrap().to_string();
    let broken = r#"{"apiVersion":"terrace.io/v1","kind":"BGPPeer","metadata":{"name":"tor"},"spec":{"peerIP":"10.0.0.9","asNumber":"many"}}"#;
    store
        .put(&tor_key, broken.as_bytes().to_vec())
        .await
        .unwrap();
    let bad_new = r#"{"apiVersion":"terrace.io/v1","kind":"BGPPeer","metadata":{"name":"bad"},"spec":{"peerIP":"ten","asNumber":65000}}"#;
    store
        .put("/terrace/v1/bgppeers/bad", bad_new.as_bytes().to_vec())
        .await
        .unwrap();
    let mut rx = status_rx.clone();
    wait_for("both refused", || {
        rx.borrow_and_update().records_refused == 2
    })
    .await;

    // A valid change still goes through, and the ToR keeps its last good session.
    client
        .write_all(&peer("tor2", "10.0.0.253"), WriteMode::Apply)
        .await
        .unwrap();
    wait_for("the second ToR", || {
        peers(&seen).is_some_and(|p| p.len() == 3)
    })
    .await;
    let now = peers(&seen).unwrap();
    assert!(now.contains(&"10.0.0.254".to_string()), "{now:?}");
    assert!(!now.contains(&"10.0.0.9".to_string()), "{now:?}");
    assert!(status_rx.borrow().last_error.is_none());

    stop_tx.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(10), daemon)
        .await
        .unwrap()
        .unwrap();
}
