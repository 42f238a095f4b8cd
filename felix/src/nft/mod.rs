//! The nftables side: the plan compiled into a [`Table`] of named sets,
//! verdict maps and chains, kept current piece by piece ([`Compiler`]); the
//! difference between two tables as a [`Delta`], rendered as one `nft -f`
//! transaction or encoded as one nf_tables netlink batch ([`netlink`]).
//! Pure, except [`netlink::socket`].
//!
//! Packet path (Calico semantics, with packet marks):
//! - `hook-forward`: conntrack established/related accepted, invalid
//!   dropped; anti-spoofing (a workload's `iifname . saddr` must be in
//!   `wl-src-*`/`wl-srcnet-*`, so an unknown workload interface sends
//!   nothing); the source workload's egress group chain (`go-<hash>`, found
//!   by `iifname vmap @wl-from`), then the destination workload's ingress
//!   group chain (`gi-<hash>`, `oifname vmap @wl-to`). A group chain that
//!   allows sets [`MARK_ACCEPT`] and returns, so an Allow at the source still
//!   faces the destination's ingress policy on the same host; one that
//!   denies drops. A workload-prefixed interface without an entry never gets
//!   the mark and is dropped.
//! - `hook-input`: workload egress, then DefaultEndpointToHostAction; host
//!   endpoint ingress chains (`hi-<iface>`, failsafe ports first).
//! - `hook-output`: host to local workloads is allowed (as in Calico); host
//!   endpoint egress chains (`ho-<iface>`, failsafe ports first).
//! - `hook-nat`: masquerade from natOutgoing pools to outside every pool.
//! - Group and host endpoint chains: per tier a `jump` to each policy chain
//!   (`pi-`/`po-<id>`) while [`MARK_PASS`] is clear, return on
//!   [`MARK_ACCEPT`], the tier's default drop; then profile chains
//!   (`ri-`/`ro-<id>`); then drop.

pub mod compile;
pub mod delta;
pub mod mark_rule;
pub mod matches;
pub mod model;
pub mod netlink;
pub mod rules;
pub mod sim;

pub use compile::{Compiler, compile};
pub use delta::{Actual, ActualChain, Delta, DeltaSummary, full_delta};
pub use model::{Chain, Table};

/// The one table felix owns.
pub const TABLE: &str = "terrace";
/// Full name of the table, as nft commands spell it.
pub const TABLE_REF: &str = "inet terrace";
/// Mark bit: the endpoint chain allowed the packet.
pub const MARK_ACCEPT: u32 = 0x0001_0000;
/// Mark bit: a Pass rule fired; skip the rest of the tier.
pub const MARK_PASS: u32 = 0x0002_0000;
/// Recognisable prefix of Log rules in the kernel log.
pub const LOG_PREFIX: &str = "terrace-log";

#[cfg(test)]
mod tests;
