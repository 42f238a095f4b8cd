//! The real daemon in a namespace, fed through the datastore (SQLite, as on
//! a single host); kernel changes timed with `nft monitor` and `ip monitor
//! route` running beside it:
//! - cold start: process start to "dataplane reconciled";
//! - one endpoint added (a replica of an existing app, and one with labels
//!   no other endpoint has): datastore write → its route and its dispatch
//!   entries in the kernel;
//! - a label change that moves an endpoint into 100 selectors;
//! - a policy whose rule selector matches 10,002 endpoints.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use datastore::Store;
use datastore::model::Txn;
use felix::nft::compile::policy_id;
use integration::{Daemon, Lab, wait_until};
use resources::Kind;
use serde_json::json;

use super::util::{Monitor, ms, spawn_felix, stats};
use super::world::{self, NODE, Shape};

const ADDS: usize = 200;
const UNIQUE_ADDS: usize = 50;
const LABEL_ROUNDS: usize = 40;
const BIG_ROUNDS: usize = 5;

fn open_store(rt: &tokio::runtime::Runtime, path: &Path) -> Arc<dyn Store> {
    let url = datastore::url::DatastoreUrl::parse(&format!("sqlite://{}", path.display()))
        .expect("sqlite url");
    rt.block_on(datastore::open(&url)).expect("store opens")
}

fn write_all(
    rt: &tokio::runtime::Runtime,
    store: &Arc<dyn Store>,
    records: Vec<(String, Vec<u8>)>,
) {
    for chunk in records.chunks(500) {
        let txn = chunk
            .iter()
            .fold(Txn::new(), |t, (k, v)| t.put(k.clone(), v.clone()));
        rt.block_on(store.txn(txn)).expect("bulk write");
    }
}

fn put(rt: &tokio::runtime::Runtime, store: &Arc<dyn Store>, (k, v): (String, Vec<u8>)) {
    rt.block_on(store.put(&k, v)).expect("write");
}

/// Host-side veths for the local endpoints, made in one `ip -batch`.
fn make_veths(lab: &Lab, names: impl Iterator<Item = String>) {
    let mut batch = String::new();
    for name in names {
        // Interface names start with `tr`; the peer swaps that for `pe`.
        let peer = format!("pe{}", &name[2..]);
        batch.push_str(&format!(
            "link add {name} type veth peer name {peer}\nlink set {name} up\n"
        ));
    }
    let file = lab.dir().join(format!("veths-{}.batch", batch.len()));
    std::fs::write(&file, batch).expect("batch file");
    lab.exec(
        "host",
        &["ip", "-batch", file.to_str().expect("utf-8 path")],
    )
    .expect("veths");
}

fn start_felix(lab: &Lab, db: &Path, n: usize) -> (Daemon, Instant) {
    let t = Instant::now();
    (spawn_felix(lab, NODE, &format!("felix-{n}"), db), t)
}

fn wait_reconciled(d: &Daemon) -> Instant {
    wait_until(Duration::from_secs(120), "felix reconciled", || {
        d.log().contains("dataplane reconciled") || !d.is_running()
    })
    .expect("felix reconciles");
    assert!(d.is_running(), "felix exited:\n{}", d.log());
    Instant::now()
}

/// Runs the section.
pub fn run(rt: &tokio::runtime::Runtime, shape: Shape) {
    let mut lab = Lab::new().expect("lab");
    lab.add_node("host").expect("namespace");
    lab.exec("host", &["ip", "link", "set", "lo", "up"])
        .expect("lo");
    let t = Instant::now();
    make_veths(&lab, (0..shape.local).map(world::iface));
    println!("daemon: {} veths made in {:.0} ms", shape.local, ms(t));
    let db = lab.dir().join("store.db");
    let store = open_store(rt, &db);
    let t = Instant::now();
    write_all(rt, &store, world::records(&shape));
    println!(
        "  {} records written in {:.0} ms",
        shape.endpoints + shape.policies,
        ms(t)
    );

    // Cold start, three times: from an empty table and no routes of felix.
    let mut cold = Vec::new();
    let mut felix = None;
    for n in 0..3 {
        if let Some(d) = felix.take() {
            drop::<Daemon>(d);
            let _ = lab.exec("host", &["nft", "delete", "table", "inet", "terrace"]);
            lab.exec("host", &["ip", "route", "flush", "proto", "86"])
                .expect("flush");
        }
        let (d, started) = start_felix(&lab, &db, n);
        cold.push(wait_reconciled(&d).duration_since(started).as_secs_f64() * 1e3);
        felix = Some(d);
    }
    println!(
        "  cold start, process start to dataplane reconciled: {}",
        stats(&cold)
    );
    let ns = lab.ns("host").expect("ns").to_string();
    let nft = Monitor::start(&["ip", "netns", "exec", &ns, "nft", "monitor"]);
    let routes = Monitor::start(&["ip", "-n", &ns, "monitor", "route"]);
    std::thread::sleep(Duration::from_millis(300));

    let adds = endpoint_adds(rt, &lab, &store, &nft, &routes, &shape, false);
    println!(
        "  endpoint added, replica of an existing app: {}",
        stats(&adds)
    );
    let unique = endpoint_adds(rt, &lab, &store, &nft, &routes, &shape, true);
    println!(
        "  endpoint added, labels no other endpoint has: {}",
        stats(&unique)
    );
    let (into, out_of) = label_change(rt, &store, &nft, &shape);
    println!("  label change into 100 selectors: {}", stats(&into));
    println!("  label change out of 100 selectors: {}", stats(&out_of));
    let big = big_selector(rt, &store, &nft);
    println!(
        "  policy with a rule selector matching 10,002 endpoints: {}",
        stats(&big)
    );
    drop(felix);
}

