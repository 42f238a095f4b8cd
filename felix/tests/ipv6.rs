//! IPv6 with real packets: workloads with a /128 each (besides their IPv4
//! /32), wired as the CNI plugin does it (host veth MAC ee:ee:ee:ee:ee:ee,
//! default route via its link-local fe80::ecee:eeff:feee:eeee), felix
//! installing the /128 routes and proxy_ndp, and a policy whose IPv6 rule
//! allows one flow while the tier's default deny blocks the rest.
//!
//! ```text
//!   c1 fd00:65::2 (client)  c2 fd00:65::3 (server)  c3 fd00:65::4 (other)
//!        | tra1                  | tra2                  | tra3
//!   +----+-----------------------+-----------------------+----+
//!   |  host (felix, SQLite datastore)                         |
//!   +---------------------------------------------------------+
//! ```
//! SCTP is in `sctp.rs` (raw sockets: this kernel has no SCTP stack).
//! Needs root; run with `cargo test -p felix --test ipv6`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use integration::{Daemon, Lab, wait_until};
use resources::Kind;
use serde_json::json;
use support::*;

const GATEWAY: &str = "fe80::ecee:eeff:feee:eeee";
const WORKLOADS: [(&str, &str, &str, &str); 3] = [
    ("c1", "tra1", "10.65.0.2", "fd00:65::2"),
    ("c2", "tra2", "10.65.0.3", "fd00:65::3"),
    ("c3", "tra3", "10.65.0.4", "fd00:65::4"),
];

const SERVER6: &str = r#"
import socket, sys, threading
def tcp(p):
    s = socket.socket(socket.AF_INET6); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("::", p)); s.listen(64)
    while True:
        c, a = s.accept(); c.sendall(a[0].encode()); c.close()
for p in map(int, sys.argv[1:]):
    threading.Thread(target=tcp, args=(p,), daemon=True).start()
print("ready", flush=True)
threading.Event().wait()
"#;

const CLIENT6: &str = r#"
import socket, sys
s = socket.socket(socket.AF_INET6); s.settimeout(2)
try:
    s.connect((sys.argv[1], int(sys.argv[2]))); print("connected", s.recv(100).decode())
except OSError:
    print("timeout"); sys.exit(1)
"#;

/// A dual-stack server (the IPv6 socket also takes IPv4-mapped connections).
fn serve6(lab: &Lab, role: &str, ports: &[u16]) -> Daemon {
    let mut args = vec!["python3".to_string(), "-c".into(), SERVER6.into()];
    args.extend(ports.iter().map(u16::to_string));
    let d = lab.spawn(role, &format!("server6-{role}"), &args).unwrap();
    wait_until(Duration::from_secs(30), "server ready", || {
        d.log().contains("ready")
    })
    .unwrap();
    d
}

fn probe6(lab: &Lab, role: &str, dst: &str, port: u16) -> String {
    let port = port.to_string();
    let out = lab
        .exec_output(role, &["python3", "-c", CLIENT6, dst, &port])
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Adds the IPv6 half of the CNI plugin's wiring that the topology builder
/// (IPv4 only) leaves out; the /128 route is felix's to install.
fn add_ipv6(lab: &Lab) {
    lab.exec(
        "host",
        &["sysctl", "-q", "-w", "net.ipv6.conf.all.forwarding=1"],
    )
    .unwrap();
    for (name, iface, _, ip6) in WORKLOADS {
        lab.exec(
            "host",
            &[
                "ip",
                "-6",
                "addr",
                "add",
                &format!("{GATEWAY}/64"),
                "dev",
                iface,
                "nodad",
            ],
        )
        .unwrap();
        lab.exec(
            name,
            &[
                "ip",
                "-6",
                "addr",
                "add",
                &format!("{ip6}/128"),
                "dev",
                "eth0",
                "nodad",
            ],
        )
        .unwrap();
        lab.exec(
            name,
            &[
                "ip", "-6", "route", "add", "default", "via", GATEWAY, "dev", "eth0",
            ],
        )
        .unwrap();
    }
}

#[test]
fn an_ipv6_rule_allows_and_the_default_deny_blocks_with_real_packets() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let v4: Vec<_> = WORKLOADS
        .iter()
        .map(|(n, i, ip, _)| (*n, *i, *ip))
        .collect();
    let lab = Lab::from_topology(&one_host(&v4)).unwrap();
    add_ipv6(&lab);
    let db = lab.dir().join("store.db");
    let store = open_store(&rt, &db);
    put_open_profile(&rt, &store);
    for (name, iface, ip, ip6) in WORKLOADS {
        let nets = [format!("{ip}/32"), format!("{ip6}/128")];
        put_open_workload(&rt, &store, (name, iface), &nets, &[("app", name)]);
    }
    put(
        &rt,
        &store,
        Kind::NetworkPolicy,
        Some("default"),
        "server",
        &[],
        json!({
        "selector": "app == 'c2'", "types": ["Ingress"],
        "ingress": [{"action": "Allow", "protocol": "TCP",
                     "source": {"nets": ["fd00:65::2/128"]},
                     "destination": {"ports": [8080]}}]}),
    );
    let _srv = serve6(&lab, "c2", &[8080, 9090]);
    let _srv3 = serve6(&lab, "c3", &[8080]);
    let felix = start_felix(&lab, "host", "felix", &db, "host");
    wait_reconciled(&felix);

    // felix's own /128 routes and the veth's IPv6 settings.
    let routes = lab
        .exec("host", &["ip", "-6", "-j", "route", "show", "proto", "86"])
        .unwrap();
    for (_, iface, _, ip6) in WORKLOADS {
        assert!(routes.contains(&format!("\"{ip6}\"")), "{ip6}: {routes}");
        let ndp = lab
            .exec(
                "host",
                &["sysctl", "-n", &format!("net.ipv6.conf.{iface}.proxy_ndp")],
            )
            .unwrap();
        assert_eq!(ndp.trim(), "1", "{iface} proxy_ndp");
    }

    // The IPv6 rule allows c1 to 8080 only; the default deny does the rest.
    assert_eq!(
        probe6(&lab, "c1", "fd00:65::3", 8080),
        "connected fd00:65::2"
    );
    assert_eq!(probe6(&lab, "c1", "fd00:65::3", 9090), "timeout", "port");
    assert_eq!(probe6(&lab, "c3", "fd00:65::3", 8080), "timeout", "source");
    // No policy selects c3: open over both families, so IPv4 works here.
    assert_eq!(
        probe6(&lab, "c1", "fd00:65::4", 8080),
        "connected fd00:65::2"
    );
    assert!(probe(&lab, "c1", "tcp", "10.65.0.4", 8080, None).starts_with("connected"));
    // The same flow over IPv4 is not matched by an IPv6-only net.
    assert_eq!(
        probe(&lab, "c1", "tcp", "10.65.0.3", 8080, None),
        "timeout",
        "ipv4 must not match an ipv6 net"
    );
    assert!(felix.is_running(), "{}", felix.log());
}
