//! Container to container across two hosts, with 1,000 policies applied to
//! both containers on each host (the last one allows the traffic) against
//! no felix table at all, a conntrack-only table and felix without policy,
//! each in a lab of its own, measured in turn in the same run: iperf3 TCP
//! throughput, ping RTT (an established flow: conntrack accepts it before
//! any policy), and TCP connect time (every connection is a new flow that
//! walks every policy on both hosts).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use datastore::Store;
use datastore::model::Txn;
use integration::{Daemon, Lab, Topology, wait_until};
use resources::Kind;
use serde_json::json;

use super::util::spawn_felix;
use super::world;

const POLICIES: usize = 1000;
const ROUNDS: usize = 24;
const IPERF_SECONDS: &str = "3";
const PINGS: &str = "500";
const CONNECTS: &str = "500";

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

/// One measurement: throughput (Gbit/s), ping median RTT (µs), connect median
/// and mean (µs).
fn measure(lab: &Lab) -> Measure {
    let out = lab
        .exec(
            "c1",
            &["iperf3", "-c", "10.65.1.2", "-t", IPERF_SECONDS, "-J"],
        )
        .expect("iperf3");
    let v: serde_json::Value = serde_json::from_str(&out).expect("iperf3 json");
    let gbps = v["end"]["sum_received"]["bits_per_second"]
        .as_f64()
        .unwrap_or(0.0)
        / 1e9;
    let ping = lab
        .exec(
            "c1",
            &["ping", "-n", "-c", PINGS, "-i", "0.002", "10.65.1.2"],
        )
        .expect("ping");
    // One line per reply: "64 bytes from 10.65.1.2: icmp_seq=1 ttl=62 time=0.045 ms".
    // The median resists the odd reply delayed by the scheduler, which moves an average.
    let mut rtts: Vec<f64> = ping
        .lines()
        .filter_map(|l| l.split("time=").nth(1))
        .filter_map(|v| v.trim_end_matches(" ms").trim().parse::<f64>().ok())
        .map(|ms| ms * 1e3)
        .collect();
    rtts.sort_by(f64::total_cmp);
    let rtt = rtts.get(rtts.len() / 2).copied().unwrap_or(f64::NAN);
    let c = lab
        .exec(
            "c1",
            &[
                "python3",
                "-c",
                CONNECT_TIMES,
                "10.65.1.2",
                "7000",
                CONNECTS,
            ],
        )
        .expect("connects");
    let mut parts = c.split_whitespace().filter_map(|p| p.parse::<f64>().ok());
    let (median, mean) = (
        parts.next().unwrap_or(f64::NAN),
        parts.next().unwrap_or(f64::NAN),
    );
    (gbps, rtt, median, mean)
}

/// Throughput (Gbit/s), ping median RTT (µs), connect median and mean (µs).
type Measure = (f64, f64, f64, f64);

fn print(label: &str, m: Measure) {
    println!(
        "  {label}: iperf3 {:.2} Gbit/s, ping median {:.1} µs, TCP connect median {:.1} µs / mean {:.1} µs",
        m.0, m.1, m.2, m.3
    );
}

/// What the hosts run, from nothing to felix with 1,000 policies.
#[derive(Clone, Copy)]
enum Variant {
    NoTable,
    ConntrackOnly,
    FelixOpen,
    FelixPolicies,
}

impl Variant {
    const ALL: [Variant; 4] = [
        Variant::NoTable,
        Variant::ConntrackOnly,
        Variant::FelixOpen,
        Variant::FelixPolicies,
    ];

    fn label(self) -> &'static str {
        match self {
            Variant::NoTable => "no felix table",
            Variant::ConntrackOnly => "conntrack only (no felix)",
            Variant::FelixOpen => "felix, no policy (allow profile)",
            Variant::FelixPolicies => "felix, 1,000 policies",
        }
    }
}

/// What conntrack alone costs: a table that only accepts tracked flows.
const CT_ONLY: &str = "table inet ctonly {\n chain forward-ct {\n  type filter hook forward priority filter; policy accept;\n  ct state established,related accept\n }\n}\n";

/// One lab per variant, programmed once, with the servers running in c2.
struct Bed {
    lab: Lab,
    _servers: [Daemon; 2],
}

