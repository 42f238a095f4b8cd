//! felix benchmarks (harness = false; needs root for the kernel parts):
//! - cold start: 10,000 cluster endpoints (1,000 local), 1,000 policies →
//!   calc, compile, and the first nft transaction in a fresh namespace;
//!   then a no-op reconcile and one added endpoint (incremental delta);
//! - routes: install and remove 100,000 routes with felix's batched
//!   rtnetlink reconciler vs `ip -batch`, same namespace, same run.
//!
//! `cargo bench -p felix` (as root). Figures go to docs/performance.md.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::process::Command;
use std::time::Instant;

use felix::calc::{EndpointKind, LocalEndpoint, RouteSpec, World, compute};
use felix::nft::compile;
use felix::reconcile::nft::NftRunner;
use felix::reconcile::routes::Routes;
use felix::reconcile::routes_diff::{RouteOp, diff, resolve};
use policies::document::parse_documents;
use policies::eval::Endpoint;

/// A network namespace removed on drop.
struct Netns(String);

impl Netns {
    fn new(tag: &str) -> Self {
        let name = format!("felixbench-{}-{tag}", std::process::id());
        let ok = Command::new("ip")
            .args(["netns", "add", &name])
            .status()
            .unwrap();
        assert!(ok.success(), "ip netns add {name}");
        Netns(name)
    }
    fn ip(&self, args: &[&str]) {
        let ok = Command::new("ip")
            .arg("-n")
            .arg(&self.0)
            .args(args)
            .status()
            .unwrap();
        assert!(ok.success(), "ip {args:?}");
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.0]).status();
    }
}

fn endpoint(j: usize) -> LocalEndpoint {
    let ip = format!("10.{}.{}.{}", 64 + j / 65536, (j / 256) % 256, j % 256);
    let ep = Endpoint::workload("default", &format!("ep{j}"))
        .ip(ip.parse().unwrap())
        .label("app", &format!("app{}", j % 100))
        .label("role", &format!("r{}", j % 50));
    LocalEndpoint {
        endpoint: ep,
        kind: EndpointKind::Workload,
        node: if j < 1000 { "n1" } else { "other" }.to_string(),
        iface: format!("tr{j:08x}"),
        allowed_sources: Vec::new(),
    }
}

fn world(endpoints: usize, policies: usize) -> World {
    let mut w = World::new("n1");
    let mut yaml = String::new();
    for i in 0..policies {
        yaml.push_str(&format!(
            "---\napiVersion: terrace.io/v1\nkind: GlobalNetworkPolicy\nmetadata: {{name: p{i}}}\nspec:\n  order: {i}\n  selector: app == 'app{}'\n  types: [Ingress, Egress]\n  ingress:\n    - action: Allow\n      protocol: TCP\n      source: {{selector: role == 'r{}'}}\n      destination: {{ports: [{}]}}\n  egress:\n    - action: Allow\n      destination: {{selector: app == 'app{}'}}\n",
            i % 100,
            i % 50,
            8000 + i % 1000,
            (i + 1) % 100
        ));
    }
    for doc in parse_documents(&yaml) {
        w.upsert(doc.unwrap().resource.unwrap());
    }
    for j in 0..endpoints {
        w.upsert_endpoint(endpoint(j));
    }
    w
}

fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1e3
}

fn cold_start(rt: &tokio::runtime::Runtime) {
    let mut w = world(10_000, 1_000);
    let t = Instant::now();
    let plan = compute(&w);
    let calc = ms(t);
    let t = Instant::now();
    let table = compile(&plan);
    let comp = ms(t);
    println!(
        "cold start: {} local endpoints, {} policies in use, {} sets, {} elements, {} rules",
        plan.endpoints.len(),
        plan.policies.len(),
        table.sets.len(),
        table.element_count(),
        table.rule_count()
    );
    println!("  calc {calc:.0} ms, compile {comp:.0} ms");
    let ns = Netns::new("nft");
    let nft = NftRunner::in_netns(&ns.0);
    let t = Instant::now();
    rt.block_on(nft.reconcile(&table)).unwrap();
    println!(
        "  first nft transaction (dump + diff + apply) {:.0} ms",
        ms(t)
    );
    let t = Instant::now();
    let sum = rt.block_on(nft.reconcile(&table)).unwrap();
    assert!(sum.is_empty());
    println!("  no-op reconcile (dump + diff) {:.0} ms", ms(t));
    w.upsert_endpoint(endpoint(999_999).clone_local());
    let t = Instant::now();
    let table2 = compile(&compute(&w));
    let recalc = ms(t);
    let t = Instant::now();
    let last = felix::nft::Actual::from_table(&table);
    let sum = rt.block_on(nft.reconcile_from(&table2, &last)).unwrap();
    println!(
        "  one endpoint added: recompute {recalc:.0} ms, nft delta vs last applied {:.0} ms ({} chains written, {} elements added)",
        ms(t),
        sum.chains_written.len(),
        sum.elements_added
    );
}

