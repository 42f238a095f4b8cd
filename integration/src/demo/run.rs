//! The demo from start to end: clean up, build the lab, configure it with
//! netctl, start the services, attach containers, apply policy, wait for
//! convergence, show what is there and measure the matrix, then tear down
//! (or keep).

use std::io::Write;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use anyhow::Context;
use ipnet::Ipv4Net;

use super::app::{APP_NAMESPACE, CLUSTER_AS, HOSTS, TOR_AS, WORKLOADS, Workload};
use super::matrix::{self, Cell, Dest, Source};
use super::netctl::Netctl;
use super::paths::Paths;
use super::services::{self, HostServices};
use super::{cni, show};
use crate::routers::{self, NeighborConfig, Router, RouterConfig, RouterKind};
use crate::{Daemon, Lab, ProbeOutcome, Topology, wait_until};

/// The lab's topology, also shipped as a file for reading.
pub const TOPOLOGY: &str = include_str!("../../topologies/three-hosts-two-racks.yaml");
/// Deadline for sessions, routes and policy to converge.
const CONVERGE: Duration = Duration::from_secs(90);
/// TCP connect timeout of one matrix probe: long enough for a loaded
/// machine, short because denied cells always wait it out.
const PROBE: Duration = Duration::from_secs(2);
/// Prefix length of the pool's blocks (`blockSize` in lab-network.yaml).
const BLOCK_LEN: u8 = 26;

/// Which datastore backend the lab runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Backend {
    /// One SQLite file shared by every host (the embedded default).
    Sqlite,
    /// A single-member etcd in the lab's `etcd` node.
    Etcd,
}

/// What the user asked for.
#[derive(Debug, Clone)]
pub struct Options {
    /// Leave the lab running.
    pub keep: bool,
    /// Datastore backend.
    pub backend: Backend,
    /// Where things are.
    pub paths: Paths,
}

/// Prints `label ...`, runs `f`, prints how long it took.
pub fn step<T>(label: &str, f: impl FnOnce() -> anyhow::Result<T>) -> anyhow::Result<T> {
    print!("{label} ... ");
    std::io::stdout().flush()?;
    let start = Instant::now();
    let v = f()?;
    println!("done ({:.1} s)", start.elapsed().as_secs_f64());
    Ok(v)
}

/// Removes what earlier runs left: lab namespaces of dead runs (with their
/// processes), their temp dirs, and the demo's log and state directories.
pub fn clean_previous(paths: &Paths) -> anyhow::Result<Vec<String>> {
    let report = crate::gc::gc().context("failed to list namespaces")?;
    crate::gc::gc_temp_dirs();
    let mut removed = report.removed;
    for (ns, why) in &report.failed {
        eprintln!("warning: could not remove {ns}: {why}");
    }
    removed.extend(paths.remove()?.iter().map(|p| p.display().to_string()));
    Ok(removed)
}

/// A container of the app once attached.
#[derive(Debug)]
struct Container {
    w: Workload,
    ip: IpAddr,
    host_iface: String,
}

