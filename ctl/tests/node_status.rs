#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `netctl node status` against a running bgpd: the real netctl binary asks a bgpd
//! (run in-process, no FIB, on loopback ports) that has a BGP session with a second
//! bgpd over its unix-socket API; and the error when no bgpd is there.

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use bgpd::api::{ApiService, serve};
use bgpd::daemon::{FibMode, Options, Status, run_with};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};

/// A speaker's file: router id from the AS, one peer of kind "mesh".
fn config(asn: u32, listen: &str, port: u16, peer: &str, peer_port: u16, peer_as: u32) -> String {
    let originate = if asn == 65002 {
        "[[originate]]\nprefix = \"10.65.1.0/26\"\n[[originate]]\nprefix = \"10.65.2.0/26\"\n"
    } else {
        ""
    };
    format!(
        "router_id = \"10.0.0.{}\"\nasn = {asn}\nlisten_address = \"{listen}\"\nlisten_port = {port}\n{originate}\
         [[peers]]\nname = \"other\"\naddress = \"{peer}\"\nport = {peer_port}\nremote_as = {peer_as}\n\
         hold_time = 9\nconnect_retry_time = 1\nkind = \"mesh\"\n",
        asn % 256
    )
}

/// Starts a speaker from `file` without a FIB (bgpd --no-fib), serving its API on `api`.
fn speaker(file: &Path, listener: TcpListener, api: Option<&Path>) {
    let config = bgpd::config::load(file).unwrap();
    let (ctl_tx, ctl_rx) = mpsc::channel(4);
    let (status_tx, status_rx) = watch::channel(Status::default());
    if let Some(sock) = api {
        let service = ApiService::new(status_rx, ctl_tx, file.to_path_buf());
        let sock = sock.to_path_buf();
        tokio::spawn(async move { serve(&sock, service, std::future::pending()).await.unwrap() });
    }
    let opts = Options {
        fib: FibMode::Off,
        control: Some(ctl_rx),
        status: Some(status_tx),
    };
    tokio::spawn(async move {
        run_with(config, listener, std::future::pending(), opts)
            .await
            .unwrap()
    });
}

fn netctl(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_netctl"))
        .args(args)
        .output()
        .unwrap()
}

fn status_json(sock: &Path) -> Option<serde_json::Value> {
    let out = netctl(&[
        "node",
        "status",
        "-o",
        "json",
        "--bgpd-socket",
        sock.to_str()?,
    ]);
    out.status
        .success()
        .then(|| serde_json::from_slice(&out.stdout).ok())
        .flatten()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_status_shows_the_session_to_a_peer_with_its_prefixes() {
    let dir = tempfile::tempdir().unwrap();
    let la = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let lb = TcpListener::bind("127.0.0.2:0").await.unwrap();
    let (pa, pb) = (
        la.local_addr().unwrap().port(),
        lb.local_addr().unwrap().port(),
    );
    let (fa, fb) = (dir.path().join("a.toml"), dir.path().join("b.toml"));
    std::fs::write(&fa, config(65001, "127.0.0.1", pa, "127.0.0.2", pb, 65002)).unwrap();
    std::fs::write(&fb, config(65002, "127.0.0.2", pb, "127.0.0.1", pa, 65001)).unwrap();
    let sock = dir.path().join("bgpd.sock");
    speaker(&fa, la, Some(&sock));
    speaker(&fb, lb, None);

    // netctl is the only reader: poll it until the session is up and both prefixes in.
    let deadline = Instant::now() + Duration::from_secs(60);
    let peer = loop {
        let sock = sock.clone();
        let v = tokio::task::spawn_blocking(move || status_json(&sock))
            .await
            .unwrap();
        let peer = v.as_ref().map(|v| v["peers"][0].clone());
        if let Some(p) = peer.filter(|p| p["state"] == "Established" && p["prefixes_accepted"] == 2)
        {
            assert_eq!(v.unwrap()["loc_rib_prefixes"], 2);
            break p;
        }
        assert!(Instant::now() < deadline, "session not shown as up: {v:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(peer["address"], "127.0.0.2");
    assert_eq!(peer["as"], 65002);
    assert_eq!(peer["type"], "mesh");
    assert_eq!(peer["name"], "other");
    assert_eq!(peer["prefixes_received"], 2);
    assert!(peer["since_seconds"].is_u64());

    let out = tokio::task::spawn_blocking({
        let sock = sock.clone();
        move || netctl(&["node", "status", "--bgpd-socket", sock.to_str().unwrap()])
    })
    .await
    .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<Vec<&str>> = text
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(
        lines[0],
        [
            "PEER", "ADDRESS", "AS", "TYPE", "STATE", "SINCE", "RECEIVED", "ACCEPTED", "NAME"
        ],
        "{text}"
    );
    let row = &lines[1];
    assert_eq!(
        (row[0], row[1], row[2], row[3], row[5], row[6], row[7]),
        (
            "127.0.0.2",
            "65002",
            "mesh",
            "Established",
            "2",
            "2",
            "other"
        ),
        "{text}"
    );
    assert!(text.contains("Loc-RIB prefixes: 2"), "{text}");

    let sock_arg = sock.to_str().unwrap().to_owned();
    let run = |args: Vec<String>| async move {
        tokio::task::spawn_blocking(move || {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            netctl(&args)
        })
        .await
        .unwrap()
    };
    let args = |a: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = a.iter().map(|s| s.to_string()).collect();
        v.extend(["--bgpd-socket".to_owned(), sock_arg.clone()]);
        v
    };
    let out = run(args(&["node", "status", "--detail"])).await;
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for want in [
        "127.0.0.2 AS 65002 (mesh, other)",
        "capabilities: 4-octet AS, MP IPv4 unicast",
        "prefixes:     2 received, 2 accepted, 0 advertised",
        "last error:   ",
    ] {
        assert!(text.contains(want), "{want:?} in\n{text}");
    }

    // The other speaker supports route refresh: inbound asks it; outbound has nothing
    // of ours to send (we originate nothing).
    let out = run(args(&["node", "soft-reset", "127.0.0.2"])).await;
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "127.0.0.2: inbound: ROUTE-REFRESH sent, the peer re-sends its routes\n"
    );
    let out = run(args(&["node", "soft-reset", "127.0.0.9", "--in"])).await;
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("soft reset of 127.0.0.9: 127.0.0.9 is not a configured peer"),
        "{err}"
    );
}

#[test]
fn node_status_says_bgpd_is_not_running_without_its_socket() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("bgpd.sock");
    let out = netctl(&["node", "status", "--bgpd-socket", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with(&format!(
            "netctl: bgpd is not running on this host: no socket at {}",
            missing.display()
        )),
        "{err}"
    );

    // A socket file left behind by a bgpd that is gone: nobody answers.
    let stale = dir.path().join("stale.sock");
    drop(std::os::unix::net::UnixListener::bind(&stale).unwrap());
    let out = netctl(&["node", "status", "--bgpd-socket", stale.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with(&format!(
            "netctl: bgpd is not running on this host: cannot connect to {}",
            stale.display()
        )),
        "{err}"
    );
}

#[test]
fn node_status_defaults_to_the_service_socket_path() {
    let out = netctl(&["node", "status", "--help"]);
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("[default: /run/terrace/bgpd.sock]"), "{help}");
}
