//! Reconcilers, one per kernel object kind: dump what felix owns, diff
//! against the plan (pure, table-tested), apply only the delta.
//!
//! - [`nft`]: the `inet terrace` table, one atomic transaction per change
//!   (a netlink batch or `nft -f`).
//! - [`routes`]: routes with protocol [`crate::ROUTE_PROTOCOL`], via rtnetlink.
//! - [`links`]: per-interface sysctls under `/proc/sys`.
//! - [`link_watch`]: interfaces appearing, so late veths are programmed.

pub mod link_watch;
pub mod links;
pub mod nft;
pub mod nft_dump;
pub mod route_batch;
pub mod routes;
pub mod routes_diff;
