//! The network-namespace lab: topologies of hosts, containers and routers
//! built from namespaces and veth links, torn down on drop.
//!
//! Layout:
//! - [`naming`]: per-run prefixes (`tlab-<pid>-<n>-<role>`) and name rules.
//! - [`topology`]: the model, YAML loading, Rust builder, pure build plan.
//! - [`lab`]: [`Lab`], which builds a topology and owns everything it made.
//! - [`process`]: daemons in namespaces with captured logs ([`Daemon`]).
//! - [`lab::teardown`], [`gc`]: removal on drop and of killed runs' leftovers.
//! - [`wait`]: [`wait_until`], the only way to wait.
//! - [`probe`]: TCP/UDP/ICMP probes with a [`ProbeOutcome`], and a continuous ping
//!   that counts losses ([`PingStream`]).
//! - [`reads`]: typed `ip -j route`, `ip -j addr`, `nft -j list ruleset`.
//! - [`routers`]: BIRD, FRR and GoBGP as lab nodes behind one trait.
//! - [`podman`]: real containers in a private podman installation.
//! - [`exabgp`]: ExaBGP as a peer that sends what the test says, raw attributes too.
//! - [`cmd`], [`netns`], [`pids`]: thin wrappers over iproute2 and signals.
//! - [`bins`]: where the workspace's binaries are.
//! - [`demo`]: the `lab-demo` tour of the whole system.

pub mod bins;
pub mod cmd;
pub mod demo;
pub mod error;
pub mod exabgp;
pub mod gc;
pub mod lab;
pub mod naming;
pub mod netns;
pub mod pids;
pub mod podman;
pub mod probe;
pub mod process;
pub mod reads;
pub mod routers;
pub(crate) mod sync;
pub mod topology;
pub mod wait;

pub use error::LabError;
pub use lab::Lab;
pub use probe::stream::{PingStats, PingStream};
pub use probe::{NetnsRef, ProbeOutcome, Proto};
pub use process::Daemon;
pub use topology::Topology;
pub use wait::{wait_for, wait_until};