/// Runs the whole demo; an error means something did not work (the lab is
/// torn down unless `keep`, the logs are kept).
pub fn run(opts: &Options) -> anyhow::Result<()> {
    let paths = &opts.paths;
    let topology = Topology::from_yaml(TOPOLOGY).context("embedded topology is invalid")?;
    println!(
        "Terrace lab: three hosts in two racks behind an FRR top-of-rack router, each running \
         felix, confd and bgpd;\na three-tier app attached through the CNI plugin; policy applied \
         with netctl.\n"
    );
    println!("{}", topology.description);
    step("[1/9] removing what earlier runs left", || {
        clean_previous(paths)
    })?;
    let mut lab = Lab::new()?;
    // lab-demo is its own probe agent (`lab-demo serve|tcp ...`).
    lab.set_probe_bin(std::env::current_exe().context("cannot find own executable")?);
    step(
        &format!(
            "[2/9] namespaces, links, addresses, routes ({}-*)",
            lab.prefix()
        ),
        || {
            paths.create(&HOSTS.map(|h| h.name))?;
            Ok(lab.build(&topology)?)
        },
    )?;
    let (url, _etcd) = step("[3/9] datastore", || datastore(&lab, opts))?;
    let netctl_ns = (opts.backend == Backend::Etcd)
        .then(|| lab.ns("host1"))
        .transpose()?;
    let netctl = Netctl::new(paths.bin("netctl")?, &url, netctl_ns);
    println!("      {url}");
    let network = paths.example("lab-network.yaml")?;
    step(
        "[4/9] netctl apply -f policies/examples/lab-network.yaml (IP pool, BGP configuration, ToR peers)",
        || netctl.apply(&[&network]),
    )?;
    println!("      $ {}", netctl.shown_apply(&[&network]));
    let tor = step(&format!("[5/9] FRR on the ToR (AS {TOR_AS})"), || {
        start_tor(&lab)
    })?;
    let mut hosts = Vec::new();
    for h in &HOSTS {
        let label = format!("[6/9] {}: confd (registers the Node), bgpd, felix", h.name);
        hosts.push(step(&label, || services::start_host(&lab, paths, h, &url))?);
    }
    let containers = step(
        "[7/9] containers through the CNI plugin (CNI_COMMAND=ADD)",
        || attach(&mut lab, paths, &url),
    )?;
    for c in &containers {
        println!(
            "      {:<11} {:<6} app={:<9} {:<11} host veth {}",
            c.w.name, c.w.host, c.w.app, c.ip, c.host_iface
        );
    }
    let app = paths.example("three-tier-app.yaml")?;
    let deny = paths.example("default-deny.yaml")?;
    step(
        "[8/9] netctl apply -f policies/examples/three-tier-app.yaml -f policies/examples/default-deny.yaml",
        || netctl.apply(&[&app, &deny]),
    )?;
    println!("      $ {}", netctl.shown_apply(&[&app, &deny]));
    let probes = plan_probes(&netctl, &containers)?;
    let servers = step(
        "[9/9] servers on the app ports, BGP sessions, routes and policy converging",
        || converge(&lab, tor.as_ref(), &containers, &probes),
    )?;
    println!();
    show::nodes_and_peers(&lab, &netctl, tor.as_ref(), &hosts);
    show::tor_routes(&lab);
    show::host_routes(&lab);
    let ok = measure(&lab, probes);
    show::explore(&lab, &netctl, paths, opts.keep);
    if opts.keep {
        lab.keep();
        drop((servers, hosts, tor));
    } else {
        drop(servers);
        step("tearing down", || {
            hosts.into_iter().for_each(HostServices::stop);
            drop(tor);
            drop(_etcd);
            lab.teardown()?;
            if ok {
                paths.remove()?;
            }
            Ok(())
        })?;
    }
    anyhow::ensure!(
        ok,
        "the connectivity matrix disagrees with the policy (marked !)"
    );
    Ok(())
}

/// The datastore URL, and etcd's process if the backend is etcd.
fn datastore(lab: &Lab, opts: &Options) -> anyhow::Result<(String, Option<Daemon>)> {
    match opts.backend {
        Backend::Sqlite => {
            let db = opts.paths.state_dir.join("store.db");
            Ok((format!("sqlite://{}", db.display()), None))
        }
        Backend::Etcd => {
            let etcd = services::start_etcd(lab, &opts.paths)?;
            Ok((services::ETCD_URL.to_owned(), Some(etcd)))
        }
    }
}

fn start_tor(lab: &Lab) -> anyhow::Result<Box<dyn Router>> {
    let mut cfg = RouterConfig::new("10.0.1.1".parse()?, TOR_AS);
    for h in &HOSTS {
        cfg = cfg.neighbor(NeighborConfig::new(h.addr.parse()?, CLUSTER_AS));
    }
    Ok(routers::start(RouterKind::Frr, lab, "tor", &cfg)?)
}

