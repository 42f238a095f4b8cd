//! Helpers for felix's kernel tests: a datastore in the lab's temp dir,
//! resources written as stored objects, python3 TCP/UDP probes and felix run
//! as a real process inside the host namespace.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use datastore::Store;
use integration::{Daemon, Lab, Topology, wait_until};
use resources::{Kind, Object, ObjectMeta};

/// The one-host lab most felix tests use: `host` with an uplink to `ext` as its
/// default route (proxy ARP for the containers' 169.254.1.1 gateway answers only
/// when the host has a route to it, as on a real host) and the given containers,
/// each `(name, host-side interface, address)`.
pub fn one_host(containers: &[(&str, &str, &str)]) -> Topology {
    let mut b = Topology::builder()
        .host("host")
        .host("ext")
        .link(
            ("host", "eth0", "10.0.9.1/30"),
            ("ext", "eth0", "10.0.9.2/30"),
        )
        .route_via("host", "default", "10.0.9.2");
    for (name, iface, ip) in containers {
        b = b.container(name, "host", ip, iface);
    }
    b.build().unwrap()
}

/// Opens (creating) the SQLite store at `path`.
pub fn open_store(rt: &tokio::runtime::Runtime, path: &Path) -> Arc<dyn Store> {
    let url = datastore::url::DatastoreUrl::parse(&format!("sqlite://{}", path.display())).unwrap();
    rt.block_on(datastore::open(&url)).unwrap()
}

/// Writes one resource.
pub fn put(
    rt: &tokio::runtime::Runtime,
    store: &Arc<dyn Store>,
    kind: Kind,
    ns: Option<&str>,
    name: &str,
    labels: &[(&str, &str)],
    spec: serde_json::Value,
) {
    let meta = ObjectMeta {
        name: name.to_string(),
        namespace: ns.map(str::to_string),
        labels: labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..ObjectMeta::default()
    };
    let obj = Object::new(kind, meta, spec);
    let key = obj.key().unwrap().to_string();
    rt.block_on(store.put(&key, obj.to_bytes())).unwrap();
}

/// The allow-all profile `open`, for tests where policy is not what is under test.
pub fn put_open_profile(rt: &tokio::runtime::Runtime, store: &Arc<dyn Store>) {
    let allow = serde_json::json!([{"action": "Allow"}]);
    let spec = serde_json::json!({"ingress": allow, "egress": allow});
    put(rt, store, Kind::Profile, None, "open", &[], spec);
}

/// WorkloadEndpoint `default/<name>` on node `host` behind `iface`, with the
/// `open` profile.
pub fn put_open_workload(
    rt: &tokio::runtime::Runtime,
    store: &Arc<dyn Store>,
    (name, iface): (&str, &str),
    nets: &[String],
    labels: &[(&str, &str)],
) {
    let spec = serde_json::json!({"node": "host", "interfaceName": iface,
                                  "ipNetworks": nets, "profiles": ["open"]});
    put(
        rt,
        store,
        Kind::WorkloadEndpoint,
        Some("default"),
        name,
        labels,
        spec,
    );
}

/// Writes an IPAM block owned by `node`.
pub fn put_block(rt: &tokio::runtime::Runtime, store: &Arc<dyn Store>, cidr: &str, node: &str) {
    let block = resources::ipam::Block::new(cidr.parse().unwrap(), Some(node.to_string()));
    let key = resources::key::IpamKey::block(cidr).unwrap().to_string();
    rt.block_on(store.put(&key, serde_json::to_vec(&block).unwrap()))
        .unwrap();
}

const SERVER: &str = r#"
import socket, sys, threading
def tcp(p):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", p)); s.listen(64)
    while True:
        c, a = s.accept(); c.sendall(a[0].encode()); c.close()
def udp(p):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("0.0.0.0", p))
    while True:
        d, a = s.recvfrom(100); s.sendto(d, a)
for p in map(int, sys.argv[1:]):
    threading.Thread(target=tcp, args=(p,), daemon=True).start()
    threading.Thread(target=udp, args=(p,), daemon=True).start()
print("ready", flush=True)
threading.Event().wait()
"#;

const CLIENT: &str = r#"
import socket, sys
proto, dst, port, src = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
s = socket.socket(socket.AF_INET, kind); s.settimeout(2)
if src != "-":
    s.bind((src, 0))
try:
    if proto == "tcp":
        s.connect((dst, port)); print("connected", s.recv(100).decode())
    else:
        s.sendto(b"ping", (dst, port)); s.recvfrom(100); print("connected")
except ConnectionRefusedError:
    print("refused"); sys.exit(2)
except OSError:
    print("timeout"); sys.exit(1)
"#;

/// Starts TCP listeners and UDP echoes on `ports` in node `role`.
pub fn serve(lab: &Lab, role: &str, ports: &[u16]) -> Daemon {
    let mut args = vec!["python3".to_string(), "-c".into(), SERVER.into()];
    args.extend(ports.iter().map(u16::to_string));
    let d = lab.spawn(role, &format!("server-{role}"), &args).unwrap();
    wait_until(Duration::from_secs(30), "probe server ready", || {
        d.log().contains("ready")
    })
    .unwrap();
    d
}

/// One probe from `role`: "connected <peer seen by server>", "timeout" or "refused".
pub fn probe(
    lab: &Lab,
    role: &str,
    proto: &str,
    dst: &str,
    port: u16,
    src: Option<&str>,
) -> String {
    let port = port.to_string();
    let args = [
        "python3",
        "-c",
        CLIENT,
        proto,
        dst,
        &port,
        src.unwrap_or("-"),
    ];
    let out = lab.exec_output(role, &args).unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// True when one ping from `role` to `dst` (optionally from `src`) is answered.
pub fn ping(lab: &Lab, role: &str, dst: &str, src: Option<&str>) -> bool {
    let mut args = vec!["ping", "-n", "-q", "-c", "1", "-W", "2"];
    if let Some(s) = src {
        args.extend(["-I", s]);
    }
    args.push(dst);
    lab.exec_output(role, &args).unwrap().status.success()
}

/// Starts felix in node `role` against the SQLite store at `db`, resyncing
/// every 2 s.
pub fn start_felix(lab: &Lab, role: &str, name: &str, db: &Path, node: &str) -> Daemon {
    start_felix_resyncing(lab, (role, name), db, node, 2)
}

/// Starts felix in node `role` with a resync every `resync` seconds.
pub fn start_felix_resyncing(
    lab: &Lab,
    (role, name): (&str, &str),
    db: &Path,
    node: &str,
    resync: u64,
) -> Daemon {
    let url = format!("sqlite://{}", db.display());
    let resync = resync.to_string();
    let args = [
        env!("CARGO_BIN_EXE_felix"),
        "--datastore",
        &url,
        "--node",
        node,
        "--config",
        "/nonexistent/terrace.toml",
        "--metrics-addr",
        "127.0.0.1:19091",
        "--resync-seconds",
        &resync,
    ];
    lab.spawn(role, name, &args).unwrap()
}

/// Waits for felix's first full reconcile.
pub fn wait_reconciled(d: &Daemon) {
    wait_until(Duration::from_secs(60), "felix reconciled", || {
        d.log().contains("dataplane reconciled") || !d.is_running()
    })
    .unwrap();
    assert!(d.is_running(), "felix exited:\n{}", d.log());
}
