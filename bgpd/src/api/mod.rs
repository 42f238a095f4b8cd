//! Management API: tonic gRPC on a unix socket (proto/bgpd.proto): peers with state,
//! uptime, negotiated capabilities, prefix counts, counters and last error; Loc-RIB
//! queries by prefix or peer; reload; soft reset of one peer.
//! [`client::connect`] dials it for netctl and confd.

pub mod client;
mod server;

pub use server::{ApiError, ApiService, serve};

/// Generated protobuf and gRPC code.
#[allow(
    missing_docs,
    missing_debug_implementations,
    clippy::all,
    unreachable_pub
)]
pub mod pb {
    tonic::include_proto!("terrace.bgpd.v1");
}
