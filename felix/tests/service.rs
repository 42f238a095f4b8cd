//! felix as a system service: the real binary in a lab namespace against a
//! temp SQLite store, with `$NOTIFY_SOCKET` pointing at a test-owned socket.
//! After its first full apply it says READY=1 and /readiness turns 200; its
//! metrics parse and pass `promtool check metrics`; on SIGTERM it says
//! STOPPING=1, exits 0 and leaves its nft table and routes in place. Needs
//! root.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::process::Command;
use std::time::{Duration, Instant};

use integration::Lab;
use support::*;
use terrace_svc::testkit::{
    NotifyReceiver, ServiceProcess, parse_metrics, promtool_check, undocumented_families,
};

const WAIT: Duration = Duration::from_secs(60);
const METRICS: &str = "127.0.0.1:19191";

/// GET inside the namespace (felix listens on the namespace's loopback).
fn get(lab: &Lab, path: &str) -> (u16, String) {
    let url = format!("http://{METRICS}{path}");
    let out = lab
        .exec_output("host", &["curl", "-s", "-w", "\n%{http_code}", &url])
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (body, code) = text.rsplit_once('\n').unwrap_or(("", "0"));
    (code.trim().parse().unwrap_or(0), body.to_string())
}

#[test]
fn felix_notifies_systemd_after_its_first_apply_and_keeps_the_dataplane_on_sigterm() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut lab = Lab::new().unwrap();
    let ns = lab.add_node("host").unwrap();
    lab.exec("host", &["ip", "link", "set", "lo", "up"])
        .unwrap();
    let db = lab.dir().join("store.db");
    let store = open_store(&rt, &db);
    put_open_profile(&rt, &store);
    let mut notify = NotifyReceiver::bind_path(&lab.dir().join("notify")).unwrap();

    let mut cmd = Command::new("ip");
    cmd.args(["netns", "exec", &ns, env!("CARGO_BIN_EXE_felix")])
        .args(["--datastore", &format!("sqlite://{}", db.display())])
        .args(["--node", "host", "--config", "/nonexistent/terrace.toml"])
        .args(["--metrics-addr", METRICS])
        .env("NOTIFY_SOCKET", notify.env_value());
    let mut felix = ServiceProcess::start(cmd, &lab.dir().join("felix.log")).unwrap();

    notify
        .wait_for("READY=1", WAIT)
        .unwrap_or_else(|e| panic!("{e}\n{}", felix.log()));
    let deadline = Instant::now() + WAIT;
    while get(&lab, "/readiness").0 != 200 {
        assert!(Instant::now() < deadline, "never ready:\n{}", felix.log());
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(get(&lab, "/liveness").0, 200);
    let (code, text) = get(&lab, "/metrics");
    assert_eq!(code, 200);
    let m = parse_metrics(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert!(m["felix_apply_seconds_count"] >= 1.0, "{text}");
    assert!(m["felix_rules"] >= 1.0, "{text}");
    promtool_check(&text).unwrap();
    let doc = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/operations.md");
    let missing = undocumented_families(&text, &std::fs::read_to_string(doc).unwrap());
    assert!(missing.is_empty(), "not in docs/operations.md: {missing:?}");

    let table = || {
        lab.exec("host", &["nft", "list", "table", "inet", "terrace"])
            .unwrap()
    };
    let before = table();
    let status = felix.terminate(WAIT).unwrap();
    notify.wait_for("STOPPING=1", WAIT).unwrap();
    assert!(status.success(), "{status}\n{}", felix.log());
    // A stop is not a teardown: the dataplane keeps forwarding and filtering.
    assert_eq!(table(), before);
    lab.teardown().unwrap();
}
