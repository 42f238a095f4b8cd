//! CNI ADD and DEL latency of the terrace plugin (embedded SQLite datastore) side by side with
//! the reference `ptp` + `host-local` plugins, in the same run on the same machine.
//!
//! Both are real processes spawned the way a runtime spawns them (environment + stdin), one
//! at a time, each container in its own fresh network namespace; the bench itself enters a
//! private "host" namespace first so the host-side veths never touch the machine's own.
//! Calls alternate between the two plugins so machine load affects both alike; one
//! unmeasured warm-up call per plugin comes first.
//!
//! `cargo bench -p terrace-cni` (root; needs containernetworking-plugins in /usr/lib/cni).
//! `TERRACE_CNI_BENCH_N` sets the number of containers per plugin (default 200).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use datastore::resource::client::{ResourceClient, WriteMode};
use nix::sched::{CloneFlags, setns};
use resources::{Kind, Object, ObjectMeta};

struct Netns(String);

impl Netns {
    fn new(name: String) -> Self {
        let ok = Command::new("ip")
            .args(["netns", "add", &name])
            .status()
            .unwrap();
        assert!(ok.success(), "ip netns add {name}");
        Netns(name)
    }
    fn path(&self) -> String {
        format!("/run/netns/{}", self.0)
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.0]).status();
    }
}

/// Runs one plugin invocation; returns its wall time.
fn invoke(binary: &str, command: &str, id: &str, netns: &str, conf: &str) -> Duration {
    let start = Instant::now();
    let mut child = Command::new(binary)
        .env_clear()
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .env("CNI_COMMAND", command)
        .env("CNI_CONTAINERID", id)
        .env("CNI_NETNS", netns)
        .env("CNI_IFNAME", "eth0")
        .env("CNI_PATH", "/usr/lib/cni")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(conf.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let elapsed = start.elapsed();
    assert!(
        out.status.success(),
        "{binary} {command} {id}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    elapsed
}

fn percentile(samples: &mut [Duration], p: f64) -> f64 {
    samples.sort();
    // Nearest-rank percentile; samples is never empty here (n >= 1).
    let rank = ((p / 100.0) * samples.len() as f64).ceil().max(1.0) as usize;
    samples[rank.min(samples.len()) - 1].as_secs_f64() * 1000.0
}

async fn seed_pool(url: &str) {
    let store = datastore::open(&url.parse().unwrap()).await.unwrap();
    let pool = Object::new(
        Kind::IPPool,
        ObjectMeta {
            name: "bench".into(),
            ..Default::default()
        },
        serde_json::json!({"cidr": "10.91.0.0/22"}),
    );
    ResourceClient::new(store)
        .write_all(&[pool], WriteMode::Apply)
        .await
        .unwrap();
}

fn main() {
    let n: usize = std::env::var("TERRACE_CNI_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let tag = std::process::id();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/store.db", dir.path().display());
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(seed_pool(&url));
    let host = Netns::new(format!("tbh-{tag}"));
    let host_file = std::fs::File::open(host.path()).unwrap();
    // The bench is single-threaded here: entering the namespace moves the whole process, and
    // every plugin spawned from now on starts in it.
    setns(&host_file, CloneFlags::CLONE_NEWNET).unwrap();
    let terrace = env!("CARGO_BIN_EXE_terrace");
    let terrace_conf = serde_json::json!({
        "cniVersion": "1.0.0", "name": "terrace", "type": "terrace",
        "datastore": url, "node": "bench", "log_level": "warn",
    })
    .to_string();
    let ref_conf = serde_json::json!({
        "cniVersion": "1.0.0", "name": "ref", "type": "ptp", "ipMasq": false,
        "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.92.0.0/22"}]],
                 "routes": [{"dst": "0.0.0.0/0"}], "dataDir": dir.path().join("host-local")},
    })
    .to_string();
    let plugins = [
        ("terrace", terrace.to_string(), terrace_conf),
        ("ptp + host-local", "/usr/lib/cni/ptp".to_string(), ref_conf),
    ];
    let netns: Vec<[Netns; 2]> = (0..n)
        .map(|i| {
            [
                Netns::new(format!("tbt-{tag}-{i}")),
                Netns::new(format!("tbr-{tag}-{i}")),
            ]
        })
        .collect();
    // One unmeasured ADD + DEL per plugin first: the first exec of each binary reads it from
    // disk and the first terrace ADD claims the block; neither is steady-state latency.
    let warm = [
        Netns::new(format!("tbwt-{tag}")),
        Netns::new(format!("tbwr-{tag}")),
    ];
    for (p, (_, binary, conf)) in plugins.iter().enumerate() {
        invoke(binary, "ADD", "warm", &warm[p].path(), conf);
        invoke(binary, "DEL", "warm", &warm[p].path(), conf);
    }
    let mut add = [Vec::new(), Vec::new()];
    let mut del = [Vec::new(), Vec::new()];
    for (i, pair) in netns.iter().enumerate() {
        for (p, (_, binary, conf)) in plugins.iter().enumerate() {
            add[p].push(invoke(
                binary,
                "ADD",
                &format!("b{i}"),
                &pair[p].path(),
                conf,
            ));
        }
    }
    for (i, pair) in netns.iter().enumerate() {
        for (p, (_, binary, conf)) in plugins.iter().enumerate() {
            del[p].push(invoke(
                binary,
                "DEL",
                &format!("b{i}"),
                &pair[p].path(),
                conf,
            ));
        }
    }
    println!("CNI ADD/DEL latency, {n} containers per plugin, sequential, ms");
    println!("| plugin | ADD p50 | ADD p99 | DEL p50 | DEL p99 |");
    println!("|---|---|---|---|---|");
    let mut p99 = [0.0; 2];
    for (p, (name, _, _)) in plugins.iter().enumerate() {
        p99[p] = percentile(&mut add[p], 99.0);
        println!(
            "| {name} | {:.1} | {:.1} | {:.1} | {:.1} |",
            percentile(&mut add[p], 50.0),
            p99[p],
            percentile(&mut del[p], 50.0),
            percentile(&mut del[p], 99.0)
        );
    }
    println!(
        "ADD p99 ratio terrace / reference: {:.2} (goal <= 2.00)",
        p99[0] / p99[1]
    );
}
