//! The nftables side: the plan compiled into a [`Table`] of named sets,
//! verdict maps and chains (pure), and the delta between a desired and an
//! actual table rendered as one `nft -f` transaction (pure).
//!
//! Packet path (Calico semantics, with packet marks):
//! - `hook-forward`: conntrack established/related accepted, invalid
//!   dropped; the source workload's egress chain (`wo-<iface>`, found by
//!   `iifname vmap @wl-from`) and then the destination workload's ingress
//!   chain (`wi-<iface>`, `oifname vmap @wl-to`). An endpoint chain that
//!   allows sets [`MARK_ACCEPT`] and returns, so an Allow at the source still
//!   faces the destination's ingress policy on the same host; a chain that
//!   denies drops. A workload-prefixed interface without a chain never gets
//!   the mark and is dropped.
//! - `hook-input`: workload egress chains, then DefaultEndpointToHostAction;
//!   host endpoint ingress chains (`hi-<iface>`, failsafe ports first).
//! - `hook-output`: host to local workloads is allowed (as in Calico); host
//!   endpoint egress chains (`ho-<iface>`, failsafe ports first).
//! - `hook-nat`: masquerade from natOutgoing pools to outside every pool.
//! - Endpoint chains: anti-spoofing, then per tier `jump` to each policy
//!   chain (`pi-`/`po-<id>`) while [`MARK_PASS`] is clear, return on
//!   [`MARK_ACCEPT`], the tier's default drop; then profile chains
//!   (`ri-`/`ro-<id>`); then drop.

pub mod compile;
pub mod delta;
pub mod model;
pub mod rules;

pub use compile::compile;
pub use delta::{Actual, ActualChain, render_delta};
pub use model::{Chain, SetDef, Table};

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
