//! Convergence through a target speaker: N BIRD injectors each originate M unique
//! prefixes; the clock starts when the target (bgpd, then BIRD, in the same run)
//! starts and stops when the BIRD monitor behind it holds all N×M prefixes. Also the
//! target's peak RSS (VmHWM). Issue 7's goal: bgpd's time ≤ BIRD's, its peak RSS ≤ 2×
//! BIRD's. Neither target installs routes in the kernel here (bgpd `--no-fib`, BIRD
//! without a kernel protocol); kernel_install measures that.
//!
//! Run as root: `cargo bench -p bgpd --bench convergence` (scenarios 10x20000 and
//! 2x200000, one run each) or `... -- --scenario 10x20000 --runs 3`.
//! Topology and configs: benches/peering/mod.rs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

#[path = "peering/mod.rs"]
mod peering;

use std::time::{Duration, Instant};

use peering::measure::{cpu_seconds, load_average, mib, peak_rss_kib, rss_kib};
use peering::{
    Target, bird_established, bird_route_count, build_lab, start_injectors, start_monitor,
    start_target,
};

/// Longest a target may take before the run is declared failed.
const DEADLINE: Duration = Duration::from_secs(600);

struct Args {
    scenarios: Vec<(usize, usize)>,
    runs: usize,
}

fn args() -> Args {
    let argv: Vec<String> = std::env::args().collect();
    let mut a = Args {
        scenarios: Vec::new(),
        runs: 1,
    };
    // `cargo bench` adds `--bench`; anything unknown is ignored.
    for pair in argv.windows(2) {
        match pair[0].as_str() {
            "--scenario" => {
                let (n, m) = pair[1].split_once('x').expect("--scenario NxM");
                a.scenarios
                    .push((n.parse().expect("N"), m.parse().expect("M")));
            }
            "--runs" => a.runs = pair[1].parse().expect("--runs N"),
            _ => {}
        }
    }
    if a.scenarios.is_empty() {
        a.scenarios = vec![(10, 20_000), (2, 200_000)];
    }
    a
}

struct Result {
    /// From the target's start.
    elapsed: Duration,
    /// From the monitor's session with the target reaching Established.
    after_up: Duration,
    peak_rss_kib: u64,
    /// Resident once converged (the tables, without transient growth).
    end_rss_kib: u64,
    /// CPU time the target used until then.
    cpu_seconds: f64,
}

fn run(target: Target, n: usize, m: usize) -> Result {
    let lab = build_lab(n, true);
    let _injectors = start_injectors(&lab, n, m);
    let monitor = start_monitor(&lab);
    let want = (n * m) as u64;
    assert_eq!(bird_route_count(&monitor), Some(0), "monitor starts empty");
    let t = start_target(&lab, target, n, true, false);
    let mut up = None;
    loop {
        if up.is_none() && bird_established(&monitor) {
            up = Some(Instant::now());
        }
        if up.is_some() && bird_route_count(&monitor) == Some(want) {
            break;
        }
        assert!(
            t.started.elapsed() < DEADLINE,
            "{}: monitor has {:?} of {want} after {DEADLINE:?}",
            target.name(),
            bird_route_count(&monitor)
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let elapsed = t.started.elapsed();
    Result {
        elapsed,
        after_up: up.map(|u| u.elapsed()).unwrap_or_default(),
        peak_rss_kib: peak_rss_kib(t.pid).expect("target still running"),
        end_rss_kib: rss_kib(t.pid).expect("target still running"),
        cpu_seconds: cpu_seconds(t.pid).expect("target still running"),
    }
}

fn main() {
    let a = args();
    println!(
        "convergence: load {} at start, {} run(s) per target",
        load_average(),
        a.runs
    );
    println!(
        "| scenario | target | run | from target start | from session up | target CPU | peak RSS | RSS at the end | load |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|---:|");
    for &(n, m) in &a.scenarios {
        for run_no in 1..=a.runs {
            for target in [Target::Bgpd, Target::Bird] {
                let t0 = Instant::now();
                let r = run(target, n, m);
                println!(
                    "| {n} × {m} | {} | {run_no} | {:.2} s | {:.2} s | {:.2} s | {} | {} | {} |",
                    target.name(),
                    r.elapsed.as_secs_f64(),
                    r.after_up.as_secs_f64(),
                    r.cpu_seconds,
                    mib(r.peak_rss_kib),
                    mib(r.end_rss_kib),
                    load_average()
                );
                eprintln!(
                    "  (whole run incl. lab setup: {:.1} s)",
                    t0.elapsed().as_secs_f64()
                );
            }
        }
    }
}
