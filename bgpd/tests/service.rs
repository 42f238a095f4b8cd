//! bgpd as a system service: two real bgpd processes peer over loopback,
//! each with `$NOTIFY_SOCKET` pointing at a test-owned socket (one a path,
//! one abstract). Each says READY=1, turns /readiness 200, serves metrics
//! that parse and pass `promtool check metrics`, and on SIGTERM says
//! STOPPING=1 and exits 0.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::process::Command;
use std::time::Duration;

use terrace_svc::testkit::{
    NotifyReceiver, ServiceProcess, free_port, http_get, parse_metrics, promtool_check,
    undocumented_families, wait_http,
};

const WAIT: Duration = Duration::from_secs(30);

/// One speaker's identity: router id, AS, loopback address, port, prefix.
struct Side<'a> {
    id: &'a str,
    asn: u32,
    addr: &'a str,
    port: u16,
    prefix: &'a str,
}

fn config(me: &Side, peer: &Side) -> String {
    format!(
        "router_id = \"{}\"\nasn = {}\nlisten_address = \"{}\"\nlisten_port = {}\n\
         [[originate]]\nprefix = \"{}\"\n\
         [[peers]]\nname = \"other\"\naddress = \"{}\"\nport = {}\nremote_as = {}\n\
         hold_time = 9\nconnect_retry_time = 1\nkind = \"mesh\"\n",
        me.id, me.asn, me.addr, me.port, me.prefix, peer.addr, peer.port, peer.asn
    )
}

struct Speaker {
    proc: ServiceProcess,
    notify: NotifyReceiver,
    metrics: SocketAddr,
}

fn start(dir: &std::path::Path, name: &str, text: &str, notify: NotifyReceiver) -> Speaker {
    let cfg = dir.join(format!("{name}.toml"));
    std::fs::write(&cfg, text).unwrap();
    let metrics: SocketAddr = format!("127.0.0.1:{}", free_port().unwrap())
        .parse()
        .unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bgpd"));
    cmd.arg("--config")
        .arg(&cfg)
        .arg("--no-fib")
        .arg("--pid-file")
        .arg(dir.join(format!("{name}.pid")))
        .arg("--metrics-addr")
        .arg(metrics.to_string())
        .env("NOTIFY_SOCKET", notify.env_value());
    let proc = ServiceProcess::start(cmd, &dir.join(format!("{name}.log"))).unwrap();
    Speaker {
        proc,
        notify,
        metrics,
    }
}

#[test]
fn bgpd_notifies_systemd_serves_health_and_metrics_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let (pa, pb) = (free_port().unwrap(), free_port().unwrap());
    let a_side = Side {
        id: "10.0.0.1",
        asn: 65001,
        addr: "127.0.0.1",
        port: pa,
        prefix: "10.65.1.0/26",
    };
    let b_side = Side {
        id: "10.0.0.2",
        asn: 65002,
        addr: "127.0.0.2",
        port: pb,
        prefix: "10.65.2.0/26",
    };
    let a_text = config(&a_side, &b_side);
    let b_text = config(&b_side, &a_side);
    let by_path = NotifyReceiver::bind_path(&dir.path().join("notify-a")).unwrap();
    let by_name =
        NotifyReceiver::bind_abstract(&format!("terrace-bgpd-test-{}", std::process::id()))
            .unwrap();
    let mut a = start(dir.path(), "a", &a_text, by_path);
    let mut b = start(dir.path(), "b", &b_text, by_name);

    for s in [&mut a, &mut b] {
        s.notify
            .wait_for("READY=1", WAIT)
            .unwrap_or_else(|e| panic!("{e}\n{}", s.proc.log()));
        wait_http(s.metrics, "/readiness", 200, WAIT).unwrap();
        assert_eq!(http_get(s.metrics, "/liveness").unwrap().0, 200);
    }
    // The session comes up and each side learns and advertises one prefix.
    let series = "{peer=\"127.0.0.2\",name=\"other\",kind=\"mesh\"}";
    let want = [
        format!("bgpd_peer_established{series}"),
        format!("bgpd_peer_prefixes_received{series}"),
        format!("bgpd_peer_prefixes_advertised{series}"),
    ];
    let deadline = std::time::Instant::now() + WAIT;
    let text = loop {
        let (code, text) = http_get(a.metrics, "/metrics").unwrap();
        assert_eq!(code, 200);
        let m = parse_metrics(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        if want.iter().all(|k| m.get(k) == Some(&1.0)) {
            assert_eq!(
                m.get("bgpd_peers{state=\"Established\"}"),
                Some(&1.0),
                "{text}"
            );
            assert!(
                m[&format!("bgpd_peer_updates_received_total{series}")] >= 1.0,
                "{text}"
            );
            assert!(
                m[&format!("bgpd_peer_updates_sent_total{series}")] >= 1.0,
                "{text}"
            );
            break text;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "session never carried the prefixes:\n{text}\n{}",
            a.proc.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    promtool_check(&text).unwrap();
    let doc = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/operations.md");
    let missing = undocumented_families(&text, &std::fs::read_to_string(doc).unwrap());
    assert!(missing.is_empty(), "not in docs/operations.md: {missing:?}");
    promtool_check(&http_get(b.metrics, "/metrics").unwrap().1).unwrap();

    // B stops: A counts one more flap, then stops too.
    let flaps = format!("bgpd_peer_session_flaps_total{series}");
    let count = || parse_metrics(&http_get(a.metrics, "/metrics").unwrap().1).unwrap()[&flaps];
    let before = count();
    let status = b.proc.terminate(WAIT).unwrap();
    b.notify.wait_for("STOPPING=1", WAIT).unwrap();
    assert!(status.success(), "{status}\n{}", b.proc.log());
    let deadline = std::time::Instant::now() + WAIT;
    while count() != before + 1.0 {
        assert!(
            std::time::Instant::now() < deadline,
            "no flap counted\n{}",
            a.proc.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let status = a.proc.terminate(WAIT).unwrap();
    a.notify.wait_for("STOPPING=1", WAIT).unwrap();
    assert!(status.success(), "{status}\n{}", a.proc.log());
}
