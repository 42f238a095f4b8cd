//! Kernel FIB via rtnetlink: best routes installed with bgpd's own route protocol
//! number [`ROUTE_PROTOCOL`] and metric [`ROUTE_METRIC`], ECMP as multipath routes.
//!
//! Never flushes: on start the routes of our protocol are read ([`KernelFib::dump`]) and
//! kept forwarding (Graceful Restart); once the RIB has re-converged, [`plan::leftovers`]
//! names the ones nobody re-announced, and only those are deleted.
//!
//! Next hops are resolved recursively (RFC 4271 §9.1.2) against the main table
//! ([`crate::rib::NextHopTable`]): a route is installed via the gateway of the route that
//! resolves its BGP next hop (or via the next hop itself when it is directly connected),
//! an IPv6 link-local gateway with its interface ([`crate::rib::Gateway`]).
//! [`Monitor`] reports route, address and link changes so the table is dumped again.

mod kernel;
mod monitor;
pub mod plan;

pub use kernel::{FibError, KernelFib};
pub use monitor::Monitor;

/// Route protocol number of bgpd's routes (`ip route ... proto 89`). Felix uses 86 and
/// the CNI plugin 87; the kernel's RTPROT_BGP (186) belongs to FRR/zebra, BIRD uses 12.
pub const ROUTE_PROTOCOL: u8 = 89;

/// Metric (priority) of bgpd's routes: above felix's local /32s (metric 0) so a local
/// endpoint always wins over a route learned by BGP.
pub const ROUTE_METRIC: u32 = 20;
