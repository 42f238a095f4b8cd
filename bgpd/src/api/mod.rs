//! Management API: tonic gRPC on a unix socket (bgpd-api/proto/bgpd.proto): peers with state,
//! uptime, negotiated capabilities, prefix counts, counters and last error; Loc-RIB
//! queries by prefix or peer; reload; soft reset of one peer. The protobuf types and
//! the client netctl and confd dial it with live in the `bgpd-api` crate.

mod server;

pub use server::{ApiError, ApiService, serve};
