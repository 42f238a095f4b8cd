//! Helpers shared by the lab tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod stack;

use std::net::IpAddr;
use std::time::Duration;

use integration::{Lab, Topology};

/// Probe timeout: generous, the machine is loaded.
pub const PROBE: Duration = Duration::from_secs(5);
/// Deadline for BGP convergence and daemons.
pub const CONVERGE: Duration = Duration::from_secs(60);

/// The example topology shipped in `topologies/`.
pub fn two_hosts_tor() -> Topology {
    Topology::from_file(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/topologies/two-hosts-tor.yaml"
    ))
    .unwrap()
}

/// An empty lab using this package's `lab-probe`.
pub fn new_lab() -> Lab {
    let mut lab = Lab::new().unwrap();
    lab.set_probe_bin(env!("CARGO_BIN_EXE_lab-probe"));
    lab
}

/// A lab with `t` built.
pub fn lab_with(t: &Topology) -> Lab {
    let mut lab = new_lab();
    lab.build(t).unwrap();
    lab
}

/// Parses an address literal.
pub fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}
