//! The demo from start to end: clean up, build the lab, configure it with
//! netctl, start the services, attach containers, apply policy, wait for
//! convergence, show what is there and measure the matrix, then tear down
//! (or keep).

use std::io::Write;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use anyhow::Context;
use ipnet::Ipv4Net;

use super::app::{CLUSTER_AS, HOSTS, TOR_AS};
use super::mode::{self, Mode, Requested};
use super::netctl::Netctl;
use super::paths::Paths;
use super::probes::{self, Container, Probes};
use super::services::{self, HostServices};
use super::{cni, podman, show};
use crate::routers::{self, NeighborConfig, Router, RouterConfig, RouterKind};
use crate::{Daemon, Lab, NetnsRef, ProbeOutcome, Proto, Topology, wait_until};

/// The lab's topology, also shipped as a file for reading.
pub const TOPOLOGY: &str = include_str!("../../topologies/three-hosts-two-racks.yaml");
/// Deadline for sessions, routes and policy to converge.
const CONVERGE: Duration = Duration::from_secs(90);
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
    /// How containers are attached.
    pub containers: Requested,
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
    // Temp dirs hold the podman installations of earlier runs: their sweep
    // removes those containers, cgroups and cached CNI results.
    crate::gc::gc_temp_dirs();
    crate::gc::gc_cgroups();
    let mut removed = report.removed;
    for (ns, why) in &report.failed {
        eprintln!("warning: could not remove {ns}: {why}");
    }
    removed.extend(paths.remove()?.iter().map(|p| p.display().to_string()));
    Ok(removed)
}

/// Everything running once the lab is up; dropping it stops the processes.
#[derive(Debug)]
struct Running {
    netctl: Netctl,
    mode: Mode,
    containers: Vec<Container>,
    probes: Probes,
    // Drop order: listeners, then felix/confd/bgpd, the ToR, etcd last.
    servers: Vec<Daemon>,
    hosts: Vec<HostServices>,
    tor: Box<dyn Router>,
    etcd: Option<Daemon>,
}

/// Runs the whole demo; an error means something did not work (the lab is
/// torn down unless `keep`, the logs are kept).
pub fn run(opts: &Options) -> anyhow::Result<()> {
    let topology = Topology::from_yaml(TOPOLOGY).context("embedded topology is invalid")?;
    println!(
        "Terrace lab: three hosts in two racks behind an FRR top-of-rack router, each running \
         felix, confd and bgpd;\na three-tier app in containers (podman's, where podman works) \
         attached through the CNI plugin; policy applied with netctl.\n"
    );
    println!("{}", topology.description);
    let removed = step("[1/10] removing what earlier runs left", || {
        clean_previous(&opts.paths)
    })?;
    if !removed.is_empty() {
        println!("      removed {} namespaces and directories", removed.len());
    }
    let mut lab = Lab::new()?;
    // lab-demo is its own probe agent (`lab-demo serve|tcp ...`).
    lab.set_probe_bin(std::env::current_exe().context("cannot find own executable")?);
    let up = bring_up(&mut lab, &topology, opts)?;
    println!();
    if let Some(p) = lab.podman().filter(|_| up.mode == Mode::Podman) {
        show::podman_ps(p);
    }
    show::nodes_and_peers(&lab, &up.netctl, up.tor.as_ref(), &up.hosts);
    show::tor_routes(&lab);
    show::host_routes(&lab);
    let ok = probes::measure(&lab, &up.probes);
    show::explore(&lab, &up.netctl, &up.containers, &opts.paths, opts.keep);
    finish(lab, up, opts, ok)?;
    anyhow::ensure!(
        ok,
        "the connectivity matrix disagrees with the policy (marked !)"
    );
    Ok(())
}

