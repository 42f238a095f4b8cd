//! The matrix's probes: rows (containers and the ToR), columns (each
//! container's app port), the policy's verdict per cell from `netctl policy
//! trace`, waiting for the allowed flows, and the one measurement printed.

use std::net::IpAddr;
use std::time::Duration;

use super::app::{APP_NAMESPACE, HOSTS, Workload};
use super::matrix::{self, Cell, Dest, Source};
use super::netctl::Netctl;
use crate::{Lab, NetnsRef, ProbeOutcome, Proto, wait_until};

/// TCP connect timeout of one matrix probe: long enough for a loaded
/// machine, short because denied cells always wait it out.
pub const PROBE: Duration = Duration::from_secs(2);

/// A container of the app once attached.
#[derive(Debug)]
pub struct Container {
    /// What it is.
    pub w: Workload,
    /// The address the CNI plugin gave it.
    pub ip: IpAddr,
    /// The host side of its veth.
    pub host_iface: String,
    /// Its network namespace, where its probes start: a lab node, or the
    /// namespace podman made for it.
    pub netns: NetnsRef,
    /// podman's container ID, when podman runs it.
    pub podman_id: Option<String>,
}

/// Waits until every flow the policy allows connects (in parallel).
pub fn wait_allowed(lab: &Lab, probes: &Probes, deadline: Duration) -> anyhow::Result<()> {
    let (sources, dests) = (&probes.sources, &probes.dests);
    std::thread::scope(|s| {
        let waits: Vec<_> = probes
            .cells
            .iter()
            .filter(|c| c.expected)
            .map(|c| {
                let (from, to) = (&sources[c.from], &dests[c.to]);
                s.spawn(move || {
                    let what = format!("{} -> {}:{} to connect", from.label, to.ip, to.port);
                    wait_until(deadline, &what, || {
                        tcp(lab, &from.at, to.ip, to.port) == ProbeOutcome::Connected
                    })
                })
            })
            .collect();
        waits.into_iter().try_for_each(|w| match w.join() {
            Ok(r) => r.map_err(anyhow::Error::from),
            Err(_) => Err(anyhow::anyhow!("a probe thread panicked")),
        })
    })
}

/// One matrix probe: a TCP connect from namespace `at`.
fn tcp(lab: &Lab, at: &NetnsRef, ip: IpAddr, port: u16) -> ProbeOutcome {
    lab.probe_at(at, Proto::Tcp, ip, port, PROBE)
}

/// A matrix row: where probes start.
#[derive(Debug)]
pub struct From {
    at: NetnsRef,
    label: String,
    place: String,
    /// `NAMESPACE/ENDPOINT` or an address, for `policy trace --from`.
    trace: String,
}

/// A matrix column: a container's app port.
#[derive(Debug)]
pub struct To {
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
            at: c.netns.clone(),
            label: c.w.name.into(),
            place: c.w.host.into(),
            trace: trace_name(&c.w),
        })
        .collect();
    sources.push(From {
        at: NetnsRef::Node("tor".into()),
        label: "tor".into(),
        place: "outside".into(),
        trace: String::new(),
    });
    let dests = containers
        .iter()
        .map(|c| To {
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
            if s.label != d.label {
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
pub struct Probes {
    sources: Vec<From>,
    dests: Vec<To>,
    cells: Vec<Cell>,
}

/// Rows, columns and the policy's verdict of every cell.
pub fn plan(netctl: &Netctl, containers: &[Container]) -> anyhow::Result<Probes> {
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
pub fn measure(lab: &Lab, probes: &Probes) -> bool {
    let (sources, dests) = (&probes.sources, &probes.dests);
    let mut cells = probes.cells.clone();
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
                s.spawn(move || tcp(lab, &from.at, to.ip, to.port))
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
    for (cell, outcome) in cells.iter_mut().zip(outcomes) {
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
    print!("{}", matrix::render(&msources, &mdests, &cells));
    let sum = matrix::summarize(&cells);
    println!(
        "\n  {} connections allowed ✔, {} denied ✘, {} disagreeing with the policy\n",
        sum.allowed, sum.denied, sum.mismatches
    );
    sum.mismatches == 0
}
