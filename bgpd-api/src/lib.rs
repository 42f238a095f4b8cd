//! What bgpd shares with the programs that drive it, and nothing of the daemon itself:
//! confd and netctl depend on this crate, not on bgpd.
//!
//! - [`pb`]: the management API's protobuf messages and gRPC client and server stubs
//!   (proto/bgpd.proto), served by bgpd on a unix socket.
//! - [`client`]: dialling a local bgpd's API socket.
//! - [`schema`]: bgpd's configuration file (TOML) as one `Serialize + Deserialize`
//!   type: confd builds it and writes it, bgpd reads it and checks every value.

pub mod client;
pub mod schema;

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
