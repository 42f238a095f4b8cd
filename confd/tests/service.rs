//! confd as a system service: the real binary against a temp SQLite store,
//! with `$NOTIFY_SOCKET` pointing at a test-owned socket. It registers its
//! Node, renders bgpd's file (checked by the real bgpd), says READY=1, turns
//! /readiness 200, serves metrics that parse and pass `promtool check
//! metrics`, and on SIGTERM says STOPPING=1 and exits 0.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::process::Command;
use std::time::Duration;

use terrace_svc::testkit::{
    NotifyReceiver, ServiceProcess, free_port, http_get, parse_metrics, promtool_check,
    undocumented_families, wait_http, workspace_bin,
};

const WAIT: Duration = Duration::from_secs(30);

#[test]
fn confd_notifies_systemd_after_its_first_render_serves_metrics_and_stops_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let mut notify = NotifyReceiver::bind_path(&dir.path().join("notify")).unwrap();
    let metrics: SocketAddr = format!("127.0.0.1:{}", free_port().unwrap())
        .parse()
        .unwrap();
    let rendered = dir.path().join("bgpd.toml");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_confd"));
    cmd.args([
        "--datastore",
        &format!("sqlite://{}", dir.path().join("store.db").display()),
    ])
    .args(["--node", "node-a", "--config", "/nonexistent/terrace.toml"])
    .args(["--ip", "10.0.0.1/24", "--host-id", "service-test"])
    .arg("--bgpd-config")
    .arg(&rendered)
    .arg("--bgpd")
    .arg(workspace_bin("bgpd").unwrap())
    .arg("--bgpd-pid-file")
    .arg(dir.path().join("bgpd.pid"))
    .args(["--metrics-addr", &metrics.to_string()])
    .env("NOTIFY_SOCKET", notify.env_value());
    let mut confd = ServiceProcess::start(cmd, &dir.path().join("confd.log")).unwrap();

    notify
        .wait_for("READY=1", WAIT)
        .unwrap_or_else(|e| panic!("{e}\n{}", confd.log()));
    // READY=1 comes only after bgpd's file is in place.
    let text = std::fs::read_to_string(&rendered).unwrap();
    assert!(text.contains("router_id = \"10.0.0.1\""), "{text}");
    wait_http(metrics, "/readiness", 200, WAIT).unwrap();
    assert_eq!(http_get(metrics, "/liveness").unwrap().0, 200);

    let (code, text) = http_get(metrics, "/metrics").unwrap();
    assert_eq!(code, 200);
    let m = parse_metrics(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(m.get("confd_ready"), Some(&1.0), "{text}");
    assert!(m["confd_renders_total"] >= 1.0, "{text}");
    assert!(m["confd_configs_applied_total"] >= 1.0, "{text}");
    assert!(m["confd_watch_events_total"] >= 1.0, "{text}");
    assert_eq!(m.get("confd_render_errors_total"), Some(&0.0), "{text}");
    assert!(m["confd_last_render_timestamp_seconds"] > 1.6e9, "{text}");
    promtool_check(&text).unwrap();
    let doc = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/operations.md");
    let missing = undocumented_families(&text, &std::fs::read_to_string(doc).unwrap());
    assert!(missing.is_empty(), "not in docs/operations.md: {missing:?}");

    let status = confd.terminate(WAIT).unwrap();
    notify.wait_for("STOPPING=1", WAIT).unwrap();
    assert!(status.success(), "{status}\n{}", confd.log());
}
