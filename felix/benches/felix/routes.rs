//! Install and remove 100,000 routes: felix's batched rtnetlink writer
//! against `ip -batch` doing the same, in one namespace, in the same run.

use std::collections::BTreeSet;
use std::process::Command;
use std::time::Instant;

use felix::calc::RouteSpec;
use felix::reconcile::routes::Routes;
use felix::reconcile::routes_diff::{RouteOp, diff, resolve};
use integration::Lab;

use super::util::ms;

const ROUTES: usize = 100_000;

fn route_dst(i: usize) -> String {
    format!("10.{}.{}.{}/32", 100 + i / 65536, (i / 256) % 256, i % 256)
}

/// Runs inside the namespace (the bench binary re-executed under
/// `ip netns exec`): felix's reconciler only works in its own namespace.
pub fn child(rt: &tokio::runtime::Runtime) {
    rt.block_on(async {
        let routes = Routes::connect().expect("rtnetlink");
        let links = routes.links().await.expect("links");
        let desired: BTreeSet<RouteSpec> = (0..ROUTES)
            .map(|i| RouteSpec {
                dst: route_dst(i).parse().expect("prefix"),
                iface: Some("rb0".to_string()),
            })
            .collect();
        let want = resolve(&desired, &links);
        let t = Instant::now();
        let ops = diff(&want, &routes.dump().await.expect("dump"));
        routes.apply(&ops).await.expect("install");
        let add = ms(t);
        assert_eq!(routes.dump().await.expect("dump").len(), ROUTES);
        let t = Instant::now();
        let dels: Vec<RouteOp> = want.iter().map(|r| RouteOp::Delete(*r)).collect();
        routes.apply(&dels).await.expect("remove");
        let del = ms(t);
        assert!(routes.dump().await.expect("dump").is_empty());
        println!("felix add {add:.0} ms del {del:.0} ms");
    });
}

/// Runs the section.
pub fn run() {
    let mut lab = Lab::new().expect("lab");
    let ns = lab.add_node("routes").expect("namespace");
    let ip = |args: &[&str]| {
        let mut argv = vec!["ip"];
        argv.extend_from_slice(args);
        lab.exec("routes", &argv).expect("ip");
    };
    ip(&["link", "add", "rb0", "type", "veth", "peer", "name", "rb1"]);
    ip(&["link", "set", "rb0", "up"]);
    ip(&["link", "set", "rb1", "up"]);
    let lines = |verb: &str| -> String {
        (0..ROUTES)
            .map(|i| format!("route {verb} {} dev rb0 proto 86\n", route_dst(i)))
            .collect()
    };
    let (add, del) = (lab.dir().join("add.batch"), lab.dir().join("del.batch"));
    std::fs::write(&add, lines("add")).expect("batch");
    std::fs::write(&del, lines("del")).expect("batch");
    let path = |p: &std::path::Path| p.to_str().expect("utf-8").to_string();
    let t = Instant::now();
    ip(&["-batch", &path(&add)]);
    let ip_add = ms(t);
    let t = Instant::now();
    ip(&["-batch", &path(&del)]);
    let ip_del = ms(t);
    let exe = std::env::current_exe().expect("bench path");
    let out = Command::new("ip")
        .args(["netns", "exec", &ns])
        .arg(exe)
        .env("FELIX_BENCH_ROUTES_CHILD", "1")
        .output()
        .expect("child runs");
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
