//! Reconcilers, one per kernel object kind: dump what felix owns, diff
//! against the plan (pure, table-tested), apply only the delta.
//!
//! - [`nft`]: the `inet terrace` table, one atomic `nft -f` transaction.
//! - [`routes`]: routes with protocol [`crate::ROUTE_PROTOCOL`], via rtnetlink.
//! - [`links`]: per-interface sysctls under `/proc/sys`.

pub mod links;
pub mod nft;
pub mod nft_dump;
pub mod routes;
pub mod routes_diff;
