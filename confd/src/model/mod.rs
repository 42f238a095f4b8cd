//! The pure heart of confd: from the BGP-related resources in the datastore
//! to this node's desired BGP speaker configuration. No I/O; the renderer
//! turns a [`SpeakerConfig`] into bgpd's file.

pub mod inputs;
pub mod mesh;
pub mod origination;
pub mod peers;
pub mod speaker;

pub use inputs::{Inputs, NodeInfo};
pub use speaker::{ModelError, Peer, PeerKind, SpeakerConfig, build};