trait Local {
    fn clone_local(self) -> LocalEndpoint;
}

impl Local for LocalEndpoint {
    fn clone_local(mut self) -> LocalEndpoint {
        self.node = "n1".to_string();
        self.iface = "trnew".to_string();
        self
    }
}

const ROUTES: usize = 100_000;

fn route_dst(i: usize) -> String {
    format!("10.{}.{}.{}/32", 100 + i / 65536, (i / 256) % 256, i % 256)
}

/// Runs inside the namespace (re-executed under `ip netns exec`).
fn routes_child(rt: &tokio::runtime::Runtime) {
    rt.block_on(async {
        let routes = Routes::connect().unwrap();
        let links = routes.links().await.unwrap();
        let desired: BTreeSet<RouteSpec> = (0..ROUTES)
            .map(|i| RouteSpec {
                dst: route_dst(i).parse().unwrap(),
                iface: Some("rb0".to_string()),
            })
            .collect();
        let want = resolve(&desired, &links);
        let t = Instant::now();
        let ops = diff(&want, &routes.dump().await.unwrap());
        routes.apply(&ops).unwrap();
        let add = ms(t);
        assert_eq!(routes.dump().await.unwrap().len(), ROUTES);
        let t = Instant::now();
        let dels: Vec<RouteOp> = want.iter().map(|r| RouteOp::Delete(*r)).collect();
        routes.apply(&dels).unwrap();
        let del = ms(t);
        println!("felix-rtnetlink add {add:.0} ms del {del:.0} ms");
    });
}

fn routes_bench() {
    let ns = Netns::new("routes");
    ns.ip(&["link", "add", "rb0", "type", "veth", "peer", "name", "rb1"]);
    ns.ip(&["link", "set", "rb0", "up"]);
    ns.ip(&["link", "set", "rb1", "up"]);
    let dir = std::env::temp_dir().join(format!("felixbench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (add, del) = (dir.join("add.batch"), dir.join("del.batch"));
    let lines = |verb: &str| -> String {
        (0..ROUTES)
            .map(|i| format!("route {verb} {} dev rb0 proto 86\n", route_dst(i)))
            .collect()
    };
    std::fs::write(&add, lines("add")).unwrap();
    std::fs::write(&del, lines("del")).unwrap();
    let t = Instant::now();
    ns.ip(&["-batch", add.to_str().unwrap()]);
    let ip_add = ms(t);
    let t = Instant::now();
    ns.ip(&["-batch", del.to_str().unwrap()]);
    let ip_del = ms(t);
    let _ = std::fs::remove_dir_all(&dir);
    let exe = std::env::current_exe().unwrap();
    let out = Command::new("ip")
        .args(["netns", "exec", &ns.0])
        .arg(exe)
        .env("FELIX_BENCH_ROUTES_CHILD", "1")
        .output()
        .unwrap();
    let child = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{child}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    println!("routes: {ROUTES} /32 routes");
    println!("  ip -batch add {ip_add:.0} ms del {ip_del:.0} ms");
    print!("  {child}");
}

fn main() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    if std::env::var_os("FELIX_BENCH_ROUTES_CHILD").is_some() {
        routes_child(&rt);
        return;
    }
    // `cargo bench` passes --bench; `cargo test --benches` does not run us.
    cold_start(&rt);
    routes_bench();
}
