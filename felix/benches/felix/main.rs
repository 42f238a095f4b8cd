//! felix benchmarks (harness = false; root; results in docs/performance.md).
//!
//! `cargo bench -p felix` runs every section; name sections to run only
//! those: `cargo bench -p felix -- inproc daemon routes dataplane`.
//! `FELIX_BENCH_UNIQUE_LABELS=1` gives every endpoint a label of its own.
//!
//! - `inproc`: calc, compile, the first nft transaction and an added
//!   endpoint, in this process (where a cold start's time goes);
//! - `daemon`: the real daemon fed through the datastore: cold start,
//!   endpoint added, label change into 100 selectors, a 10,002-endpoint
//!   selector;
//! - `routes`: 100,000 routes, felix's batches against `ip -batch`;
//! - `dataplane`: cross-host TCP throughput and RTT, 1,000 policies vs none.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

mod daemon;
mod dataplane;
mod inproc;
mod routes;
mod util;
mod world;

fn main() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    if std::env::var_os("FELIX_BENCH_ROUTES_CHILD").is_some() {
        routes::child(&rt);
        return;
    }
    let sections: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let want = |s: &str| sections.is_empty() || sections.iter().any(|a| a == s);
    let shape = world::Shape {
        endpoints: 10_000,
        local: 1_000,
        policies: 1_000,
        unique_labels: std::env::var_os("FELIX_BENCH_UNIQUE_LABELS").is_some(),
    };
    println!("felix bench, shape {shape:?}");
    if want("inproc") {
        inproc::run(&rt, shape);
    }
    if want("daemon") {
        daemon::run(&rt, shape);
    }
    if want("routes") {
        routes::run();
    }
    if want("dataplane") {
        dataplane::run(&rt);
    }
}
