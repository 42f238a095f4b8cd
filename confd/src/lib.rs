//! confd: renders this host's bgpd configuration from the datastore.
//!
//! Layout: [`node`] registers this host's Node (address autodetection,
//! identity checks); [`model`] is the pure calculation (resources in, the node's desired
//! speaker configuration out: mesh, BGPPeers, route reflection, originated
//! prefixes and communities); [`screen`] keeps records that do not decode or
//! validate away from it. The renderer to bgpd's file and the watch loop build
//! on them.

pub mod bgpd_file;
pub mod daemon;
pub mod metrics;
pub mod model;
pub mod node;
pub mod render;
pub mod screen;