fn bed(rt: &tokio::runtime::Runtime, variant: Variant) -> Bed {
    let lab = Lab::from_topology(&topology()).expect("lab");
    let program_felix = |policies: usize| {
        let db = lab.dir().join("store.db");
        let url = datastore::url::DatastoreUrl::parse(&format!("sqlite://{}", db.display()))
            .expect("url");
        let store: Arc<dyn Store> = rt.block_on(datastore::open(&url)).expect("store");
        for chunk in records(policies).chunks(500) {
            let txn = chunk
                .iter()
                .fold(Txn::new(), |t, (k, v)| t.put(k.clone(), v.clone()));
            rt.block_on(store.txn(txn)).expect("write");
        }
        // felix programs its table and stops: what is measured is the
        // dataplane (felix never flushes, so the table stays).
        drop([start_felix(&lab, "h1", &db), start_felix(&lab, "h2", &db)]);
    };
    match variant {
        Variant::NoTable => {}
        Variant::ConntrackOnly => {
            let file = lab.dir().join("ct-only.nft");
            std::fs::write(&file, CT_ONLY).expect("ct-only table");
            let file = file.to_str().expect("utf-8");
            for host in ["h1", "h2"] {
                lab.exec(host, &["nft", "-f", file]).expect("ct-only");
            }
        }
        Variant::FelixOpen => program_felix(0),
        Variant::FelixPolicies => program_felix(POLICIES),
    }
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
    Bed {
        lab,
        _servers: [iperf, accept],
    }
}

/// Runs the section.
pub fn run(rt: &tokio::runtime::Runtime) {
    // Every variant has a lab of its own, set up once, so a round measures the
    // four back to back within seconds and many short rounds fit in a run.
    let beds: Vec<Bed> = Variant::ALL.iter().map(|&v| bed(rt, v)).collect();
    std::thread::sleep(Duration::from_millis(300));
    println!(
        "dataplane: c1 on h1 → c2 on h2, {POLICIES} policies applied to both; \
         {ROUNDS} rounds of iperf3 {IPERF_SECONDS} s, {PINGS} pings, {CONNECTS} connects"
    );
    let mut runs: [Vec<Measure>; 4] = Default::default();
    for round in 0..ROUNDS {
        // Alternate the order so that a drift over the run (another process, the
        // machine's clock boosting) favours no variant.
        let order: Vec<usize> = if round % 2 == 0 {
            (0..beds.len()).collect()
        } else {
            (0..beds.len()).rev().collect()
        };
        for i in order {
            let m = measure(&beds[i].lab);
            print(Variant::ALL[i].label(), m);
            runs[i].push(m);
        }
    }
    let median = |v: &[Measure], f: fn(&Measure) -> f64| {
        let mut x: Vec<f64> = v.iter().map(f).collect();
        x.sort_by(f64::total_cmp);
        x[x.len() / 2]
    };
    println!("  medians of {ROUNDS} rounds:");
    for (variant, v) in Variant::ALL.iter().zip(&runs) {
        let m = (
            median(v, |m| m.0),
            median(v, |m| m.1),
            median(v, |m| m.2),
            median(v, |m| m.3),
        );
        print(variant.label(), m);
    }
    // The four measurements of a round lie seconds apart, so the ratio within a
    // round cancels what drifts between rounds; the median of those ratios is
    // the figure, the quartiles show how far one round can be off.
    let paired = |base: usize, f: fn(&Measure, &Measure) -> f64| {
        let mut x: Vec<f64> = runs[3]
            .iter()
            .zip(&runs[base])
            .map(|(p, b)| f(p, b))
            .collect();
        x.sort_by(f64::total_cmp);
        (x[x.len() / 2], x[x.len() / 4], x[x.len() * 3 / 4])
    };
    for (base, name) in [
        (0, "no table"),
        (1, "conntrack only"),
        (2, "felix without policy"),
    ] {
        let gbps = paired(base, |p, b| p.0 / b.0);
        let ping = paired(base, |p, b| p.1 - b.1);
        println!(
            "  1,000 policies vs {name}, per round: throughput {:.3}x (quartiles {:.3}–{:.3}), \
             ping {:+.1} µs ({:+.1}–{:+.1})",
            gbps.0, gbps.1, gbps.2, ping.0, ping.1, ping.2
        );
    }
}
