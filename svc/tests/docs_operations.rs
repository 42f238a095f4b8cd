//! The commands docs/operations.md shows, run for real: the SQLite online
//! backup of a live store, the etcd snapshot of a running member, and the
//! documented default metrics addresses against each daemon's `--help`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;
use std::time::{Duration, Instant};

use terrace_svc::testkit::{ServiceProcess, free_port, workspace_bin};

fn doc() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../docs/operations.md"
    ))
    .unwrap()
}

/// The one command in a ```sh block of the guide that starts with `prefix`.
fn documented(prefix: &str) -> String {
    let doc = doc();
    let mut in_block = false;
    let mut found = Vec::new();
    for line in doc.lines() {
        if line.starts_with("```") {
            in_block = line == "```sh";
            continue;
        }
        if in_block && line.starts_with(prefix) {
            found.push(line.to_string());
        }
    }
    assert_eq!(
        found.len(),
        1,
        "commands starting with {prefix:?}: {found:?}"
    );
    found.remove(0)
}

fn sh(cmd: &str) -> String {
    let out = Command::new("sh").args(["-c", cmd]).output().unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{cmd}: {said}");
    said
}

#[test]
fn the_documented_sqlite_backup_copies_a_live_store() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("store.db");
    let dst = dir.path().join("backup.db");
    let url = |p: &std::path::Path| {
        datastore::url::DatastoreUrl::parse(&format!("sqlite://{}", p.display())).unwrap()
    };
    // The store stays open (as the daemons keep it) while the backup runs.
    let store = rt.block_on(datastore::open(&url(&src))).unwrap();
    rt.block_on(store.put("/terrace/test/backup", b"kept".to_vec()))
        .unwrap();
    let cmd = documented("sqlite3 ")
        .replace("/var/lib/terrace/store.db", src.to_str().unwrap())
        .replace("/var/backups/terrace-store.db", dst.to_str().unwrap());
    sh(&cmd);
    let copy = rt.block_on(datastore::open(&url(&dst))).unwrap();
    let got = rt
        .block_on(copy.get("/terrace/test/backup"))
        .unwrap()
        .unwrap();
    assert_eq!(got.value, b"kept");
}

#[test]
fn the_documented_etcd_snapshot_saves_a_running_member() {
    let dir = tempfile::tempdir().unwrap();
    let (client, peer) = (free_port().unwrap(), free_port().unwrap());
    let endpoint = format!("http://127.0.0.1:{client}");
    let peer_url = format!("http://127.0.0.1:{peer}");
    let mut cmd = Command::new("etcd");
    cmd.arg("--data-dir")
        .arg(dir.path().join("etcd"))
        .args(["--name", "docs", "--listen-client-urls", &endpoint])
        .args([
            "--advertise-client-urls",
            &endpoint,
            "--listen-peer-urls",
            &peer_url,
        ])
        .args(["--initial-advertise-peer-urls", &peer_url])
        .args(["--initial-cluster", &format!("docs={peer_url}")]);
    let etcd = ServiceProcess::start(cmd, &dir.path().join("etcd.log")).unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let put = Command::new("etcdctl")
            .args([
                "--endpoints",
                &endpoint,
                "put",
                "/terrace/test/snapshot",
                "kept",
            ])
            .env("ETCDCTL_API", "3")
            .output()
            .unwrap();
        if put.status.success() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "etcd never answered:\n{}",
            etcd.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let snap = dir.path().join("snap.db");
    let cmd = documented("etcdctl ")
        .replace("http://127.0.0.1:2379", &endpoint)
        .replace("/var/backups/terrace-etcd.db", snap.to_str().unwrap());
    sh(&format!("ETCDCTL_API=3 {cmd}"));
    let status = sh(&format!(
        "ETCDCTL_API=3 etcdctl snapshot status -w json {}",
        snap.display()
    ));
    let v: serde_json::Value = serde_json::from_str(status.lines().last().unwrap()).unwrap();
    assert!(v["totalKey"].as_u64().unwrap() >= 1, "{status}");
}

#[test]
fn documented_metrics_addresses_are_the_daemons_defaults_and_curl_reaches_them() {
    let doc = doc();
    for (bin, addr) in [
        ("felix", "127.0.0.1:9091"),
        ("confd", "127.0.0.1:9092"),
        ("bgpd", "127.0.0.1:9093"),
    ] {
        let help = Command::new(workspace_bin(bin).unwrap())
            .arg("--help")
            .output()
            .unwrap();
        let help = String::from_utf8_lossy(&help.stdout);
        assert!(
            help.contains(addr),
            "{bin} --help does not default to {addr}:\n{help}"
        );
        assert!(
            doc.contains(&format!("`{addr}`")),
            "docs do not give {bin}'s {addr}"
        );
    }
    // The guide's curl commands, against a responder on a free port.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let port = free_port().unwrap();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind(("127.0.0.1", port)))
        .unwrap();
    struct Up;
    impl terrace_svc::Probe for Up {
        fn ready(&self) -> bool {
            true
        }
        fn metrics(&self) -> String {
            "# HELP up_total x\n# TYPE up_total counter\nup_total 1\n".into()
        }
    }
    let server = rt.spawn(terrace_svc::serve(listener, std::sync::Arc::new(Up)));
    for (prefix, want) in [
        ("curl -s http://127.0.0.1:9091/readiness", "ready"),
        ("curl -s http://127.0.0.1:9093/metrics", "up_total 1"),
    ] {
        let cmd = documented(prefix)
            .replace(":9091/", &format!(":{port}/"))
            .replace(":9093/", &format!(":{port}/"));
        assert!(sh(&cmd).contains(want), "{cmd}");
    }
    server.abort();
}
