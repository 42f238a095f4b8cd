//! What the demo prints once the lab has converged: nodes and BGP peers, the
//! routes the ToR learned, host routing tables, and how to explore.

use super::app::{APP_NAMESPACE, HOSTS, WORKLOADS};
use super::netctl::Netctl;
use super::paths::Paths;
use super::probes::Container;
use super::services::HostServices;
use crate::podman::Podman;
use crate::routers::Router;
use crate::{Lab, NetnsRef};

/// Indents every line of `text` by `n` spaces.
fn indent(text: &str, n: usize) -> String {
    let pad = " ".repeat(n);
    text.lines()
        .map(|l| format!("{pad}{l}\n"))
        .collect::<String>()
}

/// Prints a command and its output (or its error).
fn shown(cmd: &str, result: anyhow::Result<String>) {
    println!("$ {cmd}");
    match result {
        Ok(out) => print!("{}", indent(out.trim_end(), 2)),
        Err(e) => println!("  (failed: {e:#})"),
    }
}

/// The FRR vty socket directory of the lab's ToR.
pub fn tor_vty(lab: &Lab) -> String {
    lab.dir().join("frr-tor").display().to_string()
}

/// `vtysh` on the ToR, as the user would type it.
fn vtysh(lab: &Lab, command: &str) -> (String, anyhow::Result<String>) {
    let ns = lab.ns("tor").unwrap_or("?").to_owned();
    let sock = tor_vty(lab);
    let argv = [
        "ip",
        "netns",
        "exec",
        &ns,
        "vtysh",
        "--vty_socket",
        &sock,
        "-c",
        command,
    ];
    let out = crate::cmd::run(&argv).map_err(anyhow::Error::from);
    (crate::cmd::cmdline(&argv), out)
}

/// The app's containers as podman lists them.
pub fn podman_ps(podman: &Podman) {
    println!("Containers, as podman lists them:");
    let args = [
        "ps",
        "--format",
        "table {{.ID}} {{.Names}} {{.Networks}} {{.Command}} {{.Status}}",
    ];
    let mut argv = vec!["env".to_owned()];
    argv.extend(podman.argv(&args));
    shown(
        &podman.shown(&args),
        crate::cmd::run(&argv).map_err(anyhow::Error::from),
    );
    println!();
}

/// Nodes as confd registered them, then each host's BGP peers.
pub fn nodes_and_peers(lab: &Lab, netctl: &Netctl, tor: &dyn Router, hosts: &[HostServices]) {
    println!("Nodes (registered by confd):");
    let args = ["get", "nodes", "-o", "wide"];
    shown(&netctl.shown(&args), netctl.run(&args));
    println!();
    if netctl.has_node_status() {
        println!(
            "BGP peers of each host (bgpd's API, through netctl): the other two hosts, and the ToR"
        );
        for svc in hosts {
            let ns = lab.ns(svc.host).unwrap_or("?");
            let argv = netctl.node_status_argv(ns, &svc.api_socket);
            let out = crate::cmd::run(&argv).map_err(anyhow::Error::from);
            shown(&crate::cmd::cmdline(&argv), out);
        }
    } else {
        // TODO: remove once `netctl node status` has landed everywhere.
        println!(
            "BGP peers of each host, as the ToR sees them (this netctl has no `node status`):"
        );
        let sessions = tor.sessions().unwrap_or_default();
        for h in &HOSTS {
            let state = sessions
                .iter()
                .find(|s| s.peer.to_string() == h.addr)
                .map_or_else(|| "no session".to_owned(), |s| format!("{:?}", s.state));
            println!("  {:<6} -> tor {:<9} {state}", h.name, h.tor);
        }
    }
    println!("\nThe ToR's sessions with the hosts:");
    let (cmd, out) = vtysh(lab, "show bgp summary");
    shown(&cmd, out);
    println!();
}

/// The routes the ToR learned over BGP and installed.
pub fn tor_routes(lab: &Lab) {
    println!("Routes the ToR learned from the hosts (one block per host):");
    let (cmd, out) = vtysh(lab, "show ip route bgp");
    shown(&cmd, out);
    println!();
}

/// Each host's routing table: its own block (blackhole), its containers
/// (/32 per veth) and the other hosts' blocks via the ToR.
pub fn host_routes(lab: &Lab) {
    println!("Host routing tables (bgpd installs other hosts' blocks; felix and CNI the /32s):");
    for h in &HOSTS {
        let ns = lab.ns(h.name).unwrap_or("?");
        let argv = ["ip", "-n", ns, "route"];
        shown(
            &crate::cmd::cmdline(&argv),
            crate::cmd::run(&argv).map_err(anyhow::Error::from),
        );
    }
    println!();
}

/// How to look around (with `--keep`) and how to remove the lab.
pub fn explore(lab: &Lab, netctl: &Netctl, containers: &[Container], paths: &Paths, keep: bool) {
    let ns = |r: &str| lab.ns(r).unwrap_or("?").to_owned();
    let (fe, be) = (WORKLOADS[0], WORKLOADS[4]);
    let from = format!("{APP_NAMESPACE}/{}", fe.endpoint());
    let to = format!("{APP_NAMESPACE}/{}", be.endpoint());
    let trace = [
        "policy",
        "trace",
        "--from",
        &from,
        "--to",
        &to,
        "--protocol",
        "tcp",
        "--port",
        "8080",
    ];
    println!("Why {} may reach {}:", fe.name, be.name);
    shown(&netctl.shown(&trace), netctl.run(&trace));
    println!();
    if keep {
        println!("The lab stays up. Explore it:");
    } else {
        println!("Run `lab-demo --keep` to leave the lab up and explore it like this:");
    }
    println!(
        "  ip netns exec {} bash                  # a shell on host1",
        ns("host1")
    );
    println!(
        "  ip netns exec {} nft list ruleset      # felix's policy on host1",
        ns("host1")
    );
    println!(
        "  ip netns exec {} vtysh --vty_socket {} -c 'show ip bgp'",
        ns("tor"),
        tor_vty(lab)
    );
    let podman = lab
        .podman()
        .filter(|_| containers.iter().any(|c| c.podman_id.is_some()));
    if let Some(p) = podman {
        println!("  {}", p.shown(&["ps"]));
        println!("  {}", p.shown(&["exec", "-it", fe.name, "sh"]));
        println!("  {}", p.shown(&["exec", fe.name, "ip", "route"]));
    }
    let find = |name: &str| containers.iter().find(|c| c.w.name == name);
    if let (Some(f), Some(b)) = (find(fe.name), find(be.name)) {
        let netns = match &f.netns {
            NetnsRef::Path(p) => p.display().to_string(),
            NetnsRef::Node(role) => format!("/run/netns/{}", ns(role)),
        };
        println!(
            "  nsenter --net={netns} {} tcp {}:{}   # a matrix probe from {}",
            paths.bin_dir.join("lab-demo").display(),
            b.ip,
            be.port(),
            fe.name
        );
    }
    println!(
        "  {}",
        netctl.shown(&[
            "get",
            "workloadendpoints",
            "-n",
            APP_NAMESPACE,
            "-o",
            "wide"
        ])
    );
    println!(
        "  {}",
        netctl.shown(&["get", "networkpolicies", "-n", APP_NAMESPACE])
    );
    println!("  {}", netctl.shown(&trace));
    println!(
        "  Logs: {}/<host>/{{felix,confd,bgpd,cni}}.log   State: {}",
        paths.log_dir.display(),
        paths.state_dir.display()
    );
    println!(
        "  Remove it: {} --down\n",
        paths.bin_dir.join("lab-demo").display()
    );
}
