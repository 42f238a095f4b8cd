//! Routing information bases (RFC 4271 §3.2, §9): the Adj-RIBs-In and the Loc-RIB with
//! the decision process and ECMP in one table of stored paths (modules `path`, `loc`),
//! per-peer exports with export policy whose Adj-RIB-Out is derived rather than
//! stored (`adj_out`), route reflection (RFC 4456), Graceful Restart stale routes
//! (RFC 4724) and origination. Routes name their peer by a compact number
//! (`peer_index`, held with the configured peers in `peers`); the per-family tables
//! are sharded (`shards`).
//!
//! [`Rib`] (module `speaker`, which alone sees its fields) is the entry point; each
//! method returns a [`RibOutput`] (FIB deltas, advertisements per peer, sessions to
//! close, stale timers) for the driver to apply.
//! With a [`NextHopTable`] set, routes whose next hop is unresolvable stay out of the
//! decision process (RFC 4271 §9.1.2); without one every next hop counts as reachable.
//! After our own restart, [`Rib::start_deferral`] holds results back until the peers'
//! End-of-RIB (RFC 4724 §4.1). Attribute sets are interned ([`intern`]) so routes share them.

mod adj_out;
mod advert;
pub mod decision;
mod deferral;
mod export;
mod exports;
mod fib;
mod import;
pub mod intern;
mod loc;
pub mod nexthop;
mod origination;
mod path;
mod peer_index;
mod peer_policy;
mod peers;
pub mod policy;
mod shards;
mod speaker;
mod types;

pub use adj_out::OutPaths;
pub use advert::{Advert, pack};
pub use export::export;
pub use fib::FibDelta;
pub use import::{ImportReject, import};
pub use nexthop::{Gateway, KernelRoute, NextHopTable, Resolved};
pub use origination::originated;
pub use peer_policy::{NextHopMode, PeerPolicy, RibConfig};
pub use speaker::{Rib, RibOutput, StaleTimer};
pub use types::{Candidate, PeerId, PeerInfo, RibAttrs};