/// One network namespace per container (a lab node, so it is cleaned up
/// with the lab), attached by the CNI plugin run in its host's namespace.
fn attach(lab: &mut Lab, paths: &Paths, url: &str) -> anyhow::Result<Vec<Container>> {
    let mut out = Vec::new();
    for w in WORKLOADS {
        let ns = lab.add_node(w.name)?;
        let config = cni::config(url, &w, &paths.log(w.host, "cni"));
        let a = cni::add(&paths.bin_dir, lab.ns(w.host)?, &ns, &config, &w)?;
        out.push(Container {
            w,
            ip: a.ip,
            host_iface: a.host_iface,
        });
    }
    Ok(out)
}

fn block(ip: IpAddr) -> anyhow::Result<String> {
    let IpAddr::V4(v4) = ip else {
        anyhow::bail!("{ip} is not IPv4")
    };
    Ok(Ipv4Net::new(v4, BLOCK_LEN)?.trunc().to_string())
}

/// Starts a listener on each container's app port, then waits until every
/// ToR session is up, the ToR and every other host have a route to every
/// block, and every flow the policy allows connects.
fn converge(
    lab: &Lab,
    tor: &dyn Router,
    containers: &[Container],
    probes: &Probes,
) -> anyhow::Result<Vec<Daemon>> {
    let servers = containers
        .iter()
        .map(|c| lab.serve_probe(c.w.name, c.w.port()))
        .collect::<Result<Vec<_>, _>>()?;
    for h in &HOSTS {
        tor.wait_established(h.addr.parse()?, CONVERGE)?;
    }
    for c in containers {
        let b = block(c.ip)?;
        tor.wait_route(b.parse()?, CONVERGE)?;
        // Straight to the owning host, whichever host's advertisement the ToR
        // selected (BGPPeer keepOriginalNextHop), never a detour.
        let owner = HOSTS
            .iter()
            .find(|h| h.name == c.w.host)
            .map(|h| h.addr.parse::<IpAddr>())
            .transpose()?;
        lab.wait_kernel_route("tor", &b, CONVERGE, |r| r.gateway == owner)?;
        for h in HOSTS.iter().filter(|h| h.name != c.w.host) {
            lab.wait_kernel_route(h.name, &b, CONVERGE, |r| r.gateway.is_some())?;
        }
    }
    let (sources, dests) = (&probes.sources, &probes.dests);
    std::thread::scope(|s| {
        let waits: Vec<_> = probes
            .cells
            .iter()
            .filter(|c| c.expected)
            .map(|c| {
                let (from, to) = (&sources[c.from], &dests[c.to]);
                s.spawn(move || {
                    let what = format!("{} -> {}:{} to connect", from.role, to.ip, to.port);
                    wait_until(CONVERGE, &what, || {
                        lab.probe_tcp(&from.role, to.ip, to.port, PROBE) == ProbeOutcome::Connected
                    })
                })
            })
            .collect();
        waits.into_iter().try_for_each(|w| match w.join() {
            Ok(r) => r.map_err(anyhow::Error::from),
            Err(_) => Err(anyhow::anyhow!("a probe thread panicked")),
        })
    })?;
    Ok(servers)
}

/// A matrix row: where probes start.
#[derive(Debug)]
struct From {
    role: String,
    label: String,
    place: String,
    /// `NAMESPACE/ENDPOINT` or an address, for `policy trace --from`.
    trace: String,
}

/// A matrix column: a container's app port.
#[derive(Debug)]
struct To {
    role: String,
    label: String,
    ip: IpAddr,
    port: u16,
    trace: String,
    /// The ToR's address on the link of this container's host (the source
    /// address the ToR's probe uses).
    tor_side: String,
}

fn trace_name(w: &Workload) -> String {
    format!("{APP_NAMESPACE}/{}", w.endpoint())
}

