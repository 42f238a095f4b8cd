//! `lab-demo`: builds the two-host lab with a BIRD ToR in front of you,
//! probes every pair of endpoints and tears it down again.
//!
//! `--keep` leaves the lab up to explore; `--down` (or `lab-gc`) removes it.

use std::io::Write;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;
use integration::probe::cli::AgentCmd;
use integration::routers::{self, RouterConfig, RouterKind};
use integration::{Lab, ProbeOutcome, Topology};

const TOPOLOGY: &str = include_str!("../../topologies/two-hosts-tor.yaml");
const PORT: u16 = 8080;
const TIMEOUT: Duration = Duration::from_secs(3);
/// Endpoints probed from and to each other.
const ENDPOINTS: [(&str, &str); 4] = [
    ("c1", "10.65.1.2"),
    ("c2", "10.65.2.2"),
    ("host1", "10.0.1.2"),
    ("host2", "10.0.2.2"),
];

#[derive(Parser)]
#[command(about = "Build the two-host Terrace lab with a BIRD ToR and show what can reach what")]
struct Cli {
    /// Leave the lab running and print how to explore it.
    #[arg(long)]
    keep: bool,
    /// Remove labs left by `--keep` (and any other dead run), then exit.
    #[arg(long, conflicts_with = "keep")]
    down: bool,
    #[command(subcommand)]
    agent: Option<AgentCmd>,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if let Some(cmd) = cli.agent {
        // Invoked by the lab itself as its probe agent.
        return integration::probe::cli::run(cmd).context("probe agent failed");
    }
    if cli.down {
        let report = integration::gc::gc().context("failed to list namespaces")?;
        integration::gc::gc_temp_dirs();
        println!(
            "removed {} namespaces: {}",
            report.removed.len(),
            report.removed.join(" ")
        );
        return Ok(());
    }
    demo(cli.keep)
}

fn step<T>(label: &str, f: impl FnOnce() -> anyhow::Result<T>) -> anyhow::Result<T> {
    print!("{label} ... ");
    std::io::stdout().flush()?;
    let start = Instant::now();
    let v = f()?;
    println!("done ({:.1} s)", start.elapsed().as_secs_f64());
    Ok(v)
}

fn demo(keep: bool) -> anyhow::Result<()> {
    let topology = Topology::from_yaml(TOPOLOGY).context("embedded topology is invalid")?;
    println!(
        "Terrace lab: two hosts, a BIRD top-of-rack router, one Calico-style container per host\n"
    );
    println!("{}", topology.description);
    let mut lab = Lab::new()?;
    lab.set_probe_bin(std::env::current_exe().context("cannot find own executable")?);
    step(
        &format!(
            "[1/4] namespaces, veths, addresses, routes, sysctls ({}-*)",
            lab.prefix()
        ),
        || Ok(lab.build(&topology)?),
    )?;
    let tor_cfg = RouterConfig::new("10.0.1.1".parse()?, 65000);
    let bird = step("[2/4] BIRD 2 on the ToR", || {
        Ok(routers::start(RouterKind::Bird, &lab, "tor", &tor_cfg)?)
    })?;
    let servers = step(
        &format!("[3/4] probe servers on tcp+udp/{PORT} in every endpoint"),
        || {
            ENDPOINTS
                .iter()
                .map(|(n, _)| Ok(lab.serve_probe(n, PORT)?))
                .collect::<anyhow::Result<Vec<_>>>()
        },
    )?;
    println!(
        "[4/4] probing every pair (timeout {} s)\n",
        TIMEOUT.as_secs()
    );
    let failures = matrix(&lab)?;
    if keep {
        std::mem::forget(servers);
        std::mem::forget(bird);
        print_keep_help(&lab);
        lab.keep();
    } else {
        drop((servers, bird));
        step("tearing down", || Ok(lab.teardown()?))?;
    }
    anyhow::ensure!(failures == 0, "{failures} probes failed");
    Ok(())
}

fn matrix(lab: &Lab) -> anyhow::Result<usize> {
    let mark = |o: &ProbeOutcome| {
        if *o == ProbeOutcome::Connected {
            "✔".to_owned()
        } else {
            format!("✘ {o}")
        }
    };
    println!(
        "  {:<7} {:<7} {:<11} {:<6} tcp/{PORT}",
        "from", "to", "address", "ping"
    );
    let mut failures = 0;
    for (from, _) in ENDPOINTS {
        for (to, addr) in ENDPOINTS.iter().filter(|(to, _)| *to != from) {
            let a: IpAddr = addr.parse()?;
            let ping = lab.ping(from, a, TIMEOUT);
            let tcp = lab.probe_tcp(from, a, PORT, TIMEOUT);
            failures += [&ping, &tcp]
                .iter()
                .filter(|o| ***o != ProbeOutcome::Connected)
                .count();
            println!(
                "  {from:<7} {to:<7} {addr:<11} {:<6} {}",
                mark(&ping),
                mark(&tcp)
            );
        }
    }
    let closed = lab.probe_tcp("c1", "10.65.2.2".parse()?, PORT + 1, TIMEOUT);
    println!(
        "\n  c1 -> c2 tcp/{}: {closed} (nothing listens there)\n",
        PORT + 1
    );
    Ok(failures + usize::from(closed != ProbeOutcome::Refused))
}

fn print_keep_help(lab: &Lab) {
    println!("The lab stays up. Its namespaces:");
    for (role, ns) in lab.namespaces() {
        println!("  {role:<6} {ns}");
    }
    let ns = |r: &str| lab.ns(r).unwrap_or("?").to_owned();
    println!("\nExplore, for example:");
    println!("  ip netns exec {} ping -c 3 10.65.2.2", ns("c1"));
    println!("  ip -n {} route", ns("host1"));
    println!(
        "  birdc -s {}/bird-tor/bird.ctl show protocols",
        lab.dir().display()
    );
    println!("Logs and configs: {}", lab.dir().display());
    println!("Remove it with: cargo run -p integration --bin lab-demo -- --down   (or lab-gc)");
}
