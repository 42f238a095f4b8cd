//! confd tells a running bgpd to reload over bgpd's API socket: bgpd here writes
//! no pid file, so SIGHUP cannot reach it, and a BGPPeer applied while both run
//! must still show up among bgpd's peers.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use datastore::resource::client::{ResourceClient, WriteMode};
use resources::load::load_document;
use resources::stream::split_documents;
use terrace_svc::testkit::{ServiceProcess, free_port, workspace_bin};

const WAIT: Duration = Duration::from_secs(30);

async fn apply(url: &str, yaml: &str) {
    let store = datastore::open(&url.parse().unwrap()).await.unwrap();
    let objects: Vec<_> = split_documents("test", yaml)
        .iter()
        .map(|d| load_document(d, None).unwrap())
        .collect();
    ResourceClient::new(store)
        .write_all(&objects, WriteMode::Apply)
        .await
        .unwrap();
}

async fn peer_addresses(socket: &Path) -> Vec<String> {
    let Ok(mut client) = bgpd_api::client::connect(socket, WAIT).await else {
        return Vec::new();
    };
    client
        .list_peers(bgpd_api::pb::ListPeersRequest {})
        .await
        .map(|r| {
            r.into_inner()
                .peers
                .into_iter()
                .map(|p| p.address)
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_applied_while_bgpd_runs_reaches_it_over_the_api() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("store.db").display());
    // bgpd listens on a free loopback-reachable port, not on 179.
    let listen = free_port().unwrap();
    apply(&url, &format!("apiVersion: terrace.io/v1\nkind: BGPConfiguration\nmetadata: {{name: default}}\nspec: {{listenPort: {listen}}}\n")).await;
    let (rendered, socket) = (dir.path().join("bgpd.toml"), dir.path().join("bgpd.sock"));
    let pid_file = dir.path().join("bgpd.pid");

    let mut confd = Command::new(env!("CARGO_BIN_EXE_confd"));
    confd
        .args(["--datastore", &url, "--node", "node-a"])
        .args(["--config", "/nonexistent/terrace.toml"])
        .args(["--ip", "10.0.0.1/24", "--host-id", "reload-test"])
        .arg("--bgpd-config")
        .arg(&rendered)
        .arg("--bgpd")
        .arg(workspace_bin("bgpd").unwrap())
        .arg("--bgpd-socket")
        .arg(&socket)
        .arg("--bgpd-pid-file")
        .arg(&pid_file)
        .args([
            "--metrics-addr",
            &format!("127.0.0.1:{}", free_port().unwrap()),
        ]);
    let confd = ServiceProcess::start(confd, &dir.path().join("confd.log")).unwrap();
    let deadline = Instant::now() + WAIT;
    while !rendered.is_file() {
        assert!(
            Instant::now() < deadline,
            "no first render\n{}",
            confd.log()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let mut bgpd = Command::new(workspace_bin("bgpd").unwrap());
    bgpd.arg("--config")
        .arg(&rendered)
        .arg("--api-socket")
        .arg(&socket)
        .arg("--no-fib");
    let bgpd = ServiceProcess::start(bgpd, &dir.path().join("bgpd.log")).unwrap();
    while !socket.exists() {
        assert!(
            Instant::now() < deadline,
            "bgpd serves no API\n{}",
            bgpd.log()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(peer_addresses(&socket).await.is_empty());

    // Nobody listens on the peer's port: the session stays down, the peer is configured.
    let peer_port = free_port().unwrap();
    apply(&url, &format!("apiVersion: terrace.io/v1\nkind: BGPPeer\nmetadata: {{name: p1}}\nspec: {{node: node-a, peerIP: '127.0.0.1:{peer_port}', asNumber: 65000}}\n")).await;
    let deadline = Instant::now() + WAIT;
    while !peer_addresses(&socket)
        .await
        .iter()
        .any(|a| a.starts_with("127.0.0.1"))
    {
        assert!(
            Instant::now() < deadline,
            "bgpd never got the peer\nconfd:\n{}\nbgpd:\n{}",
            confd.log(),
            bgpd.log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(!pid_file.exists(), "only the API could have told bgpd");
}
