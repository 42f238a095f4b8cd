//! Datastore benchmarks, SQLite and etcd side by side in one run:
//! write → watcher notified latency (same process and from another process), bulk load of
//! 10,000 resources in one transaction and in transactions of 100, and a list of 10,000.
//!
//! Run: `cargo bench -p datastore --bench datastore` (needs the Debian `etcd` binary).
//! Prints a Markdown table for docs/performance.md.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

#[path = "../tests/common/etcd.rs"]
#[allow(dead_code)] // the bench uses only start() and url()
mod etcd;

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use datastore::Store;
use datastore::model::Txn;
use datastore::url::DatastoreUrl;

const WRITER_ENV: &str = "TERRACE_BENCH_WRITER_URL";
const SAMPLES: usize = 1000;
const KEYS: usize = 10_000;
const BATCH: usize = 100;

/// One backend's figures, in milliseconds.
#[derive(Debug, Default)]
struct Figures {
    local_p50: f64,
    local_p99: f64,
    remote_p50: f64,
    remote_p99: f64,
    bulk_one_txn: f64,
    bulk_batches: f64,
    list_all: f64,
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn p50_p99(mut samples: Vec<f64>) -> (f64, f64) {
    samples.sort_by(f64::total_cmp);
    (percentile(&samples, 0.50), percentile(&samples, 0.99))
}

fn now_nanos() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

async fn open(url: &str) -> Arc<dyn Store> {
    datastore::open(&DatastoreUrl::parse(url).unwrap())
        .await
        .unwrap()
}

/// A resource-sized value (about 400 bytes of JSON, like a WorkloadEndpoint).
fn value(i: usize) -> Vec<u8> {
    format!(
        r#"{{"apiVersion":"terrace.io/v1","kind":"WorkloadEndpoint","metadata":{{"name":"node1-k8s-pod{i}-eth0","namespace":"default","labels":{{"app":"web","tier":"frontend"}}}},"spec":{{"node":"node1","interfaceName":"tr{i:011x}","ipNetworks":["10.65.{}.{}/32"],"profiles":["kns.default"],"mac":"ee:ee:ee:ee:ee:ee"}}}}"#,
        i / 256,
        i % 256
    )
    .into_bytes()
}

/// Write → notified, writer and watcher in this process; one write in flight at a time.
async fn local_latency(store: &Arc<dyn Store>) -> (f64, f64) {
    let prefix = "/terrace/v1/benchlocal/";
    let mut watch = store.watch(prefix, 0).await.unwrap();
    let mut samples = Vec::with_capacity(SAMPLES);
    for i in 0..SAMPLES {
        let start = Instant::now();
        store
            .put(&format!("{prefix}k{}", i % 100), value(i))
            .await
            .unwrap();
        watch.next().await.unwrap().unwrap();
        samples.push(millis(start.elapsed()));
    }
    p50_p99(samples)
}

/// Write → notified with the writer in another process (the value carries the send time).
async fn remote_latency(store: &Arc<dyn Store>, url: &str) -> (f64, f64) {
    let mut watch = store.watch("/terrace/v1/benchremote/", 0).await.unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .env(WRITER_ENV, url)
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut samples = Vec::with_capacity(SAMPLES);
    for _ in 0..SAMPLES {
        let event = watch.next().await.unwrap().unwrap();
        let sent: u128 = std::str::from_utf8(&event.new.unwrap().value)
            .unwrap()
            .parse()
            .unwrap();
        samples.push((now_nanos() - sent) as f64 / 1e6);
    }
    assert!(child.wait().unwrap().success());
    p50_p99(samples)
}

/// The child of [`remote_latency`]: timestamped writes, 5 ms apart so they do not queue.
async fn remote_writer(url: &str) {
    let store = open(url).await;
    for i in 0..SAMPLES {
        let key = format!("/terrace/v1/benchremote/k{}", i % 100);
        store
            .put(&key, now_nanos().to_string().into_bytes())
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

async fn bulk(store: &Arc<dyn Store>, prefix: &str, batch: usize) -> f64 {
    let start = Instant::now();
    for chunk in (0..KEYS).collect::<Vec<_>>().chunks(batch) {
        let txn = chunk.iter().fold(Txn::new(), |txn, &i| {
            txn.put(format!("{prefix}pod{i:05}"), value(i))
        });
        store.txn(txn).await.unwrap();
    }
    millis(start.elapsed())
}

async fn list_all(store: &Arc<dyn Store>, prefix: &str) -> f64 {
    let mut times = Vec::new();
    for _ in 0..5 {
        let start = Instant::now();
        let listing = store.list(prefix).await.unwrap();
        times.push(millis(start.elapsed()));
        assert_eq!(listing.items.len(), KEYS);
    }
    p50_p99(times).0
}

async fn measure(url: &str) -> Figures {
    let store = open(url).await;
    let (local_p50, local_p99) = local_latency(&store).await;
    let (remote_p50, remote_p99) = remote_latency(&store, url).await;
    let bulk_one_txn = bulk(&store, "/terrace/v1/workloadendpoint/one/", KEYS).await;
    let bulk_batches = bulk(&store, "/terrace/v1/workloadendpoint/batched/", BATCH).await;
    let list_all = list_all(&store, "/terrace/v1/workloadendpoint/one/").await;
    Figures {
        local_p50,
        local_p99,
        remote_p50,
        remote_p99,
        bulk_one_txn,
        bulk_batches,
        list_all,
    }
}

fn print_table(sqlite: &Figures, etcd: &Figures) {
    type Column = fn(&Figures) -> f64;
    let rows: [(&str, Column); 7] = [
        ("write → watcher notified, same process, p50", |f| {
            f.local_p50
        }),
        ("write → watcher notified, same process, p99", |f| {
            f.local_p99
        }),
        ("write → watcher notified, other process, p50", |f| {
            f.remote_p50
        }),
        ("write → watcher notified, other process, p99", |f| {
            f.remote_p99
        }),
        ("bulk load 10,000 resources, one transaction", |f| {
            f.bulk_one_txn
        }),
        ("bulk load 10,000 resources, transactions of 100", |f| {
            f.bulk_batches
        }),
        ("list 10,000 resources (median of 5)", |f| f.list_all),
    ];
    println!("| measure (ms) | SQLite | etcd |");
    println!("|---|---:|---:|");
    for (name, get) in rows {
        println!("| {name} | {:.2} | {:.2} |", get(sqlite), get(etcd));
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    if let Ok(url) = std::env::var(WRITER_ENV) {
        runtime.block_on(remote_writer(&url));
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let sqlite_url = format!("sqlite://{}/bench.db", dir.path().display());
    let server = etcd::EtcdServer::start();
    let sqlite = runtime.block_on(measure(&sqlite_url));
    let etcd = runtime.block_on(measure(&server.url()));
    print_table(&sqlite, &etcd);
}
