//! Container to container across two hosts, with 1,000 policies applied to
//! both containers on each host (the last one allows the traffic) against
//! no felix table at all, alternating in the same run: iperf3 TCP
//! throughput, ping RTT (an established flow: conntrack accepts it before
//! any policy), and TCP connect time (every connection is a new flow that
//! walks every policy on both hosts).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use datastore::Store;
use datastore::model::Txn;
use datastore::resource::Kind;
use integration::{Daemon, Lab, Topology, wait_until};
use serde_json::json;

use super::util::spawn_felix;
use super::world;

const POLICIES: usize = 1000;
const ROUNDS: usize = 5;

fn topology() -> Topology {
    Topology::builder()
        .host("h1")
        .host("h2")
        .link(
            ("h1", "eth0", "172.31.7.1/30"),
            ("h2", "eth0", "172.31.7.2/30"),
        )
        .route_via("h1", "default", "172.31.7.2")
        .route_via("h2", "default", "172.31.7.1")
        .container("c1", "h1", "10.65.0.2", "tra1")
        .container("c2", "h2", "10.65.1.2", "trb1")
        .route_via("h1", "10.65.1.2/32", "172.31.7.2")
        .route_via("h2", "10.65.0.2/32", "172.31.7.1")
        .build()
        .expect("topology")
}

/// The two containers and `policies` policies; with none, the containers
/// carry an allow-all profile (a Terrace host without network policy).
fn records(policies: usize) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for i in 0..policies {
        let last = i == policies - 1;
        let allow = json!([{"action": "Allow"}]);
        // Every policy applies to both containers; only the last one allows.
        let spec = json!({
            "order": i,
            "selector": "app == 'bench'",
            "types": ["Ingress", "Egress"],
            "ingress": if last { allow.clone() } else {
                json!([{"action": "Allow", "protocol": "TCP",
                         "source": {"selector": format!("role == 'r{i}'")},
                         "destination": {"ports": [10000 + i]}}]) },
            "egress": if last { allow } else {
                json!([{"action": "Deny", "protocol": "UDP",
                         "destination": {"ports": [10000 + i]}}]) },
        });
        out.push(world::record(
            Kind::GlobalNetworkPolicy,
            None,
            &format!("p{i}"),
            &[],
            spec,
        ));
    }
    let labels = [("app", "bench".to_string())];
    let allow = json!([{"action": "Allow"}]);
    out.push(world::record(
        Kind::Profile,
        None,
        "open",
        &[],
        json!({"ingress": allow, "egress": allow}),
    ));
    let profiles: Vec<&str> = if policies == 0 { vec!["open"] } else { vec![] };
    for (name, node, iface, ip) in [
        ("c1", "h1", "tra1", "10.65.0.2"),
        ("c2", "h2", "trb1", "10.65.1.2"),
    ] {
        let spec = json!({"node": node, "interfaceName": iface,
                          "ipNetworks": [format!("{ip}/32")], "profiles": profiles});
        out.push(world::record(
            Kind::WorkloadEndpoint,
            Some("default"),
            name,
            &labels,
            spec,
        ));
    }
    out
}

fn start_felix(lab: &Lab, host: &str, db: &Path) -> Daemon {
    let d = spawn_felix(lab, host, &format!("felix-{host}"), db);
    wait_until(Duration::from_secs(60), "felix reconciled", || {
        d.log().contains("dataplane reconciled") || !d.is_running()
    })
    .expect("reconciled");
    d
}

const CONNECT_TIMES: &str = r#"
import socket, sys, time
dst, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
times = []
for _ in range(n):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\0\0\0\0\0\0\0")
    t = time.perf_counter(); s.connect((dst, port)); times.append(time.perf_counter() - t); s.close()
