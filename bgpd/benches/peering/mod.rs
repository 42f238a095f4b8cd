//! Shared by the convergence and kernel-install benchmarks: a star of network namespaces
//! around one target speaker, BIRD injectors that originate unique prefixes from a
//! static protocol, an optional BIRD monitor, and the target (bgpd or BIRD) as a real
//! process whose elapsed time and peak RSS are measured.
//!
//! ```text
//!   inj0 10.100.0.2 ──┐
//!   inj1 10.100.1.2 ──┼── target (bgpd | BIRD), AS 65000 ── mon 10.200.0.2 (BIRD)
//!   ...               │    10.100.i.1, 10.200.0.1
//!   injN 10.100.N.2 ──┘
//! ```
//!
//! Every peer of the target is passive, so the sessions start when the target starts
//! and the clock starts with it (the BIRD target dials at once: `connect delay time 0`,
//! instead of its 5 s default). Hold times are 90 s so a busy target never loses a
//! session to its own load.
#![allow(dead_code)]

use std::fmt::Write as _;
use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use integration::routers::RouterConfig;
use integration::routers::bird::Bird;
use integration::{Daemon, Lab, Topology, wait_until};

pub mod measure;

/// Which program is the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Terrace's bgpd (this crate's release binary).
    Bgpd,
    /// BIRD 2.
    Bird,
}

impl Target {
    pub fn name(self) -> &'static str {
        match self {
            Target::Bgpd => "bgpd",
            Target::Bird => "BIRD",
        }
    }
}

pub const TARGET_AS: u32 = 65000;
pub const MONITOR_AS: u32 = 65200;
pub const MONITOR_ADDR: &str = "10.200.0.2";

pub fn injector_as(i: usize) -> u32 {
    65100 + u32::try_from(i).unwrap()
}

pub fn injector_addr(i: usize) -> String {
    format!("10.100.{i}.2")
}

pub fn target_addr_towards(i: usize) -> String {
    format!("10.100.{i}.1")
}

/// The `k`-th of the unique /24s injector `i` of `m` originates, from 16.0.0.0 up
/// (never one of the lab's own link addresses).
pub fn prefix(i: usize, m: usize, k: usize) -> String {
    let n = u32::try_from(i * m + k).unwrap();
    let addr = Ipv4Addr::from(0x1000_0000 + (n << 8));
    format!("{addr}/24")
}

/// Namespaces and links for `injectors` injectors, the target and (optionally) the
/// monitor.
pub fn build_lab(injectors: usize, monitor: bool) -> Lab {
    let mut b = Topology::builder().router("target");
    for i in 0..injectors {
        let node = format!("inj{i}");
        let (a, t) = (
            format!("{}/30", injector_addr(i)),
            format!("{}/30", target_addr_towards(i)),
        );
        b = b
            .host(&node)
            .link((&node, "eth0", &a), ("target", &format!("i{i}"), &t));
    }
    if monitor {
        b = b.host("mon").link(
            ("mon", "eth0", "10.200.0.2/30"),
            ("target", "mon", "10.200.0.1/30"),
        );
    }
    let mut lab = Lab::new().unwrap();
    lab.build(&b.build().unwrap()).unwrap();
    lab
}

/// BIRD config text of injector `i`: `m` static blackhole routes, exported to the
/// target over a passive eBGP session.
fn injector_config(i: usize, m: usize) -> String {
    let mut s = format!(
        "router id {};\nprotocol device {{ scan time 60; }}\nprotocol static announced {{\n  ipv4;\n",
        injector_addr(i)
    );
    for k in 0..m {
        let _ = writeln!(s, "  route {} blackhole;", prefix(i, m, k));
    }
    let _ = write!(
        s,
        "}}\nprotocol bgp peer_{} {{\n  local {} as {};\n  neighbor {} as {TARGET_AS};\n  passive on;\n  \
         hold time 90; keepalive time 30;\n  ipv4 {{ import none; export where proto = \"announced\"; }};\n}}\n",
        target_addr_towards(i).replace('.', "_"),
        injector_addr(i),
        injector_as(i),
        target_addr_towards(i),
    );
    s
}

fn bird_with(lab: &Lab, role: &str, text: String) -> Bird {
    let mut cfg = RouterConfig::new(Ipv4Addr::new(10, 0, 0, 1), TARGET_AS);
    cfg.config_text = Some(text);
    Bird::start(lab, role, &cfg).unwrap()
}