/// Steps 2 to 10: from empty namespaces to a converged lab.
fn bring_up(lab: &mut Lab, topology: &Topology, opts: &Options) -> anyhow::Result<Running> {
    let paths = &opts.paths;
    step(
        &format!(
            "[2/10] namespaces, links, addresses, routes ({}-*)",
            lab.prefix()
        ),
        || {
            paths.create(&HOSTS.map(|h| h.name))?;
            Ok(lab.build(topology)?)
        },
    )?;
    let (url, etcd) = step("[3/10] datastore", || datastore(lab, opts))?;
    println!("      {url}");
    let netctl_ns = (opts.backend == Backend::Etcd)
        .then(|| lab.ns("host1"))
        .transpose()?;
    let netctl = Netctl::new(paths.bin("netctl")?, &url, netctl_ns);
    let network = paths.example("lab-network.yaml")?;
    step(
        "[4/10] netctl apply -f policies/examples/lab-network.yaml (IP pool, BGP configuration, ToR peers)",
        || netctl.apply(&[&network]),
    )?;
    println!("      $ {}", netctl.shown_apply(&[&network]));
    let tor = step(&format!("[5/10] FRR on the ToR (AS {TOR_AS})"), || {
        start_tor(lab)
    })?;
    let mut hosts = Vec::new();
    for h in &HOSTS {
        let label = format!("[6/10] {}: confd (registers the Node), bgpd, felix", h.name);
        hosts.push(step(&label, || services::start_host(lab, paths, h, &url))?);
    }
    let mode = step(
        "[7/10] container runtime (podman, if it works here)",
        || choose_mode(lab, paths, opts.containers),
    )?;
    println!("      {mode}");
    let containers = match &mode {
        Mode::Podman => {
            let podman = lab.podman().context("podman was set up")?;
            let label = format!(
                "[8/10] podman {} containers: podman run --network shop-<tier> (CNI ADD by podman)",
                podman.version()
            );
            step(&label, || podman::attach(lab, podman, paths, &url, &netctl))?
        }
        Mode::Direct { .. } => step(
            "[8/10] containers through the CNI plugin (CNI_COMMAND=ADD)",
            || cni::attach(lab, paths, &url),
        )?,
    };
    for c in &containers {
        let runtime = c.podman_id.as_deref().map_or_else(String::new, |id| {
            format!("  podman {}", id.chars().take(12).collect::<String>())
        });
        println!(
            "      {:<11} {:<6} app={:<9} {:<11} host veth {}{runtime}",
            c.w.name, c.w.host, c.w.app, c.ip, c.host_iface
        );
    }
    let app = paths.example("three-tier-app.yaml")?;
    let deny = paths.example("default-deny.yaml")?;
    step(
        "[9/10] netctl apply -f policies/examples/three-tier-app.yaml -f policies/examples/default-deny.yaml",
        || netctl.apply(&[&app, &deny]),
    )?;
    println!("      $ {}", netctl.shown_apply(&[&app, &deny]));
    let (probes, servers) = step(
        "[10/10] servers on the app ports, BGP sessions, routes and policy converging",
        || {
            let probes = probes::plan(&netctl, &containers)?;
            let servers = converge(lab, tor.as_ref(), &containers, &probes)?;
            Ok((probes, servers))
        },
    )?;
    Ok(Running {
        netctl,
        mode,
        containers,
        probes,
        servers,
        hosts,
        tor,
        etcd,
    })
}

/// Leaves the lab running (`--keep`) or stops everything and removes it; the
/// logs stay when the run failed.
fn finish(lab: Lab, up: Running, opts: &Options, ok: bool) -> anyhow::Result<()> {
    if opts.keep {
        // Disarms every process handle first, so dropping them stops nothing.
        lab.keep();
        drop(up);
        return Ok(());
    }
    let label = if up.mode == Mode::Podman {
        "tearing down (podman rm: CNI DEL of every container)"
    } else {
        "tearing down"
    };
    step(label, || {
        // podman's DEL needs the datastore: before the services stop.
        let podman_errors = lab.podman().map(|p| p.remove_all()).unwrap_or_default();
        let Running {
            servers,
            hosts,
            tor,
            etcd,
            ..
        } = up;
        drop(servers);
        hosts.into_iter().for_each(HostServices::stop);
        drop((tor, etcd));
        lab.teardown()?;
        anyhow::ensure!(
            podman_errors.is_empty(),
            "podman rm failed: {}",
            podman_errors.join("; ")
        );
        if ok {
            opts.paths.remove()?;
        }
        Ok(())
    })
}

/// Checks podman unless told not to, and picks the mode.
fn choose_mode(lab: &mut Lab, paths: &Paths, requested: Requested) -> anyhow::Result<Mode> {
    let check = mode::wants_podman(requested).then(|| {
        lab.start_podman(&paths.bin_dir)
            .map(|_| ())
            .map_err(|e| e.to_string())
    });
    Ok(mode::decide(requested, check)?)
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

fn block(ip: IpAddr) -> anyhow::Result<String> {
    let IpAddr::V4(v4) = ip else {
        anyhow::bail!("{ip} is not IPv4")
    };
    Ok(Ipv4Net::new(v4, BLOCK_LEN)?.trunc().to_string())
}

/// Starts a listener on each container's app port (a podman container's is
/// its own process: wait until it accepts), then waits until every ToR
/// session is up, the ToR and every other host have a route to every block,
/// and every flow the policy allows connects.
fn converge(
    lab: &Lab,
    tor: &dyn Router,
    containers: &[Container],
    probes: &Probes,
) -> anyhow::Result<Vec<Daemon>> {
    let mut servers = Vec::new();
    for c in containers {
        match &c.netns {
            NetnsRef::Node(role) => servers.push(lab.serve_probe(role, c.w.port())?),
            at @ NetnsRef::Path(_) => {
                let what = format!("{}'s server on port {}", c.w.name, c.w.port());
                let localhost = IpAddr::from([127, 0, 0, 1]);
                wait_until(CONVERGE, &what, || {
                    lab.probe_at(at, Proto::Tcp, localhost, c.w.port(), probes::PROBE)
                        == ProbeOutcome::Connected
                })?;
            }
        }
    }
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
    probes::wait_allowed(lab, probes, CONVERGE)?;
    Ok(servers)
}