fn axes(containers: &[Container]) -> (Vec<From>, Vec<To>) {
    let mut sources: Vec<From> = containers
        .iter()
        .map(|c| From {
            role: c.w.name.into(),
            label: c.w.name.into(),
            place: c.w.host.into(),
            trace: trace_name(&c.w),
        })
        .collect();
    sources.push(From {
        role: "tor".into(),
        label: "tor".into(),
        place: "outside".into(),
        trace: String::new(),
    });
    let dests = containers
        .iter()
        .map(|c| To {
            role: c.w.name.into(),
            label: c.w.name.into(),
            ip: c.ip,
            port: c.w.port(),
            trace: trace_name(&c.w),
            tor_side: HOSTS
                .iter()
                .find(|h| h.name == c.w.host)
                .map_or_else(String::new, |h| h.tor.to_owned()),
        })
        .collect();
    (sources, dests)
}

/// Every (source, destination) pair except a container to itself.
fn pairs(sources: &[From], dests: &[To]) -> Vec<(usize, usize)> {
    let mut v = Vec::new();
    for (i, s) in sources.iter().enumerate() {
        for (j, d) in dests.iter().enumerate() {
            if s.role != d.role {
                v.push((i, j));
            }
        }
    }
    v
}

/// The reference evaluator's verdict (`netctl policy trace`).
fn expected(netctl: &Netctl, from: &From, to: &To) -> anyhow::Result<bool> {
    let src = if from.trace.is_empty() {
        &to.tor_side
    } else {
        &from.trace
    };
    netctl.trace_allows(src, &to.trace, to.port)
}

/// The matrix to measure: rows, columns, and every cell with the policy's
/// verdict (`netctl policy trace`), nothing measured yet.
#[derive(Debug)]
struct Probes {
    sources: Vec<From>,
    dests: Vec<To>,
    cells: Vec<Cell>,
}

fn plan_probes(netctl: &Netctl, containers: &[Container]) -> anyhow::Result<Probes> {
    let (sources, dests) = axes(containers);
    let mut cells = Vec::new();
    for (i, j) in pairs(&sources, &dests) {
        cells.push(Cell {
            from: i,
            to: j,
            expected: expected(netctl, &sources[i], &dests[j])?,
            measured: ProbeOutcome::TimedOut,
        });
    }
    Ok(Probes {
        sources,
        dests,
        cells,
    })
}

/// Probes every pair once (in parallel), prints the matrix and returns
/// whether every cell matches the policy.
fn measure(lab: &Lab, mut probes: Probes) -> bool {
    let (sources, dests) = (&probes.sources, &probes.dests);
    println!(
        "Connectivity matrix: TCP connect from each row to each column's app port, real packets \
         (timeout {} s);\nexpected verdicts from `netctl policy trace`. ✔ connected, ✘ no \
         connection, ! disagrees with the policy.\n",
        PROBE.as_secs()
    );
    let outcomes: Vec<ProbeOutcome> = std::thread::scope(|s| {
        let handles: Vec<_> = probes
            .cells
            .iter()
            .map(|c| {
                let (from, to) = (&sources[c.from], &dests[c.to]);
                s.spawn(move || lab.probe_tcp(&from.role, to.ip, to.port, PROBE))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| ProbeOutcome::Error("probe thread panicked".into()))
            })
            .collect()
    });
    for (cell, outcome) in probes.cells.iter_mut().zip(outcomes) {
        cell.measured = outcome;
    }
    let msources: Vec<Source> = sources
        .iter()
        .map(|s| Source {
            label: s.label.clone(),
            place: s.place.clone(),
        })
        .collect();
    let mdests: Vec<Dest> = dests
        .iter()
        .map(|d| Dest {
            label: d.label.clone(),
            port: d.port,
        })
        .collect();
    print!("{}", matrix::render(&msources, &mdests, &probes.cells));
    let sum = matrix::summarize(&probes.cells);
    println!(
        "\n  {} connections allowed ✔, {} denied ✘, {} disagreeing with the policy\n",
        sum.allowed, sum.denied, sum.mismatches
    );
    sum.mismatches == 0
}