/// Routes in a BIRD's table (`show route count`).
pub fn bird_route_count(bird: &Bird) -> Option<u64> {
    let out = bird.birdc("show route count").ok()?;
    // "400000 of 400000 routes for 400000 networks in table master4"
    out.lines()
        .find(|l| l.contains(" routes for "))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Waits until every BGP protocol of a passive BIRD listens ("Passive" in
/// `show protocols`), so the target's first connection is accepted.
fn wait_listening(bird: &Bird, what: &str) {
    wait_until(Duration::from_secs(60), what, || {
        bird.birdc("show protocols").is_ok_and(|out| {
            let bgp: Vec<&str> = out.lines().filter(|l| l.contains(" BGP ")).collect();
            !bgp.is_empty() && bgp.iter().all(|l| l.contains("Passive"))
        })
    })
    .unwrap();
}

/// Whether every BGP session of a BIRD is Established.
pub fn bird_established(bird: &Bird) -> bool {
    bird.birdc("show protocols").is_ok_and(|out| {
        let bgp: Vec<&str> = out.lines().filter(|l| l.contains(" BGP ")).collect();
        !bgp.is_empty() && bgp.iter().all(|l| l.contains("Established"))
    })
}

/// Starts the injectors and waits until each has loaded its static routes.
pub fn start_injectors(lab: &Lab, n: usize, m: usize) -> Vec<Bird> {
    let birds: Vec<Bird> = (0..n)
        .map(|i| bird_with(lab, &format!("inj{i}"), injector_config(i, m)))
        .collect();
    for (i, b) in birds.iter().enumerate() {
        wait_until(
            Duration::from_secs(300),
            &format!("injector {i} loaded"),
            || bird_route_count(b) == Some(m as u64),
        )
        .unwrap();
        wait_listening(b, &format!("injector {i} listening"));
    }
    birds
}

/// Starts the monitor: a passive eBGP peer of the target that imports everything.
pub fn start_monitor(lab: &Lab) -> Bird {
    let text = format!(
        "router id {MONITOR_ADDR};\nprotocol device {{ scan time 60; }}\n\
         protocol bgp peer_10_200_0_1 {{\n  local {MONITOR_ADDR} as {MONITOR_AS};\n  \
         neighbor 10.200.0.1 as {TARGET_AS};\n  passive on;\n  hold time 90; keepalive time 30;\n  \
         ipv4 {{ import all; export none; }};\n}}\n"
    );
    let bird = bird_with(lab, "mon", text);
    wait_listening(&bird, "monitor listening");
    bird
}

/// The running target and how to read its peak memory.
pub struct RunningTarget {
    pub daemon: Option<Daemon>,
    pub bird: Option<Bird>,
    pub pid: u32,
    pub started: Instant,
}

/// Starts the target peering with `injectors` injectors (and the monitor): bgpd with
/// `fib` (kernel FIB) or without; BIRD with `fib` = a kernel protocol exporting all.
pub fn start_target(
    lab: &Lab,
    target: Target,
    injectors: usize,
    monitor: bool,
    fib: bool,
) -> RunningTarget {
    match target {
        Target::Bgpd => {
            let path = lab.dir().join("bgpd.toml");
            std::fs::write(&path, bgpd_config(injectors, monitor)).unwrap();
            let bin = env!("CARGO_BIN_EXE_bgpd");
            let mut args = vec![
                bin.to_owned(),
                "--config".into(),
                path.display().to_string(),
            ];
            if !fib {
                args.push("--no-fib".into());
            }
            let started = Instant::now();
            let d = lab.spawn("target", "bgpd", &args).unwrap();
            RunningTarget {
                pid: d.pid(),
                daemon: Some(d),
                bird: None,
                started,
            }
        }
        Target::Bird => {
            let started = Instant::now();
            let b = bird_with(lab, "target", bird_target_config(injectors, monitor, fib));
            let pid = bird_pid(lab);
            RunningTarget {
                pid,
                daemon: None,
                bird: Some(b),
                started,
            }
        }
    }
}

fn bird_pid(lab: &Lab) -> u32 {
    let path: PathBuf = lab.dir().join("bird-target").join("bird.pid");
    let text = std::fs::read_to_string(&path).unwrap();
    text.trim().parse().unwrap()
}

fn bgpd_config(injectors: usize, monitor: bool) -> String {
    let mut s =
        format!("router_id = \"10.200.0.1\"\nasn = {TARGET_AS}\ngraceful_restart_time = 0\n");
    // Like BIRD's `import none` / `export none`: injectors are told nothing, the
    // monitor's (empty) announcements are ignored.
    let mut peer = |name: &str, addr: &str, asn: u32, refuse: &str| {
        let _ = write!(
            s,
            "[[peers]]\nname = \"{name}\"\naddress = \"{addr}\"\nremote_as = {asn}\n\
             hold_time = 90\nconnect_retry_time = 1\nfamilies = [\"ipv4-unicast\"]\n\
             [peers.{refuse}]\ndefault = \"reject\"\n"
        );
    };
    for i in 0..injectors {
        peer(
            &format!("inj{i}"),
            &injector_addr(i),
            injector_as(i),
            "export",
        );
    }
    if monitor {
        peer("mon", MONITOR_ADDR, MONITOR_AS, "import");
    }
    s
}

fn bird_target_config(injectors: usize, monitor: bool, fib: bool) -> String {
    let mut s = "router id 10.200.0.1;\nprotocol device { scan time 60; }\n".to_owned();
    if fib {
        s.push_str("protocol kernel {\n  ipv4 { import none; export all; };\n  scan time 60;\n}\n");
    }
    let mut peer = |addr: &str, asn: u32, local: &str, import: bool| {
        let (im, ex) = if import {
            ("all", "none")
        } else {
            ("none", "all")
        };
        let _ = write!(
            s,
            "protocol bgp peer_{} {{\n  local {local} as {TARGET_AS};\n  neighbor {addr} as {asn};\n  \
             hold time 90; keepalive time 30; connect retry time 1;\n  \
             connect delay time 0;\n  ipv4 {{ import {im}; export {ex}; }};\n}}\n",
            addr.replace('.', "_")
        );
    };
    for i in 0..injectors {
        peer(
            &injector_addr(i),
            injector_as(i),
            &target_addr_towards(i),
            true,
        );
    }
    if monitor {
        peer(MONITOR_ADDR, MONITOR_AS, "10.200.0.1", false);
    }
    s
}