fn endpoint_adds(
    rt: &tokio::runtime::Runtime,
    lab: &Lab,
    store: &Arc<dyn Store>,
    nft: &Monitor,
    routes: &Monitor,
    shape: &Shape,
    unique: bool,
) -> Vec<f64> {
    let count = if unique { UNIQUE_ADDS } else { ADDS };
    let tag = if unique { "u" } else { "n" };
    let names: Vec<String> = (0..count).map(|k| format!("tr{tag}{k}")).collect();
    make_veths(lab, names.iter().cloned());
    nft.settle(Duration::from_millis(200));
    routes.settle(Duration::from_millis(200));
    let mut out = Vec::new();
    for (k, iface) in names.iter().enumerate() {
        let base = if unique { 201 } else { 200 };
        let ip = format!("10.{base}.{}.{}", k / 256, k % 256);
        let mut labels = world::labels(shape, k);
        if unique {
            labels.push(("only", format!("u{k}")));
            labels[0].1 = format!("solo{k}");
        }
        let record = world::endpoint(&format!("{tag}{k}"), NODE, iface, &ip, &labels);
        nft.drain();
        routes.drain();
        let t = Instant::now();
        put(rt, store, record);
        let quoted = format!("\"{iface}\"");
        let route_in = routes.wait_for(|l| l.starts_with(&ip) && l.contains(iface));
        let rules_in = nft.wait_for(|l| l.contains("wl-to") && l.contains(&quoted));
        out.push(route_in.max(rules_in).duration_since(t).as_secs_f64() * 1e3);
    }
    out
}

/// 100 policies apply to, and 100 rule selectors match, endpoints labelled
/// `hot: yes`; one resident endpoint carries the label so the policies are
/// in use; another endpoint's label is switched on and off.
fn label_change(
    rt: &tokio::runtime::Runtime,
    store: &Arc<dyn Store>,
    nft: &Monitor,
    shape: &Shape,
) -> (Vec<f64>, Vec<f64>) {
    let mut records = Vec::new();
    for k in 0..100 {
        let spec = json!({
            "order": 5000 + k,
            "selector": "hot == 'yes'",
            "ingress": [{"action": "Allow",
                          "source": {"selector": format!("hot == 'yes' && app != 'none{k}'")}}],
        });
        records.push(world::record(
            Kind::GlobalNetworkPolicy,
            None,
            &format!("hot{k}"),
            &[],
            spec,
        ));
    }
    let mut resident = world::labels(shape, 1);
    resident.push(("hot", "yes".into()));
    records.push(world::endpoint(
        "ep1",
        NODE,
        &world::iface(1),
        &world::ip(1),
        &resident,
    ));
    write_all(rt, store, records);
    nft.settle(Duration::from_secs(2));
    let (mut into, mut out_of) = (Vec::new(), Vec::new());
    let j = 2;
    let quoted = format!("\"{}\"", world::iface(j));
    for _ in 0..LABEL_ROUNDS {
        for (hot, samples) in [(true, &mut into), (false, &mut out_of)] {
            let mut labels = world::labels(shape, j);
            if hot {
                labels.push(("hot", "yes".into()));
            }
            let record = world::endpoint(
                &format!("ep{j}"),
                NODE,
                &world::iface(j),
                &world::ip(j),
                &labels,
            );
            nft.drain();
            let t = Instant::now();
            put(rt, store, record);
            let done = nft.wait_for(|l| {
                l.starts_with("add element") && l.contains("wl-to") && l.contains(&quoted)
            });
            samples.push(done.duration_since(t).as_secs_f64() * 1e3);
            nft.settle(Duration::from_millis(100));
        }
    }
    (into, out_of)
}

/// A policy for local endpoints whose ingress rule's source selector
/// matches every one of the 10,000 cluster endpoints and two more.
fn big_selector(rt: &tokio::runtime::Runtime, store: &Arc<dyn Store>, nft: &Monitor) -> Vec<f64> {
    let extra = (0..2).map(|k| {
        let labels = [("big", "yes".to_string())];
        world::endpoint(
            &format!("extra{k}"),
            "other",
            &format!("trx{k}"),
            &format!("10.202.0.{k}"),
            &labels,
        )
    });
    write_all(rt, store, extra.collect());
    nft.settle(Duration::from_secs(1));
    let mut out = Vec::new();
    for r in 0..BIG_ROUNDS {
        let name = format!("big{r}");
        let spec = json!({
            "order": 9000,
            "selector": "app == 'app3'",
            "ingress": [{"action": "Allow",
                          "source": {"selector": format!("big == 'yes' && round != 'r{r}'")}}],
        });
        let (key, value) = world::record(Kind::GlobalNetworkPolicy, None, &name, &[], spec);
        let chain = format!("pi-{}", policy_id(&None, &name));
        nft.drain();
        let t = Instant::now();
        rt.block_on(store.put(&key, value)).expect("write");
        let done = nft.wait_for(|l| l.contains("add chain") && l.contains(&chain));
        out.push(done.duration_since(t).as_secs_f64() * 1e3);
        nft.settle(Duration::from_millis(500));
        rt.block_on(store.delete(&key, None)).expect("delete");
        nft.settle(Duration::from_millis(500));
    }
    out
}