times.sort()
print("%.1f %.1f" % (times[len(times) // 2] * 1e6, sum(times) / len(times) * 1e6))
"#;

const ACCEPT_LOOP: &str = r#"
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 7000)); s.listen(512); print("ready", flush=True)
while True:
    c, _ = s.accept(); c.close()
"#;

/// One measurement: throughput (Gbit/s), ping avg RTT (µs), connect median
/// and mean (µs).
fn measure(lab: &Lab) -> Measure {
    let out = lab
        .exec("c1", &["iperf3", "-c", "10.65.1.2", "-t", "4", "-J"])
        .expect("iperf3");
    let v: serde_json::Value = serde_json::from_str(&out).expect("iperf3 json");
    let gbps = v["end"]["sum_received"]["bits_per_second"]
        .as_f64()
        .unwrap_or(0.0)
        / 1e9;
    let ping = lab
        .exec(
            "c1",
            &["ping", "-n", "-q", "-c", "500", "-i", "0.002", "10.65.1.2"],
        )
        .expect("ping");
    // rtt min/avg/max/mdev = 0.031/0.045/0.120/0.010 ms
    let avg = ping
        .lines()
        .find(|l| l.contains("min/avg/max"))
        .and_then(|l| l.split('=').nth(1))
        .and_then(|v| v.trim().split('/').nth(1))
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or(f64::NAN)
        * 1e3;
    let c = lab
        .exec(
            "c1",
            &["python3", "-c", CONNECT_TIMES, "10.65.1.2", "7000", "2000"],
        )
        .expect("connects");
    let mut parts = c.split_whitespace().filter_map(|p| p.parse::<f64>().ok());
    let (median, mean) = (
        parts.next().unwrap_or(f64::NAN),
        parts.next().unwrap_or(f64::NAN),
    );
    (gbps, avg, median, mean)
}

/// Throughput (Gbit/s), ping avg RTT (µs), connect median and mean (µs).
type Measure = (f64, f64, f64, f64);

fn print(label: &str, m: Measure) {
    println!(
        "  {label}: iperf3 {:.2} Gbit/s, ping avg {:.1} µs, TCP connect median {:.1} µs / mean {:.1} µs",
        m.0, m.1, m.2, m.3
    );
}

/// Runs the section.
pub fn run(rt: &tokio::runtime::Runtime) {
    let lab = Lab::from_topology(&topology()).expect("lab");
    let store_with = |file: &str, policies: usize| {
        let db = lab.dir().join(file);
        let url = datastore::url::DatastoreUrl::parse(&format!("sqlite://{}", db.display()))
            .expect("url");
        let store: Arc<dyn Store> = rt.block_on(datastore::open(&url)).expect("store");
        for chunk in records(policies).chunks(500) {
            let txn = chunk
                .iter()
                .fold(Txn::new(), |t, (k, v)| t.put(k.clone(), v.clone()));
            rt.block_on(store.txn(txn)).expect("write");
        }
        db
    };
    let (db_open, db_policies) = (
        store_with("open.db", 0),
        store_with("policies.db", POLICIES),
    );
    let iperf = lab
        .spawn("c2", "iperf3-server", &["iperf3", "-s"])
        .expect("iperf3 -s");
    let accept = lab
        .spawn("c2", "accept", &["python3", "-c", ACCEPT_LOOP])
        .expect("accept loop");
    wait_until(Duration::from_secs(30), "servers ready", || {
        accept.log().contains("ready")
    })
    .expect("ready");
    std::thread::sleep(Duration::from_millis(300));
    println!("dataplane: c1 on h1 → c2 on h2, {POLICIES} policies applied to both");
    // What conntrack alone costs: a table that only accepts tracked flows.
    let ct_only = "table inet ctonly {\n chain forward-ct {\n  type filter hook forward priority filter; policy accept;\n  ct state established,related accept\n }\n}\n";
    let ct_file = lab.dir().join("ct-only.nft");
    std::fs::write(&ct_file, ct_only).expect("ct-only table");
    let labels = [
        "no felix table",
        "conntrack only (no felix)",
        "felix, no policy (allow profile)",
        "felix, 1,000 policies",
    ];
    let mut runs: [Vec<Measure>; 4] = Default::default();
    let ct = ct_file.to_str().expect("utf-8");
    for _ in 0..ROUNDS {
        for (i, label) in labels.iter().enumerate() {
            // felix programs its table and stops: what is measured is the
            // dataplane (felix never flushes, so the table stays).
            let programmed = |db: &Path| {
                drop([start_felix(&lab, "h1", db), start_felix(&lab, "h2", db)]);
            };
            match i {
                1 => {
                    for host in ["h1", "h2"] {
                        lab.exec(host, &["nft", "-f", ct]).expect("ct-only");
                    }
                }
                2 => programmed(&db_open),
                3 => programmed(&db_policies),
                _ => {}
            }
            runs[i].push(measure(&lab));
            print(label, runs[i][runs[i].len() - 1]);
            let table = if i == 1 { "ctonly" } else { "terrace" };
            if i > 0 {
                for host in ["h1", "h2"] {
                    lab.exec(host, &["nft", "delete", "table", "inet", table])
                        .expect("removed");
                }
            }
        }
    }
    let median = |v: &[Measure], f: fn(&Measure) -> f64| {
        let mut x: Vec<f64> = v.iter().map(f).collect();
        x.sort_by(f64::total_cmp);
        x[x.len() / 2]
    };
    println!("  medians of {ROUNDS} rounds:");
    for (label, v) in labels.iter().zip(&runs) {
        let m = (
            median(v, |m| m.0),
            median(v, |m| m.1),
            median(v, |m| m.2),
            median(v, |m| m.3),
        );
        print(label, m);
    }
    let gbps = |i: usize| median(&runs[i], |m| m.0);
    let ping = |i: usize| median(&runs[i], |m| m.1);
    for (base, name) in [
        (0, "no table"),
        (1, "conntrack only"),
        (2, "felix without policy"),
    ] {
        println!(
            "  1,000 policies vs {name}: throughput {:.2}x, ping {:+.1} µs",
            gbps(3) / gbps(base),
            ping(3) - ping(base)
        );
    }
    drop((iperf, accept));
}
