//! The pure heart of confd: from the BGP-related resources in the datastore
//! to this node's desired BGP speaker configuration. No I/O; the renderer
//! turns a [`SpeakerConfig`] into bgpd's file.
//!
//! [`speaker`] builds the configuration from the sessions of [`mesh`] and
//! [`peers`] (BGPPeers) and the prefixes of [`origination`]; the types and
//! node facts those share live below them, in [`peer`], [`nodes`] and
//! [`error`], so the builders never import each other.

pub mod error;
pub mod inputs;
pub mod mesh;
pub mod nodes;
pub mod origination;
pub mod peer;
pub mod peers;
pub mod speaker;

pub use error::ModelError;
pub use inputs::{Inputs, NodeInfo};
pub use peer::{NextHop, Peer, PeerKind};
pub use speaker::{SpeakerConfig, build};
