//! Kernel install of learned routes: one BIRD injector originates 500,000 unique
//! prefixes; the clock starts when the target (bgpd with its kernel FIB, then BIRD with
//! a kernel protocol exporting everything, in the same run) starts and stops when the
//! target's namespace holds all of them in its main table (`ip route show proto 89` /
//! `proto bird`, one dump per poll). Also the target's peak RSS.
//!
//! Run as root: `cargo bench -p bgpd --bench kernel_install` or
//! `... -- --routes 500000 --runs 2`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

#[path = "peering/mod.rs"]
mod peering;

use std::time::Duration;

use peering::measure::{cpu_seconds, kernel_routes, load_average, mib, peak_rss_kib};
use peering::{Target, build_lab, start_injectors, start_target};

const DEADLINE: Duration = Duration::from_secs(900);

fn args() -> (u64, usize) {
    let argv: Vec<String> = std::env::args().collect();
    let (mut routes, mut runs) = (500_000, 1);
    for pair in argv.windows(2) {
        match pair[0].as_str() {
            "--routes" => routes = pair[1].parse().expect("--routes N"),
            "--runs" => runs = pair[1].parse().expect("--runs N"),
            _ => {}
        }
    }
    (routes, runs)
}

fn main() {
    let (routes, runs) = args();
    println!(
        "kernel install of {routes} routes: load {} at start",
        load_average()
    );
    println!("| target | run | all routes in the kernel | target CPU | peak RSS | load |");
    println!("|---|---:|---:|---:|---:|---:|");
    for run_no in 1..=runs {
        for target in [Target::Bgpd, Target::Bird] {
            let lab = build_lab(1, false);
            let _injector = start_injectors(&lab, 1, routes as usize);
            let ns = lab.ns("target").unwrap().to_owned();
            let proto = match target {
                Target::Bgpd => "89",
                Target::Bird => "bird",
            };
            let t = start_target(&lab, target, 1, false, true);
            let mut last = 0;
            while last < routes {
                assert!(
                    t.started.elapsed() < DEADLINE,
                    "{}: {last} of {routes} routes in the kernel after {DEADLINE:?}",
                    target.name()
                );
                last = kernel_routes(&ns, proto).unwrap_or(0);
            }
            let elapsed = t.started.elapsed();
            let cpu = cpu_seconds(t.pid).expect("target still running");
            println!(
                "| {} | {run_no} | {:.2} s | {cpu:.2} s | {} | {} |",
                target.name(),
                elapsed.as_secs_f64(),
                mib(peak_rss_kib(t.pid).expect("target still running")),
                load_average()
            );
        }
    }
}
