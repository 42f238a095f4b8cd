//! SCTP policy with real packets. This kernel has no SCTP stack
//! (`CONFIG_IP_SCTP` is not set: no SCTP sockets), but netfilter still
//! parses SCTP (`CONFIG_NF_CT_PROTO_SCTP`), which is all felix's rules need.
//! So the client sends SCTP INIT chunks through a raw socket and the server
//! counts the ones that arrive with a raw socket; a policy allows SCTP to one
//! port and the default deny blocks another.
//!
//! ```text
//!   c1 10.65.0.2 (raw INIT sender)      c2 10.65.0.3 (raw receiver)
//!        | tra1                              | tra2
//!   +----+-----------------------------------+----+
//!   |  host (felix, SQLite datastore)             |
//!   +---------------------------------------------+
//! ```
//! Needs root; run with `cargo test -p felix --test sctp`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use integration::{Lab, wait_until};
use resources::Kind;
use serde_json::json;
use support::*;

const ALLOWED: u16 = 7001;
const DENIED: u16 = 7002;

/// Prints "got <dst port>" for every SCTP packet delivered to this namespace.
const RECEIVER: &str = r#"
import socket, struct
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 132)
print("ready", flush=True)
while True:
    d = s.recv(2048)
    ihl = (d[0] & 15) * 4
    print("got", struct.unpack("!H", d[ihl + 2:ihl + 4])[0], flush=True)
"#;

/// Sends one SCTP INIT (common header, vtag 0, one INIT chunk) to dst:port.
/// The CRC32c must be right: conntrack marks a bad one invalid.
const SENDER: &str = r#"
import socket, struct, sys
def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c ^= b
        for _ in range(8):
            c = (c >> 1) ^ (0x82F63B78 if c & 1 else 0)
    return c ^ 0xFFFFFFFF
dst, port = sys.argv[1], int(sys.argv[2])
init = struct.pack("!BBHIIHHI", 1, 0, 20, 0x1234, 65535, 1, 1, 1)
pkt = struct.pack("!HHII", 40000, port, 0, 0) + init
pkt = pkt[:8] + struct.pack("<I", crc32c(pkt)) + pkt[12:]
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 132)
s.sendto(pkt, (dst, 0))
"#;

fn send(lab: &Lab, port: u16) {
    let port = port.to_string();
    lab.exec("c1", &["python3", "-c", SENDER, "10.65.0.3", &port])
        .unwrap();
}

#[test]
fn sctp_to_the_allowed_port_passes_and_the_default_deny_drops_the_other() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let lab = Lab::from_topology(&one_host(&[
        ("c1", "tra1", "10.65.0.2"),
        ("c2", "tra2", "10.65.0.3"),
    ]))
    .unwrap();
    let db = lab.dir().join("store.db");
    let store = open_store(&rt, &db);
    put_open_profile(&rt, &store);
    for (name, iface, ip) in [("c1", "tra1", "10.65.0.2"), ("c2", "tra2", "10.65.0.3")] {
        let nets = [format!("{ip}/32")];
        put_open_workload(&rt, &store, (name, iface), &nets, &[("app", name)]);
    }
    put(
        &rt,
        &store,
        Kind::NetworkPolicy,
        Some("default"),
        "sctp",
        &[],
        json!({
        "selector": "app == 'c2'", "types": ["Ingress"],
        "ingress": [{"action": "Allow", "protocol": "SCTP",
                     "destination": {"ports": [ALLOWED]}}]}),
    );
    let rx = lab
        .spawn("c2", "sctp-rx", &["python3", "-c", RECEIVER])
        .unwrap();
    wait_until(Duration::from_secs(30), "receiver ready", || {
        rx.log().contains("ready")
    })
    .unwrap();
    let felix = start_felix(&lab, "host", "felix", &db, "host");
    wait_reconciled(&felix);

    // The allowed port arrives.
    let got = |port: u16| {
        rx.log()
            .lines()
            .filter(|l| *l == format!("got {port}"))
            .count()
    };
    send(&lab, ALLOWED);
    let arrived = wait_until(Duration::from_secs(30), "allowed INIT arrives", || {
        got(ALLOWED) >= 1
    });
    if arrived.is_err() {
        let nft = lab.exec("host", &["nft", "list", "ruleset"]).unwrap();
        panic!("allowed INIT lost:\n{}\n{nft}", rx.log());
    }

    // The denied port, followed by an allowed one on the same path as a
    // marker: once the marker is in, the denied one would have been too.
    send(&lab, DENIED);
    send(&lab, ALLOWED);
    wait_until(Duration::from_secs(30), "marker arrives", || {
        got(ALLOWED) >= 2
    })
    .unwrap();
    assert_eq!(got(DENIED), 0, "{}", rx.log());

    // Without the policy (only the open profile) the same port passes, so
    // the drop above was the policy's.
    let key = resources::object::object_key(Kind::NetworkPolicy, Some("default"), "sctp")
        .unwrap()
        .to_string();
    rt.block_on(store.delete(&key, None)).unwrap();
    wait_until(
        Duration::from_secs(30),
        "denied port open without the policy",
        || {
            send(&lab, DENIED);
            got(DENIED) >= 1
        },
    )
    .unwrap();
    assert!(felix.is_running(), "{}", felix.log());
}
