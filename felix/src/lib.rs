//! felix: Terrace's per-host dataplane agent. It turns the datastore's desired
//! state (local endpoints, the policies that select them, pools and blocks)
//! into kernel state: /32 and /128 routes, interface sysctls and one nftables
//! table, `inet terrace`, that it owns.
//!
//! Layout (pure logic first, I/O last):
//! - [`calc`]: resources in, [`calc::Plan`] out (routes, sysctls, per-endpoint
//!   tier/policy/profile order, IP set contents), kept current incrementally
//!   by [`calc::Engine`]. No I/O.
//! - [`sets`]: named sets and maps as data (family, key, elements), which
//!   `calc` fills and `nft` declares; shared so neither depends on the other.
//! - [`nft`]: the plan compiled into an [`nft::Table`] (named sets, verdict
//!   maps, policy-group and policy chains) and kept current piece by piece;
//!   the change between two tables as a [`nft::Delta`], written as one
//!   nf_tables netlink batch (elements and group chains) or one `nft -f`
//!   transaction (everything else); a simulator of the compiled table for
//!   tests. Pure, except the netlink socket.
//! - [`reconcile`]: one reconciler per kernel object kind (routes, links,
//!   the nft table): diff against what felix last wrote (or a dump, on
//!   resyncs), apply only the delta.
//! - [`daemon`]: list-then-watch the datastore, fold batches of events into
//!   the engine, reconcile; health and Prometheus metrics over HTTP.
//!
//! Ownership without history: routes carry protocol [`ROUTE_PROTOCOL`], the
//! nft table is [`nft::TABLE`], workload interfaces start with the prefix
//! from FelixConfiguration (default `tr`). felix never flushes on start.
//!
//! Tests: `cargo test -p felix` (as root: the kernel tests build namespaces
//! with the `integration` lab, run felix as a process and probe with real
//! packets; they need python3, iperf3, etcd and curl). Figures:
//! `cargo bench -p felix` (see docs/performance.md). Why felix writes
//! nftables the way it does: docs/decisions/0003-felix-nft-write-paths.md.
//!
//! Known gaps: tier, profile, namespace and settings changes rebuild the
//! whole plan (endpoint, policy and network-set changes are incremental);
//! host endpoints with `interfaceName: "*"`, applyOnForward, preDNAT and
//! doNotTrack are not programmed; host-to-local-workload traffic is allowed
//! without the workload's ingress policy (Calico's iptables behaviour).

pub mod calc;
pub mod daemon;

pub mod hash;
pub mod nft;
pub mod reconcile;
pub mod sets;

/// The route protocol number felix tags its routes with (`ip route ... proto 86`).
/// Chosen outside the numbers iproute2 names and away from Calico's 80, BIRD's 12
/// and zebra's 11/186, so a dump filtered on it holds exactly felix's routes.
pub const ROUTE_PROTOCOL: u8 = 86;
